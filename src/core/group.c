/* group.c: task groups (asyncio.TaskGroup, Trio's nursery).
 *
 * Every child is spawned with a completion hook that counts it out and keeps
 * its failure. The first failure shuts the group down: the other children
 * are cancelled and so is the group's owner (the task that created it), so
 * the owner's code stops at its current suspension point, as a TaskGroup's
 * body does; wa_group_wait (or wa_group_free) takes that cancel back and
 * reports the children's errors. Cancellations are never failures.
 *
 * The group owns its children's handles: live children sit on an intrusive
 * list (kid_next), handles given out by wa_group_spawn are kept until
 * wa_group_free, and children started by wa_group_start have no handle and
 * are freed as soon as they finish, so a long-lived group stays flat. */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

typedef struct group_err {
    int code;
    char *message; /* NULL when the child gave none */
    char *name;
} group_err;

struct wa_group {
    wa__task_list live; /* children not finished (kid_prev/kid_next) */
    size_t nlive;
    wa_task **kept; /* handles wa_group_spawn gave out, kept until free */
    size_t nkept, kept_cap;
    wa_wlist waiters;
    group_err *errs;
    size_t nerrs, errs_cap;
    int first_error;
    uint64_t owner_id;             /* the creating task's id, 0 if none */
    unsigned char shutting_down;   /* cancelled or failed: spawns refused */
    unsigned char finished;        /* a wait returned: spawns refused */
    unsigned char owner_cancelled; /* we cancelled the owner; wait takes it back */
    unsigned char owner_waiting;   /* the owner is in wa_group_wait/free */
    unsigned char reported;        /* the errors reached the user */
};

wa_group *wa_group_new(void)
{
    wa_group *g = calloc(1, sizeof *g);
    if (!g)
        return wa__set_last_error(WA_ENOMEM);
    wa_task *self = wa__self();
    g->owner_id = self ? self->id : 0;
    return g;
}

/* The owner, if it is still alive. Its handle may have been freed (and the
 * struct reused) since the group was created, so it is looked up by id. */
static wa_task *owner_task(const wa_group *g)
{
    if (!g->owner_id || !wa_running())
        return NULL;
    return wa__task_find(g->owner_id);
}

static int is_owner(const wa_group *g, const wa_task *self)
{
    return self && g->owner_id && self->id == g->owner_id;
}

/* Oldest first: "cancel everything" wakes the children in the order they
 * were started, so their cleanups run in that order too. */
static void cancel_live(wa_group *g)
{
    for (wa_task *k = g->live.head; k; k = k->kid_next)
        wa_cancel(k);
}

int wa_group_cancel(wa_group *g)
{
    if (!g)
        return WA_EINVAL;
    g->shutting_down = 1;
    if (g->nlive == 0) /* also: after wa_run the handles are gone */
        return 0;
    cancel_live(g);
    return 0;
}

static void keep_error(wa_group *g, wa_task *t)
{
    if (wa__grow(&g->errs, &g->errs_cap, g->nerrs + 1, sizeof *g->errs, 4))
        return; /* first_error is still set; only the detail is lost */
    group_err *e = &g->errs[g->nerrs++];
    e->code = t->error;
    e->message = t->message ? wa__strdup(t->message) : NULL;
    e->name = wa__strdup(wa_task_name(t));
}

/* The first failure: cancel the siblings, and interrupt the owner's own
 * code unless it is already waiting for us (asyncio's TaskGroup._abort and
 * parent_task.cancel()). */
static void shut_down_on_failure(wa_group *g)
{
    g->shutting_down = 1;
    cancel_live(g);
    if (g->owner_waiting || g->owner_cancelled)
        return;
    wa_task *owner = owner_task(g);
    if (owner && wa_cancel(owner) == 0)
        g->owner_cancelled = 1;
}

/* Completion hook of every child. */
static void child_done(wa_task *t, void *data)
{
    wa_group *g = data;
    int err = wa__task_outcome(t, NULL); /* the group reports it, not stderr */
    WA_LIST_UNLINK_VIA(&g->live, t, kid_prev, kid_next);
    g->nlive--;
    if (err && err != WA_ECANCELED) {
        keep_error(g, t);
        if (!g->first_error) {
            g->first_error = err;
            shut_down_on_failure(g);
        }
    }
    if (g->nlive == 0)
        while (!wa__wlist_empty(&g->waiters))
            wa__wake(&g->waiters, g->waiters.head, 0);
}

static wa_task *spawn_child(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o, int keep)
{
    if (!g || !fn)
        return wa__set_last_error(WA_EINVAL);
    /* asyncio refuses new tasks once the group is shutting down (a failure,
     * a cancel) or finished (its wait returned). */
    if (g->shutting_down || g->finished)
        return wa__set_last_error(WA_ESHUTDOWN);
    if (keep && wa__grow(&g->kept, &g->kept_cap, g->nkept + 1, sizeof *g->kept, 8))
        return wa__set_last_error(WA_ENOMEM);
    wa_task *t = wa__spawn_hooked(fn, arg, o, child_done, g);
    if (!t)
        return NULL;
    t->owned = 1;
    WA_LIST_APPEND_VIA(&g->live, t, kid_prev, kid_next);
    g->nlive++;
    if (keep)
        g->kept[g->nkept++] = t;
    else
        t->released = 1; /* no handle: freed when it finishes */
    return t;
}

wa_task *wa_group_spawn_opts(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o)
{
    return spawn_child(g, fn, arg, o, 1);
}

wa_task *wa_group_spawn(wa_group *g, wa_fn fn, void *arg)
{
    return spawn_child(g, fn, arg, NULL, 1);
}

int wa_group_start(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o)
{
    if (!wa_running())
        return WA_ENOLOOP;
    return spawn_child(g, fn, arg, o, 0) ? 0 : wa_last_error();
}

/* The owner reached wait or free: the cancel we sent it was ours, not a
 * request from anyone else, so take it back (TaskGroup.__aexit__'s
 * uncancel). A cancel someone else sent stays. */
static void take_back_owner_cancel(wa_group *g, wa_task *self)
{
    if (g->owner_cancelled && is_owner(g, self)) {
        g->owner_cancelled = 0;
        wa_uncancel();
    }
}

/* Wait, uninterruptibly, until every child finished. */
static void drain(wa_group *g, int merge_cancel)
{
    wa_task *self = wa__self();
    while (g->nlive > 0)
        wa__wait_here(&g->waiters, NULL, WA_PARK_SHIELD | WA__WAIT_FOR_TASKS);
    if (merge_cancel)
        self->cancel_pending = 0;
}

/* Is a live child (transitively) waiting for self? Then waiting for the
 * children would close a cycle. */
static int closes_cycle(const wa_group *g, const wa_task *self)
{
    return g->live.head && wa__wait_cycle(self, NULL, NULL, 0, g->live.head);
}

int wa_group_wait(wa_group *g)
{
    if (!g)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    wa_task *self = wa__self();
    take_back_owner_cancel(g, self);
    if (g->nlive > 0) {
        if (closes_cycle(g, self))
            return WA_EDEADLK;
        int owner = is_owner(g, self);
        if (owner)
            g->owner_waiting = 1;
        self->awaiting_kids = &g->live.head;
        self->forward_cancel = 1; /* a cancel reaches the children at once */
        wa__waited all_done = wa__wait_here(&g->waiters, NULL, WA__WAIT_FOR_TASKS);
        rc = all_done.rc;
        self->forward_cancel = 0;
        int forwarded = self->cancel_forwarded;
        self->cancel_forwarded = 0;
        if (!all_done.fired) {
            /* Children cannot outlive the group, even when we are cut short. */
            g->shutting_down = 1;
            if (!forwarded)
                cancel_live(g);
            drain(g, rc == WA_ECANCELED);
        }
        self->awaiting_kids = NULL;
        if (owner)
            g->owner_waiting = 0;
        take_back_owner_cancel(g, self);
        if (!all_done.fired && !g->first_error) {
            g->finished = 1;
            return rc;
        }
    }
    /* Children's failures take precedence over our own interruption, as
     * TaskGroup raises its ExceptionGroup rather than CancelledError. */
    g->finished = 1;
    g->reported = 1;
    return g->first_error;
}

size_t wa_group_error_count(const wa_group *g) { return g ? g->nerrs : 0; }

int wa_group_error(const wa_group *g, size_t i, const char **message, const char **task_name)
{
    if (!g || i >= g->nerrs)
        return WA_EINVAL;
    const group_err *e = &g->errs[i];
    if (message)
        *message = e->message ? e->message : wa_strerror(e->code);
    if (task_name)
        *task_name = e->name ? e->name : "?";
    return e->code;
}

/* Failures no wait returned are reported like a task nobody awaited. */
static int report_unwaited(wa_group *g)
{
    if (!g->first_error || g->reported)
        return 0;
    g->reported = 1;
    for (size_t i = 0; i < g->nerrs; i++) {
        const group_err *e = &g->errs[i];
        fprintf(stderr,
                "wasyncio: task '%s' failed in a task group freed without "
                "wa_group_wait: %s (%s)\n",
                e->name ? e->name : "?", e->message ? e->message : wa_strerror(e->code),
                wa_strerror(e->code));
    }
    if (g->nerrs == 0) /* the details did not fit in memory */
        fprintf(stderr,
                "wasyncio: a task group freed without wa_group_wait had a "
                "failure: %s\n",
                wa_strerror(g->first_error));
    return g->first_error;
}

int wa_group_free(wa_group *g)
{
    if (!g)
        return WA_EINVAL;
    if (!wa__wlist_empty(&g->waiters))
        return WA_EBUSY;
    wa_task *self = wa__self();
    if (g->nlive > 0) {
        int rc = wa__require_task();
        if (rc)
            return rc;
        int owner = is_owner(g, self);
        if (owner)
            g->owner_waiting = 1;
        if (closes_cycle(g, self)) {
            /* A child waits for us (wa_group_wait said WA_EDEADLK).
             * Cancelling it breaks the cycle: its wait returns WA_ECANCELED
             * and its join gives up on us (wa__join_shielded), so the drain
             * below ends. The cancel its wait would forward to us is ours,
             * not a request to stop us: take it back. */
            uint32_t requests = self->cancel_requests;
            uint8_t pending = self->cancel_pending;
            wa_group_cancel(g);
            self->cancel_requests = requests;
            self->cancel_pending = pending;
        } else {
            wa_group_cancel(g);
        }
        self->awaiting_kids = &g->live.head;
        drain(g, 0);
        self->awaiting_kids = NULL;
        if (owner)
            g->owner_waiting = 0;
    }
    take_back_owner_cancel(g, self);
    int rc = report_unwaited(g);
    /* After wa_run ended, the loop already freed every task. */
    if (wa_running())
        for (size_t i = 0; i < g->nkept; i++)
            wa__task_release(g->kept[i]);
    for (size_t i = 0; i < g->nerrs; i++) {
        free(g->errs[i].message);
        free(g->errs[i].name);
    }
    free(g->errs);
    free(g->kept);
    free(g);
    return rc;
}
