/* no_threads.c: the answers of wasm hosts to what they cannot do. None has
 * threads (web workers would need SharedArrayBuffer and cross-origin
 * isolation; WASI has none), so wa_to_thread runs inline, and the hand-over
 * between loops (wasyncio/threads.h) has no other loop to reach: each call
 * returns WA_ENOTHREADS at once. The WASI builds have no JavaScript host, so
 * wa_js_await is WA_ENOTSUP there. */
#if defined(__wasm__)
#include "core/host.h"
#include "host/common/common.h"
#include "core/backend.h"

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

/* ------------------------------------------------ wasyncio/threads.h */

wa_loop *wa_loop_current(void) { return wa__set_last_error(WA_ENOTHREADS); }
int wa_loop_hold(wa_loop *loop) { return loop ? WA_ENOTHREADS : WA_EINVAL; }
void wa_loop_release(wa_loop *loop) { (void)loop; }
int wa_call_soon_threadsafe(wa_loop *loop, wa_callback fn, void *arg)
{
    (void)arg;
    return loop && fn ? WA_ENOTHREADS : WA_EINVAL;
}
wa_future *wa_spawn_threadsafe(wa_loop *loop, wa_fn fn, void *arg)
{
    (void)arg;
    return wa__set_last_error(loop && fn ? WA_ENOTHREADS : WA_EINVAL);
}
/* No wa_future or wa_shared_queue can exist here: every handle is foreign. */
int wa_future_result(wa_future *f, uint64_t timeout_ms, void **result)
{
    (void)f, (void)timeout_ms, (void)result;
    return WA_ENOTHREADS;
}
int wa_future_cancel(wa_future *f) { return f ? WA_ENOTHREADS : WA_EINVAL; }
int wa_future_done(const wa_future *f)
{
    (void)f;
    return WA_ENOTHREADS;
}
const char *wa_future_message(const wa_future *f)
{
    (void)f;
    return NULL;
}
void wa_future_free(wa_future *f) { (void)f; }
wa_shared_queue *wa_shared_queue_new(size_t capacity)
{
    (void)capacity;
    return wa__set_last_error(WA_ENOTHREADS);
}
int wa_shared_queue_put(wa_shared_queue *q, void *item)
{
    (void)q, (void)item;
    return WA_ENOTHREADS;
}
int wa_shared_queue_get(wa_shared_queue *q, void **item)
{
    (void)q, (void)item;
    return WA_ENOTHREADS;
}
int wa_shared_queue_try_put(wa_shared_queue *q, void *item)
{
    (void)q, (void)item;
    return WA_ENOTHREADS;
}
int wa_shared_queue_try_get(wa_shared_queue *q, void **item)
{
    (void)q, (void)item;
    return WA_ENOTHREADS;
}
int wa_shared_queue_close(wa_shared_queue *q)
{
    (void)q;
    return WA_ENOTHREADS;
}
size_t wa_shared_queue_len(wa_shared_queue *q)
{
    (void)q;
    return 0;
}
int wa_shared_queue_free(wa_shared_queue *q)
{
    (void)q;
    return WA_ENOTHREADS;
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
