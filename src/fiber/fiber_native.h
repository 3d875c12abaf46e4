/* fiber_native.h: what fiber.c, the native context backends
 * (fiber_ctx_asm.h, fiber_ctx_ucontext.h) and the stack allocator
 * (fiber_stack.c) share: the fiber struct, the canary, TLS and ASan glue.
 * Private to src/fiber.
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

/* ThreadSanitizer (-fsanitize=thread, make test-tsan) must be told of every
 * switch between stacks, or it takes a task's frames for another's and
 * reports races between code that ran one after the other on one thread. */
#if defined(__SANITIZE_THREAD__)
#define WA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WA_TSAN 1
#endif
#endif
#ifndef WA_TSAN
#define WA_TSAN 0
#endif
#if WA_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#if WA_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* Internal: never exported from the shared library. */
#pragma GCC visibility push(hidden)

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
    void *sp;                        /* asm backend: saved stack pointer */
    const uint64_t *canary;          /* lowest stack word (main: a constant) */
    unsigned char *lo;               /* lowest usable stack byte */
    size_t size;                     /* usable stack bytes */
    struct wa__slab *slab;           /* NULL for the thread's main fiber */
    wa_fiber *free_prev, *free_next; /* pool links while free */
    void *(*body)(void *);
    void *arg, *owner;
    unsigned char guarded; /* a PROT_NONE page sits just below lo */
    unsigned char cold;    /* pooled and its pages were given back */
    unsigned char live;    /* handed out by wa__stack_get */
#if WA_ASAN
    const void *asan_bottom; /* stack bounds as ASan wants them */
    size_t asan_size;
    void *asan_fake; /* ASan fake stack while switched out */
#endif
#if WA_TSAN
    void *tsan; /* ThreadSanitizer's context for this stack */
#endif
#ifdef WA_FIBER_UCONTEXT
    ucontext_t uc;
#endif
};

/* The running fiber (the signal handler reads it to find the guard page). */
extern WA_TLS wa_fiber *wa__fiber_cur;

/* The canary of guarded stacks and the main fiber: always WA_CANARY. */
extern const uint64_t wa__zero_canary;

/* fiber_stack.c, called only by fiber.c: */

/* Per-thread set-up: the SIGSEGV handler (re-checked on every call) and,
 * the first time on a thread, the sigaltstack it runs on. */
void wa__stack_init(int first_on_thread);
/* Unmap every slab with no live fiber, remove the sigaltstack. */
void wa__stack_shutdown(void);

/* A fiber with a fresh stack of at least `size` bytes (0 = default), its
 * canary written; entry/arg and the context still to be set. NULL with
 * *err = WA_EINVAL or WA_ENOMEM. */
wa_fiber *wa__stack_get(size_t size, int *err);

/* Give a live fiber's stack back to the pool (its ASan fake stack, if any,
 * already reaped). */
void wa__stack_put(wa_fiber *f);

/* Report a smashed canary (or any overflow we detect in C) and abort. */
void wa__stack_overflow(const wa_fiber *f) __attribute__((noreturn, cold));

size_t wa__stack_default(void);
void wa__stack_set_default(size_t bytes);

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
    (void)fake;
    (void)from;
    (void)to;
}
static inline void wa__asan_finish(void *fake) { (void)fake; }
#endif

#pragma GCC visibility pop

#endif
