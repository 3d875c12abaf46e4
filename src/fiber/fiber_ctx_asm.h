/* fiber_ctx_asm.h: the hand-written register switch as a context backend
 * (switch_x86_64.S / switch_aarch64.S hold the switch and the first-entry
 * trampoline). Included by fiber.c only; supplies ctx_prepare and ctx_jump.
 */
#ifndef WA_FIBER_CTX_ASM_H
#define WA_FIBER_CTX_ASM_H

#include <stdint.h>
#include <string.h>

#include "fiber_native.h"

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "no hand-written fiber switch for this CPU: build with FIBER=ucontext"
#endif

void wa__ctx_switch(void **save_sp, void *new_sp);
void wa__ctx_trampoline(void);

/* Build the frame wa__ctx_switch pops when it first switches to f, so its
 * final `ret` lands in the trampoline (which calls start(f)) with sp 16-byte
 * aligned. Cannot fail. */
static int ctx_prepare(wa_fiber *f, void (*start)(void *))
{
    uintptr_t top = ((uintptr_t)(f->lo + f->size)) & ~(uintptr_t)15;
#if defined(__x86_64__)
    uint64_t *sp = (uint64_t *)(top - 80);
    memset(sp, 0, 80);
    /* MXCSR 0x1F80 (all exceptions masked, round to nearest) and x87 CW
     * 0x037F (the ABI's initial values). */
    sp[0] = 0x1f80u | ((uint64_t)0x037fu << 32);
    sp[3] = (uint64_t)(uintptr_t)start; /* r13 */
    sp[4] = (uint64_t)(uintptr_t)f;     /* r12 */
    sp[7] = (uint64_t)(uintptr_t)wa__ctx_trampoline;
#else
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)f;                   /* x19 */
    sp[1] = (uint64_t)(uintptr_t)start;               /* x20 */
    sp[11] = (uint64_t)(uintptr_t)wa__ctx_trampoline; /* x30 */
#endif
    f->sp = sp;
    return 0;
}

/* Save the callee-saved registers on from's stack and pop to's. Inline:
 * the switch is one call, into the asm. */
static inline __attribute__((always_inline)) void ctx_jump(wa_fiber *from, wa_fiber *to)
{
    wa__ctx_switch(&from->sp, to->sp);
}

#endif
