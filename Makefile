# The two entry points the README names. Both install what they need first.
#   make lab    the main job: builds gomap-lab and writes its report of every
#               scenario, measured on this machine, to build/lab/report.html
#   make test   the whole test suite: release build, then ASan+UBSan build,
#               then the concurrent tests (observability, audit, concurrent readers) under TSan,
#               then the concurrent maps' tests under TSan,
#               then the clang-tidy plugin's fixtures (test-lint),
#               then the benchmarks' smoke pass (tiny N, no timing checks),
#               then the packaging tests (find_package, add_subdirectory,
#               FetchContent, pkg-config, gdb printers, the .deb),
#               then the lab's tests (every scenario tiny, the report in Chromium)
#   make demo   the engine demo (each growth as it starts and ends)
#   make bench  the full benchmarks (long; a release and an -O2 build);
#               regenerates docs/benchmarks.md, prints issue 13's targets
#   make fuzz   the libFuzzer target for FUZZ_SECONDS (clang-14, build/fuzz);
#               inputs that add coverage are merged into tests/fuzz/corpus
#   make bench-concurrent  the concurrent maps' benchmark alone (a few minutes);
#               refreshes its section of docs/benchmarks.md, prints the targets
JOBS ?= $(shell nproc)

.PHONY: lab lab-deps lab-full demo demo-deps test deps test-release test-asan test-tsan-observe test-tsan-concurrent test-lint test-packaging test-lab bench bench-smoke bench-concurrent fuzz callgrind clean

deps:
	@scripts/install-deps.sh build observe lint

demo-deps:
	@scripts/install-deps.sh build

lab-deps:
	@scripts/install-deps.sh lab

# About a minute of measuring on 2 cores after the build; prints one verdict
# line per scenario and the report's path.
lab: lab-deps
	cmake --preset lab >/dev/null
	cmake --build --preset lab -j $(JOBS)
	@mkdir -p build/lab
	./build/lab-release/tools/lab/gomap-lab report --scale quick --out build/lab/report.html --json build/lab/report.json

# The same at the benchmarks' sizes (10^7 keys): several minutes.
lab-full: lab-deps
	cmake --preset lab >/dev/null
	cmake --build --preset lab -j $(JOBS)
	@mkdir -p build/lab
	./build/lab-release/tools/lab/gomap-lab report --scale full --out build/lab/report-full.html --json build/lab/report-full.json

demo: demo-deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_demo -j $(JOBS)
	./build/release/examples/gomap_demo

test: deps test-release test-asan test-tsan-observe test-tsan-concurrent test-lint bench-smoke test-packaging test-lab

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -LE lint -j $(JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The concurrent tests (event ring, metrics registry, concurrent readers of
# one map) under TSan: every ctest entry labelled tsan.
test-tsan-observe:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target gomap_observe_tests test_concurrent_readers -j $(JOBS)  # observe includes fuzz_replay
	ctest --preset tsan -L tsan -j $(JOBS)

# gomap as its users consume it: tests/packaging/run.sh (~35 s on 2 cores).
test-packaging:
	@scripts/install-deps.sh build observe packaging
	JOBS=$(JOBS) tests/packaging/run.sh

# gomap-lab: every scenario at tiny scale, its JSON checked, the report
# rendered in headless Chromium (tools/lab/tests/test_lab.sh).
test-lab: lab-deps
	JOBS=$(JOBS) tools/lab/tests/test_lab.sh

# gomap::sync_map and gomap::sharded_map (tests/concurrent) under TSan.
test-tsan-concurrent:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target gomap_concurrent_tests -j $(JOBS)
	ctest --preset tsan -L concurrent -j $(JOBS)

# The clang-tidy plugin and its fixtures (tools/tidy/, docs/lint-and-audit.md).
test-lint:
	@scripts/install-deps.sh build lint
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_tidy -j $(JOBS)
	ctest --preset release -L lint -j $(JOBS)

bench:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh full

bench-smoke:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh smoke

bench-concurrent:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh concurrent

# Fuzzing (tests/README.md, "Fuzzing"). New inputs go to build/fuzz/new, crashes
# to build/fuzz/artifacts/; then -merge=1 copies into the committed corpus only
# the inputs that reach edges it lacks (-use_counters=0: hit counts would keep
# ~8x more files for little more).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_BIN = build/fuzz/tests/fuzz/gomap_fuzz
fuzz:
	@scripts/install-deps.sh fuzz
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz --target gomap_fuzz -j $(JOBS)
	mkdir -p build/fuzz/new build/fuzz/artifacts
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/ \
	  $(FUZZ_FLAGS) build/fuzz/new tests/fuzz/corpus
	$(FUZZ_BIN) -merge=1 -use_counters=0 tests/fuzz/corpus build/fuzz/new

# Instructions per insert, find, iteration step and erase (callgrind), at -O3 and -O2.
callgrind:
	bench/callgrind/run.sh

clean:
	rm -rf build
