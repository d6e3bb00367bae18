# The two entry points the README names. Both install what they need first.
#   make demo   the main job (for now: the engine demo)
#   make test   the whole test suite: release build, then ASan+UBSan build,
#               then the concurrent tests (label tsan) under TSan,
#               then the benchmarks' smoke pass (tiny N, no timing checks),
#               then the packaging tests (find_package, add_subdirectory,
#               FetchContent, pkg-config, gdb printers, the .deb)
#   make bench  the full benchmarks (long); regenerates docs/benchmarks.md
JOBS ?= $(shell nproc)

.PHONY: demo demo-deps test deps test-release test-asan test-tsan-observe test-packaging bench bench-smoke callgrind clean

deps:
	@scripts/install-deps.sh build observe

demo-deps:
	@scripts/install-deps.sh build

demo: demo-deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_demo -j $(JOBS)
	./build/release/examples/gomap_demo

test: deps test-release test-asan test-tsan-observe bench-smoke test-packaging

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The concurrent tests (event ring, metrics registry, concurrent readers of
# one map) under TSan: every ctest entry labelled tsan.
test-tsan-observe:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target gomap_observe_tests test_concurrent_readers -j $(JOBS)
	ctest --preset tsan -L tsan -j $(JOBS)

# gomap as its users consume it: tests/packaging/run.sh (~35 s on 2 cores).
test-packaging:
	@scripts/install-deps.sh build observe packaging
	JOBS=$(JOBS) tests/packaging/run.sh

bench:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh full

bench-smoke:
	@scripts/install-deps.sh bench
	JOBS=$(JOBS) bench/run.sh smoke

# Instructions per insert, find, iteration step and erase (callgrind), at -O3 and -O2.
callgrind:
	bench/callgrind/run.sh

clean:
	rm -rf build
