/* fiber_native.c: the native fiber backend with a hand-written register
 * switch (switch_x86_64.S / switch_aarch64.S): wa_fiber_create lays out a new
 * fiber's first frame, wa_fiber_switch checks the canary and switches.
 * Stacks, pool, guard pages and init/free live in fiber_native_stack.c.
 * Compiles to nothing when WA_FIBER_UCONTEXT selects the fallback.
 */
#ifndef WA_FIBER_UCONTEXT

#include "fiber_native.h"

#include <stdint.h>
#include <string.h>

#include "wasyncio.h"

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "no hand-written fiber switch for this CPU: build with FIBER=ucontext"
#endif

void wa__ctx_switch(void **save_sp, void *new_sp);
void wa__ctx_trampoline(void);

/* Build the frame wa__ctx_switch pops when it first switches to f, so its
 * final `ret` lands in the trampoline with sp 16-byte aligned. */
static void first_frame(wa_fiber *f, void (*start)(void *))
{
    uintptr_t top = ((uintptr_t)(f->lo + f->size)) & ~(uintptr_t)15;
#if defined(__x86_64__)
    uint64_t *sp = (uint64_t *)(top - 80);
    memset(sp, 0, 80);
    /* MXCSR 0x1F80 (all exceptions masked, round to nearest) and x87 CW
     * 0x037F (the ABI's initial values). */
    sp[0] = 0x1f80u | ((uint64_t)0x037fu << 32);
    sp[3] = (uint64_t)(uintptr_t)start; /* r13 */
    sp[4] = (uint64_t)(uintptr_t)f;               /* r12 */
    sp[7] = (uint64_t)(uintptr_t)wa__ctx_trampoline;
#else
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)f;               /* x19 */
    sp[1] = (uint64_t)(uintptr_t)start; /* x20 */
    sp[11] = (uint64_t)(uintptr_t)wa__ctx_trampoline; /* x30 */
#endif
    f->sp = sp;
}

int wa__ctx_prepare(wa_fiber *f)
{
    first_frame(f, wa__fiber_start);
    return 0;
}

void wa_fiber_switch(wa_fiber *from, wa_fiber *to)
{
    if (__builtin_expect(*from->canary != WA_CANARY, 0))
        wa__stack_overflow(from);
    wa__fiber_cur = to;
#if WA_ASAN
    wa__asan_start(&from->asan_fake, from, to);
    wa__ctx_switch(&from->sp, to->sp);
    wa__asan_finish(from->asan_fake);
    from->asan_fake = NULL;
#else
    wa__ctx_switch(&from->sp, to->sp);
#endif
}

#if WA_ASAN
/* Runs on the dying fiber's stack: make its fake stack current again, then
 * leave for good (NULL save slot), which is what lets ASan free it. */
static void reap_start(void *arg)
{
    wa_fiber *f = arg;
    wa_fiber *back = wa__fiber_prev;
    __sanitizer_finish_switch_fiber(f->asan_fake, NULL, NULL);
    f->asan_fake = NULL;
    wa__fiber_prev = f;
    wa__fiber_cur = back;
    __sanitizer_start_switch_fiber(NULL, back->asan_bottom, back->asan_size);
    wa__ctx_switch(&f->sp, back->sp);
    __builtin_trap();
}

void wa__fiber_reap(wa_fiber *f)
{
    wa_fiber *cur = wa__fiber_cur;
    void *fake = NULL;
    first_frame(f, reap_start);
    wa__fiber_cur = f;
    wa__asan_start(&fake, cur, f);
    wa__ctx_switch(&cur->sp, f->sp);
    wa__asan_finish(fake);
}
#endif

#endif
