/* fiber_native_ucontext.c: the portable native fallback (FIBER=ucontext,
 * -DWA_FIBER_UCONTEXT) on getcontext/makecontext/swapcontext. Same stacks,
 * pool, guards and canary as the asm backend (fiber_native_stack.c); only
 * the switch differs, and it is slow (swapcontext saves the signal mask
 * with a syscall, ~0.5 us). Compiles to nothing otherwise.
 */
#ifdef WA_FIBER_UCONTEXT

#include "fiber_native.h"

#include <stdint.h>
#include <ucontext.h>

#include "wasyncio.h"

/* makecontext passes int arguments only, so the pointer travels in two
 * 32-bit halves. */
static void uc_start(unsigned hi, unsigned lo)
{
    uintptr_t p = ((uintptr_t)hi << 16 << 16) | (uintptr_t)lo;
    wa__fiber_start((void *)p);
}

int wa__ctx_prepare(wa_fiber *f)
{
    if (getcontext(&f->uc) != 0)
        return WA_ENOMEM;
    /* Skip the canary word so makecontext's frame never overlaps it. */
    f->uc.uc_stack.ss_sp = f->lo + 16;
    f->uc.uc_stack.ss_size = f->size - 16;
    f->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)f;
    makecontext(&f->uc, (void (*)(void))uc_start, 2,
                (unsigned)(p >> 16 >> 16), (unsigned)(p & 0xffffffffu));
    return 0;
}

void wa_fiber_switch(wa_fiber *from, wa_fiber *to)
{
    if (__builtin_expect(*from->canary != WA_CANARY, 0))
        wa__stack_overflow(from);
    wa__fiber_cur = to;
#if WA_ASAN
    wa__asan_start(&from->asan_fake, from, to);
    swapcontext(&from->uc, &to->uc);
    wa__asan_finish(from->asan_fake);
    from->asan_fake = NULL;
#else
    swapcontext(&from->uc, &to->uc);
#endif
}

#if WA_ASAN
/* See wa__fiber_reap in fiber_native.h: release a parked fiber's ASan fake
 * stack by leaving it for good from its own stack. */
static void reap_start(unsigned hi, unsigned lo)
{
    wa_fiber *f = (wa_fiber *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
    wa_fiber *back = wa__fiber_prev;
    __sanitizer_finish_switch_fiber(f->asan_fake, NULL, NULL);
    f->asan_fake = NULL;
    wa__fiber_prev = f;
    wa__fiber_cur = back;
    __sanitizer_start_switch_fiber(NULL, back->asan_bottom, back->asan_size);
    setcontext(&back->uc);
    __builtin_trap();
}

void wa__fiber_reap(wa_fiber *f)
{
    wa_fiber *cur = wa__fiber_cur;
    void *fake = NULL;
    uintptr_t p = (uintptr_t)f;
    if (getcontext(&f->uc) != 0)
        return; /* the fake stack leaks; nothing else is affected */
    f->uc.uc_stack.ss_sp = f->lo + 16;
    f->uc.uc_stack.ss_size = f->size - 16;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, (void (*)(void))reap_start, 2,
                (unsigned)(p >> 16 >> 16), (unsigned)(p & 0xffffffffu));
    wa__fiber_cur = f;
    wa__asan_start(&fake, cur, f);
    swapcontext(&cur->uc, &f->uc);
    wa__asan_finish(fake);
}
#endif

#endif
