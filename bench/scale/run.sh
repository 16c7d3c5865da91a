#!/usr/bin/env bash
# bench/scale: a letter with 1,000,000 confirmed signatures (N to change):
# page latencies, search, CSV export, verify, memory and disk.
# Usage: bench/scale/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p undersign-cli -p undersign --bin undersign --example scale_build
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 bench/scale/bench.py "${1:-1000000}"
