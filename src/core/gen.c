/* gen.c: async generators (wa_gen_*) and WA_FOR's guard.
 *
 * The body is a task of its own, started by the first wa_gen_next. Each
 * hand-over (next to the body, yield or return to the consumer, close) runs
 * the other side first, before any other ready task and with no loop turn
 * between: asyncio runs an async generator's frame inside the consumer's
 * step, so a cancel of the consumer lands inside the body. Consumer
 * and body meet through two one-slot wait lists: the consumer parks on
 * `consumer` until a value (node data), WA_EOF or the body's error arrives;
 * the body parks on `producer` in wa_gen_yield until the next request (0) or
 * a close (WA_ECLOSED). Only one side runs at a time, so at most one node sits
 * in each list. The body task's `ext` points back here for wa_gen_yield. */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

struct wa_gen {
    wa_fn fn;
    void *arg;
    void (*free_arg)(void *); /* the generator owns arg (wa__gen_new_owning) */
    wa_task *body;            /* our handle, NULL until the first next */
    wa_wlist consumer;
    wa_wlist producer;
    int error;                    /* outcome reported by wa_gen_status */
    unsigned char done;           /* the body finished */
    unsigned char closed;         /* wa_gen_close was called */
    unsigned char closing;        /* the body must stop: yields return WA_ECLOSED */
    unsigned char error_reported; /* a next already returned `error` */
};

wa_gen *wa_gen_new(wa_fn fn, void *arg)
{
    if (!fn)
        return wa__set_last_error(WA_EINVAL);
    wa_gen *g = calloc(1, sizeof *g);
    if (!g)
        return wa__set_last_error(WA_ENOMEM);
    g->fn = fn;
    g->arg = arg;
    return g;
}

wa_gen *wa__gen_new_owning(wa_fn fn, void *arg, void (*free_arg)(void *))
{
    wa_gen *g = wa_gen_new(fn, arg);
    if (g)
        g->free_arg = free_arg;
    return g;
}

/* Completion hook of the body: runs before anyone joining it wakes. */
static void body_done(wa_task *t, void *data)
{
    wa_gen *g = data;
    int err = wa__task_outcome(t, NULL);
    /* A cancel we sent to stop the body is not the body's failure. */
    if (g->closing && err == WA_ECANCELED)
        err = 0;
    g->done = 1;
    g->error = err;
    t->ext = NULL;
    wa__wait *w = g->consumer.head;
    if (w) {
        if (err)
            g->error_reported = 1;
        wa__wake_first(&g->consumer, w, err ? err : WA_EOF);
    }
}

/* Does t wait for no task at all (no await edge for the cycle check)? Then
 * no cycle runs through it: the usual case of a body parked at its yield,
 * where the full search measured a seventh of a step. */
static int waits_for_nothing(const wa_task *t)
{
    return !t->awaiting && !t->awaiting_n && !t->awaiting_kids;
}

int wa_gen_next(wa_gen *g, void **value)
{
    if (!g || !value) /* a NULL out-pointer would drop the value */
        return WA_EINVAL;
    wa_task *self = wa__self(); /* one look-up: this runs on every step */
    if (!self)
        return WA_ENOLOOP;
    if (g->closed)
        return WA_ECLOSED;
    if (g->done) {
        if (g->error && !g->error_reported) {
            g->error_reported = 1;
            return g->error;
        }
        return WA_EOF;
    }
    if (!wa__wlist_empty(&g->consumer) || self == g->body)
        return WA_EBUSY;
    /* A new body waits for nobody; a started one may await us. */
    if (g->body && !waits_for_nothing(g->body) && wa__wait_cycle(self, g->body, NULL, 0, NULL))
        return WA_EDEADLK;
    if (!g->body) {
        wa_task *t = wa__spawn_first(g->fn, g->arg, body_done, g);
        if (!t)
            return wa_last_error() ? wa_last_error() : WA_ENOMEM;
        t->ext = g;
        t->owned = 1; /* our handle: wa_release on it is refused */
        g->body = t;
    } else if (!wa__wlist_empty(&g->producer)) {
        wa__wake_first(&g->producer, g->producer.head, 0);
    }
    /* Otherwise the body is running ahead; it delivers at its next yield. */
    self->awaiting = g->body;
    self->forward_cancel = 1;
    /* The body's next yield hands its value over through our node. */
    wa__waited got = wa__wait_here(&g->consumer, NULL, WA__WAIT_FOR_TASKS);
    int rc = got.rc;
    self->forward_cancel = 0;
    int forwarded = self->cancel_forwarded;
    self->cancel_forwarded = 0;
    self->awaiting = NULL;
    if (got.fired) {
        if (rc == 0)
            *value = got.data;
        return rc;
    }
    /* Interrupted: like an awaited task, the body goes down with us. */
    g->closing = 1;
    if (!g->done) {
        if (!forwarded)
            wa_cancel(g->body);
        wa__join_shielded(g->body, rc == WA_ECANCELED);
    }
    g->error = rc;
    g->error_reported = 1;
    return rc;
}

int wa_gen_yield(void *value)
{
    wa_task *self = wa__self();
    if (!self)
        return WA_ENOLOOP;
    wa_gen *g = self->ext;
    int rc;
    if (!g || g->body != self)
        return WA_EINVAL;
    /* Normally the consumer waits for us. If it does not (the body ran on
     * after an interrupted yield), wait for its request first. */
    while (wa__wlist_empty(&g->consumer)) {
        if (g->closing)
            return WA_ECLOSED;
        rc = wa__wait_here(&g->producer, NULL, 0).rc;
        if (rc)
            return rc;
    }
    if (g->closing)
        return WA_ECLOSED;
    wa__wait *c = g->consumer.head;
    c->data = value;
    wa__wake_first(&g->consumer, c, 0);
    return wa__wait_here(&g->producer, NULL, 0).rc;
}

/* Stop a running body and wait for its cleanup. 0, or why it could not. */
static int close_body(wa_gen *g)
{
    if (!g->body || g->done) {
        g->closed = 1;
        return 0;
    }
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!wa__wlist_empty(&g->consumer) || wa__self() == g->body)
        return WA_EBUSY;
    g->closed = 1;
    g->closing = 1;
    if (!wa__wlist_empty(&g->producer))
        wa__wake_first(&g->producer, g->producer.head, WA_ECLOSED);
    else
        wa_cancel(g->body); /* not at a yield: nothing else would stop it */
    wa__join_shielded(g->body, 0);
    return 0;
}

/* The body's failure (its cleanup's, after a close) that no call has
 * returned yet: returned once, as asyncio's aclose() raises it. */
static int take_unreported(wa_gen *g)
{
    if (!g->error || g->error_reported)
        return 0;
    g->error_reported = 1;
    return g->error;
}

int wa_gen_close(wa_gen *g)
{
    if (!g)
        return WA_EINVAL;
    if (g->closed)
        return WA_ECLOSED;
    int rc = close_body(g);
    return rc ? rc : take_unreported(g);
}

int wa_gen_status(const wa_gen *g)
{
    if (!g)
        return WA_EINVAL;
    return g->error;
}

int wa_gen_free(wa_gen *g)
{
    if (!g)
        return WA_EINVAL;
    if (!wa__wlist_empty(&g->consumer))
        return WA_EBUSY;
    if (g->body && !g->done) {
        int rc = close_body(g);
        if (rc < 0)
            return rc;
    }
    /* A failure nobody saw is reported like an unawaited task's. */
    int rc = take_unreported(g);
    if (rc) {
        int named = g->body && wa_running();
        const char *msg = named ? wa_task_message(g->body) : wa_strerror(rc);
        fprintf(stderr, "wasyncio: generator '%s' failed and was freed without a close: %s (%s)\n",
                named ? wa_task_name(g->body) : "?", msg, wa_strerror(rc));
    }
    /* After wa_run ended the handle is gone with the loop's tasks. */
    if (g->body && wa_running())
        wa__task_release(g->body);
    if (g->free_arg)
        g->free_arg(g->arg);
    free(g);
    return rc;
}
