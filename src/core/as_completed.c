/* as_completed.c: wa_as_completed, asyncio.as_completed as a generator (so
 * WA_FOR iterates it). Its body hangs a wait node on each unfinished task and
 * yields the tasks as their nodes fire, in completion order; the tasks that
 * had already finished come first, in argument order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

typedef struct completions {
    uint64_t until; /* hrtime limit, or WA_NEVER */
    size_t n;
    wa_task *tasks[];
} completions;

/* Yield what is ready; park when nothing is. Returns 0 when all n were
 * yielded, WA_ETIMEDOUT past the limit, WA_ECLOSED when the consumer
 * closed us, or an interruption. */
static int feed(completions *c, wa__wait *nodes)
{
    wa_task *self = wa__self();
    wa_wlist fired = {0};
    size_t left = c->n;
    for (size_t i = 0; i < c->n; i++) {
        nodes[i] = (wa__wait){.task = self, .collect = &fired};
        if (c->tasks[i]->state != WA_T_DONE)
            wa__wlist_push(&c->tasks[i]->done_waiters, &nodes[i]);
    }
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        if (nodes[i].linked || nodes[i].fired)
            continue; /* not finished at the start: comes through `fired` */
        left--;
        rc = wa_gen_yield(c->tasks[i]);
    }
    while (rc == 0 && left > 0) {
        wa__wait *w = wa__wlist_pop(&fired);
        if (w) {
            left--;
            rc = wa_gen_yield(c->tasks[w - nodes]);
            continue;
        }
        if (c->until != WA_NEVER && wa__host_hrtime() >= c->until) {
            rc = WA_ETIMEDOUT;
            break;
        }
        self->waits_on_tasks = 1;
        rc = wa__park(c->until, 0);
        self->waits_on_tasks = 0;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!nodes[i].fired)
            wa__wlist_remove(&c->tasks[i]->done_waiters, &nodes[i]);
    while (wa__wlist_pop(&fired) != NULL) {
    }
    return rc;
}

static void *body(void *arg)
{
    completions *c = arg;
    wa__wait *nodes = c->n ? malloc(c->n * sizeof *nodes) : NULL;
    if (c->n && !nodes)
        return wa_raise(WA_ENOMEM, "as_completed: no memory for %zu wait nodes", c->n);
    int rc = feed(c, nodes);
    free(nodes);
    if (rc == WA_ETIMEDOUT)
        return wa_raise(WA_ETIMEDOUT, "as_completed: tasks still running at the time limit");
    return NULL; /* done, closed, or interrupted (then the task ends cancelled) */
}

wa_gen *wa_as_completed(wa_task *const *tasks, size_t n, uint64_t timeout_ms)
{
    if (n && !tasks)
        return wa__set_last_error(WA_EINVAL);
    for (size_t i = 0; i < n; i++)
        if (wa__task_check(tasks[i]))
            return wa__set_last_error(WA_EINVAL);
    if (n > (SIZE_MAX - sizeof(completions)) / sizeof(wa_task *) / 2)
        return wa__set_last_error(WA_ENOMEM);
    completions *c = malloc(sizeof *c + n * sizeof(wa_task *));
    if (!c)
        return wa__set_last_error(WA_ENOMEM);
    c->n = n;
    if (n)
        memcpy(c->tasks, tasks, n * sizeof(wa_task *));
    c->until = WA_NEVER;
    if (timeout_ms != WA_NO_TIMEOUT) {
        uint64_t now = wa__host_hrtime();
        c->until = timeout_ms > (WA_NEVER - 1 - now) / 1000000u ? WA_NEVER - 1
                                                                : now + timeout_ms * 1000000u;
    }
    wa_gen *g = wa__gen_new_owning(body, c, free);
    if (!g)
        free(c);
    return g;
}
