#!/usr/bin/env bash
# bench/crash: kill -9 the release server at varying moments under load, then
# check that nothing acknowledged was lost or stored twice.
#  - mixed load (signing, confirming, withdrawing, striking, an organiser correcting
#    the letter and editing its form), CRASH_ROUNDS rounds (default
#    100) on SQLite and, with PostgreSQL reachable, on PostgreSQL: every
#    acknowledged signature stored once, confirmation in the log once,
#    withdrawal stored; the log verifies with the count the database implies;
#  - signing alone at 16 clients (group commits cut in the middle);
#  - the log's own test: confirmations while the integrator runs.
# Prints each round and a summary per engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
CRASH_ROUNDS="${CRASH_ROUNDS:-100}" cargo test --release --locked -p undersign-cli --test crash -- \
  --nocapture --test-threads 1 --include-ignored 2>&1 \
  | grep -E "^(round|crash|test |test result)"
