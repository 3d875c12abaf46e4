# src/install.mk: `make install PREFIX=P [DESTDIR=D]` (included by the top
# Makefile after the target fragments). Installs every target whose toolchain
# is present and names the ones it skipped:
#   native   P/include/wasyncio.h and wasyncio/*.h, P/lib/libwasyncio.{a,so,so.0.y,so.0.y.z},
#            P/lib/pkgconfig/wasyncio.pc (shared), wasyncio-static.pc
#   wasi     P/lib/wasyncio/wasm32-wasi/libwasyncio.a, P/bin/wasyncio-wasi-cc,
#            the runners P/bin/wasyncio-run and wasyncio-serve (Node)
#   wasip2   P/lib/wasyncio/wasm32-wasip2/libwasyncio{,-proxy}.a, the component
#            step (lib/wasyncio/wasip2/: WIT, adapter, wasm-tools from jco),
#            P/bin/wasyncio-wasip2-cc
#   web      P/lib/wasyncio/web/ (archive, its error table, the JS libraries
#            wasyncio_{loop,promise,call,fetch,net,ws}.js, page loader,
#            node_modules/ws for WebSocket under Node),
#            P/bin/wasyncio-emcc
# Only the libraries are built for it, not the examples. make test-install
# (tests/install/run.sh) installs into a temporary prefix and builds a user's
# program for every target from there.

# MAJOR.MINOR.PATCH from the WASYNCIO_VERSION_* macros of wasyncio.h.
WA_VERSION := $(shell sed -n 's/^\#define WASYNCIO_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9]*\)$$/\2/p' \
                src/wasyncio.h | paste -sd.)
# The SONAME changes whenever the ABI breaks: with the major, and while the
# major is 0 with the minor too (0.2 broke 0.1: libwasyncio.so.0.2).
WA_SOMAJOR := $(firstword $(subst ., ,$(WA_VERSION)))
WA_SOMINOR := $(word 2,$(subst ., ,$(WA_VERSION)))
WA_SOVERSION := $(if $(filter 0,$(WA_SOMAJOR)),0.$(WA_SOMINOR),$(WA_SOMAJOR))
WA_SONAME := libwasyncio.so.$(WA_SOVERSION)
I := $(DESTDIR)$(PREFIX)
ILIB := $(I)/lib/wasyncio
JSMOD := js/node_modules/@bytecodealliance

# Which toolchains are here (the same overrides the build uses).
HAVE_WASI := $(shell command -v $(WASI_CC) >/dev/null 2>&1 && \
    test -f $(WASI_SYSROOT)/lib/wasm32-wasi/libc.a && command -v $(WASM_OPT) >/dev/null 2>&1 && echo yes)
HAVE_WASIP2 := $(if $(HAVE_WASI),$(shell command -v node >/dev/null 2>&1 && \
    test -f $(JSMOD)/jco-transpile/dist/wasm-tools.js && echo yes))
HAVE_WEB := $(shell command -v $(EMCC) >/dev/null 2>&1 && command -v $(WASM_OPT) >/dev/null 2>&1 && echo yes)
INSTALL_TARGETS := native $(if $(HAVE_WASI),wasi) $(if $(HAVE_WASIP2),wasip2) $(if $(HAVE_WEB),web)
INSTALL_SKIPPED := $(filter-out $(INSTALL_TARGETS),native wasi wasip2 web)
SKIP_WHY_wasi := $(WASI_CC), wasi-libc in $(WASI_SYSROOT) or $(WASM_OPT) missing (WASI_SDK_PATH, WASM_OPT)
SKIP_WHY_wasip2 := needs the wasi toolchain, node and js/node_modules (make deps)
SKIP_WHY_web := $(EMCC) or $(WASM_OPT) missing (EMCC, WASM_OPT)

.PHONY: install $(addprefix install-,native wasi wasip2 web wasm-common)
install: $(addprefix install-,$(INSTALL_TARGETS))
	@echo "install: $(INSTALL_TARGETS) into $(I)"
	@$(foreach t,$(INSTALL_SKIPPED),echo "install: skipped $(t): $(SKIP_WHY_$(t))";)

# The shared library (built with its SONAME, libwasyncio.so.$(WA_SOVERSION)) goes
# in as the versioned file; the SONAME and libwasyncio.so link to it.
install-native: $(B)/libwasyncio.a $(B)/libwasyncio.so
	@[[ "$(WA_VERSION)" =~ ^[0-9]+\.[0-9]+\.[0-9]+$$ ]] || \
	  { echo "install: cannot read the version from src/wasyncio.h" >&2; exit 1; }
	install -d $(I)/include $(I)/lib/pkgconfig
	install -m 644 src/wasyncio.h $(I)/include/
	if [ -d src/wasyncio ]; then install -d $(I)/include/wasyncio && \
	  install -m 644 src/wasyncio/*.h $(I)/include/wasyncio/; fi
	install -m 644 $(B)/libwasyncio.a $(I)/lib/
	install -m 755 $(B)/libwasyncio.so $(I)/lib/libwasyncio.so.$(WA_VERSION)
	ln -sf libwasyncio.so.$(WA_VERSION) $(I)/lib/$(WA_SONAME)
	ln -sf $(WA_SONAME) $(I)/lib/libwasyncio.so
	for pc in wasyncio wasyncio-static; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(WA_VERSION)|' \
	    src/$$pc.pc.in > $(I)/lib/pkgconfig/$$pc.pc; done

# The Asyncify step and its start-up check, shared by both WASI commands: a
# target of its own, so a parallel make installs these files once.
# The runners too: wasyncio-run (a preview1 module or a 0.2 command, with
# --dir preopens) and wasyncio-serve (a 0.2 server component), on Node.
install-wasm-common:
	install -d $(I)/bin $(ILIB)
	install -m 755 wasi/wasyncio-wasm-opt.sh wasi/wasyncio-stack-check.sh $(ILIB)/
	install -m 644 wasi/asyncify-check.mjs wasi/run-node.mjs $(ILIB)/
	install -m 755 wasi/wasyncio-run.mjs $(ILIB)/
	ln -sf ../lib/wasyncio/wasyncio-run.mjs $(I)/bin/wasyncio-run
	ln -sf ../lib/wasyncio/wasyncio-run.mjs $(I)/bin/wasyncio-serve
	install -m 755 wasi/wasyncio-wasi-cc.sh $(I)/bin/wasyncio-wasi-cc

install-wasi: install-native install-wasm-common $(WB)/libwasyncio.a
	install -d $(ILIB)/wasm32-wasi
	install -m 644 $(WB)/libwasyncio.a $(ILIB)/wasm32-wasi/

# The component step runs on jco-transpile's wasm-tools (self-contained, with
# its own preview2-shim), the WASI WIT and the preview1 command adapter.
install-wasip2: install-native install-wasm-common $(P2B)/libwasyncio.a $(P2B)/libwasyncio-proxy.a
	ln -sf wasyncio-wasi-cc $(I)/bin/wasyncio-wasip2-cc
	install -d $(ILIB)/wasm32-wasip2 $(ILIB)/wasip2/wit/wasi $(ILIB)/wasip2/node_modules/@bytecodealliance
	install -m 644 $(P2B)/libwasyncio.a $(P2B)/libwasyncio-proxy.a $(ILIB)/wasm32-wasip2/
	install -m 644 wasi/wasip2/component.mjs $(ILIB)/wasip2/
	install -m 644 wasi/wasip2/wit/wasyncio.wit $(ILIB)/wasip2/wit/
	cp -R $(JSMOD)/jco/lib/wit/builtin/0.2.12/. $(ILIB)/wasip2/wit/wasi/
	install -m 644 $(JSMOD)/jco/lib/wasi_snapshot_preview1.command.wasm $(ILIB)/wasip2/
	rm -rf $(ILIB)/wasip2/node_modules/@bytecodealliance/jco-transpile
	cp -RL $(JSMOD)/jco-transpile $(ILIB)/wasip2/node_modules/@bytecodealliance/

install-web: install-native $(WEB)/libwasyncio.a $(WEB)/wasyncio_errors.js
	install -d $(I)/bin $(ILIB)/web
	install -m 644 $(WEB)/libwasyncio.a $(WEB)/wasyncio_errors.js $(WEB_JS_LIBS) js/node_pre.js \
	  js/wasyncio.mjs $(ILIB)/web/
	# Node's WebSocket (js/wasyncio_ws.js): the pinned ws package, which has
	# no dependencies of its own, found by programs after their own require('ws').
	if [ -d js/node_modules/ws ]; then rm -rf $(ILIB)/web/node_modules/ws && \
	  install -d $(ILIB)/web/node_modules && cp -RL js/node_modules/ws $(ILIB)/web/node_modules/; fi
	install -m 755 wasi/wasyncio-stack-check.sh $(ILIB)/web/
	install -m 755 js/wasyncio-emcc.sh $(I)/bin/wasyncio-emcc

.PHONY: test-install
# The libraries are prerequisites, so this make builds them (in step with the
# other suites) and the `make install` inside the test finds them up to date.
INSTALL_LIBS := $(B)/libwasyncio.a $(B)/libwasyncio.so \
    $(if $(HAVE_WASI),$(WB)/libwasyncio.a) \
    $(if $(HAVE_WASIP2),$(P2B)/libwasyncio.a $(P2B)/libwasyncio-proxy.a) \
    $(if $(HAVE_WEB),$(WEB)/libwasyncio.a $(WEB)/wasyncio_errors.js)
test-install: deps-check $(INSTALL_LIBS)
	@bash tests/install/run.sh
TEST_TARGETS_EXTRA += test-install
