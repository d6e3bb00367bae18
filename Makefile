# The two entry points the README names. Both install what they need first.
#   make demo   the main job (for now: the engine demo)
#   make test   the whole test suite: release build, then ASan+UBSan build,
#               then the concurrent observability tests under TSan,
#               then the concurrent maps' tests under TSan,
#               then the benchmarks' smoke pass (tiny N, no timing checks)
#   make bench  the full benchmarks (long); regenerates docs/benchmarks.md
#   make bench-concurrent  the concurrent maps' benchmark alone (a few minutes);
#               refreshes its section of docs/benchmarks.md, prints the targets
JOBS ?= $(shell nproc)

.PHONY: demo demo-deps test deps test-release test-asan test-tsan-observe test-tsan-concurrent bench bench-smoke bench-concurrent clean

deps:
	@scripts/install-deps.sh build observe

demo-deps:
	@scripts/install-deps.sh build

demo: demo-deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_demo -j $(JOBS)
	./build/release/examples/gomap_demo

test: deps test-release test-asan test-tsan-observe test-tsan-concurrent bench-smoke

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
	cmake --build --preset tsan --target gomap_observe_tests -j $(JOBS)
	ctest --preset tsan -L tsan -j $(JOBS)

# gomap::sync_map and gomap::sharded_map (tests/concurrent) under TSan.
test-tsan-concurrent:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target gomap_concurrent_tests -j $(JOBS)
	ctest --preset tsan -L concurrent -j $(JOBS)

bench:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh full

bench-smoke:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh smoke

bench-concurrent:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh concurrent

clean:
	rm -rf build
