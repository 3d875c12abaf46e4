# wasyncio build. Targets: deps all test bench demo install clean, plus
# wasi / wasip2 / web (fragments wasi/build.mk, wasi/wasip2/build.mk, js/build.mk;
# the demo page: web/build.mk).
# Outputs go to build/<target>/. Overridable: CC, WASI_SDK_PATH, EMCC, WASMTIME.

SHELL := /bin/bash
# Builds and test suites use every core unless the caller says otherwise
# (make -j1 ...): make test runs its independent suites side by side.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif
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
# Library objects of every target: only what wasyncio.h marks WA_EXTERN is
# visible outside libwasyncio.so (tests/check-exports.sh checks it in
# test-native). In wasm it changes no export: wasm-ld exports what emcc's
# EXPORTED_FUNCTIONS / JS-library deps name, EMSCRIPTEN_KEEPALIVE and
# export_name symbols, hidden or not (the export lists were compared).
LIB_CFLAGS := -fvisibility=hidden
CPPFLAGS_FIBER := $(if $(filter ucontext,$(FIBER)),-DWA_FIBER_UCONTEXT,)
NATIVE_LIBS := -luv -lcurl -lhttp_parser -lssl -lcrypto -pthread -lm
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# One compile rule for every target and source folder:
#   $(call compile_rule,OBJ_DIR,SRC_DIR,COMMAND_VAR[,EXTRA_FLAGS[,ORDER_ONLY]])
# makes OBJ_DIR/%.o from SRC_DIR/%.c with $(COMMAND_VAR) EXTRA_FLAGS -c.
# COMMAND_VAR is a variable's name, so it expands when the recipe runs
# (web's command holds a shell ${...}). Use it as $(eval $(call compile_rule,...)).
define compile_rule
$(1)/%.o: $(2)/%.c $(if $(5),| $(5))
	@mkdir -p $$(@D)
	$$($(3)) $(4) -c $$< -o $$@
endef

# Portable C shared by every target: the core, HTTP, streams, WebSocket, and the host helpers
# every backend uses. Each target adds its fiber and its host folder.
CORE_SRC := $(sort $(wildcard src/core/*.c src/http/*.c src/stream/*.c src/ws/*.c src/host/common/*.c))
NATIVE_SRC := $(CORE_SRC) src/fiber/fiber.c src/fiber/fiber_report.c src/fiber/fiber_stack.c \
              $(sort $(wildcard src/host/native/*.c))
NATIVE_ASM := $(if $(filter asm,$(FIBER)),$(wildcard src/fiber/switch_$(ARCH).S),)

NATIVE_OBJ := $(patsubst src/%.c,$(B)/obj/%.o,$(NATIVE_SRC)) \
              $(patsubst src/%.S,$(B)/obj/%.o,$(NATIVE_ASM))
ASAN_OBJ := $(patsubst src/%.c,$(BA)/obj/%.o,$(NATIVE_SRC)) \
            $(patsubst src/%.S,$(BA)/obj/%.o,$(NATIVE_ASM))

# Examples that need another library than libwasyncio are built by that
# library's fragment (db_pool: src/pg/pg.mk), on the native target only.
EXAMPLES_OWN_RULE := db_pool
EXAMPLES := $(filter-out $(EXAMPLES_OWN_RULE),$(basename $(notdir $(wildcard examples/*.c))))
# Native-only cmocka suites (threads, the native HTTP client/server, forked
# children reading stderr, sanitizers): tests/native/, plus the fiber
# layer's own suite in tests/fiber/. Portable behaviour goes to
# tests/scenarios/.
CMOCKA_DIRS := tests/native tests/fiber
NATIVE_TESTS := $(basename $(notdir $(wildcard $(addsuffix /test_*.c,$(CMOCKA_DIRS)))))
SCENARIOS := $(basename $(notdir $(wildcard tests/scenarios/*.c)))

.DEFAULT_GOAL := all
# Keep objects that chains of pattern rules make (rebuilds stay incremental).
.SECONDARY:
.PHONY: all native deps deps-demo deps-check deps-check-tests test test-native test-asan test-tsan test-fiber test-procs test-fuzz fuzz fuzz-build bench demo install clean serve
all: native

# Target fragments add their own rules and append to TEST_TARGETS_EXTRA,
# BENCH_EXTRA_DEPS and DEMO_EXTRA_DEPS, so they must come before the rules
# that use those lists.
-include wasi/build.mk
-include wasi/wasip2/build.mk
-include js/build.mk
-include web/build.mk
include src/install.mk
# wasyncio-pg (PostgreSQL over libpq), its twin and its suite.
include src/pg/pg.mk

native: $(B)/libwasyncio.a $(B)/libwasyncio.so \
        $(addprefix $(B)/examples/,$(EXAMPLES)) \
        $(addprefix $(B)/tests/,$(NATIVE_TESTS)) \
        $(addprefix $(B)/scenarios/,$(SCENARIOS))

NATIVE_COMPILE = $(CC) $(CFLAGS) $(BASE_CFLAGS) $(DEPFLAGS) $(CPPFLAGS_FIBER)
ASAN_COMPILE = $(CC) $(ASAN_FLAGS) $(BASE_CFLAGS) $(DEPFLAGS) $(CPPFLAGS_FIBER)
$(eval $(call compile_rule,$(B)/obj,src,NATIVE_COMPILE,$(LIB_CFLAGS),deps-check))
$(eval $(call compile_rule,$(BA)/obj,src,ASAN_COMPILE,$(LIB_CFLAGS),deps-check))
$(B)/obj/%.o: src/%.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -c $< -o $@
$(BA)/obj/%.o: src/%.S
	@mkdir -p $(@D)
	$(CC) -g -c $< -o $@

$(B)/libwasyncio.a: $(NATIVE_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
# The SONAME carries the ABI version (0.MINOR while the major is 0; installed
# as libwasyncio.so.X.Y.Z, with the SONAME and libwasyncio.so pointing at it:
# src/install.mk).
$(B)/libwasyncio.so: $(NATIVE_OBJ)
	$(CC) -shared -Wl,-soname,$(WA_SONAME) -o $@ $^ $(NATIVE_LIBS)
$(BA)/libwasyncio.a: $(ASAN_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^

# Programs compiled and linked in one step: -MT/-MF name the .d file after
# the binary, so header edits rebuild them like objects.
$(B)/examples/%: examples/%.c $(B)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d $< -o $@ $(B)/libwasyncio.a $(NATIVE_LIBS)
# Every cmocka suite links cmocka_filter.o (WASYNCIO_TEST_FILTER picks cases).
$(eval $(call compile_rule,$(B)/tests,tests,NATIVE_COMPILE,,deps-check-tests))
$(eval $(call compile_rule,$(BA)/tests,tests,ASAN_COMPILE,,deps-check-tests))
define cmocka_rules
$(B)/tests/%: $(1)/%.c $(B)/tests/cmocka_filter.o $(B)/libwasyncio.a | deps-check-tests
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(DEPFLAGS) -MT $$@ -MF $$@.d -Itests $$< -o $$@ $(B)/tests/cmocka_filter.o $(B)/libwasyncio.a -lcmocka $(NATIVE_LIBS)
$(BA)/tests/%: $(1)/%.c $(BA)/tests/cmocka_filter.o $(BA)/libwasyncio.a | deps-check-tests
	@mkdir -p $$(@D)
	$(CC) $(ASAN_FLAGS) $(BASE_CFLAGS) $(DEPFLAGS) -MT $$@ -MF $$@.d -Itests $$< -o $$@ $(BA)/tests/cmocka_filter.o $(BA)/libwasyncio.a -lcmocka $(NATIVE_LIBS)
endef
$(foreach d,$(CMOCKA_DIRS),$(eval $(call cmocka_rules,$(d))))
$(B)/scenarios/%: tests/scenarios/%.c $(B)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d -Itests $< -o $@ $(B)/libwasyncio.a $(NATIVE_LIBS)
$(BA)/scenarios/%: tests/scenarios/%.c $(BA)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(BASE_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d -Itests $< -o $@ $(BA)/libwasyncio.a $(NATIVE_LIBS)

# ---------------------------------------------------------------- ThreadSanitizer
# Loops on several threads and the hand-over between them
# (tests/native/test_threads*.c), under -fsanitize=thread against a library
# of its own; the fiber layer tells TSan of every switch (fiber_native.h).
BT := build/native/tsan
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
TSAN_OBJ := $(patsubst src/%.c,$(BT)/obj/%.o,$(NATIVE_SRC)) \
            $(patsubst src/%.S,$(BT)/obj/%.o,$(NATIVE_ASM))
TSAN_TESTS := $(basename $(notdir $(wildcard tests/native/test_threads*.c)))
TSAN_COMPILE = $(CC) $(TSAN_FLAGS) $(BASE_CFLAGS) $(DEPFLAGS) $(CPPFLAGS_FIBER)
$(eval $(call compile_rule,$(BT)/obj,src,TSAN_COMPILE,$(LIB_CFLAGS),deps-check))
$(eval $(call compile_rule,$(BT)/tests,tests,TSAN_COMPILE,,deps-check-tests))
$(BT)/obj/%.o: src/%.S
	@mkdir -p $(@D)
	$(CC) -g -c $< -o $@
$(BT)/libwasyncio.a: $(TSAN_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(BT)/tests/%: tests/native/%.c $(BT)/tests/cmocka_filter.o $(BT)/libwasyncio.a | deps-check-tests
	@mkdir -p $(@D)
	$(CC) $(TSAN_FLAGS) $(BASE_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d -Itests $< -o $@ $(BT)/tests/cmocka_filter.o $(BT)/libwasyncio.a -lcmocka $(NATIVE_LIBS)
# halt_on_error: a race fails the suite, it is not just printed.
test-tsan: $(addprefix $(BT)/tests/,$(TSAN_TESTS))
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 bash tests/run-native.sh $(BT)

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang and ASan+UBSan
# against a library of their own. `make fuzz` runs each for FUZZ_SECS (60);
# make test runs each for 10 s.
FUZZ_CC ?= clang-19
FZ := build/fuzz
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZERS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_OBJ := $(patsubst src/%.c,$(FZ)/obj/%.o,$(NATIVE_SRC)) \
            $(patsubst src/%.S,$(FZ)/obj/%.o,$(NATIVE_ASM))
FUZZ_SECS ?= 60
FUZZ_COMPILE = $(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(BASE_CFLAGS) $(DEPFLAGS) $(CPPFLAGS_FIBER)
$(eval $(call compile_rule,$(FZ)/obj,src,FUZZ_COMPILE,,deps-check))
$(FZ)/obj/%.o: src/%.S
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -c $< -o $@
$(FZ)/libwasyncio.a: $(FUZZ_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FZ)/libwasyncio.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(BASE_CFLAGS) $< -o $@ $(FZ)/libwasyncio.a $(NATIVE_LIBS)
fuzz-build: $(addprefix $(FZ)/,$(FUZZERS))
fuzz:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory fuzz-build
	@bash tests/fuzz/run.sh $(FZ) $(FUZZ_SECS)
test-fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(FZ) 10

# ---------------------------------------------------------------- deps
# What the native tour (make demo) needs: a C toolchain, the native library's
# dependencies, and python3 for the local server of the fetch example.
APT_DEMO_PKGS := build-essential pkg-config libuv1-dev libcurl4-openssl-dev libhttp-parser-dev \
                 libssl-dev python3
# The rest, for make test and make bench: cmocka; the WASI, WASI 0.2 and web
# toolchains; the browsers and engines the web and WASI suites run on
# (Chromium; Firefox ESR; WebKitGTK's WebDriver and MiniBrowser under Xvfb;
# JavaScriptCore's jsc shell); aarch64 cross tools and qemu; benchmark peers;
# PostgreSQL and libpq (wasyncio-pg and its throwaway test cluster); the
# Python peers of the streams, WebSocket and database twins; clang-format.
APT_TEST_PKGS := libcmocka-dev emscripten binaryen clang-19 lld-19 wasi-libc \
                 libclang-rt-19-dev-wasm32 chromium firefox-esr webkit2gtk-driver xvfb \
                 libjavascriptcoregtk-4.0-bin gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
                 qemu-user python3-aiohttp wrk hyperfine openssl \
                 libboost-context-dev nginx-light libclang-rt-19-dev \
                 postgresql libpq-dev python3-asyncpg python3-websockets clang-format-19
APT_PKGS := $(APT_DEMO_PKGS) $(APT_TEST_PKGS)
deps:
	@bash .ci/deps.sh $(APT_PKGS)
deps-demo:
	@bash .ci/deps.sh --no-npm $(APT_DEMO_PKGS)
# Cheap checks before compiling. They install nothing (compiling must not
# run apt): a missing package stops the build with its name and `make deps`.
# The targets that run things (demo, test, bench, fuzz) install first.
deps-check:
	@bash .ci/deps.sh --check libuv1-dev libcurl4-openssl-dev libhttp-parser-dev libssl-dev
deps-check-tests:
	@bash .ci/deps.sh --check libcmocka-dev

# ---------------------------------------------------------------- tests
# Every process a recipe starts inherits this tag in its environment, so the
# check at the end of test and bench finds anything still running, even a
# server re-parented to init (tests/leftovers.sh). Computed once: a nested
# make keeps its parent's tag.
ifndef WA_RUN_TAG
WA_RUN_TAG := $(shell date +%s%N)-$(shell echo $$PPID)
endif
export WA_RUN_TAG

TEST_SUITES := test-native test-asan test-tsan test-fiber test-procs $(TEST_TARGETS_EXTRA)
# Installing first, alone (see demo), then every suite; the fuzzers run last,
# alone: 30 s of full CPU beside the suites that time themselves (the
# tutorial examples) would make those flaky.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(TEST_SUITES)
	@$(MAKE) --no-print-directory test-fuzz
	@bash tests/leftovers.sh "make test"
	@echo "make test: every target's suite passed"
	@echo "suites: $(words $(TEST_SUITES) test-fuzz) passed, 0 failed"

# Helper servers, browsers and runners die with the script that started them.
test-procs:
	@bash tests/procs_test.sh

# The fiber switch on every CPU/variant runnable here (aarch64 via qemu-user);
# the fiber cmocka suite runs in test-native/test-asan, the wasm self-test in test-wasi.
test-fiber: deps-check
	@bash tests/fiber/run.sh

# The layers' own module graphs have no circle (tests/module_cycles.py).
test-native: native
	@bash tests/check-exports.sh $(B)/libwasyncio.so
	@bash tests/format_check.sh
	@bash tests/readme_snippets.sh
	@python3 tests/module_cycles.py $(B)/obj core fiber http stream ws host/common host/native
	@bash tests/deps_check_test.sh
	@bash tests/run-native.sh $(B)

# The cmocka suites and the scenarios, under ASan and UBSan.
test-asan: $(addprefix $(BA)/tests/,$(NATIVE_TESTS)) $(addprefix $(BA)/scenarios/,$(SCENARIOS))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  bash tests/run-native.sh $(BA)

bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory native $(BENCH_EXTRA_DEPS)
	@bash tests/bench/run.sh; rc=$$?; bash tests/leftovers.sh "make bench" && exit $$rc

# The tour installs and builds only what it runs (examples/demo.sh lists it).
DEMO_EXAMPLES := $(shell bash examples/demo.sh --list)
# Installing comes first, alone: under -j the compile rules' deps-check
# would run before apt-get finished.
demo:
	@$(MAKE) --no-print-directory deps-demo
	@$(MAKE) --no-print-directory $(addprefix $(B)/examples/,$(DEMO_EXAMPLES)) $(DEMO_EXTRA_DEPS)
	@bash examples/demo.sh

clean:
	rm -rf build

# Header dependencies written by -MMD (every target's objects and programs).
-include $(shell find build -name '*.d' 2>/dev/null)

