/* backend.h: what the core offers host backends and the portable protocol
 * layers (src/host/, src/http/, src/stream/), as libdill's libdillimpl.h
 * does for its backends.
 * A backend implements core/host.h and calls the core only through this
 * header; core/internal.h is the core's own and no file outside src/core/
 * includes it.
 */
#ifndef WA_CORE_BACKEND_H
#define WA_CORE_BACKEND_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "wasyncio.h"
#include "core/host.h"
#include "core/list.h" /* the intrusive list every layer uses */
#include "core/grow.h" /* growing an array by doubling */

/* ------------------------------- driving the loop (turn.c, run.c, loop.c) */

/* One scheduling turn: fire due timers and run ready tasks (bounded). Returns
 * 1 when the main task has finished. *deadline_ns gets the time to poll until:
 * 0 if tasks are still ready, the next timer, or WA_NEVER. */
int wa__loop_turn(uint64_t *deadline_ns);

/* Run t, just spawned from outside any task, at once: the turn the loop
 * would take when t is the only ready task and no timer is armed, without
 * the turn's own bookkeeping (a JS call into an idle loop). Returns 1 when
 * it ran t and the loop is idle again (nothing ready, no timer, the main
 * task not done): the host has nothing to arrange. 0: run a normal turn
 * (which runs t if it did not run). */
int wa__run_now(wa_task *t);

/* 1 when a task is ready to run. A host checks it just before it blocks:
 * a completion made by a callback that ran earlier in the same wait (e.g. a
 * libuv timer, which runs before libuv polls) must not wait for another
 * event to be seen. */
int wa__loop_has_ready(void);

/* The loop found nothing ready, no timer and no host operation: every task
 * is blocked forever. The core wakes the blocked tasks with WA_EDEADLK. */
void wa__loop_stalled(void);

/* The end of wa_run: cancel leftovers, free the loop, return the main
 * task's outcome. The web host calls it when the main task finishes from a
 * JavaScript callback (wa__host_drive returned WA_EBUSY). Returns WA_EBUSY if a
 * cancelled leftover task still waits on JavaScript: call it again later. */
int wa__run_finish(void **result);

/* Debug mode flag of the running loop (0 without a loop). */
int wa__debug_on(void);

/* ------------------------------------------ host operations (ops.c) */

/* A pending host operation a task waits on. Lives in the waiting task's
 * frame. The host fills `cancel` if it can abort; the core calls it when the
 * task is interrupted, and after that the host must not touch the op. */
typedef struct wa_op {
    struct wa_task *task;           /* set by wa__op_wait */
    int status;                     /* result code, set by wa__wake_op */
    int done;                       /* set by wa__wake_op */
    void (*cancel)(struct wa_op *); /* host: abort and forget this op */
    void *data;                     /* host's own */
} wa_op;

/* In a task: suspend until the host calls wa__wake_op(op) or the task is
 * interrupted (cancel/timeout: op->cancel runs, the code is returned; without
 * a cancel hook the wait goes on, shielded, and the code is returned after). */
int wa__op_wait(wa_op *op);
/* From wa__host_poll or a host callback: complete op with status and make its
 * task ready. Safe to call only once per op, and never after cancel. */
void wa__wake_op(wa_op *op, int status);

/* ------------------------------------------ tasks (loop.c, task.c) */

/* The running task, or NULL (loop context / no loop). */
wa_task *wa__self(void);

/* 0 if called inside a task of a running loop, else WA_ENOLOOP. */
int wa__require_task(void);

/* Called once a task has finished (wa_task_error tells how), before its
 * awaiters wake. */
typedef void (*wa_done_hook)(wa_task *t, void *data);

/* In a completion hook: take t's outcome (code, and its result when 0) and
 * mark it retrieved, so a failure delivered elsewhere (a JS Promise) is not
 * also reported as never awaited. */
int wa__task_outcome(wa_task *t, void **result);

/* Name t with a string that outlives it (not copied, never freed): a JS
 * export's name, looked up once per module. */
void wa__task_borrow_name(wa_task *t, const char *name);

/* Spawn with a completion hook (a server's handler task, a group member). */
wa_task *wa__spawn_hooked(wa_fn fn, void *arg, const wa_task_opts *opts, wa_done_hook hook,
                          void *hook_data);

#define WA_PARK_SHIELD 1u /* not interruptible: no cancel, no scope deadline */

/* Suspend the running task until wa__ready(t) or an interruption. wake_at is
 * an absolute hrtime (ns) at which to return 0 on its own (sleeps), or
 * WA_NEVER. Returns 0, WA_ECANCELED or WA_ETIMEDOUT. A pending cancel or an
 * already-expired scope returns at once without suspending. A backend parks
 * only shielded (to wait for its own shutdown); anything else is a wa_op. */
int wa__park(uint64_t wake_at, unsigned flags);

/* Make a parked task ready (no-op unless parked). */
void wa__ready(wa_task *t);

/* ------------------------------------------ errors and strings (errors.c) */

/* Set the thread's last error (for NULL-returning functions); returns NULL. */
void *wa__set_last_error(int code);

/* printf into a malloc'd string (NULL on OOM). */
char *wa__vformat(const char *fmt, va_list ap);
char *wa__strdup(const char *s);
char *wa__strndup(const char *s, size_t n); /* n bytes of s, NUL added */
char *wa__format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
