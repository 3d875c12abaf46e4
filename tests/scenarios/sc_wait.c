/* sc_wait.c: scenario: watching tasks without taking them: wa_wait
 * (asyncio.wait: ALL / FIRST_COMPLETED / FIRST_EXCEPTION, time limit),
 * wa_as_completed (completion order, with WA_FOR and a plain loop, time
 * limit) and wa_all_tasks; and for each wait, a cancel and a deadline scope
 * interrupting it without cancelling the watched tasks; a task
 * listed twice counts and is reported once (asyncio.wait takes a set). */
#include "harness.h"

/* A task that yields `arg` times, then returns arg. */
static void *after_yields(void *arg)
{
    yield_n(INT(arg));
    return arg;
}

/* A task that waits for an event, then returns 1. */
static void *until_event(void *arg)
{
    int rc = wa_event_wait(arg);
    return rc ? wa_raise(rc, "event wait: %s", wa_strerror(rc)) : PTR(1);
}

static void *fails_after_yield(void *arg)
{
    wa_yield();
    return wa_raise(WA_EUSER - 1, "boom");
}

/* ------------------------------------------------------------ wa_wait */

static void test_wait_all_completed(void)
{
    wa_task *ts[3] = {wa_spawn(after_yields, PTR(3)), wa_spawn(after_yields, PTR(1)),
                      wa_spawn(after_yields, PTR(2))};
    wa_task *done[3] = {0}, *pending[3] = {0};
    size_t nd = 99, np = 99;
    CHECK_INT(wa_wait(ts, 3, WA_ALL_COMPLETED, WA_NO_TIMEOUT, done, &nd, pending, &np), 0);
    CHECK_INT(nd, 3);
    CHECK_INT(np, 0);
    for (int i = 0; i < 3; i++)
        CHECK_PTR(done[i], ts[i]); /* input order */
    /* wa_wait took no result: awaiting gives it */
    void *r = NULL;
    CHECK_INT(wa_await(ts[1], &r), 0);
    CHECK_PTR(r, PTR(1));
    for (int i = 0; i < 3; i++)
        wa_release(ts[i]);
}

static void test_wait_first_completed(void)
{
    wa_event *e = wa_event_new();
    wa_task *ts[2] = {wa_spawn(until_event, e), wa_spawn(after_yields, PTR(2))};
    wa_task *done[2] = {0}, *pending[2] = {0};
    size_t nd = 99, np = 99;
    CHECK_INT(wa_wait(ts, 2, WA_FIRST_COMPLETED, WA_NO_TIMEOUT, done, &nd, pending, &np), 0);
    CHECK_INT(nd, 1);
    CHECK_INT(np, 1);
    CHECK_PTR(done[0], ts[1]);
    CHECK_PTR(pending[0], ts[0]);
    CHECK_INT(wa_task_done(ts[0]), 0); /* not cancelled */
    /* an already finished task satisfies it without suspending */
    CHECK_INT(wa_wait(ts, 2, WA_FIRST_COMPLETED, WA_NO_TIMEOUT, NULL, &nd, NULL, &np), 0);
    CHECK_INT(nd, 1);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_await(ts[0], NULL), 0);
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    CHECK_INT(wa_event_free(e), 0);
}

static void test_wait_same_task_twice(void)
{
    wa_event *e = wa_event_new();
    wa_task *a = wa_spawn(after_yields, PTR(1)), *b = wa_spawn(until_event, e);
    wa_task *ts[4] = {a, b, a, b};
    wa_task *done[4] = {0}, *pending[4] = {0};
    size_t nd = 99, np = 99;
    /* Both pending: one entry each, where each first appears. */
    CHECK_INT(wa_wait(ts, 4, WA_ALL_COMPLETED, 0, done, &nd, pending, &np), 0);
    CHECK_INT(nd, 0);
    CHECK_INT(np, 2);
    CHECK_PTR(pending[0], a);
    CHECK_PTR(pending[1], b);
    /* a finishes: FIRST_COMPLETED reports it once. */
    CHECK_INT(wa_wait(ts, 4, WA_FIRST_COMPLETED, WA_NO_TIMEOUT, done, &nd, pending, &np), 0);
    CHECK_INT(nd, 1);
    CHECK_INT(np, 1);
    CHECK_PTR(done[0], a);
    CHECK_PTR(pending[0], b);
    /* ALL_COMPLETED waits for two tasks, not four entries. */
    wa_task *waiter_ts[3] = {b, b, a};
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_wait(waiter_ts, 3, WA_ALL_COMPLETED, WA_NO_TIMEOUT, done, &nd, pending, &np), 0);
    CHECK_INT(nd, 2);
    CHECK_INT(np, 0);
    CHECK_PTR(done[0], b);
    CHECK_PTR(done[1], a);
    /* Finished and listed twice: still once. */
    CHECK_INT(wa_wait(ts, 4, WA_ALL_COMPLETED, WA_NO_TIMEOUT, done, &nd, pending, &np), 0);
    CHECK_INT(nd, 2);
    CHECK_INT(np, 0);
    wa_release(a);
    wa_release(b);
    CHECK_INT(wa_event_free(e), 0);
}

static void test_wait_first_exception(void)
{
    wa_event *e = wa_event_new();
    wa_task *ts[3] = {wa_spawn(until_event, e), wa_spawn(fails_after_yield, NULL),
                      wa_spawn(after_yields, PTR(1))};
    size_t nd = 99, np = 99;
    wa_task *pending[3] = {0};
    CHECK_INT(wa_wait(ts, 3, WA_FIRST_EXCEPTION, WA_NO_TIMEOUT, NULL, &nd, pending, &np), 0);
    CHECK_INT(np, 1);
    CHECK_PTR(pending[0], ts[0]);
    CHECK_INT(nd, 2);
    CHECK_INT(wa_await(ts[1], NULL), WA_EUSER - 1);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_await(ts[0], NULL), 0);
    for (int i = 0; i < 3; i++)
        wa_release(ts[i]);
    /* a cancelled task is not an exception: with no failure it waits for all */
    CHECK_INT(wa_event_clear(e), 0);
    wa_task *us[2] = {wa_spawn(until_event, e), wa_spawn(until_event, e)};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_cancel(us[0]), 0);
    wa_task *setter = wa_spawn(after_yields, PTR(3));
    /* us[1] ends only when the event is set, after the cancel has landed */
    wa_task *both[3] = {us[0], us[1], setter};
    CHECK_INT(wa_wait(both, 3, WA_FIRST_COMPLETED, WA_NO_TIMEOUT, NULL, &nd, NULL, &np), 0);
    CHECK_INT(wa_task_error(us[0]), WA_ECANCELED);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_wait(us, 2, WA_FIRST_EXCEPTION, WA_NO_TIMEOUT, NULL, &nd, NULL, &np), 0);
    CHECK_INT(nd, 2);
    CHECK_INT(np, 0);
    CHECK_INT(wa_await(us[1], NULL), 0);
    CHECK_INT(wa_await(setter, NULL), 0);
    wa_release(us[0]);
    wa_release(us[1]);
    wa_release(setter);
    CHECK_INT(wa_event_free(e), 0);
}

static void test_wait_time_limit(void)
{
    wa_event *e = wa_event_new();
    wa_task *ts[2] = {wa_spawn(until_event, e), wa_spawn(until_event, e)};
    wa_task *pending[2] = {0};
    size_t nd = 99, np = 99;
    /* the limit passing is not an error, and cancels nothing */
    CHECK_INT(wa_wait(ts, 2, WA_ALL_COMPLETED, 5, NULL, &nd, pending, &np), 0);
    CHECK_INT(nd, 0);
    CHECK_INT(np, 2);
    CHECK_PTR(pending[1], ts[1]);
    CHECK_INT(wa_task_done(ts[0]), 0);
    /* timeout 0 only looks */
    CHECK_INT(wa_wait(ts, 2, WA_FIRST_COMPLETED, 0, NULL, &nd, NULL, &np), 0);
    CHECK_INT(np, 2);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_wait(ts, 2, WA_ALL_COMPLETED, 100000, NULL, &nd, NULL, &np), 0);
    CHECK_INT(nd, 2);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(wa_await(ts[i], NULL), 0);
        wa_release(ts[i]);
    }
    CHECK_INT(wa_event_free(e), 0);
}

typedef struct waiter_arg {
    wa_task *watched;
    int rc;
    size_t np;
} waiter_arg;

static void *waits_all(void *arg)
{
    waiter_arg *w = arg;
    w->rc = wa_wait(&w->watched, 1, WA_ALL_COMPLETED, WA_NO_TIMEOUT, NULL, NULL, NULL, &w->np);
    return NULL;
}

/* Cancelling the caller ends the wait; the watched task goes on. */
static void test_wait_cancelled(void)
{
    wa_event *e = wa_event_new();
    waiter_arg w = {wa_spawn(until_event, e), 99, 99};
    wa_task *waiter = wa_spawn(waits_all, &w);
    yield_n(2);
    CHECK_INT(wa_cancel(waiter), 0);
    CHECK_INT(wa_await(waiter, NULL), WA_ECANCELED);
    CHECK_INT(w.rc, WA_ECANCELED);
    CHECK_INT(w.np, 1);
    CHECK_INT(wa_task_done(w.watched), 0);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_await(w.watched, NULL), 0);
    wa_release(waiter);
    wa_release(w.watched);
    CHECK_INT(wa_event_free(e), 0);
}

/* A deadline scope ends the wait with WA_ETIMEDOUT (the scope's rule). */
static void test_wait_deadline_scope(void)
{
    wa_event *e = wa_event_new();
    wa_task *t = wa_spawn(until_event, e);
    int rc = 99, w = 99;
    size_t nd = 99, np = 99;
    {
        WA_TIMEOUT_SCOPE(5, rc);
        w = wa_wait(&t, 1, WA_ALL_COMPLETED, WA_NO_TIMEOUT, NULL, &nd, NULL, &np);
    }
    CHECK_INT(w, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(np, 1);
    CHECK_INT(wa_task_done(t), 0);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_await(t, NULL), 0);
    wa_release(t);
    CHECK_INT(wa_event_free(e), 0);
}

static void test_wait_bad_arguments(void)
{
    wa_task *t = wa_spawn(after_yields, PTR(0));
    wa_task *self = wa_current();
    wa_task *with_self[2] = {t, self};
    CHECK_INT(wa_wait(NULL, 1, WA_ALL_COMPLETED, 0, NULL, NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait(&t, 0, WA_ALL_COMPLETED, 0, NULL, NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait(&t, 1, 7, 0, NULL, NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait(with_self, 2, WA_ALL_COMPLETED, 0, NULL, NULL, NULL, NULL), WA_EDEADLK);
    CHECK_INT(wa_await(t, NULL), 0);
    wa_release(t);
}

/* A cycle through wa_wait(WA_ALL_COMPLETED, no time limit) is refused at
 * once on both sides, as through wa_gather; before, it was found only when
 * the whole loop stalled, and then every task in it got WA_EDEADLK. A wait
 * that can end on one completion or its time limit closes no cycle. */
static wa_task *g_w, *g_x;
static void *x_awaits_w(void *arg)
{
    int rc = arg ? wa_yield() : 0; /* arg: let W start waiting first */
    if (rc == 0)
        rc = wa_await(g_w, NULL);
    return PTR(rc);
}

static void *w_waits_for_x(void *arg)
{
    int rc = arg ? wa_yield() : 0; /* arg: let X start awaiting first */
    size_t nd = 0;
    if (rc == 0)
        rc = wa_wait(&g_x, 1, WA_ALL_COMPLETED, WA_NO_TIMEOUT, NULL, &nd, NULL, NULL);
    if (rc == WA_EDEADLK) {
        /* Refused; a wait that may end early is no cycle: it times out. */
        rc = wa_wait(&g_x, 1, WA_FIRST_COMPLETED, 10, NULL, &nd, NULL, NULL);
        return PTR(rc == 0 && nd == 0 ? 2 : 100 - rc);
    }
    return PTR(rc == 0 && nd == 1 ? 1 : 100 - rc);
}

static void test_wait_cycle(void)
{
    void *r = NULL;
    /* W waits first; X's await would close the cycle and is refused. */
    g_x = wa_spawn(x_awaits_w, PTR(1));
    g_w = wa_spawn(w_waits_for_x, NULL);
    CHECK_INT(wa_await(g_x, &r), 0);
    CHECK_INT((long)(intptr_t)r, WA_EDEADLK);
    CHECK_INT(wa_await(g_w, &r), 0);
    CHECK_INT((long)(intptr_t)r, 1);
    wa_release(g_x);
    wa_release(g_w);
    /* X awaits first; W's wait would close the cycle and is refused, its
     * timed wait is not; then W ends and so does X's await. */
    g_w = wa_spawn(w_waits_for_x, PTR(1));
    g_x = wa_spawn(x_awaits_w, NULL);
    CHECK_INT(wa_await(g_w, &r), 0);
    CHECK_INT((long)(intptr_t)r, 2);
    CHECK_INT(wa_await(g_x, &r), 0);
    CHECK_INT((long)(intptr_t)r, 0);
    wa_release(g_x);
    wa_release(g_w);
}

/* Many tasks (past the on-stack node array), each completion counted once. */
static void test_wait_many(void)
{
    enum { N = 200 };
    static wa_task *ts[N], *done[N];
    for (int i = 0; i < N; i++)
        ts[i] = wa_spawn(after_yields, PTR(i % 7));
    size_t nd = 0, np = 99;
    CHECK_INT(wa_wait(ts, N, WA_ALL_COMPLETED, WA_NO_TIMEOUT, done, &nd, NULL, &np), 0);
    CHECK_INT(nd, N);
    CHECK_INT(np, 0);
    for (int i = 0; i < N; i++)
        wa_release(ts[i]);
}

/* ------------------------------------------------------- as_completed */

static void test_as_completed_order(void)
{
    wa_task *first = wa_spawn(after_yields, PTR(0));
    CHECK_INT(wa_await(first, NULL), 0); /* finished before: comes first */
    wa_task *ts[4] = {wa_spawn(after_yields, PTR(6)), first, wa_spawn(after_yields, PTR(2)),
                      wa_spawn(after_yields, PTR(4))};
    wa_gen *g = wa_as_completed(ts, 4, WA_NO_TIMEOUT);
    CHECK(g != NULL);
    wa_task *t;
    WA_FOR(t, g)
    {
        void *r = NULL;
        CHECK_INT(wa_await(t, &r), 0);
        wa_h_note("%d", INT(r));
    }
    CHECK_STR(wa_h_trace, "0 2 4 6");
    CHECK_INT(wa_gen_status(g), 0);
    CHECK_INT(wa_gen_free(g), 0);
    for (int i = 0; i < 4; i++)
        wa_release(ts[i]);
}

/* A plain loop over wa_gen_next; a failure comes out as the task's error. */
static void test_as_completed_plain_loop(void)
{
    wa_task *ts[2] = {wa_spawn(after_yields, PTR(3)), wa_spawn(fails_after_yield, NULL)};
    wa_gen *g = wa_as_completed(ts, 2, 100000);
    void *v;
    int rc, n = 0;
    while ((rc = wa_gen_next(g, &v)) == 0) {
        wa_task *t = v;
        wa_h_note("%d", wa_await(t, NULL) == 0 ? 1 : 0);
        n++;
    }
    CHECK_INT(rc, WA_EOF);
    CHECK_INT(n, 2);
    CHECK_STR(wa_h_trace, "0 1"); /* the failure finished first */
    CHECK_INT(wa_gen_free(g), 0);
    /* never iterated: freeing it frees its copy too (ASan checks) */
    g = wa_as_completed(ts, 2, WA_NO_TIMEOUT);
    CHECK(g != NULL);
    CHECK_INT(wa_gen_free(g), 0);
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    /* a released handle is refused */
    CHECK(wa_as_completed(ts, 2, WA_NO_TIMEOUT) == NULL);
    /* nothing to watch: exhausted at once */
    g = wa_as_completed(NULL, 0, WA_NO_TIMEOUT);
    CHECK_INT(wa_gen_next(g, &v), WA_EOF);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK(wa_as_completed(NULL, 1, WA_NO_TIMEOUT) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
}

/* Leaving WA_FOR early closes the generator: its wait nodes leave the
 * tasks still running, which then finish without touching it (ASan). */
static void test_as_completed_break(void)
{
    wa_event *e = wa_event_new();
    wa_task *ts[3] = {wa_spawn(until_event, e), wa_spawn(after_yields, PTR(1)),
                      wa_spawn(until_event, e)};
    wa_gen *g = wa_as_completed(ts, 3, WA_NO_TIMEOUT);
    wa_task *t;
    int n = 0;
    WA_FOR(t, g)
    {
        n++;
        break;
    }
    CHECK_INT(n, 1);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_INT(wa_event_set(e), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(wa_await(ts[i], NULL), 0);
        wa_release(ts[i]);
    }
    CHECK_INT(wa_event_free(e), 0);
}

/* The time limit ends the iteration with WA_ETIMEDOUT; nothing is cancelled. */
static void test_as_completed_time_limit(void)
{
    wa_event *e = wa_event_new();
    wa_task *ts[2] = {wa_spawn(until_event, e), wa_spawn(after_yields, PTR(1))};
    wa_gen *g = wa_as_completed(ts, 2, 5);
    wa_task *t;
    int n = 0;
    WA_FOR(t, g)
    {
        CHECK_PTR(t, ts[1]);
        n++;
    }
    CHECK_INT(n, 1);
    CHECK_INT(wa_gen_status(g), WA_ETIMEDOUT);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_INT(wa_task_done(ts[0]), 0);
    CHECK_INT(wa_event_set(e), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(wa_await(ts[i], NULL), 0);
        wa_release(ts[i]);
    }
    CHECK_INT(wa_event_free(e), 0);
}

typedef struct consumer_arg {
    wa_task *watched;
    int rc;
} consumer_arg;

static void *consumes(void *arg)
{
    consumer_arg *c = arg;
    wa_gen *g = wa_as_completed(&c->watched, 1, WA_NO_TIMEOUT);
    void *v;
    c->rc = wa_gen_next(g, &v);
    wa_gen_free(g);
    return NULL;
}

/* Cancelling the consumer ends the iteration; the watched task goes on. */
static void test_as_completed_cancelled(void)
{
    wa_event *e = wa_event_new();
    consumer_arg c = {wa_spawn(until_event, e), 99};
    wa_task *consumer = wa_spawn(consumes, &c);
    yield_n(3);
    CHECK_INT(wa_cancel(consumer), 0);
    CHECK_INT(wa_await(consumer, NULL), WA_ECANCELED);
    CHECK_INT(c.rc, WA_ECANCELED);
    CHECK_INT(wa_task_done(c.watched), 0);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_await(c.watched, NULL), 0);
    wa_release(consumer);
    wa_release(c.watched);
    CHECK_INT(wa_event_free(e), 0);
}

static void test_as_completed_deadline_scope(void)
{
    wa_event *e = wa_event_new();
    wa_task *t = wa_spawn(until_event, e);
    wa_gen *g = wa_as_completed(&t, 1, WA_NO_TIMEOUT);
    int rc = 99, n = 0;
    {
        WA_TIMEOUT_SCOPE(5, rc);
        wa_task *done;
        WA_FOR(done, g) n++;
    }
    CHECK_INT(n, 0);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(wa_gen_status(g), WA_ETIMEDOUT);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_INT(wa_task_done(t), 0);
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_await(t, NULL), 0);
    wa_release(t);
    CHECK_INT(wa_event_free(e), 0);
}

/* ---------------------------------------------------------- all_tasks */

static void test_all_tasks(void)
{
    int before = wa_all_tasks(NULL, 0);
    CHECK(before >= 1); /* this task at least */
    wa_task *a = wa_spawn(after_yields, PTR(1)), *b = wa_spawn(after_yields, PTR(2));
    wa_task *all[64];
    int n = wa_all_tasks(all, 64);
    CHECK_INT(n, before + 2);
    if (n >= 2 && n <= 64) {
        CHECK_PTR(all[0], wa_current()); /* the main task is the oldest */
        CHECK_PTR(all[n - 2], a);        /* then in spawn order */
        CHECK_PTR(all[n - 1], b);
    }
    wa_task *one[1] = {NULL};
    CHECK_INT(wa_all_tasks(one, 1), before + 2); /* the count, beyond cap */
    CHECK_PTR(one[0], wa_current());
    CHECK_INT(wa_all_tasks(NULL, 1), WA_EINVAL);
    CHECK_INT(wa_await(a, NULL), 0);
    CHECK_INT(wa_all_tasks(NULL, 0), before + 1); /* finished: gone */
    CHECK_INT(wa_await(b, NULL), 0);
    CHECK_INT(wa_all_tasks(NULL, 0), before);
    wa_release(a);
    wa_release(b);
}

static const wa_h_test tests[] = {WA_H_TEST(test_wait_all_completed),
                                  WA_H_TEST(test_wait_first_completed),
                                  WA_H_TEST(test_wait_same_task_twice),
                                  WA_H_TEST(test_wait_first_exception),
                                  WA_H_TEST(test_wait_time_limit),
                                  WA_H_TEST(test_wait_cancelled),
                                  WA_H_TEST(test_wait_deadline_scope),
                                  WA_H_TEST(test_wait_bad_arguments),
                                  WA_H_TEST(test_wait_cycle),
                                  WA_H_TEST(test_wait_many),
                                  WA_H_TEST(test_as_completed_order),
                                  WA_H_TEST(test_as_completed_plain_loop),
                                  WA_H_TEST(test_as_completed_break),
                                  WA_H_TEST(test_as_completed_time_limit),
                                  WA_H_TEST(test_as_completed_cancelled),
                                  WA_H_TEST(test_as_completed_deadline_scope),
                                  WA_H_TEST(test_all_tasks),
                                  {0}};

int main(void)
{
    CHECK_INT(wa_all_tasks(NULL, 0), WA_ENOLOOP); /* outside a loop */
    return wa_h_main(tests);
}
