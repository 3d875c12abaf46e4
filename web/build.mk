# web/build.mk: the demo page (included by the top Makefile after
# js/build.mk, whose Emscripten build it uses).
#   make web       builds it too, into build/web/: index.html, demo.css,
#                  demo.js, and demo_lib.mjs (the demo's C coroutines)
#   make serve     the demo on http://127.0.0.1:$(WEB_PORT)/ (web/serve.mjs,
#                  which the web tests start too)

WEB_PORT ?= 8000
WEB_DEMO := $(WEB)/index.html $(WEB)/demo.css $(WEB)/demo.js $(WEB)/demo_lib.mjs

.PHONY: serve
web: $(WEB_DEMO)

$(WEB)/index.html: web/index.html
	@mkdir -p $(@D); cp $< $@
$(WEB)/demo.css: web/demo.css
	@mkdir -p $(@D); cp $< $@
$(WEB)/demo.js: web/demo.js
	@mkdir -p $(@D); cp $< $@
$(eval $(call compile_rule,$(WEB)/obj/demo,web,WEB_COMPILE))
$(WEB)/demo_lib.mjs: $(WEB)/obj/demo/demo_lib.o $(WEB_LINK_DEPS)
	@mkdir -p $(@D)
	$(WEB_CC) --lib -o $@ $<

serve: web
	$(NODE) web/serve.mjs --root $(WEB) --port $(WEB_PORT)
