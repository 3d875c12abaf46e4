/* fiber_sizes.h: the stack and Asyncify-buffer sizes every fiber backend
 * starts from (defaults, bounds) and the one rule that turns a requested
 * size into a usable one. Private to src/fiber; the figures are argued in
 * README's "Stacks and memory".
 */
#ifndef WA_FIBER_SIZES_H
#define WA_FIBER_SIZES_H

#include <stddef.h>

#include "wasyncio.h"

#if defined(__wasm__)
/* Linear memory is the budget (wasm32: 4 GiB for every task together).
 * Overflow is stopped before the frame writes (wasyncio-stack-check.sh),
 * so a small default is safe: a task that needs more is told so. */
#define WA__FIBER_STACK_DEFAULT (16u * 1024u)
#define WA__FIBER_STACK_MIN     1024u
#define WA__FIBER_STACK_MAX     (256u * 1024u * 1024u)
#define WA__FIBER_AUX_DEFAULT   1024u
#define WA__FIBER_AUX_MIN       256u
#define WA__FIBER_STACK_ALIGN   16u
#else
/* Native stacks are mmap'd and cost RSS only where touched, so the default
 * is generous; ASan frames carry redzones and are several times larger. */
#if defined(__SANITIZE_ADDRESS__)
#define WA__FIBER_STACK_DEFAULT (1024u * 1024u)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WA__FIBER_STACK_DEFAULT (1024u * 1024u)
#endif
#endif
#ifndef WA__FIBER_STACK_DEFAULT
#define WA__FIBER_STACK_DEFAULT (256u * 1024u)
#endif
#define WA__FIBER_STACK_MIN   (16u * 1024u)
#define WA__FIBER_STACK_MAX   ((size_t)1 << 30)
#define WA__FIBER_AUX_DEFAULT 0u /* no Asyncify buffer */
#define WA__FIBER_AUX_MIN     0u
#define WA__FIBER_STACK_ALIGN 0u /* the caller rounds to pages */
#endif

/* A requested stack size made usable: 0 takes `dflt`, too small is raised
 * to the minimum, and the result is rounded up to `align` (a power of two,
 * or 0 for none). Too large is WA_EINVAL for a task (the request is
 * wrong), and clamped when setting the default (clamp = 1). */
static inline int wa__fiber_size(size_t *bytes, size_t dflt, size_t min, size_t max, size_t align,
                                 int clamp)
{
    size_t n = *bytes ? *bytes : dflt;
    if (n > max) {
        if (!clamp)
            return WA_EINVAL;
        n = max;
    }
    if (n < min)
        n = min;
    if (align)
        n = (n + align - 1) & ~(align - 1);
    *bytes = n;
    return 0;
}

#endif
