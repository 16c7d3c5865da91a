#!/usr/bin/env bash
# bench/backup: the backup and restore drill on a letter of 1,000,000 confirmed
# signatures (N to change): `undersign backup` while the server serves it, the
# backup's size, `undersign restore` into a new folder with its check of every
# checkpoint, and the same encrypted to an age key. With BENCH_DATABASE=
# postgres://…/postgres the instance is moved to PostgreSQL first (not timed)
# and the drill is pg_dump / pg_restore into a fresh database.
# Usage: bench/backup/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p undersign-cli -p undersign --bin undersign --example scale_build
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 bench/backup/bench.py "${1:-1000000}"
