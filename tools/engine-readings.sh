#!/usr/bin/env bash
# The engine's tests once more under the other reading of what public sources contest (coding VAT
# rates as fractions, every private customer's prices incl. VAT). It runs the test binaries the
# workspace's `cargo test` just built: `cargo test -p engine` would resolve features for the engine
# alone and build the whole dependency tree a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

mapfile -t binaries < <(
  "$CARGO" test --locked --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    if m["target"]["name"] == "engine" or m["manifest_path"].endswith("crates/engine/Cargo.toml"):
        if m["profile"]["test"]:
            print(m["executable"])
'
)
if [ "${#binaries[@]}" -eq 0 ]; then
  echo "no test binaries of the engine found" >&2
  exit 1
fi
export POSBRIDGE_SIM_VAT_RATES=fraction POSBRIDGE_SIM_INCLUDES_VAT=private_customer
for binary in "${binaries[@]}"; do
  echo "under the other readings: $(basename "$binary")"
  (cd crates/engine && "$binary" -q)
done
