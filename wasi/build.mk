# wasi/build.mk: the WASI preview1 build (included by the top Makefile).
#   make wasi       build/wasi/libwasyncio.a, examples/<name>.wasm, scenarios/<name>.wasm
#   make test-wasi  every example and scenario under node:wasi and jco run;
#                   examples must print what the native build prints
#   make test-wasi-jsc  the same checks on JavaScriptCore's jsc shell
#                   (tests/wasi/run-jsc.sh with the preview1 shim jsc-preview1.js)
# The test runners are in tests/wasi/ (run.sh, and one script per host).
# Toolchain: WASI_SDK_PATH selects a real wasi-sdk; otherwise Debian's clang-19
# with wasi-libc stands in. WASM_OPT selects Binaryen's wasm-opt.

WB := build/wasi
ifneq ($(WASI_SDK_PATH),)
WASI_CC ?= $(WASI_SDK_PATH)/bin/clang
WASI_SYSROOT ?= $(WASI_SDK_PATH)/share/wasi-sysroot
else
WASI_CC ?= clang-19
WASI_SYSROOT ?= /usr
endif
WASM_OPT ?= wasm-opt
export WASM_OPT

WASI_TFLAGS := --target=wasm32-wasi --sysroot=$(WASI_SYSROOT)
WASI_CFLAGS := $(WASI_TFLAGS) -std=gnu11 $(WARN) -O2 -Isrc $(DEPFLAGS)
# Link without -O: with it clang runs wasm-opt itself (see wasyncio-wasm-opt.sh).
WASI_LDFLAGS := $(WASI_TFLAGS)

WASI_SRC := $(CORE_SRC) src/fiber/fiber_asyncify.c src/fiber/fiber_report.c $(sort $(wildcard src/host/wasi/*.c))
WASI_OBJ := $(patsubst src/%.c,$(WB)/obj/%.o,$(WASI_SRC))

# Every example is built. The HTTP ones (fetch_all, hello_server) must
# report WA_ENOTSUP: preview1 has no sockets (tests/wasi/run.sh checks that).
WASI_EXAMPLES_SKIP ?=
WASI_EXAMPLES := $(filter-out $(WASI_EXAMPLES_SKIP),$(EXAMPLES))

WASI_EXAMPLE_WASM := $(addprefix $(WB)/examples/,$(addsuffix .wasm,$(WASI_EXAMPLES)))
WASI_SCENARIO_WASM := $(addprefix $(WB)/scenarios/,$(addsuffix .wasm,$(SCENARIOS)))
WASI_TOOLS_WASM := $(WB)/tools/fiber_selftest.wasm $(WB)/tools/wasi_bench.wasm \
                   $(WB)/tools/overflow_demo.wasm

.PHONY: wasi test-wasi test-wasi-jsc bench-wasi
wasi: $(WB)/libwasyncio.a $(WASI_EXAMPLE_WASM) $(WASI_SCENARIO_WASM) $(WASI_TOOLS_WASM)

WASI_COMPILE = $(WASI_CC) $(WASI_CFLAGS)
$(eval $(call compile_rule,$(WB)/obj,src,WASI_COMPILE,$(LIB_CFLAGS)))

$(WB)/libwasyncio.a: $(WASI_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^

$(eval $(call compile_rule,$(WB)/obj/examples,examples,WASI_COMPILE))
$(eval $(call compile_rule,$(WB)/obj/scenarios,tests/scenarios,WASI_COMPILE,-Itests))
$(eval $(call compile_rule,$(WB)/obj/tools,tests/bench,WASI_COMPILE))
$(eval $(call compile_rule,$(WB)/obj/tools,tests/fiber,WASI_COMPILE))

# The reusable step for any program: link (no -O), then Asyncify + optimise.
# Users: $(call wasyncio_wasm,app.o,app.wasm) in their own Makefile, or the
# script by hand.
define wasyncio_wasm
	@mkdir -p $(dir $(2)) $(WB)/raw
	$(WASI_CC) $(WASI_LDFLAGS) $(1) -o $(WB)/raw/$(notdir $(2))
	bash wasi/wasyncio-wasm-opt.sh $(WB)/raw/$(notdir $(2)) $(2)
endef

$(WB)/examples/%.wasm: $(WB)/obj/examples/%.o $(WB)/libwasyncio.a wasi/wasyncio-wasm-opt.sh wasi/wasyncio-stack-check.sh
	$(call wasyncio_wasm,$< $(WB)/libwasyncio.a,$@)
$(WB)/scenarios/%.wasm: $(WB)/obj/scenarios/%.o $(WB)/libwasyncio.a wasi/wasyncio-wasm-opt.sh wasi/wasyncio-stack-check.sh
	$(call wasyncio_wasm,$< $(WB)/libwasyncio.a,$@)
# The fiber self-test (tests/fiber/) runs without the core: only the fiber layer.
$(WB)/tools/fiber_selftest.wasm: $(WB)/obj/tools/fiber_selftest.o $(WB)/obj/fiber/fiber_asyncify.o \
                                 $(WB)/obj/fiber/fiber_report.o wasi/wasyncio-wasm-opt.sh wasi/wasyncio-stack-check.sh
	$(call wasyncio_wasm,$(filter %.o,$^),$@)
$(WB)/tools/wasi_bench.wasm: $(WB)/obj/tools/wasi_bench.o $(WB)/libwasyncio.a wasi/wasyncio-wasm-opt.sh wasi/wasyncio-stack-check.sh
	$(call wasyncio_wasm,$< $(WB)/libwasyncio.a,$@)

# Native examples give the expected output.
test-wasi: wasi $(addprefix $(B)/examples/,$(WASI_EXAMPLES))
	@WASI_CC=$(WASI_CC) WASI_SYSROOT=$(WASI_SYSROOT) bash tests/wasi/run.sh "$(WASI_EXAMPLES)" "$(SCENARIOS)"

test-wasi-jsc: wasi $(addprefix $(B)/examples/,$(WASI_EXAMPLES))
	@WASI_HOSTS=jsc WASI_SUITE=wasi-jsc bash tests/wasi/run.sh "$(WASI_EXAMPLES)" "$(SCENARIOS)"

bench-wasi: wasi
	@bash tests/bench/bench_wasi.sh

TEST_TARGETS_EXTRA += test-wasi test-wasi-jsc
BENCH_EXTRA_DEPS += wasi
$(WB)/tools/overflow_demo.wasm: $(WB)/obj/tools/overflow_demo.o $(WB)/libwasyncio.a wasi/wasyncio-wasm-opt.sh wasi/wasyncio-stack-check.sh
	$(call wasyncio_wasm,$< $(WB)/libwasyncio.a,$@)
