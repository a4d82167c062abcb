# Thin wrapper around CMake: the two commands a new user types are
#   make demo   - install what is missing, build, run the full simulated update
#   make test   - install what is missing, build, run every test (plain + ASan/UBSan + short fuzz)
# Only demo, test, bench, fuzz and footprint install packages (scripts/setup.sh);
# build, build-asan and build-fuzz only build.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan

# CMake's generated makefiles run as sub-makes of this one: without this
# each of them announces "Entering directory" and "Leaving directory".
MAKEFLAGS += --no-print-directory

.PHONY: all setup build build-asan build-fuzz demo test test-plain test-asan test-fuzz fuzz bench clean

all: build

setup:
	@scripts/setup.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSYSOTA_SANITIZE=ON -DSYSOTA_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The demo's build talks only when it fails: its output goes to
# $(BUILD)/build.log, so the story starts on a clean screen.
demo: setup
	@mkdir -p $(BUILD)
	@echo "building sysota in $(BUILD) (log: $(BUILD)/build.log) ..."
	@$(MAKE) build >$(BUILD)/build.log 2>&1 || \
	  { tail -n 40 $(BUILD)/build.log; echo "make demo: the build failed (whole log: $(BUILD)/build.log)" >&2; exit 1; }
	@scripts/demo.sh $(BUILD)

test-plain: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# Short libFuzzer runs (seconds per target) belong to every `make test`;
# `make fuzz` runs each target for FUZZ_SECONDS (default 10 minutes).
FUZZ_SECONDS ?= 600
build-fuzz:
	@cmake -S fuzz -B build-fuzz -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

test-fuzz: build-fuzz
	@cd build-fuzz && ctest --output-on-failure -L fuzz

fuzz: setup
	@cmake -S fuzz -B build-fuzz-long -DCMAKE_C_COMPILER=clang -DSYSOTA_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-fuzz-long -j $(JOBS)
	@cd build-fuzz-long && ctest --output-on-failure -L fuzz

# setup first, then the three runs (in this order even under make -j).
test: setup
	@$(MAKE) test-plain
	@$(MAKE) test-asan
	@$(MAKE) test-fuzz

bench: setup
	@$(MAKE) build
	@scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-*

# The Cortex-M4 footprint build alone (figure 4 of `make bench`).
.PHONY: footprint
footprint: setup
	@footprint/footprint.sh $(BUILD)/footprint
