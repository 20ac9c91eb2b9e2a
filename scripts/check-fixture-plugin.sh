#!/usr/bin/env bash
# `swift package update-fixtures` fills in a new fixture's digests: add a case with none,
# run the command plugin, check the digests it wrote, and remove the case again.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build-docs}
case_file=Fixtures/digests/zz-plugin-check.json
trap 'rm -f "$case_file"' EXIT
cat > "$case_file" <<'JSON'
{"calls": [{"name": "plugin-check", "call": {"name": "plugin_check", "arguments": [["x", 7]]}}]}
JSON
FLECHE_DOCS=1 $SWIFT package --scratch-path "$SCRATCH" --allow-writing-to-package-directory update-fixtures
python3 - "$case_file" <<'PY'
import json, re, sys
case = json.load(open(sys.argv[1]))["calls"][0]
for field, length in (("sha256", 64), ("xxh3-128", 32)):
    value = case.get(field)
    assert isinstance(value, str) and re.fullmatch("[0-9a-f]{%d}" % length, value), f"{field} not filled: {value!r}"
print("ok: update-fixtures filled sha256 and xxh3-128 of the new case")
PY
