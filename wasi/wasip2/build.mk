# wasi/wasip2/build.mk: the WASI 0.2 component build (included by the top
# Makefile after wasi/build.mk).
#   make wasip2       build/wasip2/examples/<name>.wasm (components) and tests
#   make test-wasip2  client tests under `jco run` against python3 http.server,
#                     server tests under `jco serve`
# Pipeline per program: compile (wasm32-wasi, same flags as preview1), link
# without -O, wasi/wasyncio-wasm-opt.sh (Asyncify), then
# wasi/wasip2/component.mjs (embed the world, make the component). Commands (programs with main())
# get the preview1 command adapter. Servers (programs that define
# wa_build_app(); they export wasi:http/incoming-handler) get no adapter:
# they link libwasyncio-proxy.a (src/host/wasip2/proxy/), which answers
# wasi-libc from the wasi:http/proxy world, so they import nothing else.

P2B := build/wasip2
JCO ?= js/node_modules/.bin/jco
# The toolchain (WASI_CC, WASI_SYSROOT, WASI_TFLAGS, WASM_OPT) comes from
# wasi/build.mk, which the top Makefile includes first.
P2_TFLAGS := $(WASI_TFLAGS)
P2_CFLAGS := $(P2_TFLAGS) -std=gnu11 $(WARN) -O2 -Isrc $(DEPFLAGS)
# A reactor has no _start; crt1-reactor.o runs constructors from _initialize.
P2_REACTOR := -nostartfiles $(WASI_SYSROOT)/lib/wasm32-wasi/crt1-reactor.o -Wl,--no-entry

P2_SRC := $(CORE_SRC) src/fiber/fiber_asyncify.c src/fiber/fiber_report.c $(sort $(wildcard src/host/wasip2/*.c))
P2_OBJ := $(patsubst src/%.c,$(P2B)/obj/%.o,$(P2_SRC))
P2_PROXY_OBJ := $(patsubst src/%.c,$(P2B)/obj/%.o,$(wildcard src/host/wasip2/proxy/*.c))

# What every component's link depends on: editing any of them relinks
# every component. Defined before any rule names it (a rule's prerequisites
# are expanded when make reads the rule).
P2_TOOLS := wasi/wasyncio-wasm-opt.sh wasi/wasip2/component.mjs wasi/asyncify-check.mjs wasi/wasyncio-stack-check.sh \
            wasi/wasip2/wit/wasyncio.wit \
            $(P2B)/libwasyncio-proxy.a

# Servers: components exporting wasi:http/incoming-handler.
P2_SERVERS ?= hello_server
P2_COMMANDS := $(filter-out $(P2_SERVERS),$(EXAMPLES))
P2_TESTS := p2_client p2_server p2_bench p2_streams
P2_OUT := $(addprefix $(P2B)/examples/,$(addsuffix .wasm,$(EXAMPLES))) \
          $(addprefix $(P2B)/tests/,$(addsuffix .wasm,$(P2_TESTS))) $(P2B)/tools/p2_floor.wasm \
          $(P2B)/tests/ws_api.wasm \
          $(P2B)/tools/overflow_demo.wasm $(P2B)/tools/stream_bench.wasm $(addprefix $(P2B)/scenarios/,$(addsuffix .wasm,$(SCENARIOS)))

.PHONY: wasip2 test-wasip2 bench-wasip2
TEST_TARGETS_EXTRA += test-wasip2
BENCH_EXTRA_DEPS += wasip2
wasip2: $(P2B)/libwasyncio.a $(P2B)/libwasyncio-proxy.a $(P2_OUT)

P2_COMPILE = $(WASI_CC) $(P2_CFLAGS)
$(eval $(call compile_rule,$(P2B)/obj,src,P2_COMPILE,$(LIB_CFLAGS)))
$(eval $(call compile_rule,$(P2B)/obj/examples,examples,P2_COMPILE))
$(eval $(call compile_rule,$(P2B)/obj/scenarios,tests/scenarios,P2_COMPILE,-Itests))
$(eval $(call compile_rule,$(P2B)/obj/tests,tests/wasip2,P2_COMPILE,-Itests))

$(eval $(call compile_rule,$(P2B)/obj/tools,tests/fiber,P2_COMPILE))
$(P2B)/scenarios/%.wasm: $(P2B)/obj/scenarios/%.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)

$(P2B)/libwasyncio.a: $(P2_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(P2B)/libwasyncio-proxy.a: $(P2_PROXY_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^

# $(call p2_component,objs,out.wasm,command|server)
define p2_component
	@mkdir -p $(dir $(2)) $(P2B)/raw
	$(WASI_CC) $(P2_TFLAGS) $(if $(filter server,$(3)),$(P2_REACTOR)) $(1) $(if $(filter server,$(3)),$(P2B)/libwasyncio-proxy.a) -o $(P2B)/raw/$(notdir $(2))
	bash wasi/wasyncio-wasm-opt.sh $(P2B)/raw/$(notdir $(2)) $(P2B)/raw/$(basename $(notdir $(2))).opt.wasm
	node wasi/wasip2/component.mjs $(P2B)/raw/$(basename $(notdir $(2))).opt.wasm $(3) $(2)
endef

$(addprefix $(P2B)/examples/,$(addsuffix .wasm,$(P2_COMMANDS))): $(P2B)/examples/%.wasm: $(P2B)/obj/examples/%.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
$(addprefix $(P2B)/examples/,$(addsuffix .wasm,$(P2_SERVERS))): $(P2B)/examples/%.wasm: $(P2B)/obj/examples/%.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,server)
$(P2B)/tests/p2_client.wasm: $(P2B)/obj/tests/p2_client.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
$(P2B)/tests/p2_bench.wasm: $(P2B)/obj/tests/p2_bench.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
$(P2B)/tests/p2_streams.wasm: $(P2B)/obj/tests/p2_streams.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
# The WebSocket cases (tests/web/ws_api.c as a command; tests/wasip2/ws_p2.test.mjs)
$(eval $(call compile_rule,$(P2B)/obj/tests,tests/web,P2_COMPILE))
$(P2B)/tests/ws_api.wasm: $(P2B)/obj/tests/ws_api.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
$(P2B)/tools/overflow_demo.wasm: $(P2B)/obj/tools/overflow_demo.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
# the stream benchmark (tests/bench/bench_wasip2.sh)
$(eval $(call compile_rule,$(P2B)/obj/tools,tests/bench,P2_COMPILE))
$(P2B)/tools/stream_bench.wasm: $(P2B)/obj/tools/stream_bench.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,command)
# the benchmark's floor: a bare handler without the runtime
$(P2B)/tools/p2_floor.wasm: $(P2B)/obj/tools/p2_floor.o $(P2B)/obj/host/wasip2/bindings.o $(P2B)/obj/host/common/cabi_realloc.o $(P2_TOOLS)
	$(call p2_component,$(filter %.o,$^),$@,server)
$(P2B)/tests/p2_server.wasm: $(P2B)/obj/tests/p2_server.o $(P2B)/libwasyncio.a $(P2_TOOLS)
	$(call p2_component,$< $(P2B)/libwasyncio.a,$@,server)

P2_SERVER_WASM := $(addprefix $(P2B)/examples/,$(addsuffix .wasm,$(P2_SERVERS))) \
                  $(P2B)/tests/p2_server.wasm $(P2B)/tools/p2_floor.wasm
test-wasip2: wasip2
	@JCO=$(JCO) P2_SERVER_WASM="$(P2_SERVER_WASM)" bash tests/wasip2/run.sh $(P2B)

bench-wasip2: wasip2
	@JCO=$(JCO) bash tests/bench/bench_wasip2.sh $(P2B)
