/* fiber.c: the native fiber, written once over the context backends:
 * create, free, switch (canary check, ASan bookkeeping, jump), the first
 * code on a new stack, and per-thread init. The context backend
 * (fiber_ctx_asm.h, or fiber_ctx_ucontext.h with -DWA_FIBER_UCONTEXT) is
 * included here as static functions, so the switch stays one call into asm.
 */
#include "fiber.h"

#include <string.h>
#include <stdlib.h>

#include "fiber_native.h"
#include "fiber_report.h"
#include "wasyncio.h"

#ifdef WA_FIBER_UCONTEXT
#include "fiber_ctx_ucontext.h"
#else
#include "fiber_ctx_asm.h"
#endif

static WA_TLS int t_depth;
static WA_TLS wa_fiber t_main;

/* First code to run on a new fiber's stack: finishes the ASan switch, runs
 * the core's begin hook and the body, then switches for good to the fiber
 * the end hook names. */
static __attribute__((noreturn)) void fiber_start(void *fiber)
{
    wa_fiber *f = fiber;
    wa__asan_finish(NULL);
    if (wa__fiber_hooks.begin)
        wa__fiber_hooks.begin(f->owner);
    void *result = f->body(f->arg);
    wa_fiber *to = wa__fiber_hooks.end ? wa__fiber_hooks.end(f->owner, result) : NULL;
    if (to) {
        wa__fiber_switch(f, to);
        wa__fiber_report_misuse("an ended fiber was switched to again");
    } else {
        wa__fiber_report_misuse("a fiber's body returned with nowhere to go (no end hook)");
    }
    wa__fiber_exit(WA_EFAILED);
}

void wa__fiber_switch(wa_fiber *from, wa_fiber *to)
{
    if (__builtin_expect(*from->canary != WA_CANARY, 0))
        wa__stack_overflow(from);
    wa__fiber_cur = to;
#if WA_TSAN
    __tsan_switch_to_fiber(to->tsan, 0); /* 0: the switch orders the two */
#endif
#if WA_ASAN
    wa__asan_start(&from->asan_fake, from, to);
    ctx_jump(from, to);
    wa__asan_finish(from->asan_fake);
    from->asan_fake = NULL;
#else
    ctx_jump(from, to);
#endif
}

void wa__fiber_run(wa_fiber *to) { wa__fiber_switch(wa__fiber_main(), to); }

#if WA_ASAN
/* A suspended fiber may own an ASan fake stack that only a final switch
 * *from that fiber* can release, so free briefly resumes it on this frame,
 * which leaves for good (no fake-stack save slot) and switches back. */
static __attribute__((noreturn)) void reap_start(void *arg)
{
    wa_fiber *f = arg;
    wa_fiber *back = wa__fiber_prev;
    __sanitizer_finish_switch_fiber(f->asan_fake, NULL, NULL);
    f->asan_fake = NULL;
    wa__fiber_prev = f;
    wa__fiber_cur = back;
    __sanitizer_start_switch_fiber(NULL, back->asan_bottom, back->asan_size);
    ctx_jump(f, back);
    __builtin_trap();
}

static void reap(wa_fiber *f)
{
    wa_fiber *cur = wa__fiber_cur;
    void *fake = NULL;
    if (ctx_prepare(f, reap_start) != 0)
        return; /* the fake stack leaks; nothing else is affected */
    wa__fiber_cur = f;
    wa__asan_start(&fake, cur, f);
    ctx_jump(cur, f);
    wa__asan_finish(fake);
}
#endif

int wa__fiber_create(wa_fiber **out, size_t stack_size, size_t aux_size, void *(*body)(void *),
                     void *arg, void *owner)
{
    (void)aux_size; /* Asyncify only */
    if (!out || !body)
        return WA_EINVAL;
    *out = NULL;
    int err = 0;
    wa_fiber *f = wa__stack_get(stack_size, &err);
    if (!f)
        return err;
    f->body = body;
    f->arg = arg;
    f->owner = owner;
#if WA_TSAN
    f->tsan = __tsan_create_fiber(0);
#endif
    int rc = ctx_prepare(f, fiber_start);
    if (rc != 0) {
        wa__fiber_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

void wa__fiber_free(wa_fiber *f)
{
    /* The main fiber is not ours to free, and a second free must not put a
     * stack on the list twice. */
    if (!f || !f->slab || !f->live)
        return;
#if WA_ASAN
    if (f->asan_fake)
        reap(f);
#endif
#if WA_TSAN
    if (f->tsan)
        __tsan_destroy_fiber(f->tsan);
    f->tsan = NULL;
#endif
    wa__stack_put(f);
}

wa_fiber *wa__fiber_main(void) { return t_depth > 0 ? &t_main : NULL; }

int wa__fiber_init(const wa_fiber_hooks *hooks)
{
    wa__fiber_set_hooks(hooks);
    wa__stack_init(t_depth == 0);
    if (t_depth++ > 0)
        return 0;
    memset(&t_main, 0, sizeof t_main);
    t_main.canary = &wa__zero_canary;
#if WA_TSAN
    t_main.tsan = __tsan_get_current_fiber();
#endif
    wa__fiber_cur = &t_main;
    return 0;
}

void wa__fiber_shutdown(void)
{
    if (t_depth <= 0 || --t_depth > 0)
        return;
    wa__stack_shutdown();
    wa__fiber_cur = NULL;
}

size_t wa__fiber_default_stack(void) { return wa__stack_default(); }

void wa__fiber_set_default_stack(size_t bytes) { wa__stack_set_default(bytes); }
