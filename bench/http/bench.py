#!/usr/bin/env python3
"""bench/http: request rates of undersign's main paths against /healthz, in one run.

Starts the release binary on a fresh data folder, publishes a letter, and runs wrk
(2 threads) against: /healthz (the ceiling), the letter page, the count JSON, the
badge, the
signature POST as a trusted client (token, at 16/64/256 connections), the
signature POST with a real, pre-solved proof of work at normal difficulty (64
connections; each solution is used once), and the confirmation POST (64
connections; each link once). Limits are raised for the benchmark by
configuration (environment), not code. Prints req/s, p50, p99, server CPU and
each rate as a ratio to /healthz at the same connection count. The durable rows
also show requests per synced write: the rate divided by the disk's raw rate of
4 KiB O_DSYNC writes, measured in the same run (above 1, commits are grouped);
on PostgreSQL also requests per WAL flush (pg_stat_wal) and PostgreSQL's CPU.

BENCH_DATABASE=postgres://user@host/db runs the server on PostgreSQL instead of
SQLite: a fresh database is made on that server for the run and dropped after.
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
BIN = os.path.join(TARGET, "release/undersign")
SOLVER = os.path.join(TARGET, "release/examples/solve_challenges")
HERE = os.path.dirname(os.path.abspath(__file__))
SLUG = "bench-letter"
DURATION = os.environ.get("BENCH_DURATION", "6s")
CONNECTIONS = [16, 64, 256]
# The signature POST with a proof of work is what the targets name: at 16
# and 64 connections, each for POW_DURATION, with enough solutions to last it.
POW_CONNECTIONS = [16, 64]
POW_DURATION = os.environ.get("BENCH_POW_DURATION", "3s")
# The confirmation row: each link once, so it runs shorter than the others to
# stay within the links the signature rows produced (wrk divides by the whole
# duration even when a thread ran out early: a row that ran out is a lower bound,
# marked ≥).
CONFIRM_DURATION = os.environ.get("BENCH_CONFIRM_DURATION", "3s")
# Links kept for the row that reads pages while confirmations run.
MIXED_LINKS = 60000
# BENCH_MAIL=smtp: mail goes over SMTP to a local sink that discards it (the
# production transport) instead of into the outbox folder; the confirmation rows,
# which need the mailed links, are left out.
MAIL = os.environ.get("BENCH_MAIL", "file")
DATABASE = os.environ.get("BENCH_DATABASE")
SOLUTIONS = {16: int(os.environ.get("BENCH_SOLUTIONS_16", "30000")), 64: int(os.environ.get("BENCH_SOLUTIONS_64", "50000"))}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def postgres_cpu_seconds():
    """CPU time of every PostgreSQL process on this machine (the server's share of a row)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wal_syncs():
    """WAL flushes to disk since the statistics were reset (pg_stat_wal, all databases)."""
    return int(psql(DATABASE, "SELECT wal_sync FROM pg_stat_wal"))


def synced_write_rate(directory, seconds=2.0):
    """The disk's raw rate of synced writes: 4 KiB writes with O_DSYNC, each
    waiting for the disk, cycling over a 4 MiB file (what a commit costs at least)."""
    path = os.path.join(directory, "synced-write-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DSYNC, 0o600)
    block, n, started = b"\0" * 4096, 0, time.time()
    try:
        while time.time() - started < seconds:
            os.pwrite(fd, block, (n % 1024) * 4096)
            n += 1
    finally:
        os.close(fd)
        os.unlink(path)
    return n / (time.time() - started)


def wrk(pid, base, connections, path="/", script=None, env=None, duration=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration or DURATION}", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", os.path.join(HERE, script)]
    db_before, syncs_before = (postgres_cpu_seconds(), wal_syncs()) if DATABASE else (0, 0)
    before, started = cpu_seconds(pid), time.time()
    out = subprocess.run(cmd + [base + path], capture_output=True, text=True, env={**os.environ, **(env or {})}).stdout
    elapsed = time.time() - started
    cpu = (cpu_seconds(pid) - before) / elapsed * 100
    db_cpu = (postgres_cpu_seconds() - db_before) / elapsed * 100 if DATABASE else None
    syncs = wal_syncs() - syncs_before if DATABASE else None
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rate": rate, "p50": p50, "p99": p99, "cpu": cpu, "requests": requests,
            "non2xx": int(errors.group(1)) if errors else 0, "db_cpu": db_cpu, "wal_syncs": syncs}


def psql(url, sql):
    return subprocess.run(["psql", "-X", "-q", "-tA", "-d", url, "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def fresh_postgres():
    """A new database on BENCH_DATABASE's server; returns its address and name."""
    name = f"undersign_bench_{os.getpid()}"
    psql(DATABASE, f"DROP DATABASE IF EXISTS {name}")
    psql(DATABASE, f"CREATE DATABASE {name}")
    return DATABASE[:DATABASE.rfind("/")] + "/" + name, name


def main():
    data = tempfile.mkdtemp(prefix="undersign-bench-")
    pg = fresh_postgres() if DATABASE else None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "UNDERSIGN_DATA": data, "RUST_LOG": "warn",
           "UNDERSIGN_SIGNATURE_BURST_PER_NETWORK": "1000000000", "UNDERSIGN_SIGNATURES_PER_HOUR_PER_NETWORK": "1000000000",
           "UNDERSIGN_SIGNATURE_BURST_PER_DOMAIN": "1000000000", "UNDERSIGN_SIGNATURES_PER_HOUR_PER_DOMAIN": "1000000000",
           # One loopback address stands for many networks: no burst flags.
           "UNDERSIGN_BURST_FLAG_PER_10_MINUTES": "1000000000",
           "UNDERSIGN_POW_BURST_PER_MINUTE": "100000000",
           "UNDERSIGN_CHALLENGE_BURST_PER_NETWORK": "1000000000", "UNDERSIGN_CHALLENGES_PER_HOUR_PER_NETWORK": "1000000000"}
    if pg:
        env["UNDERSIGN_DATABASE_URL"] = pg[0]
        print(f"database: PostgreSQL ({psql(pg[0], 'SHOW server_version')}, synchronous_commit={psql(pg[0], 'SHOW synchronous_commit')})")
    else:
        print("database: SQLite in the data folder")
    letter = os.path.join(data, "letter.md")
    with open(letter, "w") as f:
        f.write(f"---\ntitle: Benchmark\nslug: {SLUG}\naddressee: To the benchmark\ncommunity: scientists\nlanguage: en\n---\nWe measure.\n")
    subprocess.run([BIN, "letter", "publish", letter], env=env, check=True, capture_output=True)
    token = subprocess.run([BIN, "token", "create", "bench"], env=env, check=True, capture_output=True, text=True).stdout.strip()
    sink = None
    if MAIL == "smtp":
        smtp_port = free_port()
        # Debian's python3-aiosmtpd (as the SMTP test uses), not a virtualenv's python.
        sink = subprocess.Popen(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                                 "-l", f"127.0.0.1:{smtp_port}"])
        env.update({"UNDERSIGN_MAIL_TRANSPORT": "smtp", "UNDERSIGN_SMTP_HOST": "127.0.0.1",
                    "UNDERSIGN_SMTP_PORT": str(smtp_port), "UNDERSIGN_SMTP_TLS": "none"})
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", smtp_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the SMTP sink did not start (apt-get install python3-aiosmtpd)")
        print(f"mail: SMTP to a local sink on port {smtp_port} (discarded)")
    server = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{port}"], env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        # One file of solved challenges per PoW row: each solution works once.
        payloads = {}
        started = time.time()
        for c in POW_CONNECTIONS:
            payloads[c] = os.path.join(data, f"payloads-{c}.txt")
            subprocess.run([SOLVER, base, SLUG, str(SOLUTIONS[c]), payloads[c]], check=True)
        solved = sum(SOLUTIONS[c] for c in POW_CONNECTIONS)
        print(f"solved {solved} challenges at normal difficulty in {time.time() - started:.0f} s (the clients' work, before the run)")
        rows = []
        DISK.append(synced_write_rate(data))
        for c in CONNECTIONS:
            ceiling = wrk(server.pid, base, c, "/healthz")
            rows.append(("GET /healthz", c, ceiling, ceiling))
            rows.append(("GET letter page", c, wrk(server.pid, base, c, f"/letters/{SLUG}"), ceiling))
            rows.append(("GET count JSON", c, wrk(server.pid, base, c, f"/api/v1/letters/{SLUG}"), ceiling))
            rows.append(("GET badge", c, wrk(server.pid, base, c, f"/letters/{SLUG}/badge.svg"), ceiling))
            rows.append(("POST signature (token)", c, wrk(server.pid, base, c, "/", "sign.lua", {"TOKEN": token, "LETTER": SLUG}), ceiling))
            if c in POW_CONNECTIONS:
                pow_run = wrk(server.pid, base, c, "/", "sign.lua", {"PAYLOADS": payloads[c], "LETTER": SLUG}, POW_DURATION)
                # Every solution used before the end: the rate is a lower bound.
                pow_run["exhausted"] = pow_run["requests"] >= SOLUTIONS[c]
                rows.append(("POST signature (PoW)", c, pow_run, ceiling))
        if MAIL == "smtp":
            DISK.append(synced_write_rate(data))
            print_table(rows, data, base)
            return 0
        # Confirmation links from the outbox (the mail worker writes them as it goes).
        time.sleep(3)
        links = []
        # Complete messages only: the transport writes under a hidden name, then renames.
        names = sorted(n for n in os.listdir(os.path.join(data, "outbox")) if n.endswith(".eml"))
        for name in names[:240000]:
            text = open(os.path.join(data, "outbox", name), errors="replace").read()
            m = re.search(r"http://127\.0\.0\.1:\d+(/confirm/[A-Za-z0-9_-]{43})\s", text)
            if m:
                links.append(m.group(1))
        # The last MIXED_LINKS for the mixed row, the rest for the confirmation row.
        links_file, mixed_links_file = os.path.join(data, "links.txt"), os.path.join(data, "links-mixed.txt")
        half = max(len(links) - MIXED_LINKS, len(links) // 2)
        with open(links_file, "w") as out:
            out.write("".join(link + "\n" for link in links[:half]))
        with open(mixed_links_file, "w") as out:
            out.write("".join(link + "\n" for link in links[half:]))
        ceiling = wrk(server.pid, base, 64, "/healthz")
        # While confirmations run at full speed, watch how many wait outside the log.
        waiting, stop = [], threading.Event()

        def watch():
            while not stop.is_set():
                letter = json.load(urllib.request.urlopen(f"{base}/api/v1/letters/{SLUG}"))["letter"]
                waiting.append(letter["being_added"])
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        confirm = wrk(server.pid, base, 64, "/", "confirm.lua", {"LINKS": links_file}, CONFIRM_DURATION)
        confirm["exhausted"] = confirm["requests"] >= half
        ended = time.time()
        while json.load(urllib.request.urlopen(f"{base}/api/v1/letters/{SLUG}"))["letter"]["being_added"] > 0:
            time.sleep(0.01)
        drained = time.time() - ended
        stop.set()
        watcher.join()
        rows.append(("POST confirmation", 64, confirm, ceiling))
        # Readers during a confirmation storm: the letter page at 64 connections
        # while 16 more connections confirm as fast as they can. Confirmations
        # must not throw the cached page away for every reader.
        storm = {}
        confirmer = threading.Thread(target=lambda: storm.update(wrk(server.pid, base, 16, "/", "confirm.lua", {"LINKS": mixed_links_file})))
        confirmer.start()
        time.sleep(0.5)
        mixed = wrk(server.pid, base, 64, f"/letters/{SLUG}", duration="4s")
        confirmer.join()
        rows.append(("GET page, confirming", 64, mixed, ceiling))
        DISK.append(synced_write_rate(data))
        ran_out = storm.get("requests", 0) >= len(links) - half
        print(f"while the page was read, {'≥ ' if ran_out else ''}{storm.get('rate', 0):.0f} confirmations/s ran beside it")
        print(f"confirmation links: {half} for the confirmation row, {len(links) - half} for the mixed row")
        # At most this many confirmations waited at once; at the confirmation rate
        # that bounds how long one waited for its checkpoint.
        most = max(waiting or [0])
        print(f"during the confirmation run at most {most} confirmed signatures waited outside the log "
              f"(≈ {most / max(confirm['rate'], 1):.2f} s of confirmations); after the run the log caught up in {drained:.2f} s")
        print_table(rows, data, base)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        if sink:
            sink.terminate()
        shutil.rmtree(data, ignore_errors=True)
        if pg:
            psql(DATABASE, f"DROP DATABASE IF EXISTS {pg[1]} WITH (FORCE)")


# The rows whose every request commits to disk.
DURABLE = ("POST signature (token)", "POST signature (PoW)", "POST confirmation")
# The disk's synced-write rate, measured in the same run (before the durable rows and at the end).
DISK = []


def print_table(rows, data, base):
    disk = sum(DISK) / len(DISK) if DISK else None
    if DISK:
        print("disk: " + ", then ".join(f"{r:.0f}" for r in DISK) + " synced 4 KiB writes/s (O_DSYNC) in this run")
    print(f"{'request':<24} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU %':>6} {'DB CPU %':>8} "
          f"{'× healthz':>9} {'non-2xx':>8} {'per sync':>8} {'per WAL sync':>12}")
    for name, c, r, ceiling in rows:
        bound = "≥" if r.get("exhausted") else " "
        db_cpu = f"{r['db_cpu']:.0f}" if r.get("db_cpu") is not None else "-"
        # Requests per synced write the disk can do: above 1, commits are grouped.
        per_sync = f"{r['rate'] / disk:.2f}" if disk and name in DURABLE else "-"
        per_wal = f"{r['requests'] / r['wal_syncs']:.1f}" if name in DURABLE and r.get("wal_syncs") else "-"
        print(f"{name:<24} {c:>5} {bound}{r['rate']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['cpu']:>6.0f} {db_cpu:>8} "
              f"{r['rate'] / ceiling['rate']:>9.2f} {r['non2xx']:>8} {per_sync:>8} {per_wal:>12}")
    if DATABASE:
        name = f"undersign_bench_{os.getpid()}"
        db = int(psql(DATABASE, f"SELECT pg_database_size('{name}')"))
        what = "database"
    else:
        db = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("undersign.sqlite3"))
        what = "database + WAL"
    count = json.load(urllib.request.urlopen(f"{base}/api/v1/letters/{SLUG}"))["letter"]
    print(f"{what}: {db / 1e6:.1f} MB; letter count {count['count']}, being added {count['being_added']}")


if __name__ == "__main__":
    sys.exit(main())
