# js/build.mk: the browser/Node build with Emscripten (included by the top
# Makefile; the demo page's rules are in web/build.mk, included after it).
#   make web       build/web/: libwasyncio.a, examples/<name>.mjs+.wasm for
#                  pages, node/examples/<name>.js and node/scenarios/<name>.js
#                  for Node, the page loader, the test modules, and the demo
#                  page (web/build.mk)
#   make test-web  Node: examples print what the native build prints, the
#                  scenarios pass, the JS interop/fetch tests, and
#                  wasyncio-emcc's page, Node and library builds at every -O
#   make test-web-chromium / test-web-firefox / test-web-webkit: the demo page
#                  and the in-page API cases in one engine (one test file,
#                  tests/web/browser.test.mjs; screenshot build/web/demo-<engine>.png)
# EMCC selects a real emsdk; otherwise Debian's emscripten (NODE_PATH set for
# it). The user's own recipe is js/wasyncio-emcc.sh.

EMCC ?= emcc
EMAR ?= emar
WASM_OPT ?= wasm-opt
NODE ?= node
WEB := build/web
WEB_BROWSER_SUITES := test-web-chromium test-web-firefox test-web-webkit
WEB_ENV := NODE_PATH=$${NODE_PATH:-/usr/share/nodejs} EMCC=$(EMCC) WASM_OPT=$(WASM_OPT)
WEB_CFLAGS := -O2 -std=gnu11 $(WARN) -Isrc $(DEPFLAGS)

WEB_SRC := $(CORE_SRC) src/fiber/fiber_asyncify.c src/fiber/fiber_report.c $(sort $(wildcard src/host/web/*.c))
WEB_OBJ := $(patsubst src/%.c,$(WEB)/obj/%.o,$(WEB_SRC))
# The JS half of the web host: one library file per job, all passed by
# wasyncio-emcc and installed together (src/install.mk).
WEB_JS_LIBS := $(addprefix js/wasyncio_,$(addsuffix .js,loop promise call fetch net ws))
WEB_LINK_DEPS := $(WEB)/libwasyncio.a $(WEB)/wasyncio_errors.js $(WEB_JS_LIBS) \
                 js/node_pre.js js/wasyncio-emcc.sh wasi/wasyncio-stack-check.sh
WEB_CC := $(WEB_ENV) js/wasyncio-emcc.sh

# A server cannot run in a page (WA_ENOTSUP): not built for the web.
WEB_EXAMPLES_SKIP ?= hello_server ws_chat_server
WEB_EXAMPLES := $(filter-out $(WEB_EXAMPLES_SKIP),$(EXAMPLES))
WEB_PAGE_EX := $(addprefix $(WEB)/examples/,$(addsuffix .mjs,$(WEB_EXAMPLES)))
WEB_NODE_EX := $(addprefix $(WEB)/node/examples/,$(addsuffix .js,$(WEB_EXAMPLES)))
WEB_NODE_SC := $(addprefix $(WEB)/node/scenarios/,$(addsuffix .js,$(SCENARIOS)))
WEB_TESTMODS := $(WEB)/test/web_api.mjs $(WEB)/test/web_bench.mjs $(WEB)/test/api_cases.mjs \
                $(WEB)/test/ws_api.mjs $(WEB)/test/ws_cases.mjs \
                $(WEB)/test/web_bench_cases.mjs $(WEB)/test/node/web_api_memcheck.cjs
# The web benchmark's peers, measured in the same run (tests/bench/peer_*.c):
# Emscripten's own fibers (same emcc, -sASYNCIFY) for pages and Node, and a
# freestanding wasm32 module for JSPI (clang, no Emscripten).
WEB_PEER_CC ?= clang-19
WEB_PEERS := $(WEB)/test/peer_emfiber.mjs $(WEB)/test/node/peer_emfiber.cjs $(WEB)/test/peer_jspi.wasm

.PHONY: web test-web bench-web $(WEB_BROWSER_SUITES)
web: $(WEB)/libwasyncio.a $(WEB)/wasyncio_errors.js $(WEB_PAGE_EX) $(WEB_NODE_EX) $(WEB_NODE_SC) $(WEB)/wasyncio.mjs \
     $(WEB_TESTMODS) $(WEB_PEERS) $(WEB)/node/tools/overflow_demo.js $(WEB)/test/overflow_demo.mjs \
     $(WEB)/node/tests/p2_streams.js $(WEB)/node/tools/stream_bench.js

WEB_COMPILE = $(WEB_ENV) $(EMCC) $(WEB_CFLAGS)
$(eval $(call compile_rule,$(WEB)/obj,src,WEB_COMPILE,$(LIB_CFLAGS)))

$(WEB)/libwasyncio.a: $(WEB_OBJ)
	@mkdir -p $(@D); rm -f $@
	$(WEB_ENV) $(EMAR) rcs $@ $^

# The JS error table: the C preprocessor over js/wasyncio_errors.js.in with
# the one list of codes (src/wasyncio/errors.h).
$(WEB)/wasyncio_errors.js: js/wasyncio_errors.js.in src/wasyncio/errors.h
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) -E -P -x c -Isrc $< -o $@

# Programs are compiled here (with -MMD, so header edits rebuild them) and
# linked by js/wasyncio-emcc.sh, which takes objects as well as sources.
$(eval $(call compile_rule,$(WEB)/obj/examples,examples,WEB_COMPILE))
$(eval $(call compile_rule,$(WEB)/obj/scenarios,tests/scenarios,WEB_COMPILE,-Itests))
$(eval $(call compile_rule,$(WEB)/obj/tests,tests/web,WEB_COMPILE))
$(eval $(call compile_rule,$(WEB)/obj/tools,tests/bench,WEB_COMPILE))

$(WEB)/examples/%.mjs: $(WEB)/obj/examples/%.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --page -o $@ $<
$(WEB)/node/examples/%.js: $(WEB)/obj/examples/%.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --node -o $@ $<
$(WEB)/node/scenarios/%.js: $(WEB)/obj/scenarios/%.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --node -o $@ $<
# Streams under Node: the same cases as the WASI 0.2 component's
# (tests/wasip2/p2_streams.c), run by tests/web/run-node.sh.
$(eval $(call compile_rule,$(WEB)/obj/tests,tests/wasip2,WEB_COMPILE,-Itests))
$(WEB)/node/tests/p2_streams.js: $(WEB)/obj/tests/p2_streams.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --node -o $@ $<
$(WEB)/node/tools/stream_bench.js: $(WEB)/obj/tools/stream_bench.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --node -o $@ $<
# The overflow demo (tests/fiber/overflow_demo.c) as a Node program and as a page
# program: tests/web/run-node.sh checks a stack overflow is stopped and
# reported once, tests/web/browser.test.mjs that a page's waDone says so.
$(eval $(call compile_rule,$(WEB)/obj/tools,tests/fiber,WEB_COMPILE))
$(WEB)/node/tools/overflow_demo.js: $(WEB)/obj/tools/overflow_demo.o $(WEB_LINK_DEPS) wasi/wasyncio-stack-check.sh
	@mkdir -p $(@D)
	$(WEB_CC) --node -o $@ $<
$(WEB)/test/overflow_demo.mjs: $(WEB)/obj/tools/overflow_demo.o $(WEB_LINK_DEPS) wasi/wasyncio-stack-check.sh
	@mkdir -p $(@D)
	$(WEB_CC) --page -o $@ $<

# The page loader, next to the page programs (pages import /wasyncio.mjs).
$(WEB)/wasyncio.mjs: js/wasyncio.mjs
	@mkdir -p $(@D); cp $< $@

# Test and benchmark modules: library builds for pages and for Node.
$(WEB)/test/%.mjs: $(WEB)/obj/tests/%.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	@mkdir -p $(WEB)/test/node
	$(WEB_CC) --lib -o $@ $<
	$(WEB_CC) --node-lib -o $(WEB)/test/node/$(*F).cjs $<
$(WEB)/test/%.mjs: tests/web/%.mjs
	@mkdir -p $(@D); cp $< $@
$(WEB)/test/web_bench_cases.mjs: tests/bench/web_bench_cases.mjs
	@mkdir -p $(@D); cp $< $@
# web_api again over Emscripten's checking allocator (a double free or a
# free of memory not in use aborts): node_api.test.mjs churns the waCall
# value form through it.
$(WEB)/test/node/web_api_memcheck.cjs: $(WEB)/obj/tests/web_api.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --node-lib -o $@ $< -sMALLOC=emmalloc-debug -sASSERTIONS=1
$(WEB)/test/web_bench.mjs: $(WEB)/obj/tools/web_bench.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	@mkdir -p $(WEB)/test/node
	$(WEB_CC) --lib -o $@ $<
	$(WEB_CC) --node-lib -o $(WEB)/test/node/web_bench.cjs $<

$(WEB)/test/peer_emfiber.mjs: tests/bench/peer_emfiber.c
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) -O2 -sASYNCIFY -sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web \
	  -sEXPORT_NAME=createPeer $< -o $@
$(WEB)/test/node/peer_emfiber.cjs: tests/bench/peer_emfiber.c js/node_pre.js
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) -O2 -sASYNCIFY -sMODULARIZE=1 -sENVIRONMENT=node \
	  -sEXPORT_NAME=createPeer --pre-js js/node_pre.js $< -o $@
$(WEB)/test/peer_jspi.wasm: tests/bench/peer_jspi.c
	@mkdir -p $(@D)
	$(WEB_PEER_CC) --target=wasm32 -O2 -nostdlib -Wl,--no-entry $< -o $@

test-web: web native
	@bash tests/web/run-node.sh
	@bash tests/web/opt_levels.sh
	@cd js && $(NODE) ../tests/web/node_api.test.mjs
	@timeout 120 $(NODE) tests/web/ws_node.test.mjs

$(WEB_BROWSER_SUITES): test-web-%: web
	@bash tests/web/run-browser.sh $*

bench-web: web
	@bash tests/bench/bench_web.sh

TEST_TARGETS_EXTRA += test-web $(WEB_BROWSER_SUITES)
BENCH_EXTRA_DEPS += web
