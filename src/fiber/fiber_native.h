/* fiber_native.h: what the native fiber backends (fiber_native.c with the
 * hand-written switch, fiber_native_ucontext.c as fallback) share with the
 * stack allocator in fiber_native_stack.c. Private to src/fiber.
 */
#ifndef WA_FIBER_NATIVE_H
#define WA_FIBER_NATIVE_H

#include <stddef.h>
#include <stdint.h>
#ifdef WA_FIBER_UCONTEXT
#include <ucontext.h>
#endif
#include "fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#define WA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WA_ASAN 1
#endif
#endif
#ifndef WA_ASAN
#define WA_ASAN 0
#endif

#if WA_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* The canary is the zero word at the lowest address of an unguarded stack,
 * checked on every switch away from a fiber. Zero because a fresh stack page
 * already reads as zero from the shared zero page: a non-zero canary would
 * have to be written and would cost every parked fiber a second page of
 * RSS. An overrun that reaches it nearly always leaves something non-zero
 * there (return addresses, saved registers). Guarded stacks and the main
 * fiber point at a shared zero word instead (their guard already works). */
#define WA_CANARY 0ull

/* Thread-local state is initial-exec: the switch touches it, and the default
 * model in -fPIC code would make that a __tls_get_addr call. */
#define WA_TLS __thread __attribute__((tls_model("initial-exec")))

struct wa__slab;

struct wa_fiber {
    void *sp;                  /* asm backend: saved stack pointer */
    const uint64_t *canary;    /* lowest stack word (main: a constant) */
    unsigned char *lo;         /* lowest usable stack byte */
    size_t size;               /* usable stack bytes */
    struct wa__slab *slab;     /* NULL for the thread's main fiber */
    wa_fiber *free_prev, *free_next; /* pool links while free */
    void (*entry)(void *);
    void *arg;
    unsigned char guarded;     /* a PROT_NONE page sits just below lo */
    unsigned char cold;        /* pooled and its pages were given back */
    unsigned char live;        /* handed out by wa__stack_get */
#if WA_ASAN
    const void *asan_bottom;   /* stack bounds as ASan wants them */
    size_t asan_size;
    void *asan_fake;           /* ASan fake stack while switched out */
#endif
#ifdef WA_FIBER_UCONTEXT
    ucontext_t uc;
#endif
};

/* The running fiber (the signal handler reads it to find the guard page). */
extern WA_TLS wa_fiber *wa__fiber_cur;

/* A fiber with a fresh stack of at least `size` bytes (0 = default), its
 * canary written; entry/arg/sp still to be set by the backend. NULL with
 * *err = WA_EINVAL or WA_ENOMEM. */
wa_fiber *wa__stack_get(size_t size, int *err);

/* Backend hook for wa_fiber_create (fiber_native_stack.c): make f's first
 * switch start wa__fiber_start(f) on its stack. 0, or WA_ENOMEM. */
int wa__ctx_prepare(wa_fiber *f);

/* Report a smashed canary (or any overflow we detect in C) and abort. */
void wa__stack_overflow(const wa_fiber *f) __attribute__((noreturn, cold));

/* First code to run on a new fiber's stack: finishes the ASan switch, calls
 * entry(arg); complains and aborts if it returns. */
void wa__fiber_start(void *fiber) __attribute__((noreturn));

/* Backend hook for wa_fiber_free (ASan only): a suspended fiber may own an
 * ASan fake stack that only a final switch *from that fiber* can release,
 * so the backend briefly resumes it on a reaper frame that does exactly
 * that and switches back. */
void wa__fiber_reap(wa_fiber *f);

/* ASan bookkeeping around a switch (no-ops without ASan). The fiber being
 * left records where ASan's fake stack is; the one resumed tells ASan the
 * bounds of the stack it came from, so the main fiber learns its bounds. */
#if WA_ASAN
extern WA_TLS wa_fiber *wa__fiber_prev;
static inline void wa__asan_start(void **fake, wa_fiber *from, wa_fiber *to)
{
    wa__fiber_prev = from;
    __sanitizer_start_switch_fiber(fake, to->asan_bottom, to->asan_size);
}
static inline void wa__asan_finish(void *fake)
{
    wa_fiber *p = wa__fiber_prev;
    const void *bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(fake, &bottom, &size);
    if (p && !p->slab) { /* only the main fiber's bounds are unknown */
        p->asan_bottom = bottom;
        p->asan_size = size;
    }
}
#else
static inline void wa__asan_start(void **fake, wa_fiber *from, wa_fiber *to)
{
    (void)fake; (void)from; (void)to;
}
static inline void wa__asan_finish(void *fake) { (void)fake; }
#endif

#endif
