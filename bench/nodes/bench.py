#!/usr/bin/env python3
"""bench/nodes: 1, 2 and 3 `undersign serve` nodes on one PostgreSQL database,
on this one machine. For each node count, wrk (2 threads) runs against every
node at once: the letter page (64 connections per node), then the durable
signature POST as a trusted client (64 per node). Prints each total with the
CPU of the nodes and of PostgreSQL, so that one sees where the time goes.

BENCH_DATABASE: the server to make the benchmark's database on
(default postgres://postgres@127.0.0.1/postgres); it is dropped after.
"""
import os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from bench import BIN, HERE, free_port, postgres_cpu_seconds, cpu_seconds, psql  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "postgres://postgres@127.0.0.1/postgres")
SLUG = "nodes-letter"
DURATION = os.environ.get("BENCH_DURATION", "6s")
LIMITS = {"UNDERSIGN_SIGNATURE_BURST_PER_NETWORK": "1000000000", "UNDERSIGN_SIGNATURES_PER_HOUR_PER_NETWORK": "1000000000",
          "UNDERSIGN_SIGNATURE_BURST_PER_DOMAIN": "1000000000", "UNDERSIGN_SIGNATURES_PER_HOUR_PER_DOMAIN": "1000000000",
          "UNDERSIGN_BURST_FLAG_PER_10_MINUTES": "1000000000"}


def run_all(bases, path, script=None, env=None):
    """wrk against every node at once; returns the summed rate."""
    cmd = ["wrk", "-t2", "-c64", f"-d{DURATION}", "--timeout", "10s"]
    if script:
        cmd += ["-s", os.path.join(HERE, script)]
    runs = [subprocess.Popen(cmd + [base + path], stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
            for base in bases]
    return sum(float(re.search(r"Requests/sec:\s+([\d.]+)", r.communicate()[0]).group(1)) for r in runs)


def main():
    name = f"undersign_nodes_{os.getpid()}"
    psql(DATABASE, f"DROP DATABASE IF EXISTS {name}")
    psql(DATABASE, f"CREATE DATABASE {name}")
    url = DATABASE[:DATABASE.rfind("/")] + "/" + name
    data = tempfile.mkdtemp(prefix="undersign-nodes-")
    env = {**os.environ, **LIMITS, "UNDERSIGN_DATA": data, "UNDERSIGN_DATABASE_URL": url, "RUST_LOG": "warn"}
    servers = []
    try:
        letter = os.path.join(data, "letter.md")
        with open(letter, "w") as f:
            f.write(f"---\ntitle: Nodes\nslug: {SLUG}\naddressee: To all\ncommunity: scientists\nlanguage: en\n---\nWe measure.\n")
        subprocess.run([BIN, "letter", "publish", letter], env=env, check=True, capture_output=True)
        token = subprocess.run([BIN, "token", "create", "nodes"], env=env, check=True, capture_output=True, text=True).stdout.strip()
        print(f"{'nodes':>5} {'request':<24} {'total req/s':>11} {'nodes CPU %':>11} {'PostgreSQL CPU %':>16}")
        for count in (1, 2, 3):
            while len(servers) < count:
                port = free_port()
                servers.append((subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{port}"], env=env),
                                f"http://127.0.0.1:{port}"))
                for _ in range(100):
                    try:
                        urllib.request.urlopen(servers[-1][1] + "/healthz")
                        break
                    except OSError:
                        time.sleep(0.1)
            bases = [base for _, base in servers]
            for label, path, script, extra in [("GET letter page", f"/letters/{SLUG}", None, None),
                                               ("POST signature (token)", "/", "sign.lua", {"TOKEN": token, "LETTER": SLUG})]:
                nodes_before = sum(cpu_seconds(p.pid) for p, _ in servers)
                db_before, started = postgres_cpu_seconds(), time.time()
                rate = run_all(bases, path, script, extra)
                elapsed = time.time() - started
                nodes_cpu = (sum(cpu_seconds(p.pid) for p, _ in servers) - nodes_before) / elapsed * 100
                db_cpu = (postgres_cpu_seconds() - db_before) / elapsed * 100
                print(f"{count:>5} {label:<24} {rate:>11.0f} {nodes_cpu:>11.0f} {db_cpu:>16.0f}")
    finally:
        for process, _ in servers:
            process.send_signal(signal.SIGTERM)
        for process, _ in servers:
            process.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)
        psql(DATABASE, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
