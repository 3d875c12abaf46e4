/* future.c: wa_spawn_threadsafe and wa_future (asyncio's
 * run_coroutine_threadsafe and concurrent.futures.Future): a task started
 * on another loop through its mail, its outcome handed back under a lock,
 * and cancellation crossing over in both directions. */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/mail.h"
#include "core/backend.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { F_QUEUED, F_RUNNING, F_DONE };

struct fwaiter { /* a task waiting, in its own frame */
    struct fwaiter *prev, *next;
    wa__remote_waiter *w;
};

struct wa_future {
    pthread_mutex_t mu;
    pthread_cond_t done_cv; /* plain threads block on it */
    atomic_int refs;        /* the handle, the remote side, letters in the mail */
    wa_loop *loop;          /* held */
    wa_fn fn;
    void *arg;
    int state;        /* under mu */
    int cancel_asked; /* under mu */
    int code;         /* under mu, once F_DONE */
    void *result;
    char *message;
    /* Under mu: tasks (of any loops) waiting, until F_DONE empties it. */
    struct {
        struct fwaiter *head, *tail;
    } waiters;
    wa_task *task; /* the remote loop's thread only */
};

static void future_unref(wa_future *f)
{
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    wa_loop_release(f->loop);
    free(f->message);
    pthread_cond_destroy(&f->done_cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* Any thread: record the outcome once and wake whoever waits. */
static void future_finish(wa_future *f, int code, void *result, char *message)
{
    pthread_mutex_lock(&f->mu);
    if (f->state == F_DONE) {
        pthread_mutex_unlock(&f->mu);
        free(message);
        return;
    }
    f->state = F_DONE;
    f->code = code;
    f->result = code ? NULL : result;
    f->message = message;
    pthread_cond_broadcast(&f->done_cv);
    for (struct fwaiter *fw = f->waiters.head; fw; fw = fw->next)
        wa__remote_wake(fw->w);
    f->waiters.head = f->waiters.tail = NULL;
    pthread_mutex_unlock(&f->mu);
}

/* ------------------------------------------------------------ remote side */

static void remote_done(wa_task *t, void *data)
{
    wa_future *f = data;
    void *result = NULL;
    int code = wa__task_outcome(t, &result); /* retrieved: the future reports it */
    const char *msg = code ? wa_task_message(t) : NULL;
    future_finish(f, code, result, msg ? wa__strdup(msg) : NULL);
    pthread_mutex_lock(&f->mu);
    f->task = NULL;
    pthread_mutex_unlock(&f->mu);
    future_unref(f);
}

/* On the target loop: start the task, unless a cancel came first. */
static void remote_start(void *arg)
{
    wa_future *f = arg;
    pthread_mutex_lock(&f->mu);
    int cancelled = f->cancel_asked;
    if (!cancelled)
        f->state = F_RUNNING;
    pthread_mutex_unlock(&f->mu);
    if (cancelled) {
        future_finish(f, WA_ECANCELED, NULL, NULL);
        future_unref(f);
        return;
    }
    wa_task_opts o = {.name = "threadsafe"};
    wa_task *t = wa__spawn_hooked(f->fn, f->arg, &o, remote_done, f);
    if (!t) {
        future_finish(f, wa_last_error(), NULL, NULL);
        future_unref(f);
        return;
    }
    pthread_mutex_lock(&f->mu);
    f->task = t;
    pthread_mutex_unlock(&f->mu);
    wa_release(t); /* freed when it ends; remote_done clears f->task first */
}

/* The loop ended before it ran remote_start. */
static void remote_never_started(void *arg)
{
    wa_future *f = arg;
    future_finish(f, WA_ECLOSED, NULL, NULL);
    future_unref(f);
}

/* On the target loop: cancel the task if it still runs. */
static void remote_cancel(void *arg)
{
    wa_future *f = arg;
    pthread_mutex_lock(&f->mu);
    wa_task *t = f->state == F_RUNNING ? f->task : NULL;
    pthread_mutex_unlock(&f->mu);
    if (t)
        wa_cancel(t); /* this thread is the only one that frees t */
    future_unref(f);
}

static void letter_dropped(void *arg) { future_unref(arg); }

/* ------------------------------------------------------------ public */

wa_future *wa_spawn_threadsafe(wa_loop *loop, wa_fn fn, void *arg)
{
    if (!loop || !fn)
        return wa__set_last_error(WA_EINVAL);
    wa_future *f = calloc(1, sizeof *f);
    if (!f)
        return wa__set_last_error(WA_ENOMEM);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->done_cv, NULL);
    atomic_init(&f->refs, 2); /* the handle and the remote side */
    wa_loop_hold(loop);
    f->loop = loop;
    f->fn = fn;
    f->arg = arg;
    int rc = wa__mail_post(loop, remote_start, remote_never_started, f);
    if (rc == WA_ENOMEM) {
        future_unref(f);
        future_unref(f);
        return wa__set_last_error(rc);
    }
    if (rc < 0) { /* remote_never_started has run: the remote side is gone */
        future_unref(f);
        return wa__set_last_error(rc);
    }
    return f;
}

int wa_future_cancel(wa_future *f)
{
    if (!f)
        return WA_EINVAL;
    pthread_mutex_lock(&f->mu);
    if (f->state == F_DONE) {
        pthread_mutex_unlock(&f->mu);
        return WA_EDONE;
    }
    f->cancel_asked = 1;
    pthread_mutex_unlock(&f->mu);
    /* A letter after remote_start (the mail keeps order): it cancels the
     * running task, or finds it done; a task not yet started never runs.
     * Each call is one request, as wa_cancel counts them. */
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    wa__mail_post(f->loop, remote_cancel, letter_dropped, f);
    return 0;
}

int wa_future_done(const wa_future *f)
{
    if (!f)
        return WA_EINVAL; /* not 0: a loop polling for done would never end */
    pthread_mutex_lock((pthread_mutex_t *)&f->mu);
    int done = f->state == F_DONE;
    pthread_mutex_unlock((pthread_mutex_t *)&f->mu);
    return done;
}

const char *wa_future_message(const wa_future *f)
{
    if (!f)
        return NULL;
    pthread_mutex_lock((pthread_mutex_t *)&f->mu);
    const char *m = f->state == F_DONE ? f->message : NULL;
    pthread_mutex_unlock((pthread_mutex_t *)&f->mu);
    return m;
}

void wa_future_free(wa_future *f)
{
    if (f)
        future_unref(f);
}

/* Under f->mu, once done. */
static int take_outcome(wa_future *f, void **result)
{
    if (f->code == 0 && result)
        *result = f->result;
    return f->code;
}

/* A plain thread: block until done or the timeout. */
static int result_blocking(wa_future *f, uint64_t timeout_ms, void **result)
{
    struct timespec until = wa__deadline_after(timeout_ms);
    pthread_mutex_lock(&f->mu);
    int rc = 0;
    while (f->state != F_DONE && rc == 0)
        rc = timeout_ms == WA_NO_TIMEOUT ? pthread_cond_wait(&f->done_cv, &f->mu)
                                         : pthread_cond_timedwait(&f->done_cv, &f->mu, &until);
    int out = f->state == F_DONE ? take_outcome(f, result) : WA_ETIMEDOUT;
    pthread_mutex_unlock(&f->mu);
    return out;
}

/* In a task: wait for the wake-up; shielded, until the end. 0 when done,
 * else the interruption. */
static int wait_in_task(wa_future *f, int shield)
{
    for (;;) {
        wa__remote_waiter *w = wa__remote_wait_new();
        if (!w)
            return WA_ENOMEM;
        pthread_mutex_lock(&f->mu);
        if (f->state == F_DONE) {
            pthread_mutex_unlock(&f->mu);
            wa__remote_wait_free(w);
            return 0;
        }
        struct fwaiter me = {.w = w};
        WA_LIST_APPEND(&f->waiters, &me);
        pthread_mutex_unlock(&f->mu);
        int rc = wa__remote_wait(w, shield, NULL);
        pthread_mutex_lock(&f->mu);
        int done = f->state == F_DONE;
        if (!done) /* F_DONE emptied the list */
            WA_LIST_UNLINK(&f->waiters, &me);
        pthread_mutex_unlock(&f->mu);
        wa__remote_wait_free(w);
        if (rc < 0 && !shield)
            return rc;
        if (done)
            return rc; /* shielded: the interruption, reported after */
    }
}

int wa_future_result(wa_future *f, uint64_t timeout_ms, void **result)
{
    if (!f)
        return WA_EINVAL;
    if (wa__require_task() < 0) {
        if (wa__mail_here())
            return WA_EWRONGLOOP; /* a callback on a loop's thread */
        return result_blocking(f, timeout_ms, result);
    }
    wa_timeout scope_mem, *scope = NULL;
    if (timeout_ms != WA_NO_TIMEOUT) {
        int rc = wa_timeout_enter(&scope_mem, timeout_ms);
        if (rc < 0)
            return rc;
        scope = &scope_mem;
    }
    int rc = wait_in_task(f, 0);
    if (rc < 0 && rc != WA_ENOMEM) {
        /* Interrupted: the cancel crosses over, and, as with wa_await, we
         * wait for the task to end and it has the last word. */
        wa_future_cancel(f);
        if (wait_in_task(f, 1) == WA_ENOMEM)
            rc = WA_ENOMEM; /* could not wait for its end: no outcome yet */
    }
    int scope_rc = scope ? wa_timeout_exit(scope) : 0;
    if (rc == WA_ENOMEM)
        return rc;
    pthread_mutex_lock(&f->mu);
    int out = take_outcome(f, result);
    pthread_mutex_unlock(&f->mu);
    if (rc < 0 && out == WA_ECANCELED)
        out = rc == WA_ETIMEDOUT || scope_rc == WA_ETIMEDOUT ? WA_ETIMEDOUT : rc;
    return out;
}
