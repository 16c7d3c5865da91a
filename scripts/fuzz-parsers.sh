#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 20),
# starting from the committed seeds; new inputs go to a temporary folder. A
# crash stops the run, non-zero, with its input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo-fuzz passes flags only nightly takes; stable takes them with this.
export RUSTC_BOOTSTRAP=1
cd fuzz
new_inputs=$(mktemp -d)
trap 'rm -rf "$new_inputs"' EXIT
cargo fuzz build --sanitizer none
for target in $(cargo fuzz list); do
  mkdir -p "$new_inputs/$target"
  cargo fuzz run --sanitizer none "$target" "$new_inputs/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|INFO: Running|Done|.*panicked|.*ERROR)" \
    | sed "s/^/$target: /" || true
  test "${PIPESTATUS[0]}" -eq 0 || { echo "fuzz target $target failed: its input is in fuzz/artifacts/$target/" >&2; exit 1; }
done
