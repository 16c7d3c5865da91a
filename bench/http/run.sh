#!/usr/bin/env bash
# bench/http: request rates of the main paths as ratios to /healthz, in one run.
# Usage: bench/http/run.sh   (BENCH_DURATION=6s, BENCH_POW_DURATION=3s, BENCH_CONFIRM_DURATION=3s,
#   BENCH_SOLUTIONS_16=30000, BENCH_SOLUTIONS_64=50000 to change; BENCH_MAIL=smtp sends mail over SMTP to a
#   local sink, python3-aiosmtpd, instead of into the outbox folder, and leaves out the confirmation rows;
#   BENCH_DATABASE=postgres://postgres@127.0.0.1/postgres runs it on PostgreSQL, in a database made for the run)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
if [ "${BENCH_MAIL:-file}" = smtp ]; then
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-aiosmtpd; }
fi
cargo build --release --locked -p undersign-cli -p undersign --bin undersign --example solve_challenges
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
python3 bench/http/bench.py
