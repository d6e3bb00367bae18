# The two entry points the README names. Both install what they need first.
#   make demo   the main job (for now: the engine demo)
#   make test   the whole test suite: release build, then ASan+UBSan build,
#               then the concurrent observability and audit tests under TSan,
#               then the clang-tidy plugin's fixtures (test-lint),
#               then the benchmarks' smoke pass (tiny N, no timing checks)
#   make bench  the full benchmarks (long); regenerates docs/benchmarks.md
JOBS ?= $(shell nproc)

.PHONY: demo demo-deps test deps test-release test-asan test-tsan-observe test-lint bench bench-smoke clean

deps:
	@scripts/install-deps.sh build observe lint

demo-deps:
	@scripts/install-deps.sh build

demo: demo-deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_demo -j $(JOBS)
	./build/release/examples/gomap_demo

test: deps test-release test-asan test-tsan-observe test-lint bench-smoke

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -LE lint -j $(JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The concurrent observability tests (event ring, metrics registry) under TSan.
test-tsan-observe:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target gomap_observe_tests -j $(JOBS)
	ctest --preset tsan -L tsan -j $(JOBS)

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

clean:
	rm -rf build
