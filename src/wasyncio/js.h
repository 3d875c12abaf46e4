/* wasyncio/js.h: JavaScript interop for the Emscripten build: C
 * awaits a JS promise (wa_js_await), JS awaits C (WA_JS_EXPORT).
 * Part of the public API: include <wasyncio.h>, which includes this file. */
#ifndef WASYNCIO_JS_H
#define WASYNCIO_JS_H

#ifndef WASYNCIO_H
#error "include <wasyncio.h>, not <wasyncio/js.h>"
#endif

/* --------------------------------------------------------- JavaScript */

/* Browser/Node (Emscripten) only; elsewhere WA_ENOTSUP.
 * C awaits a JS promise: the JS side registers it with
 * Module.waPromise(promise) -> handle (an int); wa_js_await(handle, &json)
 * suspends until it settles and gives its value as a malloc'd JSON string, or
 * WA_EJS with the rejection message in wa_task_message-style *json. */
WA_EXTERN int wa_js_await(int promise_handle, char **json);

/* JS awaits C: WA_JS_EXPORT(fn) makes the coroutine `void *fn(void *arg)`
 * callable from JavaScript as Module.waCall("fn", arg) -> Promise. It runs as
 * a task of the running loop (or of a loop started for it); arg arrives as a
 * NUL-terminated JSON string; return a malloc'd JSON string (the runtime
 * frees it; NULL means null), or fail with wa_raise() to reject the Promise.
 * Elsewhere it compiles to nothing that is emitted. The getter is exported
 * even from code built with -fvisibility=hidden. */
#if defined(__EMSCRIPTEN__)
#define WA_JS_EXPORT(fn) \
    __attribute__((used)) wa_fn wa_js_export_##fn(void) { return (fn); }
#else
#define WA_JS_EXPORT(fn) \
    static inline wa_fn wa_js_export_##fn(void) { return (fn); }
#endif

#endif /* WASYNCIO_JS_H */
