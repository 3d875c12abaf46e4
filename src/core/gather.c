/* gather.c: wa_gather, the twin of asyncio.gather. The caller hangs one wait
 * node on each unfinished child, so it wakes as each finishes and can return
 * the first failure at once (the rest keep running, as in asyncio). */
#include <stdlib.h>
#include "loop.h"

#define SMALL_GATHER 16

static void unlink_all(wa_task *const *tasks, wa_wait *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (nodes[i].linked) wa__wlist_remove(&tasks[i]->done_waiters, &nodes[i]);
}

/* Index of the first finished, failed child, or n. */
static size_t first_failure(wa_task *const *tasks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tasks[i]->state == WA_T_DONE && tasks[i]->error) return i;
    return n;
}

int wa_gather(wa_task *const *tasks, size_t n, void **results, int *errors,
              unsigned flags)
{
    int rc = wa__require_task();
    if (rc) return rc;
    if (n && !tasks) return WA_EINVAL;
    if ((flags & WA_RETURN_ERRORS) && n && !errors) return WA_EINVAL;
    wa_task *self = wa__L->current;
    for (size_t i = 0; i < n; i++) {
        if (wa__task_check(tasks[i])) return WA_EINVAL;
        if (tasks[i] == self) return WA_EDEADLK;
    }
    int return_errors = (flags & WA_RETURN_ERRORS) != 0;

    wa_wait small[SMALL_GATHER];
    wa_wait *nodes = n <= SMALL_GATHER ? small : calloc(n, sizeof *nodes);
    if (!nodes) return WA_ENOMEM;
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        nodes[i] = (wa_wait){.task = self};
        if (tasks[i]->state != WA_T_DONE) {
            wa__wlist_push(&tasks[i]->done_waiters, &nodes[i]);
            pending++;
        }
    }
    rc = 0;
    size_t failed = return_errors ? n : first_failure(tasks, n);
    while (pending > 0 && failed == n) {
        int r = wa__park(WA_NEVER, 0);
        pending = 0;
        for (size_t i = 0; i < n; i++) pending += nodes[i].linked;
        if (!return_errors) failed = first_failure(tasks, n);
        if (r != 0) {
            /* Interrupted: cancelling the gather cancels its children. */
            unlink_all(tasks, nodes, n);
            for (size_t i = 0; i < n; i++) wa_cancel(tasks[i]);
            for (size_t i = 0; i < n; i++) wa__join_shielded(tasks[i]);
            rc = r;
            goto out;
        }
    }
    unlink_all(tasks, nodes, n);
    if (failed < n) {
        rc = wa__task_outcome(tasks[failed], NULL);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        void *res = NULL;
        int e = wa__task_outcome(tasks[i], &res);
        if (results) results[i] = res;
        if (errors) errors[i] = e;
    }
out:
    if (nodes != small) free(nodes);
    return rc;
}
