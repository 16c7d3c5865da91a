"""The soak benchmark (bench/soak/run.sh): hours of a letter's life in minutes.

Load, all at once, at a moderate rate: 10 signatures a second (a trusted
client's token: the write path without the solving), their confirmations as the
mails arrive, a withdrawal for every twentieth confirmed signer, 40 page and
count reads a second across the letter's pages, a search and the CSV export
every 10 s. Samples the server every 30 s.
"""

import json, os, re, shutil, socket, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release/undersign")
MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
# SOAK_START_SIGNATURES=N (SQLite): the letter starts with N confirmed
# signatures, imported by examples/scale_build (bench/scale's builder), so the
# database is larger than SQLite's page caches from the first minute.
START = int(os.environ.get("SOAK_START_SIGNATURES", "0"))
BUILD = os.path.join(TARGET, "release/examples/scale_build")
SLUG = "million-letter" if START else "soak-letter"
QUIET = {**os.environ, "RUST_LOG": "warn", "UNDERSIGN_WITHDRAWAL_BATCH_SECONDS": "60",
         "UNDERSIGN_SIGNATURE_BURST_PER_NETWORK": "1000000", "UNDERSIGN_SIGNATURE_BURST_PER_DOMAIN": "1000000"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url, data=None, headers=None):
    try:
        with OPENER.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def size_of(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    work = tempfile.mkdtemp(prefix="undersign-soak-")
    admin = os.environ.get("BENCH_DATABASE")
    database, engine = None, []
    data = os.path.join(work, "data")
    os.makedirs(data)
    if admin:
        database = f"undersign_soak_{os.getpid()}"
        subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", f"CREATE DATABASE {database}"], check=True)
        engine = ["--database", admin.rsplit("/", 1)[0] + "/" + database]
    if START:
        if admin:
            sys.exit("SOAK_START_SIGNATURES works on SQLite only")
        print(subprocess.run([BUILD, data, str(START)], check=True, capture_output=True, text=True, env=QUIET).stdout.strip())
    else:
        letter = os.path.join(work, "letter.md")
        open(letter, "w").write(f"---\ntitle: Soak\nslug: {SLUG}\naddressee: To the court\ncommunity: scientists\n"
                                "language: en\n---\nWe ask.\n")
        subprocess.run([BIN, "letter", "publish", letter, "--data", data] + engine, check=True, capture_output=True, env=QUIET)
    token = subprocess.run([BIN, "token", "create", "soak", "--data", data] + engine, check=True,
                           capture_output=True, text=True, env=QUIET).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([BIN, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"] + engine,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=QUIET)
    stop = threading.Event()
    counts = {"signed": 0, "confirmed": 0, "withdrawn": 0, "reads": 0, "errors": 0}
    lock = threading.Lock()

    def note(key, ok=True):
        with lock:
            counts[key if ok else "errors"] += 1

    def paced(rate, action):
        n, started = 0, time.monotonic()
        while not stop.is_set():
            action(n)
            n += 1
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def sign(n):
        body = json.dumps({"name": f"Soak Signer {n}", "email": f"soak{n}@example.org", "consent": True,
                           "show_name": True}).encode()
        status = request(f"{base}/api/v1/letters/{SLUG}/signatures", body,
                         {"content-type": "application/json", "authorization": f"Bearer {token}"})
        note("signed", status == 202)

    pages = [f"/letters/{SLUG}", f"/api/v1/letters/{SLUG}", f"/letters/{SLUG}/signatures", "/",
             f"/letters/{SLUG}/badge.svg", f"/letters/{SLUG}/log/checkpoint", f"/letters/{SLUG}/verify"]

    def read(n):
        note("reads", request(base + pages[n % len(pages)]) == 200)

    def heavy(n):
        path = f"/letters/{SLUG}/signatures.csv" if n % 2 else f"/letters/{SLUG}/signatures?q=Signer+{n}"
        note("reads", request(base + path) == 200)

    def confirm_mail():
        outbox = os.path.join(data, "outbox")
        done = set()
        while not stop.is_set():
            for name in sorted(os.listdir(outbox)) if os.path.isdir(outbox) else []:
                if name in done or not name.endswith(".eml"):
                    continue
                done.add(name)
                path = os.path.join(outbox, name)
                text = open(path, errors="replace").read().replace("=\n", "")
                link = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", text)
                os.remove(path)  # the outbox would otherwise grow without end
                if not link:
                    continue
                link = link.group(0).replace(link.group(0).split("/confirm/")[0], base)
                ok = request(link, b"") in (200, 303)
                note("confirmed", ok)
                if ok and len(done) % 20 == 0:
                    note("withdrawn", request(link + "/withdraw", b"erase=false",
                                             {"content-type": "application/x-www-form-urlencoded"}) == 303)
            time.sleep(0.2)

    for _ in range(300):
        if request(base + "/healthz") == 200:
            break
        time.sleep(0.1)
    threads = [threading.Thread(target=paced, args=(10, sign)),
               threading.Thread(target=paced, args=(20, read)), threading.Thread(target=paced, args=(20, read)),
               threading.Thread(target=paced, args=(0.1, heavy)), threading.Thread(target=confirm_mail)]
    for t in threads:
        t.daemon = True
        t.start()

    def sample():
        status = open(f"/proc/{server.pid}/status").read()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
        fds = len(os.listdir(f"/proc/{server.pid}/fd"))
        if admin:
            size = float(subprocess.run(["psql", "-X", "-tA", "-d", admin, "-c",
                                         f"SELECT pg_database_size('{database}')"],
                                        capture_output=True, text=True).stdout.strip() or 0)
        else:
            size = size_of(data)
        return rss, fds, size / 1e6, threads

    arenas = os.environ.get("MALLOC_ARENA_MAX")
    print(f"soak: {MINUTES:g} minutes on {'postgresql' if admin else 'sqlite'}"
          f"{f', starting from {START} signatures' if START else ''}"
          f"{f', MALLOC_ARENA_MAX={arenas}' if arenas else ''}; minute, RSS MB, open fds, "
          "database MB, threads, signed, confirmed, withdrawn, reads, errors")
    samples, started = [], time.monotonic()
    try:
        while time.monotonic() - started < MINUTES * 60:
            time.sleep(30)
            rss, fds, size, threads = sample()
            minute = (time.monotonic() - started) / 60
            samples.append((minute, rss, fds, size))
            with lock:
                c = dict(counts)
            print(f"{minute:5.1f}  {rss:7.1f}  {fds:4d}  {size:8.1f}  {threads:4d}  {c['signed']:7d} {c['confirmed']:7d} "
                  f"{c['withdrawn']:5d} {c['reads']:8d} {c['errors']:4d}", flush=True)
    finally:
        stop.set()
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
        if admin:
            subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
    # Warm-up: SQLite's page caches (a writer and up to eight readers, 2 MB
    # each) fill as the database grows; in the first runs that took about ten
    # minutes, so growth is measured from a third of the way in.
    warm = [s for s in samples if s[0] >= MINUTES / 3] or samples
    growth = (samples[-1][1] - warm[0][1]) / warm[0][1] * 100
    fds = [s[2] for s in warm]
    print(f"memory after warm-up: {warm[0][1]:.1f} MB at minute {warm[0][0]:.1f} -> {samples[-1][1]:.1f} MB at the end: "
          f"{growth:+.1f} % ({'flat' if growth < 10 else 'GROWING'}, target < 10 %)")
    print(f"open descriptors after warm-up: {min(fds)}..{max(fds)} "
          f"({'no leak' if max(fds) - min(fds) <= 8 else 'LEAKING?'})")


main()
