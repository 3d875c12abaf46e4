/* fiber.h: the context-switch interface the core runs on.
 *
 * A fiber is an execution context with its own C stack. The core switches
 * between fibers symmetrically (task to task, or task to the loop's own
 * context), so a yield between two tasks costs one switch, not two.
 *
 * Backends: fiber_native.c with switch_x86_64.S / switch_aarch64.S
 * (hand-written asm) or fiber_native_ucontext.c (fallback), both on the
 * stack allocator in fiber_native_stack.c; fiber_asyncify.c for wasm
 * (Binaryen Asyncify). Exactly one is linked into a build.
 */
#ifndef WA_FIBER_H
#define WA_FIBER_H

#include <stddef.h>

typedef struct wa_fiber wa_fiber;

/* The context of the thread that called wa_run(): the loop's scheduler runs
 * here. Valid between wa_fiber_init() and wa_fiber_shutdown(). */
wa_fiber *wa_fiber_main(void);

/* Per-loop set-up and tear-down (wa_run calls them). shutdown releases any
 * pooled stacks. */
int wa_fiber_init(void);
void wa_fiber_shutdown(void);

/* Create a fiber that will run entry(arg) when first switched to. entry must
 * never return: it ends by switching away for good, and the core frees the
 * fiber from another context. stack_size 0 = backend default; aux_size is the
 * Asyncify buffer size (0 = default; ignored natively). Backends may reuse
 * pooled stacks, so creation should cost well under 100 ns.
 * Returns 0, WA_ENOMEM or WA_EINVAL. */
int wa_fiber_create(wa_fiber **out, size_t stack_size, size_t aux_size,
                    void (*entry)(void *), void *arg);

/* Save the current context into `from` and continue `to`. `from` must be the
 * fiber that is running. Returns when some other fiber switches back to
 * `from`. Native: a register save/restore. Asyncify: a task unwinds to the
 * bottom loop, which rewinds `to`. */
void wa_fiber_switch(wa_fiber *from, wa_fiber *to);

/* Free a fiber that is not running (its stack may go back to a pool). */
void wa_fiber_free(wa_fiber *f);

/* Default stack size, and the default Asyncify buffer (wasm only). */
size_t wa_fiber_default_stack(void);
void wa_fiber_set_default_stack(size_t bytes);

/* Provided by the core for overflow messages: the name of the task that is
 * running now (NULL in the loop's own context). */
const char *wa__running_task_name(void);

#endif
