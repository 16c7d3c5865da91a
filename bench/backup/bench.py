"""The backup drill (bench/backup/run.sh): build, serve, back up, restore, check."""

import json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release/undersign")
BUILD = os.path.join(TARGET, "release/examples/scale_build")
QUIET = {**os.environ, "RUST_LOG": "warn"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def size_of(path):
    total = 0
    for folder, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    return total


def timed(args, **kwargs):
    started = time.monotonic()
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=QUIET, **kwargs)
    return time.monotonic() - started, out.stdout


def psql(url, sql):
    subprocess.run(["psql", "-X", "-q", "-d", url, "-c", sql], check=True, capture_output=True)


def main():
    n = int(sys.argv[1])
    admin = os.environ.get("BENCH_DATABASE")
    work = tempfile.mkdtemp(prefix="undersign-backup-bench-")
    databases = []
    try:
        data = os.path.join(work, "data")
        print(subprocess.run([BUILD, data, str(n)], check=True, capture_output=True, text=True, env=QUIET).stdout.strip())
        engine = []
        if admin:
            source = f"undersign_backup_source_{os.getpid()}"
            psql(admin, f"CREATE DATABASE {source}")
            databases.append(source)
            url = admin.rsplit("/", 1)[0] + "/" + source
            subprocess.run([BIN, "migrate", "--data", data, "--to", url], check=True, capture_output=True, env=QUIET)
            engine = ["--database", url]
        print(f"engine: {'postgresql' if admin else 'sqlite'}, {n} signatures, database "
              f"{size_of(data) / 1e6:.0f} MB" if not admin else f"engine: postgresql, {n} signatures")
        port = free_port()
        server = subprocess.Popen([BIN, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"] + engine,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=QUIET)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                    break
                except Exception:
                    time.sleep(0.1)
            for encrypted in (False, True):
                label = "encrypted (age)" if encrypted else "plain"
                backup = os.path.join(work, f"backup-{label.split()[0]}")
                args = [BIN, "backup", backup, "--data", data] + engine
                identity = os.path.join(work, "age.key")
                if encrypted:
                    subprocess.run(["age-keygen", "-o", identity], check=True, capture_output=True)
                    recipient = [l.split(": ")[1].strip() for l in open(identity) if l.startswith("# public key")][0]
                    args += ["--encrypt-to", recipient]
                took, _ = timed(args)
                print(f"backup, {label}, server serving: {took:.1f} s, {size_of(backup) / 1e6:.0f} MB")
                restored = os.path.join(work, f"restored-{label.split()[0]}")
                args = [BIN, "restore", backup, "--data", restored]
                if admin:
                    target = f"undersign_backup_target_{os.getpid()}_{int(encrypted)}"
                    psql(admin, f"CREATE DATABASE {target}")
                    databases.append(target)
                    args += ["--database", admin.rsplit("/", 1)[0] + "/" + target]
                if encrypted:
                    args += ["--identity", identity]
                took, out = timed(args)
                checked = "every checkpoint matches" in out
                print(f"restore, {label}, with the check of every checkpoint: {took:.1f} s "
                      f"({'matches the manifest' if checked else 'DID NOT MATCH'})")
                shutil.rmtree(backup)
                shutil.rmtree(restored)
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for database in databases:
            psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


main()
