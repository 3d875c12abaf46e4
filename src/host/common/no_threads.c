/* no_threads.c: the answers of wasm hosts to what they cannot do. None has
 * threads (web workers would need SharedArrayBuffer and cross-origin
 * isolation; WASI has none), so wa_to_thread runs inline; and the WASI builds
 * have no JavaScript host, so wa_js_await is WA_ENOTSUP there. */
#if defined(__wasm__)
#include "host/host.h"
#include "host/common/common.h"

int wa__host_to_thread(wa_fn fn, void *arg, void **result)
{
    static int noted;
    if (!noted) {
        noted = 1;
        wa__host_debug_note("wa_to_thread runs inline on this target (no threads): "
                            "other tasks wait until it returns");
    }
    void *r = fn(arg);
    if (result)
        *result = r;
    return 0;
}

#if defined(__wasi__)
int wa__host_js_await(int promise_handle, char **json)
{
    (void)promise_handle;
    (void)json;
    return WA_ENOTSUP;
}
#endif
#endif
