# wasyncio build. Targets: deps all test bench demo install clean, plus
# wasi / wasip2 / web (fragments in wasi/build.mk and web/build.mk).
# Outputs go to build/<target>/. Overridable: CC, WASI_SDK_PATH, EMCC, WASMTIME.

SHELL := /bin/bash
PREFIX ?= /usr/local
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
ARCH := $(shell uname -m)
# asm (x86_64/aarch64 hand-written switch) or ucontext (portable fallback)
FIBER ?= $(if $(filter x86_64 aarch64,$(ARCH)),asm,ucontext)

B := build/native
BA := build/native/asan
WARN := -Wall -Wextra -Wno-unused-parameter
CFLAGS ?= -O2 -g
# -MMD: each object gets a .d file listing the headers it includes.
DEPFLAGS := -MMD -MP
BASE_CFLAGS := -std=gnu11 $(WARN) -Isrc -fPIC -pthread
CPPFLAGS_FIBER := $(if $(filter ucontext,$(FIBER)),-DWA_FIBER_UCONTEXT,)
NATIVE_LIBS := -luv -lcurl -lhttp_parser -pthread -lm
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Portable C shared by every target: the core, HTTP, and the host helpers
# every backend uses. Each target adds its fiber and its host folder.
CORE_SRC := $(sort $(wildcard src/core/*.c src/http/*.c src/host/common/*.c))
NATIVE_SRC := $(CORE_SRC) $(sort $(wildcard src/fiber/fiber_native*.c)) \
              $(sort $(wildcard src/host/native/*.c))
NATIVE_ASM := $(if $(filter asm,$(FIBER)),$(wildcard src/fiber/switch_$(ARCH).S),)

NATIVE_OBJ := $(patsubst src/%.c,$(B)/obj/%.o,$(NATIVE_SRC)) \
              $(patsubst src/%.S,$(B)/obj/%.o,$(NATIVE_ASM))
ASAN_OBJ := $(patsubst src/%.c,$(BA)/obj/%.o,$(NATIVE_SRC)) \
            $(patsubst src/%.S,$(BA)/obj/%.o,$(NATIVE_ASM))

EXAMPLES := $(basename $(notdir $(wildcard examples/*.c)))
UNIT_TESTS := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
SCENARIOS := $(basename $(notdir $(wildcard tests/scenarios/*.c)))

.DEFAULT_GOAL := all
# Keep objects that chains of pattern rules make (rebuilds stay incremental).
.SECONDARY:
.PHONY: all native deps deps-check test test-native test-asan test-fiber bench demo install clean serve
all: native

# Target fragments add their own rules and append to TEST_TARGETS_EXTRA,
# BENCH_EXTRA_DEPS and DEMO_EXTRA_DEPS, so they must come before the rules
# that use those lists.
-include wasi/build.mk
-include wasi/wasip2.mk
-include web/build.mk
include install.mk

native: $(B)/libwasyncio.a $(B)/libwasyncio.so \
        $(addprefix $(B)/examples/,$(EXAMPLES)) \
        $(addprefix $(B)/tests/,$(UNIT_TESTS)) \
        $(addprefix $(B)/scenarios/,$(SCENARIOS))

$(B)/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(DEPFLAGS) $(CPPFLAGS_FIBER) -c $< -o $@
$(B)/obj/%.o: src/%.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -c $< -o $@
$(BA)/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(BASE_CFLAGS) $(DEPFLAGS) $(CPPFLAGS_FIBER) -c $< -o $@
$(BA)/obj/%.o: src/%.S
	@mkdir -p $(@D)
	$(CC) -g -c $< -o $@

$(B)/libwasyncio.a: $(NATIVE_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
# The SONAME carries the major version (installed as libwasyncio.so.X.Y.Z,
# with libwasyncio.so.X and libwasyncio.so pointing at it: install.mk).
$(B)/libwasyncio.so: $(NATIVE_OBJ)
	$(CC) -shared -Wl,-soname,$(WA_SONAME) -o $@ $^ $(NATIVE_LIBS)
$(BA)/libwasyncio.a: $(ASAN_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^

$(B)/examples/%: examples/%.c $(B)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $< -o $@ $(B)/libwasyncio.a $(NATIVE_LIBS)
TEST_HDRS := $(wildcard tests/unit/*.h tests/http/*.h)
$(B)/tests/%: tests/unit/%.c $(B)/libwasyncio.a $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -Itests $< -o $@ $(B)/libwasyncio.a -lcmocka $(NATIVE_LIBS)
$(BA)/tests/%: tests/unit/%.c $(BA)/libwasyncio.a $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(BASE_CFLAGS) -Itests $< -o $@ $(BA)/libwasyncio.a -lcmocka $(NATIVE_LIBS)
$(B)/scenarios/%: tests/scenarios/%.c $(B)/libwasyncio.a tests/scenarios/harness.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -Itests $< -o $@ $(B)/libwasyncio.a $(NATIVE_LIBS)

# ---------------------------------------------------------------- deps
APT_PKGS := build-essential pkg-config libuv1-dev libcmocka-dev libcurl4-openssl-dev \
            libhttp-parser-dev emscripten binaryen clang-19 lld-19 wasi-libc \
            libclang-rt-19-dev-wasm32 python3 python3-aiohttp wrk hyperfine chromium \
            gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
deps:
	@bash .ci/deps.sh $(APT_PKGS)
# cheap check used before compiling: installs only when something is missing
deps-check:
	@dpkg -s libuv1-dev libcmocka-dev libcurl4-openssl-dev libhttp-parser-dev >/dev/null 2>&1 \
	  || $(MAKE) --no-print-directory deps

# ---------------------------------------------------------------- tests
TEST_SUITES := test-native test-asan test-fiber $(TEST_TARGETS_EXTRA)
test: deps $(TEST_SUITES)
	@echo "make test: every target's suite passed"
	@echo "suites: $(words $(TEST_SUITES)) passed, 0 failed"

# The fiber switch on every CPU/variant runnable here (aarch64 via qemu-user).
test-fiber: deps-check
	@bash tests/fiber/run.sh

test-native: native
	@bash tests/run-native.sh $(B)

test-asan: $(addprefix $(BA)/tests/,$(UNIT_TESTS))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  bash tests/run-native.sh $(BA) unit-only

bench: deps native $(BENCH_EXTRA_DEPS)
	@bash tests/bench/run.sh

demo: deps native $(DEMO_EXTRA_DEPS)
	@bash examples/demo.sh

clean:
	rm -rf build

# Header dependencies written by -MMD (every target's objects).
-include $(shell find build -name '*.d' 2>/dev/null)

