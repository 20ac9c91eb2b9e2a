#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default 60 s, every target)
#
# Each target starts from its committed seeds (Fuzz/Seeds/TARGET) and the corpus earlier runs
# grew (.build-fuzz/corpus/TARGET); a crash, a broken promise, a leak, a hang (-timeout) or an
# allocation over -malloc_limit_mb stops it, leaves the input in .build-fuzz/crashes/ and
# makes this script fail (Fuzz/lsan.supp lists the dependency leaks not counted, and why).
# Add the input to Fuzz/Regressions/TARGET/ with its fix: `make test` then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(json manifest object value format toml prefix); fi

FLECHE_FUZZ=1 ${SWIFT:-swift} build -c release --product FlecheFuzz --scratch-path .build-fuzz \
    --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "Cannot export local symbol" | tail -3
binary=.build-fuzz/release/FlecheFuzz
mkdir -p .build-fuzz/crashes .build-fuzz/logs

failed=0
for target in "${targets[@]}"; do
    corpus=.build-fuzz/corpus/$target
    mkdir -p "$corpus"
    log=.build-fuzz/logs/$target.log
    # The Swift runtime's backtracer would take the crash from ASan and libFuzzer.
    # malloc_context_size: ASan keeps every distinct allocation stack forever, and the
    # recursive decoders make a new one per nesting depth and path: with the default 30
    # frames the value target's memory grew past 2 GiB in 2.5 million inputs (perf: the
    # stack depot). Eight frames still name the allocating function and its callers.
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=malloc_context_size=8 LSAN_OPTIONS=suppressions=Fuzz/lsan.supp FLECHE_FUZZ_TARGET=$target "$binary" "$corpus" "Fuzz/Seeds/$target" \
        -dict=Fuzz/fleche.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix=.build-fuzz/crashes/"$target"- >"$log" 2>&1; then
        runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
        cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
        echo "fuzz $target: $runs inputs in ${seconds}s, $cov, no crash"
    else
        failed=1
        echo "fuzz $target: FAILED (log: $log)"
        grep -E "broken promise|ERROR: |Fatal error|SUMMARY|Test unit written" "$log" | head -8
    fi
done
exit $failed
