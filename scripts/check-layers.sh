#!/usr/bin/env bash
# The layering is enforced by the compiler; this proves it on the real build folder:
#  1. every target imports only what Package.swift says it depends on;
#  2. a deliberate upward import (the store layer naming the cache layer) does not compile.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
FLAGS=(-c release -Xswiftc -enable-testing)

echo "== every import is a declared dependency"
$SWIFT build "${FLAGS[@]}" --explicit-target-dependency-import-check=error

echo "== an upward import (FlecheStore -> FlecheCache) must not compile"
victim=Sources/FlecheStore/Records/CallTemplate.swift
cp "$victim" "$victim.layers-check"
trap 'mv "$victim.layers-check" "$victim"' EXIT
{ echo "import FlecheCache"; cat "$victim.layers-check"; } > "$victim"
if output=$($SWIFT build "${FLAGS[@]}" --target FlecheStore 2>&1); then
    echo "FAIL: FlecheStore compiled while importing FlecheCache" >&2
    exit 1
fi
grep -q "circular dependency between modules 'FlecheStore' and 'FlecheCache'\|without declaring it a dependency" <<<"$output" \
    || { echo "FAIL: the build failed for another reason:" >&2; echo "$output" | tail -20 >&2; exit 1; }
echo "ok: the upward import is refused ($(grep -m1 -o "circular dependency[^']*'[^']*' and '[^']*'" <<<"$output"))"
