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
#define WA_JS_EXPORT_VALUE(fn) \
    __attribute__((used)) wa_fn wa_js_exportv_##fn(void) { return (fn); }
#else
#define WA_JS_EXPORT(fn) \
    static inline wa_fn wa_js_export_##fn(void) { return (fn); }
#define WA_JS_EXPORT_VALUE(fn) \
    static inline wa_fn wa_js_exportv_##fn(void) { return (fn); }
#endif

/* The same without JSON: WA_JS_EXPORT_VALUE(fn) makes `void *fn(void *arg)`
 * callable as Module.waCall("fn", x) where arg is a wa_js_value * made from
 * x: null/undefined, a number, a string, or bytes (an ArrayBuffer or any
 * typed array). The coroutine returns a wa_js_value * (usually arg itself,
 * overwritten; NULL means null) that the runtime reads once, when the task
 * ends. Lifetimes (README, "JS awaits C"):
 *  - arg and an argument's data live until the task ends. A string or bytes
 *    from JS memory are a copy, freed then; a typed array that is already a
 *    view of the module's memory (Module.HEAPU8.subarray(p, p + n)) is passed
 *    in place, no copy (WA_JS_MEMORY): JS must leave it alone until the
 *    Promise settles.
 *  - a returned WA_JS_STRING / WA_JS_BYTES is copied into JS; the runtime
 *    free()s data afterwards when `owned` is set.
 *  - a returned WA_JS_VIEW gives JS a Uint8Array over wasm memory, no copy.
 *    C keeps ownership and must keep the bytes alive and unchanged for as
 *    long as JS uses the view; a growth of wasm memory detaches the view
 *    (length 0), so JS should read it before calling into C again. */
typedef enum wa_js_type {
    WA_JS_NULL = 0,
    WA_JS_NUMBER = 1,
    WA_JS_STRING = 2, /* UTF-8, `len` bytes; also NUL-terminated as an arg */
    WA_JS_BYTES = 3,  /* bytes copied into/out of wasm memory */
    WA_JS_MEMORY = 4, /* arg only: a view of wasm memory passed in place */
    WA_JS_VIEW = 5,   /* result only: JS gets a view of wasm memory */
} wa_js_type;

typedef struct wa_js_value {
    wa_js_type type;
    int owned;     /* result: free(data) once JS has its copy */
    double number; /* WA_JS_NUMBER */
    void *data;    /* WA_JS_STRING, WA_JS_BYTES, WA_JS_MEMORY, WA_JS_VIEW */
    size_t len;    /* bytes at data (a string's, without the NUL) */
} wa_js_value;

#endif /* WASYNCIO_JS_H */
