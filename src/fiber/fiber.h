/* fiber.h: the context-switch interface the core runs on (internal: the
 * shared library does not export it).
 *
 * A fiber is an execution context with its own C stack. The core switches
 * between fibers symmetrically (task to task, or task to the loop's own
 * context), so a yield between two tasks costs one switch, not two.
 *
 * Layering, each file calling only the ones below it (never the core):
 *   fiber.c                  create/free/switch/init, once for native
 *     fiber_ctx_asm.h        the context backends (static functions that
 *     fiber_ctx_ucontext.h   fiber.c includes): prepare, jump, reap;
 *                            asm is switch_x86_64.S / switch_aarch64.S
 *     fiber_stack.c          pooled mmap'd stacks, guard pages, SIGSEGV
 *   fiber_asyncify.c         wasm: Binaryen Asyncify (context + memory)
 *   fiber_report.c           every fatal message (overflow, misuse) and
 *                            the task-name hook, for both
 *   fiber_sizes.h            default and bounding sizes, the size rule
 * fiber_native.h is what fiber.c, the native contexts and fiber_stack.c
 * share. A build links fiber.c + fiber_stack.c (native) or fiber_asyncify.c
 * (wasm), with fiber_report.c.
 */
#ifndef WA_FIBER_H
#define WA_FIBER_H

#include <stddef.h>

/* Internal: never exported from the shared library. */
#pragma GCC visibility push(hidden)

typedef struct wa_fiber wa_fiber;

/* The context of the thread that called wa_run(): the loop's scheduler runs
 * here. Valid between wa__fiber_init() and wa__fiber_shutdown(). */
wa_fiber *wa__fiber_main(void);

/* Per-loop set-up and tear-down (wa_run calls them). running_name, which
 * may be NULL, gives the name of the task running now (NULL in the loop's
 * own context) for overflow messages; it must be async-signal-safe.
 * shutdown releases any pooled stacks. */
int wa__fiber_init(const char *(*running_name)(void));
void wa__fiber_shutdown(void);

/* Create a fiber that will run entry(arg) when first switched to. entry
 * ends with wa__fiber_finish (and then returns, where that returns), and
 * the core frees the fiber from another context. stack_size 0 = backend default; aux_size is the
 * Asyncify buffer size (0 = default; ignored natively). Backends may reuse
 * pooled stacks, so creation should cost well under 100 ns.
 * Returns 0, WA_ENOMEM or WA_EINVAL. */
int wa__fiber_create(wa_fiber **out, size_t stack_size, size_t aux_size,
                     void (*entry)(void *), void *arg);

/* Save the current context into `from` and continue `to`. `from` must be the
 * fiber that is running. Returns when some other fiber switches back to
 * `from`. Native: a register save/restore. Asyncify: a task unwinds to the
 * bottom loop, which rewinds `to`. */
void wa__fiber_switch(wa_fiber *from, wa_fiber *to);

/* From the loop's own context (the main fiber): continue `to`, returning
 * when some fiber switches back to the main one. The same as
 * wa__fiber_switch(wa__fiber_main(), to), kept apart because on Asyncify the
 * loop's side never unwinds: Binaryen then leaves the loop's callers
 * uninstrumented, as it instruments only what can reach an unwind. */
void wa__fiber_run(wa_fiber *to);

/* End the running fiber `from` for good and continue `to`: `from` will
 * never be switched to again, so nothing of it is saved. On Asyncify this
 * returns, and the caller (the entry, or code it returns straight into) must
 * then return from the entry at once: a finished task costs no unwind. The
 * native backends switch and never come back. */
void wa__fiber_finish(wa_fiber *from, wa_fiber *to);

/* Free a fiber that is not running (its stack may go back to a pool). */
void wa__fiber_free(wa_fiber *f);

/* Default stack size for new fibers (0 restores the backend's default). */
size_t wa__fiber_default_stack(void);
void wa__fiber_set_default_stack(size_t bytes);

#pragma GCC visibility pop

#endif
