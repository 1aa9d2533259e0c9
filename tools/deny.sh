#!/usr/bin/env bash
# cargo deny as `make test` runs it (deny.toml says what is allowed):
#   1. licences, bans (e.g. no OpenSSL) and sources (crates.io only): always, offline;
#   2. advisories (RustSec): against the live database when it can be fetched (GitHub), else
#      against the snapshot vendored in tools/advisory-db/, saying how old it is.
# It prints which advisory database it used; a fresh one is always better.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
SNAPSHOT=tools/advisory-db/rustsec-advisory-db.tar.gz
SNAPSHOT_COMMIT_FILE=tools/advisory-db/COMMIT

# Every platform's crates (deny.toml checks the Windows and macOS ones too); then all is offline.
"$CARGO" fetch --locked --quiet

echo "cargo deny: licences, bans and sources"
"$CARGO" deny --locked --offline check --hide-inclusion-graph licenses bans sources

echo "cargo deny: advisories"
if timeout 120 "$CARGO" deny --locked fetch db >/dev/null 2>&1; then
  "$CARGO" deny --locked --offline check advisories
  echo "cargo deny: advisories checked against the RustSec database fetched just now."
  exit 0
fi

# No GitHub here: unpack the vendored snapshot where cargo-deny looks for the default database
# (the directory name is cargo-deny's hash of the default URL), as a one-commit git repository
# dated like the snapshot.
read -r commit date <"$SNAPSHOT_COMMIT_FILE"
dbs=$PWD/target/advisory-dbs
db=$dbs/advisory-db-3157b0e258782691
if [ ! -f "$db/.snapshot-$commit" ]; then
  rm -rf "$db"
  mkdir -p "$db"
  tar -xzf "$SNAPSHOT" -C "$db" --strip-components=1
  (
    cd "$db"
    git init -q
    git add -A
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
      git -c user.name=snapshot -c user.email=snapshot@localhost commit -qm "RustSec advisory-db $commit"
    touch ".snapshot-$commit"
  )
fi
age_days=$(( ($(date +%s) - $(date -d "$date" +%s)) / 86400 ))
echo "cargo deny: the RustSec database cannot be fetched here; using the vendored snapshot of ${date%%T*} (${age_days} days old, commit ${commit:0:12})."
POSBRIDGE_ADVISORY_DBS=$dbs "$CARGO" deny --locked --offline check advisories
echo "cargo deny: advisories checked against a ${age_days}-day-old snapshot: advisories published since then were NOT checked (tools/advisory-db/README.md says how to refresh it)."
