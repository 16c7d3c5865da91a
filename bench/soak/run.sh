#!/usr/bin/env bash
# bench/soak: mixed load at a moderate rate for SOAK_MINUTES (default 30) on the
# release server; every 30 s it prints the server's RSS, open file descriptors
# and database size, then the memory growth after warm-up (the first third)
# and whether descriptors leaked. SQLite by default; with BENCH_DATABASE=
# postgres://…/postgres on a fresh PostgreSQL database. SOAK_START_SIGNATURES=N
# (SQLite) starts from a letter of N confirmed signatures (bench/scale's
# builder), larger than SQLite's page caches from the start.
# Usage: bench/soak/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p undersign-cli -p undersign --bin undersign --example scale_build
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 bench/soak/soak.py
