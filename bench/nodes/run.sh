#!/usr/bin/env bash
# bench/nodes: totals of 1, 2 and 3 nodes on one PostgreSQL database, on this machine.
# Usage: bench/nodes/run.sh   (BENCH_DATABASE=postgres://… picks the server; BENCH_DURATION=6s)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
cargo build --release --locked -p undersign-cli --bin undersign
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 bench/nodes/bench.py
