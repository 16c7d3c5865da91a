#!/usr/bin/env bash
# The letter log benchmark: integration throughput, verify time for a large letter
# (over HTTP and from a static export), proof sizes. Usage: bench/log/run.sh [LEAVES]
set -euo pipefail
cd "$(dirname "$0")/../.."
leaves="${1:-100000}"
cargo build --release --locked -p undersign --example log_bench >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
RUST_LOG=warn "${CARGO_TARGET_DIR:-target}"/release/examples/log_bench "$leaves"
