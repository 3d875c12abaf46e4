/* shared_queue.c: wa_shared_queue, a FIFO between threads and loops: a ring
 * of items under one lock; a task that must wait parks on a remote wait
 * (woken through its loop's mail), a plain thread on a condition variable.
 * A put or get wakes one waiter of the other side, which takes the lock and
 * looks again (so an item is never handed to a waiter that gave up: it
 * stays in the queue, and a wake-up that found its waiter gone is passed
 * on to the next). */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/mail.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

struct waiter {
    struct waiter *prev, *next;
    int linked;
    wa__remote_waiter *task; /* a task's wait, or NULL for a plain thread */
    pthread_cond_t *cv;      /* a plain thread's */
};

struct side { /* the getters, or the putters, oldest first (core/list.h) */
    struct waiter *head, *tail;
};

struct wa_shared_queue {
    pthread_mutex_t mu;
    void **ring;
    size_t cap_ring, head, len;
    size_t capacity; /* 0: unbounded */
    int closed;
    unsigned waiting; /* tasks and threads inside get/put */
    struct side getters, putters;
};

static void side_push(struct side *s, struct waiter *w)
{
    WA_LIST_APPEND(s, w);
    w->linked = 1;
}

static void side_remove(struct side *s, struct waiter *w)
{
    if (!w->linked)
        return;
    WA_LIST_UNLINK(s, w);
    w->linked = 0;
}

/* Under the lock: wake the first waiter of s, if any. */
static void side_wake_one(struct side *s)
{
    struct waiter *w = s->head;
    if (!w)
        return;
    side_remove(s, w);
    if (w->task)
        wa__remote_wake(w->task);
    else
        pthread_cond_signal(w->cv);
}

static void side_wake_all(struct side *s)
{
    while (s->head)
        side_wake_one(s);
}

static int full(const wa_shared_queue *q) { return q->capacity && q->len >= q->capacity; }

/* Under the lock, with room. */
static int push(wa_shared_queue *q, void *item)
{
    if (q->len == q->cap_ring) {
        size_t ncap = q->cap_ring ? q->cap_ring * 2 : 16;
        void **nr = malloc(ncap * sizeof *nr);
        if (!nr)
            return WA_ENOMEM;
        for (size_t i = 0; i < q->len; i++)
            nr[i] = q->ring[(q->head + i) % q->cap_ring];
        free(q->ring);
        q->ring = nr;
        q->cap_ring = ncap;
        q->head = 0;
    }
    q->ring[(q->head + q->len) % q->cap_ring] = item;
    q->len++;
    side_wake_one(&q->getters);
    return 0;
}

/* Under the lock, not empty. */
static void *pop(wa_shared_queue *q)
{
    void *item = q->ring[q->head];
    q->head = (q->head + 1) % q->cap_ring;
    q->len--;
    side_wake_one(&q->putters);
    return item;
}

/* Under the lock: wait on side s until woken. Returns 0, an interruption
 * (a task cancelled or timed out), or WA_ENOMEM. The lock is held again on
 * return. */
static int wait_on(wa_shared_queue *q, struct side *s)
{
    struct waiter w = {0};
    int in_task = wa__require_task() == 0;
    if (!in_task) {
        pthread_cond_t cv;
        pthread_cond_init(&cv, NULL);
        w.cv = &cv;
        side_push(s, &w);
        q->waiting++;
        pthread_cond_wait(&cv, &q->mu);
        q->waiting--;
        side_remove(s, &w);
        pthread_cond_destroy(&cv);
        return 0;
    }
    w.task = wa__remote_wait_new();
    if (!w.task)
        return WA_ENOMEM;
    side_push(s, &w);
    q->waiting++;
    pthread_mutex_unlock(&q->mu);
    int rc = wa__remote_wait(w.task, 0, NULL);
    pthread_mutex_lock(&q->mu);
    q->waiting--;
    /* Unlinked by someone else: a wake-up was sent to us. Read under the
     * lock, which the waker held: it may have come after our wait ended. */
    int woken = !w.linked;
    side_remove(s, &w);
    if (rc < 0 && woken)
        side_wake_one(s); /* the wake-up we will not use goes to the next */
    wa__remote_wait_free(w.task);
    return rc;
}

/* Waiting would block a loop's thread outside a task. */
static int cannot_wait_here(void) { return wa__require_task() < 0 && wa__mail_here() != NULL; }

/* ------------------------------------------------------------ public */

wa_shared_queue *wa_shared_queue_new(size_t capacity)
{
    wa_shared_queue *q = calloc(1, sizeof *q);
    if (!q)
        return wa__set_last_error(WA_ENOMEM);
    pthread_mutex_init(&q->mu, NULL);
    q->capacity = capacity;
    return q;
}

static int put(wa_shared_queue *q, void *item, int may_wait)
{
    if (!q)
        return WA_EINVAL;
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    while (rc == 0 && !q->closed && full(q)) {
        if (!may_wait)
            rc = WA_EBUSY;
        else if (cannot_wait_here())
            rc = WA_EWRONGLOOP;
        else
            rc = wait_on(q, &q->putters);
    }
    if (rc == 0)
        rc = q->closed ? WA_ECLOSED : push(q, item);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static int get(wa_shared_queue *q, void **item, int may_wait)
{
    if (!q || !item)
        return WA_EINVAL;
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    while (rc == 0 && !q->closed && q->len == 0) {
        if (!may_wait)
            rc = WA_EBUSY;
        else if (cannot_wait_here())
            rc = WA_EWRONGLOOP;
        else
            rc = wait_on(q, &q->getters);
    }
    if (rc == 0) {
        if (q->len > 0)
            *item = pop(q);
        else
            rc = WA_ECLOSED;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int wa_shared_queue_put(wa_shared_queue *q, void *item) { return put(q, item, 1); }
int wa_shared_queue_try_put(wa_shared_queue *q, void *item) { return put(q, item, 0); }
int wa_shared_queue_get(wa_shared_queue *q, void **item) { return get(q, item, 1); }
int wa_shared_queue_try_get(wa_shared_queue *q, void **item) { return get(q, item, 0); }

int wa_shared_queue_close(wa_shared_queue *q)
{
    if (!q)
        return WA_EINVAL;
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    side_wake_all(&q->getters);
    side_wake_all(&q->putters);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

size_t wa_shared_queue_len(wa_shared_queue *q)
{
    if (!q)
        return 0;
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

int wa_shared_queue_free(wa_shared_queue *q)
{
    if (!q)
        return WA_EINVAL;
    pthread_mutex_lock(&q->mu);
    int busy = q->waiting > 0;
    pthread_mutex_unlock(&q->mu);
    if (busy)
        return WA_EBUSY;
    pthread_mutex_destroy(&q->mu);
    free(q->ring);
    free(q);
    return 0;
}
