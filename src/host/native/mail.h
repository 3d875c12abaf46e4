/* mail.h: what the native files that hand work between threads share
 * (future.c, shared_queue.c, server_workers.c): a loop's mailbox (mail.c),
 * which is the public wa_loop, and the waits of a task for something only
 * another thread can deliver. */
#ifndef WA_HOST_NATIVE_MAIL_H
#define WA_HOST_NATIVE_MAIL_H

#include <pthread.h>
#include <stdint.h>

#include "core/backend.h"

/* loop.c calls these around the libuv loop's life. */
int wa__mail_open(uv_loop_t *uv); /* this thread's wa_loop: 0 or WA_ENOMEM */
void wa__mail_close(void);        /* refuse new mail; drop what was not run */
/* What other threads will still deliver: a hold on this loop by another
 * thread counts 1, and each task in wa__remote_wait 1. loop.c adds it to
 * its pending count (mail.c calls nothing in loop.c). */
unsigned wa__mail_expected(void);

/* Post fn(arg) to loop; if the loop ends before running it, dropped(arg)
 * runs instead (on the loop's thread while it closes, or at once in the
 * caller when the loop has already ended: then WA_ECLOSED is returned and
 * dropped has run). dropped may be NULL. */
int wa__mail_post(wa_loop *loop, void (*fn)(void *), void (*dropped)(void *), void *arg);

/* The loop's own mailbox of this thread, or NULL outside a loop. */
wa_loop *wa__mail_here(void);

/* A task waiting for a wake-up from another thread (a future's outcome, a
 * shared queue's item). It lives on the heap, so a wake-up posted just as
 * the waiter gives up finds it still there. Made and waited on by the
 * task's own loop; wa__remote_wake may be called from any thread, under the
 * caller's own lock, at most once per wait. */
typedef struct wa__remote_waiter wa__remote_waiter;
wa__remote_waiter *wa__remote_wait_new(void); /* NULL: WA_ENOMEM */
/* Suspend until woken (0) or interrupted (the code; no wake-up will
 * follow once this returns, and *woken says whether one was already on its
 * way). shield: ignore interruptions (they are returned after the wake). */
int wa__remote_wait(wa__remote_waiter *w, int shield, int *woken);
void wa__remote_wake(wa__remote_waiter *w);
void wa__remote_wait_free(wa__remote_waiter *w); /* after wa__remote_wait returned */

/* Absolute CLOCK_REALTIME timespec timeout_ms from now, for
 * pthread_cond_timedwait (WA_NO_TIMEOUT: far in the future). */
struct timespec wa__deadline_after(uint64_t timeout_ms);

#endif
