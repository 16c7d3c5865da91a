#!/usr/bin/env bash
# Fuzzes the JSON API against its own OpenAPI document with schemathesis, every
# check on (schemathesis.toml names the few answers the schema cannot express),
# against a real server with the demo loaded. Fails on any failure, and if the
# server logged a panic. Installs schemathesis (PyPI) into a virtualenv under the
# target folder on first use. FUZZ_EXAMPLES and FUZZ_SEED change the run.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="$target/schemathesis-venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi

cargo build --quiet --locked -p undersign-cli
data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
UNDERSIGN_DATA="$data" RUST_LOG=warn "$target/debug/undersign" serve --demo --listen "127.0.0.1:$port" \
  >"$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done

"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --checks all --max-examples "${FUZZ_EXAMPLES:-100}" --seed "${FUZZ_SEED:-2026}" --no-color

if ! kill -0 "$server" 2>/dev/null; then
  echo "the server died during the API fuzzing" >&2
  cat "$data/server.log" >&2
  exit 1
fi
if grep -q "panicked" "$data/server.log"; then
  echo "the server panicked during the API fuzzing:" >&2
  grep -A5 "panicked" "$data/server.log" >&2
  exit 1
fi
echo "API fuzzing: no failures"
