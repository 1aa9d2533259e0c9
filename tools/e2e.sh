#!/usr/bin/env bash
# The app's end-to-end tests: tauri-driver (WebKitWebDriver) drives the built app on a headless
# desktop. Run through tools/with-desktop.sh; `make test` does both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export POSBRIDGE_APP=${POSBRIDGE_APP:-$root/target/debug/posbridge-app}
port=${TAURI_DRIVER_PORT:-4444}
export TAURI_DRIVER_URL="http://127.0.0.1:$port"
mkdir -p "$root/artifacts"
tauri-driver --port "$port" > "$root/artifacts/tauri-driver.log" 2>&1 &
driver=$!
trap 'kill $driver 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
cd "$root"
# One test at a time, each with an app of its own: an app that outlives its session (quitting
# waits for the record under way) would otherwise take the next test's start for a second
# instance and hand it over (single instance), and that test would wait for a window forever.
cargo test --locked -p e2e --no-run
tests=$(cargo test --locked -p e2e --test app -- --list 2>/dev/null | sed -n 's/: test$//p')
for test in $tests; do
  cargo test --locked -p e2e --test app -- --exact "$test"
  pkill -f "$POSBRIDGE_APP" 2>/dev/null || true
  sleep 1
done
