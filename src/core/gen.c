/* gen.c: async generators (wa_gen_*) and WA_FOR's guard.
 *
 * The body is a task of its own, started by the first wa_gen_next. Consumer
 * and body meet through two one-slot wait lists: the consumer parks on
 * `consumer` until a value (node data), WA_EOF or the body's error arrives;
 * the body parks on `producer` in wa_gen_yield until the next request (0) or
 * a close (WA_ECLOSED). Only one side runs at a time, so at most one node sits
 * in each list. The body task's `ext` points back here for wa_gen_yield. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct wa_gen {
    wa_fn fn;
    void *arg;
    wa_task *body;      /* our handle, NULL until the first next */
    wa_wlist consumer;
    wa_wlist producer;
    int error;          /* outcome reported by wa_gen_status */
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
    wa_wait *w = g->consumer.head;
    if (w) {
        if (err)
            g->error_reported = 1;
        wa__wake(&g->consumer, w, err ? err : WA_EOF);
    }
}

static wa_wait node_for(wa_task *self, void *data)
{
    wa_wait w;
    memset(&w, 0, sizeof w);
    w.task = self;
    w.data = data;
    return w;
}

int wa_gen_next(wa_gen *g, void **value)
{
    if (!g || !value) /* a NULL out-pointer would drop the value */
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (g->closed)
        return WA_ECLOSED;
    if (g->done) {
        if (g->error && !g->error_reported) {
            g->error_reported = 1;
            return g->error;
        }
        return WA_EOF;
    }
    wa_task *self = wa__self();
    if (!wa__wlist_empty(&g->consumer) || self == g->body)
        return WA_EBUSY;
    if (!g->body) {
        wa_task *t = wa__spawn_hooked(g->fn, g->arg, NULL, body_done, g);
        if (!t)
            return wa_last_error() ? wa_last_error() : WA_ENOMEM;
        t->ext = g;
        g->body = t;
    } else if (!wa__wlist_empty(&g->producer)) {
        wa__wake(&g->producer, g->producer.head, 0);
    }
    /* Otherwise the body is running ahead; it delivers at its next yield. */
    wa_wait w = node_for(self, NULL);
    rc = wa__wait_on_tasks(&g->consumer, &w, 0); /* the body's next yield */
    if (w.fired) {
        if (rc == 0)
            *value = w.data;
        return rc;
    }
    /* Interrupted: like an awaited task, the body goes down with us. */
    g->closing = 1;
    if (!g->done) {
        wa_cancel(g->body);
        wa__join_shielded(g->body);
    }
    g->error = rc;
    g->error_reported = 1;
    return rc;
}

int wa_gen_yield(void *value)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    wa_task *self = wa__self();
    wa_gen *g = self->ext;
    if (!g || g->body != self)
        return WA_EINVAL;
    wa_wait w = node_for(self, NULL);
    /* Normally the consumer waits for us. If it does not (the body ran on
     * after an interrupted yield), wait for its request first. */
    while (wa__wlist_empty(&g->consumer)) {
        if (g->closing)
            return WA_ECLOSED;
        rc = wa__wait_on(&g->producer, &w, 0);
        if (rc)
            return rc;
    }
    if (g->closing)
        return WA_ECLOSED;
    wa_wait *c = g->consumer.head;
    c->data = value;
    wa__wake(&g->consumer, c, 0);
    return wa__wait_on(&g->producer, &w, 0);
}

int wa_gen_close(wa_gen *g)
{
    if (!g)
        return WA_EINVAL;
    if (g->closed)
        return WA_ECLOSED;
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
        wa__wake(&g->producer, g->producer.head, WA_ECLOSED);
    else
        wa_cancel(g->body); /* not at a yield: nothing else would stop it */
    wa__join_shielded(g->body);
    return 0;
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
        int rc = wa_gen_close(g);
        if (rc < 0 && rc != WA_ECLOSED)
            return rc;
    }
    /* After wa_run ended the handle is gone with the loop's tasks. */
    if (g->body && wa_running())
        wa_release(g->body);
    free(g);
    return 0;
}
