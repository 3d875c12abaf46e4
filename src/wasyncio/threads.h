/* wasyncio/threads.h: loops on several threads and the thread-safe hand-over
 * between them, the twins of asyncio's loop.call_soon_threadsafe and
 * asyncio.run_coroutine_threadsafe, and a queue any thread may put into.
 * Part of the public API: include <wasyncio.h>, which includes this file.
 *
 * Each thread that calls wa_run() runs a loop of its own; tasks, queues,
 * locks and every other object of this header's siblings belong to the loop
 * that made them and must be touched only from it. Nothing is shared
 * implicitly: what one loop hands another goes through the calls below.
 * Native only: WASI and the web have one thread, and every call here
 * returns WA_ENOTHREADS there (wa_loop_current returns NULL). */
#ifndef WASYNCIO_THREADS_H
#define WASYNCIO_THREADS_H

#ifndef WASYNCIO_H
#error "include <wasyncio.h>, not <wasyncio/threads.h>"
#endif

/* ------------------------------------------------------------ loops */

/* A running loop, as other threads see it. */
typedef struct wa_loop wa_loop;

/* The loop running on this thread (inside wa_run, in a task or not), or
 * NULL with WA_ENOLOOP (WA_ENOTHREADS on WASI and the web). The handle is
 * valid while that loop runs; another thread that may use it after the
 * loop ends holds it first. */
WA_EXTERN wa_loop *wa_loop_current(void);

/* Keep loop's handle valid until wa_loop_release (calls on a loop that
 * has ended return WA_ECLOSED). While any thread holds it, the loop is
 * never reported as stalled: a task waiting for something only another
 * thread will send is not a deadlock. */
WA_EXTERN int wa_loop_hold(wa_loop *loop);
WA_EXTERN void wa_loop_release(wa_loop *loop);

/* A plain function run on a loop's thread, outside any task (it must not
 * suspend; it may spawn tasks, cancel them, set events, put to queues). */
typedef void (*wa_callback)(void *arg);

/* loop.call_soon_threadsafe: from any thread (the loop's own too), run
 * fn(arg) on loop's thread soon, in the order the calls were made, and wake
 * that loop if it is waiting. 0, WA_EINVAL, WA_ENOMEM, or WA_ECLOSED once
 * the loop has ended (then fn never runs). As in asyncio, a call accepted
 * while the loop is ending may be dropped unrun when it closes. */
WA_EXTERN int wa_call_soon_threadsafe(wa_loop *loop, wa_callback fn, void *arg);

/* ------------------------------------------------------------ futures */

/* A task started on another loop, as the starter sees it
 * (concurrent.futures.Future). */
typedef struct wa_future wa_future;

/* asyncio.run_coroutine_threadsafe: from any thread, start fn(arg) as a task
 * on loop. NULL with wa_last_error() = WA_EINVAL, WA_ENOMEM or WA_ECLOSED.
 * Free the handle with wa_future_free. */
WA_EXTERN wa_future *wa_spawn_threadsafe(wa_loop *loop, wa_fn fn, void *arg);

/* Wait for the task's outcome: 0 and *result, or its error code (its
 * message: wa_future_message).
 *  - In a task (of any loop): suspends that task only. Cancelling the
 *    waiter cancels the remote task, as awaiting a wrapped future does in
 *    asyncio; the waiter then waits for it to end, and, as with wa_await,
 *    gets WA_ECANCELED unless the remote task swallowed the cancel. A
 *    timeout_ms (or a deadline scope) expiring does the same with
 *    WA_ETIMEDOUT, as wa_wait_for does.
 *  - From a plain thread: blocks. On timeout_ms it returns WA_ETIMEDOUT
 *    and leaves the task running (Future.result(timeout)).
 *  - On a loop's thread outside a task (a wa_callback): WA_EWRONGLOOP, as
 *    blocking there would stop the loop.
 * WA_NO_TIMEOUT: no limit. A loop that ends before the task started gives
 * WA_ECLOSED. */
WA_EXTERN int wa_future_result(wa_future *f, uint64_t timeout_ms, void **result);

/* Cancel the remote task, from any thread (Future.cancel). 0, or WA_EDONE
 * when it has already finished. A task that never started does not run. */
WA_EXTERN int wa_future_cancel(wa_future *f);
/* 1 once the task has finished, 0 while it has not; WA_EINVAL for NULL. */
WA_EXTERN int wa_future_done(const wa_future *f);
/* The failure message of a finished task (NULL when it succeeded). */
WA_EXTERN const char *wa_future_message(const wa_future *f);
/* Drop the handle. A task still running goes on; its result is dropped. */
WA_EXTERN void wa_future_free(wa_future *f);

/* ------------------------------------------------------------ shared queue */

/* A FIFO any thread may put into and get from: a task suspends (only
 * itself), a plain thread blocks. capacity 0 is unbounded. After close, put
 * is WA_ECLOSED and get drains what is left, then returns WA_ECLOSED. On a
 * loop's thread outside a task, a put that would wait and a get that would
 * wait return WA_EWRONGLOOP (use the try forms there). */
typedef struct wa_shared_queue wa_shared_queue;

WA_EXTERN wa_shared_queue *wa_shared_queue_new(size_t capacity);
WA_EXTERN int wa_shared_queue_put(wa_shared_queue *q, void *item);
WA_EXTERN int wa_shared_queue_get(wa_shared_queue *q, void **item);
WA_EXTERN int wa_shared_queue_try_put(wa_shared_queue *q, void *item);  /* WA_EBUSY: full */
WA_EXTERN int wa_shared_queue_try_get(wa_shared_queue *q, void **item); /* WA_EBUSY: empty */
WA_EXTERN int wa_shared_queue_close(wa_shared_queue *q);
WA_EXTERN size_t wa_shared_queue_len(wa_shared_queue *q);
/* WA_EBUSY (and nothing freed) while anyone waits on it. */
WA_EXTERN int wa_shared_queue_free(wa_shared_queue *q);

#endif /* WASYNCIO_THREADS_H */
