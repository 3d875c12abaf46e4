/* fiber_report.h: the bottom of the fiber layer: the task-name hook the core
 * hands to wa__fiber_init, and the native overflow message. Private to
 * src/fiber; calls nothing above it.
 */
#ifndef WA_FIBER_REPORT_H
#define WA_FIBER_REPORT_H

#include <stddef.h>

/* Internal: never exported from the shared library. */
#pragma GCC visibility push(hidden)

/* Remember the core's hook (NULL: no names). */
void wa__fiber_set_namer(const char *(*running_name)(void));

/* The running task's name, or NULL (loop context, or no hook). */
const char *wa__fiber_running_name(void);

/* Write "stack overflow in task '...' (stack N bytes<how>); raise it ..."
 * to stderr. named = 0 when the running task is not the one that
 * overflowed (a canary found at the next switch). Async-signal-safe. */
void wa__fiber_report_overflow(size_t stack_bytes, const char *how, int named);

#pragma GCC visibility pop

#endif
