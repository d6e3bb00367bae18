# The two entry points the README names. Both install what they need first.
#   make demo   the main job (for now: the engine demo)
#   make test   the whole test suite: release build, then ASan+UBSan build
JOBS ?= $(shell nproc)

.PHONY: demo test deps test-release test-asan clean

deps:
	@scripts/install-deps.sh build

demo: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target gomap_demo -j $(JOBS)
	./build/release/examples/gomap_demo

test: deps test-release test-asan

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(JOBS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

clean:
	rm -rf build
