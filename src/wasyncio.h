/* wasyncio.h: the public header of wasyncio, asyncio-style stackful tasks for C.
 * The only one to include: it includes wasyncio/errors.h (the error list),
 * wasyncio/http.h (HTTP client and server), wasyncio/js.h (JS interop),
 * wasyncio/stream.h (TCP and Unix byte streams), wasyncio/ws.h (WebSocket),
 * wasyncio/pool.h (resource pools) and wasyncio/threads.h (loops on other
 * threads).
 *
 * The model is Python's asyncio: wa_run() runs a loop until its main task
 * finishes; tasks are spawned, awaited, gathered, cancelled and given
 * deadlines; every suspension point (an await, a sleep, a lock, a queue, a
 * fetch) can return WA_ECANCELED or WA_ETIMEDOUT so cleanup code runs.
 *
 * One loop runs per thread. Every function that suspends must be called from
 * inside a task of a running loop; outside one it returns WA_ENOLOOP.
 * Errors are negative int codes; wa_strerror() names them. Functions that
 * return a pointer return NULL on error and leave the code in wa_last_error().
 * Predicates (wa_running, wa_task_done, wa_event_is_set, wa_lock_locked,
 * wa_debug) return 1 or 0; those that take a handle return WA_EINVAL (< 0)
 * for a NULL or stale one, so test them with `> 0` or `== 1`.
 *
 * Freeing: every wa_*_free returns WA_EINVAL for NULL. An object tasks still
 * wait on (a lock, queue, event..., a group being waited for, a generator
 * whose consumer waits) is not freed: its free returns WA_EBUSY and frees
 * nothing, and so do wa_group_free and wa_gen_free called outside a task
 * (WA_ENOLOOP) or a generator freed from its own body (WA_EBUSY) while
 * something still runs; free it again once the waiters are gone (when wa_run
 * returns, every task has finished). Any other code is returned after
 * everything was freed: wa_group_free cancels the children (a child that
 * waits for the caller stops waiting for it, so no cycle keeps the group
 * alive) and wa_gen_free closes the body, and both return a failure no call
 * reported.
 *
 * Targets: native (Linux x86-64/aarch64, libuv), WASI preview1 and 0.2
 * (Asyncify), and the browser/Node through Emscripten (Asyncify). What a target
 * cannot do returns WA_ENOTSUP; the README lists those cases.
 */
#ifndef WASYNCIO_H
#define WASYNCIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------- version */

/* CHANGELOG.md says what changed in each version and how to port. While the
 * major is 0 a minor bump may break the API (0.2 did). */
#define WASYNCIO_VERSION_MAJOR 0
#define WASYNCIO_VERSION_MINOR 2
#define WASYNCIO_VERSION_PATCH 0
/* One number for #if: WASYNCIO_VERSION_HEX >= 0x000200 means 0.2.0 or later. */
#define WASYNCIO_VERSION_HEX \
    ((WASYNCIO_VERSION_MAJOR << 16) | (WASYNCIO_VERSION_MINOR << 8) | WASYNCIO_VERSION_PATCH)
/* #if WASYNCIO_VERSION_AT_LEAST(0, 2, 0) ... #endif */
#define WASYNCIO_VERSION_AT_LEAST(major, minor, patch) \
    (WASYNCIO_VERSION_HEX >= (((major) << 16) | ((minor) << 8) | (patch)))
#define WA__STR2(x) #x
#define WA__STR(x)  WA__STR2(x)
/* "MAJOR.MINOR.PATCH", made from the numbers above. */
#define WASYNCIO_VERSION            \
    WA__STR(WASYNCIO_VERSION_MAJOR) \
    "." WA__STR(WASYNCIO_VERSION_MINOR) "." WA__STR(WASYNCIO_VERSION_PATCH)

/* ------------------------------------------------------------------ export */

/* WA_EXTERN marks the public functions: the library is built with
 * -fvisibility=hidden, so only they are visible outside it (libuv's
 * UV_EXTERN). */
#if defined(__GNUC__) || defined(__clang__)
#define WA_EXTERN __attribute__((visibility("default")))
#else
#define WA_EXTERN
#endif

/* ------------------------------------------------------------------ errors */

/* The codes, names and messages are listed once in wasyncio/errors.h. */
#include "wasyncio/errors.h"

#define WA__ERROR_ENUM(name, code, message) WA_##name = (code),
enum { WA_ERRORS(WA__ERROR_ENUM) };
#undef WA__ERROR_ENUM

/* Message for an error code ("operation cancelled", ...); never NULL. */
WA_EXTERN const char *wa_strerror(int code);

/* The constant's name ("WA_ECANCELED"); "WA_EUSER" for every application
 * code (<= WA_EUSER); NULL for a code wasyncio does not define. */
WA_EXTERN const char *wa_error_name(int code);

/* The code left by the last call on this thread that returned NULL. */
WA_EXTERN int wa_last_error(void);

/* ---------------------------------------------------------------- the loop */

typedef struct wa_task wa_task;

/* A task body. Its return value is the task's result. To fail, return
 * wa_raise(code, ...). */
typedef void *(*wa_fn)(void *arg);

/* Run fn(arg) as the main task of a new loop on this thread; return when it
 * finishes. Tasks still pending then are cancelled and run to completion, as
 * asyncio.run() does. Returns 0 and stores the result, or the main task's
 * error code. Inside a running loop it returns WA_ENESTED and changes nothing.
 *
 * Browser: if the main task suspends, wa_run() cannot block the page. Like
 * emscripten_set_main_loop() it hands control back to JavaScript and never
 * returns; when the main task ends the program exits with status 0 (success)
 * or 1. Put the program's work inside the main task. */
WA_EXTERN int wa_run(wa_fn fn, void *arg, void **result);

/* 1 if a loop is running on this thread, else 0. */
WA_EXTERN int wa_running(void);

/* Monotonic clocks: milliseconds and nanoseconds (libuv's uv_now/uv_hrtime). */
WA_EXTERN uint64_t wa_now(void);
WA_EXTERN uint64_t wa_hrtime(void);

/* --------------------------------------------------------------- tasks */

typedef struct wa_task_opts {
    const char *name;     /* copied; default "task-N" */
    size_t stack_size;    /* 0 = runtime default */
    size_t asyncify_size; /* wasm targets: Asyncify buffer bytes; 0 = default */
} wa_task_opts;

/* Create a task (asyncio.create_task). It starts at the next scheduling point.
 * The handle stays valid until wa_release() or the end of wa_run(). A task
 * spawned while wa_run() cancels its leftovers starts cancelled. */
WA_EXTERN wa_task *wa_spawn(wa_fn fn, void *arg);
WA_EXTERN wa_task *wa_spawn_opts(wa_fn fn, void *arg, const wa_task_opts *opts);

/* Wait for t and take its result. Awaiting a finished task again returns the
 * same result. If the waiting task is cancelled or times out, t is cancelled
 * too and waited for; if t then ends cancelled the interruption code is
 * returned, otherwise t's own outcome (a value if it swallowed the cancel,
 * and the waiter's cancellation is withdrawn), as in asyncio. Closing a cycle
 * of waits (awaits, gathers, group waits, generators) returns WA_EDEADLK. */
WA_EXTERN int wa_await(wa_task *t, void **result);

/* Like wa_await, but an interruption of the waiter leaves t running
 * (asyncio.shield). */
WA_EXTERN int wa_await_shielded(wa_task *t, void **result);

/* Await t with a deadline; on expiry t is cancelled and WA_ETIMEDOUT returned
 * (asyncio.wait_for). If t swallows that cancel and returns a value, the
 * value is returned with 0, as in asyncio 3.12. */
WA_EXTERN int wa_wait_for(wa_task *t, uint64_t ms, void **result);

/* Request cancellation: t's current or next suspension point returns
 * WA_ECANCELED. Requests that arrive before t reaches that point are counted
 * (wa_task_cancelling) but delivered once. A task that never started does not
 * run. A task that returns after a cancellation was delivered, or with one
 * still pending, ends as cancelled unless wa_uncancel() brought its count
 * back to 0. Returns WA_EDONE if t already finished. */
WA_EXTERN int wa_cancel(wa_task *t);

/* Inside a task: take back one cancellation request (asyncio's uncancel).
 * Returns the requests left; at 0 the task may go on and finish normally. */
WA_EXTERN int wa_uncancel(void);

/* Cancellation requests made on t and not taken back (Task.cancelling()). */
WA_EXTERN int wa_task_cancelling(const wa_task *t);

/* Make the current task fail: sets its error code (WA_EFAILED if code >= 0)
 * and printf-style message; returns NULL so a body can `return wa_raise(..)`. */
WA_EXTERN void *wa_raise(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Let other ready tasks run (asyncio.sleep(0)). */
WA_EXTERN int wa_yield(void);

/* Suspend for ms milliseconds. Returns 0, WA_ECANCELED or WA_ETIMEDOUT. */
WA_EXTERN int wa_sleep(uint64_t ms);

WA_EXTERN wa_task *wa_current(void);                  /* NULL outside a task */
WA_EXTERN const char *wa_task_name(const wa_task *t); /* "?" for NULL */
WA_EXTERN int wa_task_set_name(wa_task *t, const char *name);
WA_EXTERN int wa_task_done(const wa_task *t);            /* 1 finished, 0 not, WA_EINVAL */
WA_EXTERN int wa_task_error(const wa_task *t);           /* 0, or the failure code */
WA_EXTERN const char *wa_task_message(const wa_task *t); /* failure message or "" */

/* Drop the handle. A running task keeps running and is freed when it ends;
 * if it then fails, the failure is reported on stderr since nobody can await
 * it. Returns 0; WA_EPERM, freeing nothing, for a handle its task group owns
 * (wa_group_free drops it); WA_EINVAL for a NULL or stale one. */
WA_EXTERN int wa_release(wa_task *t);

/* asyncio.all_tasks(): the unfinished tasks of this thread's loop, the
 * caller included, oldest first. Fills tasks[0..cap) (tasks may be NULL when
 * cap is 0) and returns how many there are, which may exceed cap; or
 * WA_ENOLOOP outside a running loop. The handles are borrowed: valid until
 * their owner releases them. */
WA_EXTERN int wa_all_tasks(wa_task **tasks, size_t cap);

/* Defaults for new tasks. Stack sizes are rounded up to the page size. */
WA_EXTERN int wa_set_default_stack_size(size_t bytes);
WA_EXTERN size_t wa_default_stack_size(void);

/* -------------------------------------------------------------- gather */

#define WA_RETURN_ERRORS 1u /* gather: per-task codes in errors[], no early return */

/* Wait for n tasks concurrently; results[i] (may be NULL) receives task i's
 * result. By default the first failure is returned at once and the others keep
 * running (asyncio). With WA_RETURN_ERRORS every task is waited for, errors[i]
 * (if errors is not NULL) gets its code, and the call returns 0. Cancelling
 * the caller cancels all. */
WA_EXTERN int wa_gather(wa_task *const *tasks, size_t n, void **results, int *errors,
                        unsigned flags);

/* ---------------------------------------------------------------- wait */

/* wa_wait's return_when (asyncio.wait's, same names). */
#define WA_ALL_COMPLETED   0 /* every task finished */
#define WA_FIRST_COMPLETED 1 /* any task finished */
#define WA_FIRST_EXCEPTION 2 /* any task failed (not cancelled), else all finished */
/* No time limit, for wa_wait, wa_as_completed and wa_fetch_opts.timeout_ms
 * (asyncio's timeout=None). */
#define WA_NO_TIMEOUT      UINT64_MAX

/* asyncio.wait: wait until return_when holds or timeout_ms passes, and sort
 * the tasks into done[] and pending[] (each may be NULL, else has room for n;
 * input order kept; *n_done and *n_pending get the counts). Like asyncio's
 * set, a task listed twice counts and is reported once, where it first
 * appears, so *n_done + *n_pending is the number of distinct tasks. A timeout is not
 * an error: it returns 0 with pending tasks left. No task is cancelled, on
 * timeout nor when the caller is interrupted, and no result is taken:
 * wa_await() a done task for its result. Returns 0; WA_EINVAL for n == 0, a
 * bad handle or an unknown return_when; WA_EDEADLK if the caller is among the
 * tasks; WA_ECANCELED or WA_ETIMEDOUT (a deadline scope) if the caller is
 * interrupted, with done/pending filled as they stand. */
WA_EXTERN int wa_wait(wa_task *const *tasks, size_t n, int return_when, uint64_t timeout_ms,
                      wa_task **done, size_t *n_done, wa_task **pending, size_t *n_pending);

/* ------------------------------------------------------------- timeouts */

/* A deadline scope (asyncio.timeout): every suspension inside it returns
 * WA_ETIMEDOUT once the deadline passes, and keeps doing so until the scope
 * exits. Scopes nest; an inner deadline never extends an outer one. The
 * struct lives in the caller's frame; exit scopes in reverse order. */
typedef struct wa_timeout {
    uint64_t deadline;         /* private */
    uint64_t effective;        /* private */
    struct wa_timeout *parent; /* private */
    wa_task *owner;            /* private */
    int expired;               /* private */
    int *rc_out;               /* private: WA_TIMEOUT_SCOPE's rc */
} wa_timeout;

WA_EXTERN int wa_timeout_enter(wa_timeout *scope, uint64_t ms);
/* Returns WA_ETIMEDOUT if a suspension inside returned WA_ETIMEDOUT because
 * of this scope's own deadline, else 0 (a deadline that lost to a wake-up in
 * the same step, with no suspension after it, is not reported). */
WA_EXTERN int wa_timeout_exit(wa_timeout *scope);

/* WA__CAT pastes __LINE__ into the hidden names of the scoped forms. */
#define WA__CAT2(a, b) a##b
#define WA__CAT(a, b)  WA__CAT2(a, b)

/* WA_TIMEOUT_SCOPE(ms, rc); `async with asyncio.timeout(ms/1000):` for the
 * rest of the enclosing block. It is a declaration, not a loop: break,
 * continue, return and goto inside the block act on the caller's own code,
 * and leaving the block by any of them (or its end) exits the scope. Then rc
 * (an int declared outside the block, to be read after it) receives
 * WA_ETIMEDOUT if a suspension inside returned WA_ETIMEDOUT because of this
 * scope's deadline, else 0. Inside the block rc is 0, or the error that kept
 * the scope from being entered (outside a task: WA_ENOLOOP).
 *     int rc;
 *     {
 *         WA_TIMEOUT_SCOPE(100, rc);
 *         got = wa_queue_get(q, &item);
 *     }
 *     if (rc == WA_ETIMEDOUT) ...   // got is WA_ETIMEDOUT too, no item lost
 * A wake-up (a queue item, a lock) that reaches the task in the same step as
 * the deadline wins: the call returns it, and the deadline is reported by the
 * next suspension in the scope, if any; rc stays 0 when there is none. */
static inline void wa__timeout_guard_exit(wa_timeout **scope)
{
    if (*scope) {
        int rc = wa_timeout_exit(*scope);
        if ((*scope)->rc_out)
            *(*scope)->rc_out = rc;
        *scope = NULL;
    }
}
#define WA_TIMEOUT_SCOPE(ms, rc)                                              \
    wa_timeout WA__CAT(wa__to_, __LINE__) = {.rc_out = &(rc)};                \
    wa_timeout *WA__CAT(wa__tp_, __LINE__)                                    \
        __attribute__((cleanup(wa__timeout_guard_exit), unused)) =            \
            ((rc) = wa_timeout_enter(&WA__CAT(wa__to_, __LINE__), (ms))) == 0 \
                ? &WA__CAT(wa__to_, __LINE__)                                 \
                : NULL

/* The block forms of 0.1 ran their body in a hidden one-pass loop, so a
 * break or continue inside left only that loop, not the caller's (Python's
 * break inside `async with` leaves the loop). They no longer compile. */
#define WA_TIMEOUT(ms, rc)                                                                    \
    _Static_assert(0, "WA_TIMEOUT(ms, rc) { } is gone: write WA_TIMEOUT_SCOPE(ms, rc); in a " \
                      "block")

/* ----------------------------------------------------------- task groups */

/* A task group (asyncio.TaskGroup, Trio's nursery). Children cannot outlive
 * it: wa_group_wait() returns only when all have finished. The first failure
 * cancels the other children and the group's owner (the task that called
 * wa_group_new), whose current or next suspension point returns WA_ECANCELED;
 * wa_group_wait takes that cancel back and returns the failure. Every failure
 * is kept. Once the group is shutting down (a failure, wa_group_cancel) or
 * finished (a wait returned), spawning returns NULL with WA_ESHUTDOWN. */
typedef struct wa_group wa_group;

WA_EXTERN wa_group *wa_group_new(void);
/* The group owns the child's handle: use it (await, cancel, result) until
 * wa_group_free, which drops it; wa_release on it returns WA_EPERM. */
WA_EXTERN wa_task *wa_group_spawn(wa_group *g, wa_fn fn, void *arg);
WA_EXTERN wa_task *wa_group_spawn_opts(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o);
/* A child with no handle (Trio's start_soon), freed as soon as it finishes:
 * a long-lived group (a server's per-connection group) stays flat in memory.
 * Its failure reaches the group like any child's. 0 or an error code. */
WA_EXTERN int wa_group_start(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o);
/* Wait for every child. Returns 0, the first child's failure code (also when
 * the waiter was interrupted meanwhile), or the waiter's interruption
 * (WA_ECANCELED, WA_ETIMEDOUT: the children are cancelled and still waited
 * for). WA_EDEADLK, without waiting, if a child waits for the caller. */
WA_EXTERN int wa_group_wait(wa_group *g);
/* Cancel every child and refuse new ones (the group stays usable for
 * waiting). */
WA_EXTERN int wa_group_cancel(wa_group *g);
WA_EXTERN size_t wa_group_error_count(const wa_group *g);
/* i-th failure in the order they happened: code, message and task name. */
WA_EXTERN int wa_group_error(const wa_group *g, size_t i, const char **message,
                             const char **task_name);
/* Free the group; children still running are cancelled and waited for (a
 * child awaiting the caller stops awaiting it: see "Freeing" at the top).
 * Failures no wa_group_wait returned are reported on stderr, like a failed
 * task nobody awaited, and the first one is returned. */
WA_EXTERN int wa_group_free(wa_group *g);

/* ---------------------------------------------------------------- sync */

typedef struct wa_event wa_event;
typedef struct wa_lock wa_lock;
typedef struct wa_sem wa_sem;
typedef struct wa_queue wa_queue;

/* Free functions return WA_EBUSY, and free nothing, while tasks wait on the
 * object. */
WA_EXTERN wa_event *wa_event_new(void);
WA_EXTERN int wa_event_set(wa_event *e); /* wakes every waiter */
WA_EXTERN int wa_event_clear(wa_event *e);
WA_EXTERN int wa_event_is_set(const wa_event *e); /* 1 set, 0 not, WA_EINVAL */
WA_EXTERN int wa_event_wait(wa_event *e);
WA_EXTERN int wa_event_free(wa_event *e);

WA_EXTERN wa_lock *wa_lock_new(void);           /* FIFO fair, not recursive */
WA_EXTERN int wa_lock_acquire(wa_lock *l);      /* WA_EDEADLK if the caller holds it */
WA_EXTERN int wa_lock_release(wa_lock *l);      /* WA_EPERM if the caller does not hold it */
WA_EXTERN int wa_lock_locked(const wa_lock *l); /* 1 held, 0 free, WA_EINVAL */
WA_EXTERN int wa_lock_free(wa_lock *l);

/* asyncio.Semaphore: release always adds a permit, so wa_sem_new(0) starts
 * with none (a task waits until another releases: the signalling pattern).
 * The count stops at INT_MAX; a release past it is WA_EPERM. */
WA_EXTERN wa_sem *wa_sem_new(unsigned value);
/* asyncio.BoundedSemaphore: a release that would raise the count above the
 * initial value is a bug in the caller, and returns WA_EPERM. */
WA_EXTERN wa_sem *wa_sem_new_bounded(unsigned value);
WA_EXTERN int wa_sem_acquire(wa_sem *s);
WA_EXTERN int wa_sem_release(wa_sem *s);
WA_EXTERN int wa_sem_value(const wa_sem *s);
WA_EXTERN int wa_sem_free(wa_sem *s);

/* A FIFO queue (asyncio.Queue(maxsize)): capacity 0 means unbounded (put
 * never waits), as asyncio's Queue(0). put waits while full, get while empty.
 * After close, put returns WA_ECLOSED and get drains what is left, then
 * returns WA_ECLOSED. */
WA_EXTERN wa_queue *wa_queue_new(size_t capacity);
WA_EXTERN int wa_queue_put(wa_queue *q, void *item);
WA_EXTERN int wa_queue_get(wa_queue *q, void **item);
WA_EXTERN int wa_queue_try_put(wa_queue *q, void *item);  /* WA_EBUSY when full */
WA_EXTERN int wa_queue_try_get(wa_queue *q, void **item); /* WA_EBUSY when empty */
WA_EXTERN int wa_queue_close(wa_queue *q);
WA_EXTERN size_t wa_queue_len(const wa_queue *q);
WA_EXTERN int wa_queue_free(wa_queue *q);

/* asyncio.Condition: tasks wait until another notifies them, under a lock.
 * wa_cond_new(NULL) makes a lock of its own (freed with the condition);
 * with a lock given, several conditions can share it. Take it with
 * wa_lock_acquire(wa_cond_lock(c)) or WA_LOCK_SCOPE(wa_cond_lock(c), rc). */
typedef struct wa_cond wa_cond;
WA_EXTERN wa_cond *wa_cond_new(wa_lock *lock);
WA_EXTERN wa_lock *wa_cond_lock(const wa_cond *c);
/* Holding the lock: release it, wait for a notify, take the lock back. The
 * lock is held again on every return, cancellation and timeout included
 * (retaking it is not interruptible). Returns 0 when notified, WA_ECANCELED
 * or WA_ETIMEDOUT; WA_EPERM if the caller does not hold the lock. A notify
 * and a cancel in the same step: the notify counts and the cancel reaches
 * the next suspension point, so no notification is lost. */
WA_EXTERN int wa_cond_wait(wa_cond *c);
/* Wait until pred(arg) returns non-zero, checking it first and after every
 * wake-up, with the lock held. Returns 0 or wa_cond_wait's error. */
WA_EXTERN int wa_cond_wait_for(wa_cond *c, int (*pred)(void *arg), void *arg);
/* Holding the lock: wake up to n waiters (FIFO) / all of them. Returns how
 * many were woken, or WA_EPERM if the caller does not hold the lock. */
WA_EXTERN int wa_cond_notify(wa_cond *c, size_t n);
WA_EXTERN int wa_cond_notify_all(wa_cond *c);
WA_EXTERN int wa_cond_free(wa_cond *c);

/* asyncio.Barrier: parties tasks wait until all have arrived, then all go on
 * together, and the barrier refills for the next round. */
typedef struct wa_barrier wa_barrier;
WA_EXTERN wa_barrier *wa_barrier_new(unsigned parties); /* 1..INT_MAX */
/* Arrive and wait for the others. Returns the arrival index (0 for the
 * first, parties-1 for the one that releases the round); WA_EBROKEN if the
 * barrier is broken or is aborted or reset while waiting; WA_ECANCELED or
 * WA_ETIMEDOUT if the caller is interrupted (it leaves the round; the
 * barrier stays usable, as in asyncio). Arrivals while a round is still
 * draining wait for the next round. */
WA_EXTERN int wa_barrier_wait(wa_barrier *b);
/* Back to the empty state; tasks waiting get WA_EBROKEN. */
WA_EXTERN int wa_barrier_reset(wa_barrier *b);
/* Break it: waiting and future wa_barrier_wait calls return WA_EBROKEN
 * until wa_barrier_reset. */
WA_EXTERN int wa_barrier_abort(wa_barrier *b);
WA_EXTERN int wa_barrier_parties(const wa_barrier *b);
WA_EXTERN int wa_barrier_n_waiting(const wa_barrier *b); /* tasks waiting to fill the round */
WA_EXTERN int wa_barrier_broken(const wa_barrier *b);    /* 1 broken, 0 not, WA_EINVAL */
WA_EXTERN int wa_barrier_free(wa_barrier *b);

/* `async with lock:` as a declaration: WA_LOCK_SCOPE(lock, rc); acquires and
 * holds the lock for the rest of the enclosing block, and releases it on
 * every way out of the block: its end, break, continue, return, goto, and
 * the return that follows a cancellation or timeout inside. Being a
 * declaration, not a loop, break and continue act on the caller's loop. rc
 * (an int lvalue) gets 0, or the code that kept acquiring from succeeding
 * (cancelled, timed out, WA_EDEADLK, WA_EINVAL); then nothing is held, and
 * the block must not go on as if it were: test rc first.
 *     for (...) {
 *         int rc;
 *         WA_LOCK_SCOPE(lock, rc);
 *         if (rc < 0) return rc;
 *         if (done) break;          // leaves the for loop, lock released
 *     }
 * WA_SEM_SCOPE(sem, rc); is the same for a semaphore permit.
 * Never jump forward past one of these declarations into the rest of its
 * block (a goto, or a later `case` label of the same switch block): clang
 * rejects it, gcc only warns with -Wjump-misses-init, and the guard would
 * run uninitialised. Give a case its own braces. */
typedef struct wa__guard {
    void *obj;
    int (*release)(void *);
} wa__guard;
/* The guard helpers are inline: the library exports only wa_ names. */
static inline int wa__guard_release_lock(void *l) { return wa_lock_release((wa_lock *)l); }
static inline int wa__guard_release_sem(void *s) { return wa_sem_release((wa_sem *)s); }
static inline wa__guard wa__guard_make(void *obj, int rc, int (*release)(void *), int *out)
{
    wa__guard g = {NULL, NULL};
    *out = rc;
    if (rc == 0) {
        g.obj = obj;
        g.release = release;
    }
    return g;
}
static inline wa__guard wa__guard_lock(wa_lock *l, int *rc)
{
    return wa__guard_make(l, wa_lock_acquire(l), wa__guard_release_lock, rc);
}
static inline wa__guard wa__guard_sem(wa_sem *s, int *rc)
{
    return wa__guard_make(s, wa_sem_acquire(s), wa__guard_release_sem, rc);
}
static inline void wa__guard_exit(wa__guard *g)
{
    if (g->obj)
        g->release(g->obj);
    g->obj = NULL;
}
#define WA__SCOPE(make, target, rc)                                                        \
    wa__guard WA__CAT(wa__g_, __LINE__) __attribute__((cleanup(wa__guard_exit), unused)) = \
        make((target), &(rc))
#define WA_LOCK_SCOPE(lock, rc) WA__SCOPE(wa__guard_lock, lock, rc)
#define WA_SEM_SCOPE(sem, rc)   WA__SCOPE(wa__guard_sem, sem, rc)
/* The 0.1 block forms (see WA_TIMEOUT above). */
#define WA_WITH_LOCK(lock, rc) \
    _Static_assert(0, "WA_WITH_LOCK(l, rc) { } is gone: write WA_LOCK_SCOPE(l, rc); in a block")
#define WA_WITH_SEM(sem, rc) \
    _Static_assert(0, "WA_WITH_SEM(s, rc) { } is gone: write WA_SEM_SCOPE(s, rc); in a block")

/* ---------------------------------------------------------- generators */

/* An async generator. Its body is a wa_fn that calls wa_gen_yield(); it runs
 * lazily, one step per wa_gen_next(). */
typedef struct wa_gen wa_gen;

WA_EXTERN wa_gen *wa_gen_new(wa_fn fn, void *arg);
/* Inside a generator body: hand value to the consumer and wait for the next
 * request. Returns 0, or WA_ECLOSED when the consumer closed the generator
 * (run cleanup and return), or WA_ECANCELED. */
WA_EXTERN int wa_gen_yield(void *value);
/* Next value: 0 with *value set; WA_EOF when the body returned; the body's
 * error code if it failed; WA_EBUSY if another task is already waiting. */
WA_EXTERN int wa_gen_next(wa_gen *g, void **value);
/* Close early: the pending wa_gen_yield returns WA_ECLOSED and the body's
 * cleanup runs before this returns. Returns 0, or the body's failure that no
 * call returned yet (a failing cleanup: asyncio's aclose() raises it). A
 * second close returns WA_ECLOSED. */
WA_EXTERN int wa_gen_close(wa_gen *g);
/* Free (closing it first if needed). A body failure no call returned is
 * reported on stderr, like a failed task nobody awaited, and returned. */
WA_EXTERN int wa_gen_free(wa_gen *g);

/* `async for`: WA_FOR(v, gen) { ... } iterates; leaving the loop early
 * (break, return, goto) closes the generator so its cleanup runs. After the
 * loop, rc-style status is in wa_gen_status(gen) (0 or an error; WA_EOF is
 * reported as 0). */
WA_EXTERN int wa_gen_status(const wa_gen *g);
/* Inline, like the other guards: closes a generator left early. */
static inline void wa__gen_guard_exit(wa_gen **pg)
{
    if (!pg || !*pg)
        return;
    wa_gen *g = *pg;
    *pg = NULL;
    wa_gen_close(g);
}
#define WA_FOR(var, gen)                                                                           \
    for (wa_gen * WA__CAT(wa__gg_, __LINE__) __attribute__((cleanup(wa__gen_guard_exit))) = (gen); \
         WA__CAT(wa__gg_, __LINE__) &&                                                             \
                 wa_gen_next(WA__CAT(wa__gg_, __LINE__), (void **)&(var)) == 0                     \
             ? 1                                                                                   \
             : (WA__CAT(wa__gg_, __LINE__) = NULL, 0);)

/* asyncio.as_completed: a generator over tasks that yields each task
 * (wa_task *) as it finishes, in completion order (those already finished
 * first, in argument order). Await a yielded task for its result; it does
 * not wait. Iterate with WA_FOR or wa_gen_next; then wa_gen_status is 0
 * after all n, WA_ETIMEDOUT if timeout_ms (from this call) passed first, or
 * the interruption (cancel, deadline scope) of the consumer's wa_gen_next.
 * No task is cancelled. The array is copied; free with wa_gen_free.
 *     wa_gen *g = wa_as_completed(ts, n, WA_NO_TIMEOUT);
 *     wa_task *t;
 *     WA_FOR(t, g) { void *r; if (wa_await(t, &r) == 0) use(r); }
 *     rc = wa_gen_status(g);
 *     wa_gen_free(g);                                                    */
WA_EXTERN wa_gen *wa_as_completed(wa_task *const *tasks, size_t n, uint64_t timeout_ms);

/* ------------------------------------------------------------- threads */

/* Run fn(arg) on a worker thread while other tasks go on
 * (asyncio.to_thread). On targets without threads (WASI, browser) it runs
 * inline; debug mode warns.
 * The rule: once the call has handed fn over, fn runs exactly once, to its
 * end, whatever happens to the caller. An interrupted caller (wa_cancel, or
 * a deadline scope) gets WA_ECANCELED / WA_ETIMEDOUT at once, even while fn
 * still waits for a free thread; fn runs all the same and its result is
 * dropped, and the loop's end waits for it. (asyncio cancels a job that
 * has not started yet, and Python's collector frees what it held; in C that
 * would leave the caller unable to tell who frees arg.) So when fn owns
 * what arg points to, fn frees it, and after an interruption the caller
 * must not touch arg. fn is not run only when the call is refused before
 * the hand-over: WA_ENOLOOP (not in a task), WA_EINVAL (fn NULL) or
 * WA_ENOMEM; then arg is still the caller's. */
WA_EXTERN int wa_to_thread(wa_fn fn, void *arg, void **result);

/* ---------------------------------------------------------------- files */

/* Suspend until fd is readable / writable. */
WA_EXTERN int wa_wait_readable(int fd);
WA_EXTERN int wa_wait_writable(int fd);
/* Read a whole file without stopping other tasks; *data is malloc'd and
 * NUL-terminated (free it). WASI: the path must be under a preopened dir;
 * outside every one the call returns WA_ENOTCAPABLE. */
WA_EXTERN int wa_read_file(const char *path, char **data, size_t *len);

/* ---------------------------------------------------------------- debug */

/* Debug mode (also WASYNCIO_DEBUG=1): warn when a task runs more than
 * slow_ms (default 100; WASYNCIO_SLOW_MS) without suspending, naming it, and
 * list tasks still pending when wa_run() ends. */
WA_EXTERN void wa_set_debug(int on);
WA_EXTERN int wa_debug(void); /* 1 on, 0 off */

/* ------------------------------------------------- HTTP and JavaScript */

/* Declared in sub-headers that this header includes; include only
 * <wasyncio.h>. */
#include "wasyncio/http.h"
#include "wasyncio/js.h"
#include "wasyncio/stream.h"
#include "wasyncio/ws.h"

/* ---------------------------------------------------------------- pools */

/* wa_pool: an async pool of connections or any other resource. */
#include "wasyncio/pool.h"

/* ------------------------------------------------------------ threads */

/* Loops on other threads, and hand-over between them. */
#include "wasyncio/threads.h"

#ifdef __cplusplus
}
#endif

#endif /* WASYNCIO_H */
