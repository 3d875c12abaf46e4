/* wait.c: wa_wait, the twin of asyncio.wait: one wait node on each
 * unfinished task, fired nodes collected on a list (O(1) per completion),
 * until return_when holds, the time limit passes or the caller is
 * interrupted. It only watches: no task is cancelled, no result taken. */
#include <stdlib.h>
#include "internal.h"

#define SMALL_WAIT 16

/* Has task t finished with a failure that is not a cancellation? */
static int failed(const wa_task *t)
{
    int e = wa_task_error(t);
    return e < 0 && e != WA_ECANCELED;
}

/* Progress so far, counted once per completion. */
typedef struct progress {
    size_t done, failed;
} progress;

static void count(progress *p, const wa_task *t)
{
    p->done++;
    if (failed(t))
        p->failed++;
}

static int satisfied(const progress *p, size_t n, int return_when)
{
    if (return_when == WA_FIRST_COMPLETED)
        return p->done > 0;
    if (return_when == WA_FIRST_EXCEPTION && p->failed > 0)
        return 1;
    return p->done == n;
}

/* A task listed again has a node with no task (see wa_wait). */
static int is_repeat(const wa__wait *node) { return node->task == NULL; }

static void sort_out(wa_task *const *tasks, const wa__wait *nodes, size_t n, wa_task **done,
                     size_t *n_done, wa_task **pending, size_t *n_pending)
{
    size_t d = 0, p = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_repeat(&nodes[i]))
            continue;
        if (wa_task_done(tasks[i]) == 1) {
            if (done)
                done[d] = tasks[i];
            d++;
        } else {
            if (pending)
                pending[p] = tasks[i];
            p++;
        }
    }
    if (n_done)
        *n_done = d;
    if (n_pending)
        *n_pending = p;
}

/* Park until a node fires, the time limit passes or an interruption:
 * returns 0 (progress, or a spurious wake), 1 (time is up) or the code. */
static int park_once(uint64_t until)
{
    int r = wa__park(until, 0);
    if (r)
        return r;
    return until != WA_NEVER && wa__host_hrtime() >= until;
}

int wa_wait(wa_task *const *tasks, size_t n, int return_when, uint64_t timeout_ms, wa_task **done,
            size_t *n_done, wa_task **pending, size_t *n_pending)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (n == 0 || !tasks)
        return WA_EINVAL;
    if (return_when != WA_ALL_COMPLETED && return_when != WA_FIRST_COMPLETED &&
        return_when != WA_FIRST_EXCEPTION)
        return WA_EINVAL;
    wa_task *self = wa__self();
    for (size_t i = 0; i < n; i++) {
        if (wa__task_check(tasks[i]))
            return WA_EINVAL;
        if (tasks[i] == self)
            return WA_EDEADLK;
    }
    /* Only a wait for all of them with no time limit can never end when one
     * of them waits for us (asyncio.wait hangs there): like wa_gather it is
     * WA_EDEADLK at once, and it shows its targets to the cycle check, so an
     * await that would close such a cycle later is refused too. A wait that
     * may end on one completion, one failure or its time limit is not a
     * deadlock. */
    int whole = return_when == WA_ALL_COMPLETED && timeout_ms == WA_NO_TIMEOUT;
    if (whole && wa__wait_cycle(self, NULL, tasks, n, NULL))
        return WA_EDEADLK;
    uint64_t until = WA_NEVER;
    if (timeout_ms != WA_NO_TIMEOUT) {
        uint64_t now = wa__host_hrtime();
        until = timeout_ms > (WA_NEVER - 1 - now) / 1000000u ? WA_NEVER - 1
                                                             : now + timeout_ms * 1000000u;
    }
    wa__wait small[SMALL_WAIT];
    wa__wait *nodes = small;
    if (n > SMALL_WAIT &&
        (n > SIZE_MAX / sizeof *nodes || (nodes = malloc(n * sizeof *nodes)) == NULL))
        return WA_ENOMEM;
    wa_wlist fired = {0};
    progress prog = {0, 0};
    /* asyncio.wait takes a set: a task listed twice counts, and is reported,
     * once. Every node is hung on its task first, so a task seen before has
     * our node last on its list (O(1) per entry); a repeat's node gets no
     * task. Then finished tasks are counted and their nodes taken off. */
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        wa__wait *last = tasks[i]->done_waiters.tail;
        if (last && last->collect == &fired) {
            nodes[i] = (wa__wait){.task = NULL};
            continue;
        }
        nodes[i] = (wa__wait){.task = self, .collect = &fired};
        wa__wlist_push(&tasks[i]->done_waiters, &nodes[i]);
        distinct++;
    }
    for (size_t i = 0; i < n; i++) {
        if (is_repeat(&nodes[i]) || tasks[i]->state != WA_T_DONE)
            continue;
        wa__wlist_remove(&tasks[i]->done_waiters, &nodes[i]);
        count(&prog, tasks[i]);
    }
    uint8_t was = self->waits_on_tasks;
    self->waits_on_tasks = 1;
    if (whole) {
        self->awaiting_set = tasks;
        self->awaiting_n = n;
    }
    rc = 0;
    /* A zero timeout only looks, as asyncio.wait(timeout=0) does. */
    while (!satisfied(&prog, distinct, return_when) && until > wa__host_hrtime()) {
        int r = park_once(until);
        wa__wait *w;
        while ((w = wa__wlist_pop(&fired)) != NULL)
            count(&prog, tasks[w - nodes]);
        if (r == 1)
            break;
        if (r < 0) {
            rc = r;
            break;
        }
    }
    self->waits_on_tasks = was;
    if (whole) {
        self->awaiting_set = NULL;
        self->awaiting_n = 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_repeat(&nodes[i]) && !nodes[i].fired)
            wa__wlist_remove(&tasks[i]->done_waiters, &nodes[i]);
    sort_out(tasks, nodes, n, done, n_done, pending, n_pending);
    if (nodes != small)
        free(nodes);
    return rc;
}
