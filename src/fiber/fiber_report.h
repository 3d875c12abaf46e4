/* fiber_report.h: the bottom of the fiber layer: the hooks the core hands
 * to wa__fiber_init, and the messages every fiber backend ends a
 * program with. Private to src/fiber; calls nothing above it.
 */
#ifndef WA_FIBER_REPORT_H
#define WA_FIBER_REPORT_H

#include <stddef.h>

/* Internal: never exported from the shared library. */
#pragma GCC visibility push(hidden)

#include "fiber.h"

/* The core's hooks, set by every wa__fiber_init on its thread (all NULL:
 * none). */
extern _Thread_local wa_fiber_hooks wa__fiber_hooks;
void wa__fiber_set_hooks(const wa_fiber_hooks *hooks);

/* The running task's name, or NULL (loop context, or no hook). */
const char *wa__fiber_running_name(void);

/* Write "stack overflow in task '...' (stack N bytes[, needs at least M]
 * <how>); raise it ..." to stderr. needed = 0 when unknown. named = 0 when
 * the running task is not the one that overflowed (a canary found at the
 * next switch). Async-signal-safe, like the two below. */
void wa__fiber_report_overflow(size_t stack_bytes, size_t needed, const char *how, int named);

/* The program's own stack (main() and the loop, not a task) overflowed on
 * wasm, stopped before the frame wrote: its size is the link's to raise. */
void wa__fiber_report_program_overflow(size_t stack_bytes, size_t needed);

/* "Asyncify buffer overflow in task '...' (U bytes, buffer is N) ...". */
void wa__fiber_report_aux_overflow(size_t aux_bytes, size_t used);

/* "wasyncio: <what> (task '...')": a fiber used the wrong way. */
void wa__fiber_report_misuse(const char *what);

/* End the program after a report: abort() natively, _Exit(134) on wasm
 * (where abort() adds a bare trap report under most hosts). code says why
 * (WA_ESTACK: an overflow; WA_EFAILED: misuse) to the host's exit hook
 * (wa__fiber_set_exit_hook in fiber.h), which hears it first. */
void wa__fiber_exit(int code) __attribute__((noreturn));

#pragma GCC visibility pop

#endif
