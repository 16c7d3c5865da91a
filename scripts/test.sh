#!/usr/bin/env bash
# Runs every check and test suite of undersign. On a fresh Debian machine it first
# installs what the tests need: Chromium and chromedriver (the browser test),
# aiosmtpd (the real SMTP server of the SMTP transport test) and the official
# altcha-lib from npm (the proof-of-work interoperability test), and schemathesis
# from PyPI in a virtualenv (the API fuzzer, scripts/fuzz-api.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
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
cargo nextest run --workspace --locked --no-fail-fast
