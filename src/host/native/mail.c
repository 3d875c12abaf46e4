/* mail.c: a loop's mailbox, which other threads see as its wa_loop: the
 * thread-safe list of callbacks the loop runs on its own thread, woken by a
 * uv_async (loop.call_soon_threadsafe), the holds that keep the handle valid
 * after the loop ends, and a task's wait for a wake-up from another thread. */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/mail.h"
#include "core/backend.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct mail {
    struct mail *next;
    void (*fn)(void *);
    void (*dropped)(void *);
    void *arg;
};

struct wa_loop {
    pthread_mutex_t mu;
    atomic_uint refs;         /* the running loop's own, plus every hold */
    int open;                 /* under mu: mail is accepted and the async lives */
    struct mail *head, *tail; /* under mu */
    uv_async_t async;         /* wakes the loop; closed with the loop */
};

static _Thread_local wa_loop *t_here;
/* Tasks of this thread waiting for a wake-up from another thread: each is
 * something that will come, not a stall (wa__mail_expected). */
static _Thread_local unsigned t_remote_waits;

static void loop_unref(wa_loop *l)
{
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* Runs on the loop's thread inside its poll: every letter posted so far, in
 * order; later ones sent meanwhile wake the loop again. */
static void on_mail(uv_async_t *a)
{
    wa_loop *l = a->data;
    pthread_mutex_lock(&l->mu);
    struct mail *m = l->head;
    l->head = l->tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (m) {
        struct mail *next = m->next;
        m->fn(m->arg);
        free(m);
        m = next;
    }
}

int wa__mail_open(uv_loop_t *uv)
{
    wa_loop *l = calloc(1, sizeof *l);
    if (!l)
        return WA_ENOMEM;
    pthread_mutex_init(&l->mu, NULL);
    atomic_init(&l->refs, 1);
    if (uv_async_init(uv, &l->async, on_mail) < 0) {
        pthread_mutex_destroy(&l->mu);
        free(l);
        return WA_ENOMEM;
    }
    /* Referenced: a poll that waits only for mail must block in libuv, not
     * return at once for want of a live handle. Whether the loop waits at
     * all is the core's call (wa__host_pending, wa__mail_expected). */
    l->async.data = l;
    l->open = 1;
    t_here = l;
    return 0;
}

static void async_closed(uv_handle_t *h) { loop_unref(h->data); }

void wa__mail_close(void)
{
    wa_loop *l = t_here;
    if (!l)
        return;
    t_here = NULL;
    pthread_mutex_lock(&l->mu);
    l->open = 0;
    struct mail *m = l->head;
    l->head = l->tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (m) {
        struct mail *next = m->next;
        if (m->dropped)
            m->dropped(m->arg);
        free(m);
        m = next;
    }
    uv_close((uv_handle_t *)&l->async, async_closed);
}

unsigned wa__mail_expected(void)
{
    wa_loop *l = t_here;
    return t_remote_waits + (l && atomic_load_explicit(&l->refs, memory_order_relaxed) > 1);
}

wa_loop *wa__mail_here(void) { return t_here; }

int wa__mail_post(wa_loop *loop, void (*fn)(void *), void (*dropped)(void *), void *arg)
{
    struct mail *m = malloc(sizeof *m);
    if (!m)
        return WA_ENOMEM;
    m->next = NULL;
    m->fn = fn;
    m->dropped = dropped;
    m->arg = arg;
    pthread_mutex_lock(&loop->mu);
    if (!loop->open) {
        pthread_mutex_unlock(&loop->mu);
        free(m);
        if (dropped)
            dropped(arg);
        return WA_ECLOSED;
    }
    if (loop->tail)
        loop->tail->next = m;
    else
        loop->head = m;
    loop->tail = m;
    /* Under the lock: the loop cannot close its async in between. */
    uv_async_send(&loop->async);
    pthread_mutex_unlock(&loop->mu);
    return 0;
}

/* ------------------------------------------------------------ public */

wa_loop *wa_loop_current(void)
{
    if (!t_here)
        return wa__set_last_error(WA_ENOLOOP);
    return t_here;
}

int wa_loop_hold(wa_loop *loop)
{
    if (!loop)
        return WA_EINVAL;
    atomic_fetch_add_explicit(&loop->refs, 1, memory_order_relaxed);
    return 0;
}

void wa_loop_release(wa_loop *loop)
{
    if (loop)
        loop_unref(loop);
}

int wa_call_soon_threadsafe(wa_loop *loop, wa_callback fn, void *arg)
{
    if (!loop || !fn)
        return WA_EINVAL;
    return wa__mail_post(loop, fn, NULL, arg);
}

/* ------------------------------------------------------------ remote waits */

struct wa__remote_waiter {
    wa_loop *home;   /* held while the record lives */
    atomic_int refs; /* the waiter, and a wake-up in the mail */
    atomic_int woken;
    wa_op *op; /* home thread only: the task's wait, while it waits */
};

wa__remote_waiter *wa__remote_wait_new(void)
{
    wa__remote_waiter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->home = t_here;
    wa_loop_hold(w->home);
    atomic_init(&w->refs, 1);
    atomic_init(&w->woken, 0);
    return w;
}

static void remote_unref(wa__remote_waiter *w)
{
    if (atomic_fetch_sub_explicit(&w->refs, 1, memory_order_acq_rel) != 1)
        return;
    wa_loop_release(w->home);
    free(w);
}

void wa__remote_wait_free(wa__remote_waiter *w)
{
    if (w)
        remote_unref(w);
}

static void deliver(void *arg)
{
    wa__remote_waiter *w = arg;
    if (w->op)
        wa__wake_op(w->op, 0);
    remote_unref(w);
}

static void undeliverable(void *arg) { remote_unref(arg); }

void wa__remote_wake(wa__remote_waiter *w)
{
    if (atomic_exchange_explicit(&w->woken, 1, memory_order_acq_rel))
        return;
    atomic_fetch_add_explicit(&w->refs, 1, memory_order_relaxed);
    /* The home loop outlives its waiting task, so this cannot be refused
     * while the task waits; if it is (the task gave up and its loop ended),
     * nobody waits for it. */
    wa__mail_post(w->home, deliver, undeliverable, w);
}

static void wait_cancelled(wa_op *op)
{
    wa__remote_waiter *w = op->data;
    w->op = NULL;
}

int wa__remote_wait(wa__remote_waiter *w, int shield, int *woken)
{
    wa_op op = {0};
    op.cancel = shield ? NULL : wait_cancelled;
    op.data = w;
    w->op = &op;
    /* A wake-up sent already is in this loop's mail: deliver() runs on
     * this thread, so it cannot have run yet, and the wait ends with it. */
    t_remote_waits++; /* something will come: not a stall */
    int rc = wa__op_wait(&op);
    t_remote_waits--;
    w->op = NULL;
    if (woken)
        *woken = atomic_load_explicit(&w->woken, memory_order_acquire);
    return rc;
}

struct timespec wa__deadline_after(uint64_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (timeout_ms > (uint64_t)365 * 24 * 3600 * 1000)
        timeout_ms = (uint64_t)365 * 24 * 3600 * 1000;
    ts.tv_sec += (time_t)(timeout_ms / 1000);
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}
