#!/usr/bin/env bash
# A scripted attack on one letter (10,000 attempts: missing, forged and replayed
# proofs of work, freshly solved ones, no-JavaScript posts) while real signers
# keep signing. Prints what got through, what was flagged, and real signers'
# latency. Everything runs on loopback. Usage: bench/attack/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p undersign --example attack
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
RUST_LOG=error "${CARGO_TARGET_DIR:-target}"/release/examples/attack
