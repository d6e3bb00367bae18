# The two entry points the README names. Both install what they need first.
#   make demo   the main job (for now: the engine demo)
#   make test   the whole test suite: release build, then ASan+UBSan build,
#               then the concurrent observability tests under TSan,
#               then the benchmarks' smoke pass (tiny N, no timing checks)
#   make bench  the full benchmarks (long); regenerates docs/benchmarks.md
#   make fuzz   the libFuzzer target for FUZZ_SECONDS (clang-14, build/fuzz);
#               inputs that add coverage are merged into tests/fuzz/corpus
JOBS ?= $(shell nproc)

.PHONY: demo demo-deps test deps test-release test-asan test-tsan-observe bench bench-smoke fuzz clean

deps:
	@scripts/install-deps.sh build observe

demo-deps:
	@scripts/install-deps.sh build

demo: demo-deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_demo -j $(JOBS)
	./build/release/examples/gomap_demo

test: deps test-release test-asan test-tsan-observe bench-smoke

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The concurrent observability tests (event ring, metrics registry) under TSan.
test-tsan-observe:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target gomap_observe_tests -j $(JOBS)  # includes fuzz_replay
	ctest --preset tsan -L tsan -j $(JOBS)

bench:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh full

bench-smoke:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh smoke

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

clean:
	rm -rf build
