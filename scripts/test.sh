#!/usr/bin/env bash
# Runs every check and test suite of undersign. On a fresh Debian machine it first
# installs what the tests need: Chromium and chromedriver (the browser test),
# aiosmtpd (the real SMTP server of the SMTP transport test), nginx (in front of
# the several-node test), age (encrypted backups) and the official
# altcha-lib from npm (the proof-of-work interoperability test), and schemathesis
# from PyPI in a virtualenv (the API fuzzer, scripts/fuzz-api.sh), and
# cargo-fuzz from crates.io (the parsers' fuzz targets, scripts/fuzz-parsers.sh). The storage
# tests of the PostgreSQL backend use a real server: UNDERSIGN_TEST_POSTGRES, by
# default the local one on 127.0.0.1:5432 as user postgres (trust auth); each test
# makes its own database and drops it. A local server that is down is started.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v pg_isready >/dev/null 2>&1 || missing+=(postgresql postgresql-contrib)
# nginx in front of several nodes: the tested example configuration.
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
# age encrypts backups (`undersign backup --encrypt-to`).
command -v age >/dev/null 2>&1 || missing+=(age)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
# PostgreSQL for the storage conformance suite.
if [ -z "${UNDERSIGN_TEST_POSTGRES:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "starting the local PostgreSQL cluster"
    cluster=$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $1 " " $2; exit }')
    if [ -n "$cluster" ]; then as_root pg_ctlcluster $cluster start || true; fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    echo "PostgreSQL is not reachable on 127.0.0.1:5432 as user postgres (trust auth);" >&2
    echo "start it, or set UNDERSIGN_TEST_POSTGRES=postgres://user@host:port/db" >&2
    exit 1
  fi
fi
# The official ALTCHA client library, for the interoperability test.
command -v npm >/dev/null 2>&1 || { as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
npm ci --prefix crates/undersign/tests/altcha-client --no-audit --no-fund --loglevel=error

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# No module imports one that imports it back (the state sits below the use cases).
python3 scripts/module-cycles.py crates/undersign/src
# The API against its OpenAPI document, fuzzed (bounded: a fixed seed, 100 cases
# per operation); then every test suite.
scripts/fuzz-api.sh
# Every parser fuzzed for a short, bounded time (cargo-fuzz; fuzz/README.md).
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz-parsers.sh
cargo nextest run --workspace --locked --no-fail-fast
# The integration tests again on PostgreSQL: every page, the API, organisers,
# moderation, mail and the log, each test on a database of its own; and the
# tests of several nodes on one database, which only PostgreSQL can run.
UNDERSIGN_TEST_DATABASE=postgres cargo nextest run -p undersign --test it --locked --no-fail-fast --run-ignored all
# Three nodes of the real binary behind nginx, the integrator killed mid-stream.
cargo nextest run -p undersign-cli --test nodes --locked --no-fail-fast --run-ignored all
# A PostgreSQL backup (pg_dump of an exported snapshot) restored into an empty
# database; kill -9 rounds under mixed load on PostgreSQL.
cargo nextest run -p undersign-cli --test backup --test crash --locked --no-fail-fast --run-ignored only
# Faults survived by the real binary, alone and last: a full disk (a tmpfs,
# so root) and the PostgreSQL server stopped and started under load (which
# would cut every other test's connections).
cargo nextest run -p undersign-cli --test faults --locked --no-fail-fast --run-ignored all --test-threads 1
