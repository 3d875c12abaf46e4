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

/* What the core does around a fiber's body, each on the fiber's own stack:
 *  - running_name: the name of the task running now (NULL in the loop's own
 *    context), for overflow messages; async-signal-safe;
 *  - begin(owner): before the body first runs;
 *  - end(owner, result): when the body returns; gives the fiber to continue.
 *    The ended fiber is never run again; the core frees it from another
 *    context.
 * The backend calls the body itself, so no frame of the core's sits under a
 * task's own code (on Asyncify, every frame there is unwound and rewound at
 * each switch). Any hook may be NULL (fiber tests): a body that returns
 * with no end hook is reported as misuse. */
typedef struct wa_fiber_hooks {
    const char *(*running_name)(void);
    void (*begin)(void *owner);
    wa_fiber *(*end)(void *owner, void *result);
} wa_fiber_hooks;

/* Per-loop set-up and tear-down (wa_run calls them). hooks may be NULL and
 * are copied. shutdown releases any pooled stacks. */
int wa__fiber_init(const wa_fiber_hooks *hooks);
void wa__fiber_shutdown(void);

/* Create a fiber that will run body(arg) when first switched to, with owner
 * passed to the hooks. stack_size 0 = backend default; aux_size is the
 * Asyncify buffer size (0 = default; ignored natively). Backends may reuse
 * pooled stacks, so creation should cost well under 100 ns.
 * Returns 0, WA_ENOMEM or WA_EINVAL. */
int wa__fiber_create(wa_fiber **out, size_t stack_size, size_t aux_size, void *(*body)(void *),
                     void *arg, void *owner);

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

/* Called with the reason (WA_ESTACK: an overflow; WA_EFAILED: misuse) when
 * a fiber backend ends the program after a fatal report, just before it
 * aborts. A host that must hear of the end first installs one: the web host
 * settles its JS promises, since exit() in a page only throws and leaves the
 * runtime up. NULL: none. Process-wide, kept across wa__fiber_init. */
void wa__fiber_set_exit_hook(void (*hook)(int code));

/* Free a fiber that is not running (its stack may go back to a pool). */
void wa__fiber_free(wa_fiber *f);

/* Default stack size for new fibers (0 restores the backend's default). */
size_t wa__fiber_default_stack(void);
void wa__fiber_set_default_stack(size_t bytes);

#pragma GCC visibility pop

#endif
