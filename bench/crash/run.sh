#!/usr/bin/env bash
# bench/crash: kill -9 the release server at varying moments under signing load,
# 20 rounds (CRASH_ROUNDS to change); every signature answered 202 must be stored
# exactly once after a restart. Prints rounds, acknowledged, lost, duplicated.
# The log's own crash test (confirmations during integration) runs beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
CRASH_ROUNDS="${CRASH_ROUNDS:-20}" cargo test --release --locked -p undersign-cli --test crash -- --nocapture --test-threads 1 2>&1 \
  | grep -E "^(round|crash:|test |test result)"
