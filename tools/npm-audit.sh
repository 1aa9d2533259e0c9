#!/usr/bin/env bash
# `npm audit --omit=dev` of the UI, as `make test` runs it: the production packages are the ones
# bundled into the app. A known vulnerability fails the run; an audit service that cannot be
# reached (some registries and mirrors answer GET only) is said plainly and does not.
set -euo pipefail
cd "$(dirname "$0")/../ui"

{ npm audit --omit=dev --json 2>/dev/null || true; } | node ../tools/npm-audit-report.mjs
