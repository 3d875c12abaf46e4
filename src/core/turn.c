/* turn.c: one turn of the loop (fire due timers, then run ready tasks until
 * the switch budget runs out) and what the loop does when nothing can ever
 * run again (a stall). A host's driver calls both; they sit above the
 * scheduler in loop.c and use nothing else of the core. */
#include <stdio.h>
#include <stdlib.h>
#include "loop.h"

/* Fire every timer that is due: a sleep ends normally, a scope deadline
 * interrupts with WA_ETIMEDOUT. */
static void fire_timers(wa__loop *L)
{
    wa_task *t = wa__timer_top(L);
    if (!t)
        return;
    uint64_t now = wa__host_hrtime();
    while ((t = wa__timer_top(L)) != NULL && t->timer_at <= now) {
        wa__timer_pop(L);
        if (t->timer_is_scope) {
            wa__scopes_expire(t, now);
            wa__resume(t, WA_ETIMEDOUT);
        } else {
            wa__resume(t, 0);
        }
    }
}

/* Run next (started, ready) from the loop's own context until control comes
 * back to it, then free whatever finished on the way. */
static void run_from_loop(wa__loop *L, wa_task *next)
{
    L->budget = WA_SWITCH_BUDGET;
    next->state = WA_T_RUNNING;
    if (L->debug)
        L->slice_start = wa__host_hrtime();
    wa__fiber_run(next->fiber);
    L->current = NULL;
    wa__reap(L);
}

int wa__loop_turn(uint64_t *deadline_ns)
{
    wa__loop *L = wa__L;
    if (!L->main_done || L->ending) {
        fire_timers(L);
        wa_task *next = wa__next_runnable(L);
        if (next)
            run_from_loop(L, next);
    }
    int done = L->ending ? L->unfinished == 0 : L->main_done;
    if (done) {
        *deadline_ns = 0;
        return 1;
    }
    wa_task *top = wa__timer_top(L);
    *deadline_ns = L->ready_head ? 0 : top ? top->timer_at : WA_NEVER;
    return 0;
}

int wa__run_now(wa_task *t)
{
    wa__loop *L = wa__L;
    /* Only when the turn would run t and nothing else: t alone is ready,
     * no timer could fire first, no task is running, the loop is not
     * ending, and no debug timing is asked for. */
    if (!L || L->current || L->ready_head != t || t->next_ready || t->state != WA_T_NEW ||
        L->heap_len || L->main_done || L->ending || L->debug)
        return 0;
    L->ready_head = L->ready_tail = NULL;
    if (wa__task_start(L, t) == 0)
        run_from_loop(L, t);
    return L->ready_head || L->heap_len || L->main_done ? 0 : 1;
}

/* Parked tasks that block the others: waiting on a lock, queue, event or
 * host operation, not on another task, and interruptible. */
static int is_root_blocker(const wa_task *t)
{
    return t->state == WA_T_PARKED && !t->park_shielded && !t->waits_on_tasks;
}

void wa__loop_stalled(void)
{
    wa__loop *L = wa__L;
    size_t roots = 0, open = 0;
    const char *first = NULL;
    /* Newest first: the message names the task that blocked last. */
    for (wa_task *t = L->all.tail; t; t = t->all_prev) {
        if (is_root_blocker(t)) {
            if (!roots++)
                first = wa__task_name(t);
        } else if (t->state == WA_T_PARKED && !t->park_shielded) {
            open++;
        }
    }
    if (roots == 0 && open == 0) {
        /* Everyone is in an uninterruptible wait for another task to end:
         * a cycle of joins. Nothing can break it; say so and stop. */
        fprintf(stderr, "wasyncio: deadlock: tasks wait for each other to finish "
                        "(a cycle of joins); "
                        "nothing can end it\n");
        for (wa_task *t = L->all.tail; t; t = t->all_prev)
            if (t->state == WA_T_PARKED)
                fprintf(stderr, "wasyncio:   blocked: task '%s'\n", wa__task_name(t));
        abort();
    }
    if (!L->ending) {
        if (roots)
            fprintf(stderr,
                    "wasyncio: deadlock: %zu task%s for something no task will do "
                    "(first: '%s'); %s WA_EDEADLK\n",
                    roots, roots == 1 ? " waits" : "s wait", first,
                    roots == 1 ? "it gets" : "they get");
        else
            fprintf(stderr,
                    "wasyncio: deadlock: %zu tasks wait on each other; they get "
                    "WA_EDEADLK\n",
                    open);
    }
    for (wa_task *t = L->all.tail; t; t = t->all_prev)
        if (roots ? is_root_blocker(t) : (t->state == WA_T_PARKED && !t->park_shielded))
            wa__resume(t, WA_EDEADLK);
}
