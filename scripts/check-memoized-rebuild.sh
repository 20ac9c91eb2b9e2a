#!/usr/bin/env bash
# End to end, as a user meets it: a small package with a @Memoized function is built and
# run, edited and built again, against one store.
#   run 1            -> miss (the body runs)
#   run 2            -> hit
#   comment and formatting edits, rebuilt -> hit (the code digest ignores trivia)
#   a body edit, rebuilt                  -> miss
#   an edit of a helper in dependsOn:     -> miss
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
root=$(pwd)
work=${MACRO_CHECK_DIR:-$root/.build-macro-check}
package=$work/package
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT
rm -rf "$package"
mkdir -p "$package/Sources/Shapes"
cat > "$package/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "Shapes",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Fleche", path: "$root")],
    targets: [.executableTarget(name: "Shapes", dependencies: [.product(name: "FlecheMemoized", package: "Fleche")])]
)
SWIFT

write_source() { # $1: helper's body, $2: area's body, $3: a comment, $4: indentation
    cat > "$package/Sources/Shapes/main.swift" <<SWIFT
import FlecheMemoized

@CodeDigest
func unit() -> Double { $1 }

$3
@Memoized(dependsOn: unit)
func area(width: Double, height: Double) throws -> Double {
$4print("body ran")
$4return $2
}

print("area", try area(width: 3, height: 4))
SWIFT
}

build_and_run() { # $1: what the run is expected to do (miss|hit)
    $SWIFT build --package-path "$package" --scratch-path "$work/scratch" 2>&1 | grep -E "error|warning: .*Memoized|Compiling Shapes|Build complete" || true
    output=$(FLECHE_STORE=$store "$work/scratch/debug/Shapes")
    echo "$output"
    if grep -q "body ran" <<<"$output"; then got=miss; else got=hit; fi
    if [ "$got" != "$1" ]; then echo "FAIL: expected a $1, got a $got" >&2; exit 1; fi
    echo "ok: $1"
}

echo "== first build and run: a miss"
write_source "1.0" "width * height * unit()" "// Computes an area." "    "
build_and_run miss
echo "== the same binary again: a hit"
build_and_run hit
echo "== comments, blank lines and indentation edited: a hit"
write_source "1.0" "width*height*unit()" "/// The area of a rectangle,
/// in square units.
" "        "
build_and_run hit
echo "== the body edited: a miss"
write_source "1.0" "height * width * unit()" "" "    "
build_and_run miss
echo "== a helper it depends on edited: a miss"
write_source "1.5 - 0.5" "height * width * unit()" "" "    "
build_and_run miss
echo "== and that version again: a hit"
build_and_run hit
