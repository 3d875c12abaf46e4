/* fiber_ctx_ucontext.h: the portable native fallback context (FIBER=ucontext,
 * -DWA_FIBER_UCONTEXT) on getcontext/makecontext/swapcontext. Included by
 * fiber.c only; supplies ctx_prepare and ctx_jump. Same stacks, pool, guards
 * and canary as the asm backend; only the switch differs, and it is slow
 * (swapcontext saves the signal mask with a syscall, ~0.5 us).
 */
#ifndef WA_FIBER_CTX_UCONTEXT_H
#define WA_FIBER_CTX_UCONTEXT_H

#include <stdint.h>
#include <ucontext.h>

#include "fiber_native.h"
#include "wasyncio.h"

/* makecontext passes int arguments only, so each pointer travels in two
 * 32-bit halves. */
#define CTX_HI(p)       ((unsigned)((uintptr_t)(p) >> 16 >> 16))
#define CTX_LO(p)       ((unsigned)((uintptr_t)(p) & 0xffffffffu))
#define CTX_PTR(hi, lo) (((uintptr_t)(hi) << 16 << 16) | (uintptr_t)(lo))

static void uc_start(unsigned fhi, unsigned flo, unsigned shi, unsigned slo)
{
    void (*start)(void *) = (void (*)(void *))CTX_PTR(shi, slo);
    start((void *)CTX_PTR(fhi, flo));
}

/* Make f's first jump run start(f) on its stack. 0, or WA_ENOMEM. */
static int ctx_prepare(wa_fiber *f, void (*start)(void *))
{
    if (getcontext(&f->uc) != 0)
        return WA_ENOMEM;
    /* Skip the canary word so makecontext's frame never overlaps it. */
    f->uc.uc_stack.ss_sp = f->lo + 16;
    f->uc.uc_stack.ss_size = f->size - 16;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, (void (*)(void))uc_start, 4, CTX_HI(f), CTX_LO(f), CTX_HI(start),
                CTX_LO(start));
    return 0;
}

static inline void ctx_jump(wa_fiber *from, wa_fiber *to) { swapcontext(&from->uc, &to->uc); }

#endif
