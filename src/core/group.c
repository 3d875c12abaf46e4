/* group.c: task groups (asyncio.TaskGroup, Trio's nursery).
 *
 * Every child is spawned with a completion hook that counts it out and keeps
 * its failure. The first failure cancels the other children; cancellations
 * are never failures (they are what the group, or the user, asked for).
 * wa_group_wait parks on `waiters`, fired when the live count reaches 0. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

typedef struct group_err {
    int code;
    char *message;  /* NULL when the child gave none */
    char *name;
} group_err;

struct wa_group {
    wa_task **kids;  /* handles we hold until wa_group_free */
    size_t nkids, kids_cap;
    size_t live;     /* children not finished */
    wa_wlist waiters;
    group_err *errs;
    size_t nerrs, errs_cap;
    int first_error;
};

wa_group *wa_group_new(void)
{
    wa_group *g = calloc(1, sizeof *g);
    if (!g)
        return wa__set_last_error(WA_ENOMEM);
    return g;
}

int wa_group_cancel(wa_group *g)
{
    if (!g)
        return WA_EINVAL;
    if (g->live == 0) /* also: after wa_run the handles are gone */
        return 0;
    for (size_t i = 0; i < g->nkids; i++)
        if (g->kids[i]->state != WA_T_DONE)
            wa_cancel(g->kids[i]);
    return 0;
}

static void keep_error(wa_group *g, wa_task *t)
{
    if (g->nerrs == g->errs_cap) {
        size_t n = g->errs_cap ? g->errs_cap * 2 : 4;
        group_err *e = realloc(g->errs, n * sizeof *e);
        if (!e)
            return; /* first_error is still set; only the detail is lost */
        g->errs = e;
        g->errs_cap = n;
    }
    group_err *e = &g->errs[g->nerrs++];
    e->code = t->error;
    e->message = t->message ? wa__strdup(t->message) : NULL;
    e->name = wa__strdup(wa_task_name(t));
}

/* Completion hook of every child. */
static void child_done(wa_task *t, void *data)
{
    wa_group *g = data;
    int err = wa__task_outcome(t, NULL); /* the group reports it, not stderr */
    g->live--;
    if (err && err != WA_ECANCELED) {
        keep_error(g, t);
        if (!g->first_error) {
            g->first_error = err;
            wa_group_cancel(g);
        }
    }
    if (g->live == 0)
        while (!wa__wlist_empty(&g->waiters))
            wa__wake(&g->waiters, g->waiters.head, 0);
}

wa_task *wa_group_spawn_opts(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o)
{
    if (!g || !fn)
        return wa__set_last_error(WA_EINVAL);
    /* asyncio refuses new tasks once a failure is shutting the group down. */
    if (g->first_error)
        return wa__set_last_error(WA_ECANCELED);
    if (g->nkids == g->kids_cap) {
        size_t n = g->kids_cap ? g->kids_cap * 2 : 8;
        wa_task **k = realloc(g->kids, n * sizeof *k);
        if (!k)
            return wa__set_last_error(WA_ENOMEM);
        g->kids = k;
        g->kids_cap = n;
    }
    wa_task *t = wa__spawn_hooked(fn, arg, o, child_done, g);
    if (!t)
        return NULL;
    g->kids[g->nkids++] = t;
    g->live++;
    return t;
}

wa_task *wa_group_spawn(wa_group *g, wa_fn fn, void *arg)
{
    return wa_group_spawn_opts(g, fn, arg, NULL);
}

static int is_live_child(const wa_group *g, const wa_task *t)
{
    for (size_t i = 0; i < g->nkids; i++)
        if (g->kids[i] == t && t->state != WA_T_DONE)
            return 1;
    return 0;
}

/* Wait, uninterruptibly, until every child finished. */
static void drain(wa_group *g)
{
    while (g->live > 0) {
        wa__wait w;
        memset(&w, 0, sizeof w);
        wa__wait_on_tasks(&g->waiters, &w, WA_PARK_SHIELD);
    }
}

int wa_group_wait(wa_group *g)
{
    if (!g)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (g->live > 0) {
        if (is_live_child(g, wa__self()))
            return WA_EDEADLK;
        wa__wait w;
        memset(&w, 0, sizeof w);
        rc = wa__wait_on_tasks(&g->waiters, &w, 0);
        if (!w.fired) {
            /* Children cannot outlive the group, even when we are cut short. */
            wa_group_cancel(g);
            drain(g);
            return rc;
        }
    }
    return g->first_error;
}

size_t wa_group_error_count(const wa_group *g)
{
    return g ? g->nerrs : 0;
}

int wa_group_error(const wa_group *g, size_t i, const char **message,
                   const char **task_name)
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

int wa_group_free(wa_group *g)
{
    if (!g)
        return WA_EINVAL;
    if (!wa__wlist_empty(&g->waiters))
        return WA_EBUSY;
    if (g->live > 0) {
        int rc = wa__require_task();
        if (rc)
            return rc;
        if (is_live_child(g, wa__self()))
            return WA_EDEADLK;
        wa_group_cancel(g);
        drain(g);
    }
    /* After wa_run ended, the loop already freed every task. */
    if (wa_running())
        for (size_t i = 0; i < g->nkids; i++)
            wa_release(g->kids[i]);
    for (size_t i = 0; i < g->nerrs; i++) {
        free(g->errs[i].message);
        free(g->errs[i].name);
    }
    free(g->errs);
    free(g->kids);
    free(g);
    return 0;
}
