#!/usr/bin/env bash
# The suite's concurrency claims under ThreadSanitizer and its decoders under
# AddressSanitizer, each in a build folder of its own. Any report fails the run
# (halt_on_error); nothing is suppressed. Tests that start processes stay out of the
# AddressSanitizer run: Foundation's Process.run leaks a weak reference there.
#
#   scripts/test-sanitized.sh [thread] [address]        (default: both)
#
# The library's locks are Locked (a pthread mutex), not Swift's Mutex: on Linux a contended
# Mutex is handed over in the kernel, which ThreadSanitizer does not see (docs/FUZZING.md).
#
#   ThreadSanitizer: threads and tasks on one store, writers beside gc in one process,
#     stacks back-filling under concurrent loaders, size limits under 8 threads, and push
#     and pull (rsync's output and errors read on threads of their own).
#     Release mode (with testing enabled): the same code the suite runs, at a speed where
#     8,000-call tests finish. The cross-process stress test is left out: ThreadSanitizer
#     sees one process, and that test's in-process twin runs here.
#   AddressSanitizer: the decoder tests (JSON, value codec, objects, compression,
#     manifests and their direct writer, FORMAT, signatures, addresses, the fuzz seeds and regressions),
#     large values loaded into their own buffers and stored in chunks (the chunker against its
#     rule, the one-pass SHA-256 of CSHA256), file results (those not starting processes), in release
#     mode like the suite:
#     in debug mode, ASan's frames are so large that decoding a value nested 2,000 deep
#     (the format's limit) overflows a test thread's stack (docs/FUZZING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
# The macros are not under test here; leaving them out spares two builds of swift-syntax.
export FLECHE_WITHOUT_MACROS=1
# Nor is the S3 tier (its tests need a SeaweedFS server): leaving it out spares two builds
# of async-http-client and SwiftNIO.
export FLECHE_WITHOUT_S3=1

tsan_tests='ConcurrencyTests|CacheStackTests|MaintenanceTests/writersBesideGCInOneProcess|MemoizeTests|PushPullTests|SingleFlightTests|CrossProcessSingleFlightTests/asyncWaiter|CrossProcessSingleFlightTests/gcKeepsHeldLocks|ChildProcessStopperTests|ChunkedBytesTests/(largeDataResult|damagedChunkOfFileResult)'
asan_tests='DirectoryListingTests|CallManifestTextTests|TOMLReaderTests|JSONGrammarTests|ValueRoundTripTests|DigestTests|CompressionTests|DestructuringTests|FileStoreTests|PrefixTests|FuzzRegressionTests|GeneratedFixtureTests|SigningTests|StoreAddressTests|FetchArgumentTests|LargeBytesTests|ArtifactResultTests/(fileResult|directoryResult|missingAndDamagedBodies|readmeExample)|ChunkedBytesTests/(chunkBoundaries|cutsMatchTheSpecifiedRule|saveNamesWhileStoring|largeDataResult|damagedChunkOfFileResult)|ValueAndChunkDigesterTests|HardLinkTests'

sanitizers=("$@")
if [ ${#sanitizers[@]} -eq 0 ]; then sanitizers=(thread address); fi
run_thread=0; run_address=0
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
        thread) run_thread=1 ;;
        address) run_address=1 ;;
        *) echo "test-sanitized: unknown sanitizer '$sanitizer' (thread, address)" >&2; exit 64 ;;
    esac
done

if [ $run_thread = 1 ]; then
echo "== ThreadSanitizer: $tsan_tests"
tsan=(-c release -Xswiftc -enable-testing --sanitize thread --scratch-path .build-tsan)
"$SWIFT" build --build-tests "${tsan[@]}" 2>&1 | tail -2
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$SWIFT" test --skip-build "${tsan[@]}" --filter "$tsan_tests"
fi

if [ $run_address = 1 ]; then
echo "== AddressSanitizer: $asan_tests"
asan=(-c release -Xswiftc -enable-testing --sanitize address --scratch-path .build-asan)
"$SWIFT" build --build-tests "${asan[@]}" 2>&1 | tail -2
ASAN_OPTIONS="halt_on_error=1 detect_leaks=1" LSAN_OPTIONS="suppressions=scripts/lsan-suite.supp" "$SWIFT" test --skip-build "${asan[@]}" --filter "$asan_tests"
fi
