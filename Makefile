# The two commands of the README. Both install the Debian packages they need when
# pkg-config cannot find them (root or sudo), then build with SwiftPM.
SWIFT ?= swift
FLECHE_STORE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/fleche
export FLECHE_STORE

.PHONY: demo test test-layers test-sanitized fuzz docs check-fixture-plugin check-memoized-rebuild deps build bench bench-push bench-trim bench-s3 bench-artifacts clean

deps:
	@bash .ci/install-deps

build: deps
	$(SWIFT) build --product fleche
	$(SWIFT) build --product FlecheDemo

# Memoize a slow computation twice, in two processes: a miss, then a hit. Then list the store.
demo: build
	@echo "== first run (a new process): expect a MISS"
	@$$($(SWIFT) build --show-bin-path)/FlecheDemo
	@echo
	@echo "== second run (another process): expect a HIT"
	@$$($(SWIFT) build --show-bin-path)/FlecheDemo
	@echo
	@echo "== fleche ls"
	@$$($(SWIFT) build --show-bin-path)/fleche ls
	@echo
	@echo "== fleche stats"
	@$$($(SWIFT) build --show-bin-path)/fleche stats

# Release mode with testing enabled: the suite spawns real processes (the stress test runs
# 8,000 memoized calls in 4 writers against a gc loop), which -Onone slows about tenfold.
# Built by `swift build --build-tests`, then run with --skip-build: `swift test` building by
# itself leaves the build folder in a state that the next `swift build` with the same flags
# (make test-layers) rebuilds whole, swift-syntax included: 10 minutes of a CI run.
TEST_FLAGS = -c release -Xswiftc -enable-testing --explicit-target-dependency-import-check=error
test: deps
	@bash .ci/install-s3-tools
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	$(SWIFT) test --skip-build $(TEST_FLAGS)

# The concurrency tests under ThreadSanitizer and the decoder tests under AddressSanitizer
# (scripts/test-sanitized.sh says which and why); any report fails. SANITIZERS picks one.
SANITIZERS ?= thread address
test-sanitized: deps
	SWIFT=$(SWIFT) bash scripts/test-sanitized.sh $(SANITIZERS)

# Every decoder under libFuzzer with AddressSanitizer for FUZZ_SECONDS each (scripts/fuzz.sh);
# FUZZ_TARGETS picks some (default: all). A crash leaves its input in .build-fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	SWIFT=$(SWIFT) bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The compiler enforces the layers: an undeclared import or an upward one fails (needs `make test` first).
test-layers: deps
	SWIFT=$(SWIFT) bash scripts/check-layers.sh

# The DocC catalog and every module's reference, in .build-docs/; fails on any documentation
# warning (a broken symbol link, an undocumented parameter) and on an undocumented public symbol.
DOCS_TARGETS = --target FlecheValue --target FlecheStore --target FlecheCache --target FlecheQuery --target FlecheSharing --target FlecheConfig --target Fleche --target FlecheMemoized --target FlecheS3
docs: deps
	FLECHE_DOCS=1 $(SWIFT) package --scratch-path .build-docs generate-documentation $(DOCS_TARGETS) --warnings-as-errors
	python3 scripts/check-doc-coverage.py .build-docs/$$(uname -m)-unknown-linux-gnu/extracted-symbols
	@echo "documentation: .build-docs/plugins/Swift-DocC/outputs/*.doccarchive"

# `swift package update-fixtures` fills in a new case's digests (uses the docs build folder).
check-fixture-plugin: deps
	SWIFT=$(SWIFT) bash scripts/check-fixture-plugin.sh

# A small package using @Memoized, built and run again after edits: a comment edit hits,
# a body edit misses (scripts/check-memoized-rebuild.sh).
check-memoized-rebuild: deps
	SWIFT=$(SWIFT) bash scripts/check-memoized-rebuild.sh

# Side by side with the reference library (installed from PyPI into .build-bench/venv): the
# primary table on tmpfs, a secondary one on the disk (.build-bench/disk), each miss and hit
# beside its floor in the store's own folders, instruction counts under callgrind.
BENCH_N ?= 10000
BENCH_REPS ?= 5
bench: deps
	$(SWIFT) build -c release --product FlecheBenchmarks
	$(SWIFT) build -c release --product fleche
	@test -x .build-bench/venv/bin/python || python3 -m venv .build-bench/venv
	@.build-bench/venv/bin/python -c "import fleche" 2>/dev/null || .build-bench/venv/bin/pip install -q "fleche==0.22.2"
	python3 Benchmarks/compare.py --fleche $$($(SWIFT) build -c release --show-bin-path)/FlecheBenchmarks \
		--python .build-bench/venv/bin/python --n $(BENCH_N) --reps $(BENCH_REPS)
	@echo
	@echo "== file and directory arguments (tmpfs)"
	@$(MAKE) --no-print-directory bench-artifacts
	@echo
	@echo "== the S3 tier (SeaweedFS on loopback)"
	@$(MAKE) --no-print-directory bench-s3

# `fleche push` of BENCH_PUSH_N calls against plain `rsync -a` of the same tree, on tmpfs.
BENCH_PUSH_N ?= 10000
bench-push: deps
	$(SWIFT) build -c release --product fleche
	$(SWIFT) build -c release --product FlecheTestWorker
	python3 Benchmarks/push_bench.py --bin $$($(SWIFT) build -c release --show-bin-path) --n $(BENCH_PUSH_N) --reps $(BENCH_REPS)

# File and directory arguments on tmpfs: a 1 GiB file hashed against sha256sum and openssl,
# a tree of BENCH_TREE_FILES files described first and unchanged (the stat cache) against a
# readdir+lstat walk of it, and a memoized call on the unchanged tree; 5 rounds interleaved.
BENCH_TREE_FILES ?= 10000
bench-artifacts: deps
	$(SWIFT) build -c release --product FlecheBenchmarks
	@rm -rf /dev/shm/fleche-bench-artifacts && mkdir -p /dev/shm/fleche-bench-artifacts
	$$($(SWIFT) build -c release --show-bin-path)/FlecheBenchmarks artifacts /dev/shm/fleche-bench-artifacts $(BENCH_TREE_FILES)
	@rm -rf /dev/shm/fleche-bench-artifacts

# Automatic trimming under 4 writers filling a store 12 times its budget, on tmpfs, interleaved
# with the same writers and no budget: the largest size sampled, the slowest call, the time.
BENCH_TRIM_BUDGET ?= 1M
bench-trim: deps
	$(SWIFT) build -c release --product FlecheTestWorker
	python3 Benchmarks/trim_bench.py --bin $$($(SWIFT) build -c release --show-bin-path) --budget $(BENCH_TRIM_BUDGET) --reps 3

# The S3 tier against a real SeaweedFS on loopback (data on tmpfs): hits and misses through S3
# and through a local+S3 stack, a push of BENCH_S3_CALLS calls with 1, 8 and 32 requests in
# flight against `aws s3 sync` of the same store, and a pull of them against `aws s3 sync` down.
# `make bench` ends with it.
BENCH_S3_N ?= 1000
BENCH_S3_CALLS ?= 10000
bench-s3: deps
	@bash .ci/install-s3-tools
	$(SWIFT) build -c release --product FlecheS3Benchmarks
	python3 Benchmarks/s3_bench.py --bin $$($(SWIFT) build -c release --show-bin-path) --n $(BENCH_S3_N) --calls $(BENCH_S3_CALLS)

clean:
	rm -rf .build .build-docs .build-fuzz .build-tsan .build-asan
