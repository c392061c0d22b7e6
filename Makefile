# CloudCafe. `make demo` and `make test` each install what is missing
# (Debian packages), build what they need and run; see README.md.
SHELL := /bin/bash
CLOUDCAFE_DEV := build/dev/src/cloudcafe
CLOUDCAFE_RELEASE := build/release/src/cloudcafe
CTEST_JOBS ?= 2

.PHONY: setup build build-tsan build-release demo test test-fast test-tsan bench fmt lint clean

setup:
	@scripts/setup.sh

build: setup
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev

# ThreadSanitizer catches what ASan cannot: data races between I/O threads,
# the blocking pool and background loops.
build-tsan: setup
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan

build-release: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target cloudcafe

demo: build-release
	@scripts/demo.sh $(CLOUDCAFE_RELEASE)

# Every test: unit, integration (real PostgreSQL and Redis), e2e and fuzz
# on the ASan+UBSan build, then the unit and integration tests under TSan.
test: build build-tsan
	@ctest --preset dev -j $(CTEST_JOBS)
	@ctest --preset tsan -j $(CTEST_JOBS)

# The unit and integration tests under ThreadSanitizer only.
test-tsan: build-tsan
	@ctest --preset tsan -j $(CTEST_JOBS)

# The unit tests only: well under a minute.
test-fast: build
	@ctest --preset dev -j $(CTEST_JOBS) -L fast

bench: build-release
	@cmake --build --preset release
	@bench/run.sh
	@bench/bus.sh
	@bench/cluster.sh

fmt:
	@git ls-files '*.cpp' '*.h' | xargs clang-format-19 -i

lint: build
	@git ls-files 'src/*.cpp' | xargs -P 2 -n 4 clang-tidy-19 -p build/dev --quiet

clean:
	@rm -rf build
