#!/usr/bin/env python3
"""bench/scale: a letter with N (default 1,000,000) confirmed signatures.

Builds the data folder with the bulk import path (examples/scale_build), starts
the release server on it, and measures: letter page, count JSON, badge, first and
last page of the signer list and a name search (each 300 sequential requests:
p50 and p99), CSV export throughput and the server's memory during it,
`undersign verify` of the whole log, server RSS, database + WAL size.

BENCH_DATABASE=postgres://user@host/db runs the same on PostgreSQL: the SQLite
instance is built as above, moved with `undersign migrate` into a database made
for the run (its time and peak memory are printed), and served from there; the
database is dropped after.
"""
import os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
BIN = os.path.join(TARGET, "release/undersign")
BUILD = os.path.join(TARGET, "release/examples/scale_build")
SLUG = "million-letter"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid):
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


DATABASE = os.environ.get("BENCH_DATABASE")


def psql(url, sql):
    return subprocess.run(["psql", "-X", "-q", "-tA", "-d", url, "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def migrate(data, n):
    """Moves the instance into a fresh PostgreSQL database; returns its address and name."""
    name = f"undersign_scale_{os.getpid()}"
    psql(DATABASE, f"DROP DATABASE IF EXISTS {name}")
    psql(DATABASE, f"CREATE DATABASE {name}")
    url = DATABASE[:DATABASE.rfind("/")] + "/" + name
    started, peak = time.time(), 0
    process = subprocess.Popen([BIN, "migrate", "--data", data, "--to", url], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env={**os.environ, "RUST_LOG": "warn"})
    while process.poll() is None:
        try:
            peak = max(peak, memory(process.pid)[0])
        except (OSError, KeyError):
            pass
        time.sleep(0.1)
    seconds = time.time() - started
    out = process.stdout.read()
    if process.returncode != 0:
        sys.exit(f"undersign migrate failed:\n{out}")
    print(f"undersign migrate: {n:,} signatures in {seconds:.1f} s = {n / seconds:,.0f} signatures/s, "
          f"peak RSS {peak:.0f} MB; " + " | ".join(l for l in out.splitlines() if l.startswith(SLUG)))
    return url, name


def timed(url, n=300):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data = tempfile.mkdtemp(prefix="undersign-scale-")
    try:
        started = time.time()
        print(subprocess.run([BUILD, data, str(n)], check=True, capture_output=True, text=True, env={**os.environ, "RUST_LOG": "warn"}).stdout.strip())
        print(f"  (building took {time.time() - started:.0f} s in all)")
        pg = migrate(data, n) if DATABASE else None
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        engine = ["--database", pg[0]] if pg else []
        print(f"database: {'PostgreSQL ' + psql(pg[0], 'SHOW server_version') if pg else 'SQLite'}")
        server = subprocess.Popen([BIN, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"] + engine,
                                  env={**os.environ, "RUST_LOG": "warn"})
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            rows = [
                ("letter page", f"/letters/{SLUG}"),
                ("count JSON", f"/api/v1/letters/{SLUG}"),
                ("badge", f"/letters/{SLUG}/badge.svg"),
                ("signer list, first page", f"/letters/{SLUG}/signatures"),
                ("signer list, last page", f"/letters/{SLUG}/signatures?before=150"),
                ("name search", f"/letters/{SLUG}/signatures?q=signer%20123457"),
                ("search, common word", f"/letters/{SLUG}/signatures?q=moscow"),
            ]
            print(f"{'request':<26} {'p50 ms':>8} {'p99 ms':>8}")
            for name, path in rows:
                p50, p99 = timed(base + path)
                print(f"{name:<26} {p50:>8.2f} {p99:>8.2f}")
            rss_before, _ = memory(server.pid)
            started = time.time()
            total, lines, peak = 0, 0, 0
            with urllib.request.urlopen(f"{base}/letters/{SLUG}/signatures.csv") as response:
                while chunk := response.read(1 << 20):
                    total += len(chunk)
                    lines += chunk.count(b"\n")
                    peak = max(peak, memory(server.pid)[0])
            seconds = time.time() - started
            print(f"CSV export: {lines - 1:,} rows, {total / 1e6:.0f} MB in {seconds:.1f} s = {(lines - 1) / seconds:,.0f} rows/s; "
                  f"server RSS {rss_before:.0f} MB before, at most {peak:.0f} MB during")
            key = urllib.request.urlopen(f"{base}/letters/{SLUG}/log/key").read().decode().strip()
            started = time.time()
            out = subprocess.run([BIN, "verify", base, "--letter", SLUG, "--key", key], capture_output=True, text=True)
            print(f"undersign verify: {time.time() - started:.1f} s, exit {out.returncode}; "
                  + " | ".join(l.strip() for l in out.stdout.splitlines() if l.startswith(("tree size", "count"))))
            rss, hwm = memory(server.pid)
            if pg:
                db, what = int(psql(pg[0], f"SELECT pg_database_size('{pg[1]}')")), "PostgreSQL database"
            else:
                db = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("undersign.sqlite3"))
                what = "database + WAL"
            print(f"server RSS {rss:.0f} MB (peak {hwm:.0f} MB); {what} {db / 1e6:.0f} MB = {db / n:.0f} bytes per signature")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=120)
    finally:
        shutil.rmtree(data, ignore_errors=True)
        if DATABASE:
            psql(DATABASE, f"DROP DATABASE IF EXISTS undersign_scale_{os.getpid()} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
