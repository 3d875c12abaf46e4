/* wasyncio_js.h: JavaScript interop for the Emscripten build (include after
 * wasyncio.h; js/wasyncio-emcc.sh puts this directory on the include path).
 *
 * JS -> C: WA_JS_EXPORT(fn) makes the coroutine `void *fn(void *arg)`
 * callable as Module.waCall("fn", arg) -> Promise. It runs as a task of the
 * running loop (or of a loop started for it). arg arrives as a
 * NUL-terminated JSON string; return a malloc'd JSON string (the runtime
 * frees it; NULL means null), or fail with wa_raise() to reject the Promise.
 *
 * C -> JS: wa_js_await() in wasyncio.h, with handles from Module.waPromise.
 */
#ifndef WASYNCIO_JS_H
#define WASYNCIO_JS_H

#include <emscripten.h>
#include "wasyncio.h"

/* The getter hands JS the function's table index; taking the address here
 * also keeps fn in the table however the optimiser treats it. */
#define WA_JS_EXPORT(fn)                                                     \
    EMSCRIPTEN_KEEPALIVE wa_fn wa_js_export_##fn(void) { return (fn); }

#endif
