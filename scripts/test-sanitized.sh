#!/usr/bin/env bash
# The suite's concurrency claims under ThreadSanitizer and its decoders under
# AddressSanitizer, each in a build folder of its own. Any report fails the run
# (halt_on_error); nothing is suppressed.
#
#   ThreadSanitizer: threads and tasks on one store, writers beside gc in one process,
#     stacks back-filling under concurrent loaders, size limits under 8 threads.
#     Release mode (with testing enabled): the same code the suite runs, at a speed where
#     8,000-call tests finish. The cross-process stress test is left out: ThreadSanitizer
#     sees one process, and that test's in-process twin runs here.
#   AddressSanitizer: the decoder tests (JSON, value codec, objects, compression,
#     manifests, FORMAT, the fuzz seeds and regressions) in debug mode, where every
#     check is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

tsan_tests='ConcurrencyTests|CacheStackTests|MaintenanceTests/writersBesideGCInOneProcess|MemoizeTests'
asan_tests='JSONGrammarTests|ValueRoundTripTests|DigestTests|CompressionTests|DestructuringTests|FileStoreTests|PrefixTests|FuzzRegressionTests|GeneratedFixtureTests'

echo "== ThreadSanitizer: $tsan_tests"
tsan=(-c release -Xswiftc -enable-testing --sanitize thread --scratch-path .build-tsan)
"$SWIFT" build --build-tests "${tsan[@]}" 2>&1 | tail -2
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$SWIFT" test --skip-build "${tsan[@]}" --filter "$tsan_tests"

echo "== AddressSanitizer: $asan_tests"
asan=(--sanitize address --scratch-path .build-asan)
"$SWIFT" build --build-tests "${asan[@]}" 2>&1 | tail -2
ASAN_OPTIONS="halt_on_error=1 detect_leaks=1" "$SWIFT" test --skip-build "${asan[@]}" --filter "$asan_tests"
