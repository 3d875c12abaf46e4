/* gather.c: wa_gather, the twin of asyncio.gather. The caller hangs one wait
 * node on each unfinished child; fired nodes are collected on a list, so each
 * completion costs O(1) and the first failure is returned at once (the rest
 * keep running, as in asyncio). */
#include <stdlib.h>
#include "loop.h"

#define SMALL_GATHER 16

int wa_gather(wa_task *const *tasks, size_t n, void **results, int *errors, unsigned flags)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (n && !tasks)
        return WA_EINVAL;
    wa_task *self = wa__L->current;
    for (size_t i = 0; i < n; i++) {
        if (wa__task_check(tasks[i]))
            return WA_EINVAL;
        if (tasks[i] == self)
            return WA_EDEADLK;
    }
    /* One of them (transitively) waits for us: we would close a cycle. */
    if (wa__wait_cycle(self, NULL, tasks, n, NULL))
        return WA_EDEADLK;
    int return_errors = (flags & WA_RETURN_ERRORS) != 0;

    wa__wait small[SMALL_GATHER];
    wa__wait *nodes = n <= SMALL_GATHER ? small : malloc(n * sizeof *nodes);
    if (!nodes)
        return WA_ENOMEM;
    wa_wlist fired = {0};
    size_t pending = 0, failed = n;
    for (size_t i = 0; i < n; i++) {
        nodes[i] = (wa__wait){.task = self, .collect = &fired};
        if (tasks[i]->state != WA_T_DONE) {
            wa__wlist_push(&tasks[i]->done_waiters, &nodes[i]);
            pending++;
        } else if (tasks[i]->error && failed == n) {
            failed = i;
        }
    }
    rc = 0;
    if (return_errors)
        failed = n;
    self->waits_on_tasks = 1;
    self->awaiting_set = tasks;
    self->awaiting_n = n;
    while (pending > 0 && failed == n) {
        self->forward_cancel = 1;
        int r = wa__park(WA_NEVER, 0);
        self->forward_cancel = 0;
        int forwarded = self->cancel_forwarded; /* wa_cancel did it already */
        self->cancel_forwarded = 0;
        wa__wait *w;
        while ((w = wa__wlist_pop(&fired)) != NULL) {
            size_t i = (size_t)(w - nodes);
            pending--;
            if (!return_errors && tasks[i]->error && failed == n)
                failed = i;
        }
        if (r != 0) {
            /* Interrupted: cancelling the gather cancels its children. */
            for (size_t i = 0; i < n; i++)
                if (nodes[i].linked && !nodes[i].fired)
                    wa__wlist_remove(&tasks[i]->done_waiters, &nodes[i]);
            if (!forwarded)
                for (size_t i = 0; i < n; i++)
                    wa_cancel(tasks[i]);
            for (size_t i = 0; i < n; i++)
                wa__join_shielded(tasks[i], r == WA_ECANCELED);
            rc = r;
            goto out;
        }
    }
    self->waits_on_tasks = 0;
    self->awaiting_set = NULL;
    self->awaiting_n = 0;
    if (failed < n) {
        for (size_t i = 0; i < n; i++)
            if (nodes[i].linked && !nodes[i].fired)
                wa__wlist_remove(&tasks[i]->done_waiters, &nodes[i]);
        rc = wa__task_outcome(tasks[failed], NULL);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        void *res = NULL;
        int e = wa__task_outcome(tasks[i], &res);
        if (results)
            results[i] = res;
        if (errors)
            errors[i] = e;
    }
out:
    self->waits_on_tasks = 0;
    self->awaiting_set = NULL;
    self->awaiting_n = 0;
    if (nodes != small)
        free(nodes);
    return rc;
}
