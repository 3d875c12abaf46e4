/* sc_gather.c: scenario: wa_gather collects results in argument order
 * whatever the finishing order; the first failure returns at once while the
 * others keep running; WA_RETURN_ERRORS reports every code; cancelling the
 * gathering task cancels its children; bad and empty arguments; a
 * child cancelled, then the gatherer cancelled, sees one cancellation; a
 * gather that would close a wait cycle is WA_EDEADLK. */
#include "harness.h"

static void *sleeper(void *arg)
{
    const char *name = arg;
    uint64_t ms = name[0] == 'A' ? 20 : name[0] == 'B' ? 10 : 30;
    wa_h_note("%s+", name);
    wa_sleep(ms);
    wa_h_note("%s-", name);
    return arg;
}

static void *failer(void *arg)
{
    wa_sleep((uint64_t)(uintptr_t)arg);
    return wa_raise(WA_EUSER - 1, "boom after %d ms", (int)(uintptr_t)arg);
}

static void test_order(void)
{
    wa_task *t[3] = {wa_spawn(sleeper, "A"), wa_spawn(sleeper, "B"), wa_spawn(sleeper, "C")};
    void *r[3] = {0};
    CHECK_INT(wa_gather(t, 3, r, NULL, 0), 0);
    CHECK_STR(r[0], "A");
    CHECK_STR(r[1], "B");
    CHECK_STR(r[2], "C");
    /* all start before any sleep ends; they end by delay */
    CHECK_STR(wa_h_trace, "A+ B+ C+ B- A- C-");
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
}

/* Waits for the event, however late the machine runs: "slow" by order, not
 * by a clock that a loaded machine can overrun. */
static void *waits_for_event(void *arg)
{
    wa_event_wait(arg);
    return "C";
}

static void test_first_error(void)
{
    wa_event *go = wa_event_new();
    wa_task *t[2] = {wa_spawn(waits_for_event, go), wa_spawn(failer, (void *)(uintptr_t)5)};
    void *r[2] = {0};
    CHECK_INT(wa_gather(t, 2, r, NULL, 0), WA_EUSER - 1);
    /* the slow one was not cancelled: it is still running */
    CHECK_INT(wa_task_done(t[0]), 0);
    wa_event_set(go);
    CHECK_INT(wa_await(t[0], &r[0]), 0);
    wa_event_free(go);
    CHECK_STR(r[0], "C");
    CHECK_STR(wa_task_message(t[1]), "boom after 5 ms");
    wa_release(t[0]);
    wa_release(t[1]);
}

static void test_return_errors(void)
{
    wa_task *t[3] = {wa_spawn(sleeper, "B"), wa_spawn(failer, (void *)(uintptr_t)1),
                     wa_spawn(sleeper, "A")};
    void *r[3] = {0};
    int e[3] = {99, 99, 99};
    CHECK_INT(wa_gather(t, 3, r, e, WA_RETURN_ERRORS), 0);
    CHECK_INT(e[0], 0);
    CHECK_INT(e[1], WA_EUSER - 1);
    CHECK_INT(e[2], 0);
    CHECK_STR(r[0], "B");
    CHECK_STR(r[2], "A");
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
}

static void test_bad_args(void)
{
    CHECK_INT(wa_gather(NULL, 2, NULL, NULL, 0), WA_EINVAL);
    wa_task *t[1] = {NULL};
    CHECK_INT(wa_gather(t, 1, NULL, NULL, 0), WA_EINVAL);
    CHECK_INT(wa_gather(t, 0, NULL, NULL, 0), 0);
}

static void *spin(void *arg)
{
    int *n = arg;
    for (int i = 0; i < 50; i++) {
        (*n)++;
        wa_yield();
    }
    return NULL;
}

static void test_many_yielding(void)
{
    enum { N = 200 };
    static wa_task *t[N];
    static int counts[N];
    for (int i = 0; i < N; i++)
        t[i] = wa_spawn(spin, &counts[i]);
    CHECK_INT(wa_gather(t, N, NULL, NULL, 0), 0);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        ok &= counts[i] == 50;
        wa_release(t[i]);
    }
    CHECK(ok);
}

typedef struct job {
    wa_event *gate; /* if set: wait for it instead of sleeping */
    int ms;         /* sleep first */
    int fail;       /* then fail with this code (0: succeed) */
    int value;      /* result */
    int done;       /* reached the end */
    int sleep_rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->sleep_rc = j->gate ? wa_event_wait(j->gate) : wa_sleep((uint64_t)j->ms);
    if (j->sleep_rc < 0)
        return NULL;
    j->done = 1;
    wa_h_note("%d", j->value);
    if (j->fail)
        return wa_raise(j->fail, "job %d failed", j->value);
    return PTR(j->value);
}

static void test_gather_results_in_argument_order(void)
{
    job js[3] = {{.ms = 20, .value = 1}, {.ms = 5, .value = 2}, {.ms = 10, .value = 3}};
    wa_task *ts[3];
    for (int i = 0; i < 3; i++)
        ts[i] = wa_spawn(run_job, &js[i]);
    void *res[3] = {0};
    CHECK_INT(wa_gather(ts, 3, res, NULL, 0), 0);
    CHECK_PTR(res[0], PTR(1));
    CHECK_PTR(res[1], PTR(2));
    CHECK_PTR(res[2], PTR(3));
    /* gathering finished tasks again gives the same results */
    void *again[3] = {0};
    CHECK_INT(wa_gather(ts, 3, again, NULL, 0), 0);
    CHECK_PTR(again[2], PTR(3));
    CHECK_STR(wa_h_trace, "2 3 1"); /* completion order differs from argument order */
}

/* The others wait on a gate opened after gather returned, so "still
 * running" does not depend on timing. */
static job fe[3];
static void *first_error_main(void *arg)
{
    wa_event *gate = wa_event_new();
    fe[0] = (job){.gate = gate, .value = 1};
    fe[1] = (job){.ms = 5, .value = 2, .fail = WA_EUSER - 5};
    fe[2] = (job){.gate = gate, .value = 3};
    wa_task *ts[3];
    for (int i = 0; i < 3; i++)
        ts[i] = wa_spawn(run_job, &fe[i]);
    void *res[3] = {0};
    CHECK_INT(wa_gather(ts, 3, res, NULL, 0), WA_EUSER - 5);
    wa_h_note("gather-returned");
    /* returned at the first failure: the others were still running */
    CHECK_INT(fe[0].done, 0);
    CHECK_INT(fe[2].done, 0);
    CHECK_INT(wa_task_done(ts[0]), 0);
    /* and they keep running to completion, not cancelled (asyncio) */
    CHECK_INT(wa_event_set(gate), 0);
    void *r = NULL;
    CHECK_INT(wa_await(ts[2], &r), 0);
    CHECK_PTR(r, PTR(3));
    CHECK_INT(wa_await(ts[0], &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_INT(fe[0].sleep_rc, 0);
    CHECK_INT(fe[2].sleep_rc, 0);
    CHECK_STR(wa_task_message(ts[1]), "job 2 failed");
    CHECK_INT(wa_event_free(gate), 0);
    return NULL;
}

static void test_gather_first_error_others_keep_running(void)
{
    first_error_main(NULL);
    CHECK_STR(wa_h_trace, "2 gather-returned 1 3");
}

static void test_gather_return_errors(void)
{
    job js[3] = {{.ms = 10, .value = 1},
                 {.ms = 1, .value = 2, .fail = WA_EUSER - 9},
                 {.ms = 5, .value = 3, .fail = 7 /* becomes WA_EFAILED */}};
    wa_task *ts[3];
    for (int i = 0; i < 3; i++)
        ts[i] = wa_spawn(run_job, &js[i]);
    void *res[3] = {PTR(-1), PTR(-1), PTR(-1)};
    int errs[3] = {1, 1, 1};
    CHECK_INT(wa_gather(ts, 3, res, errs, WA_RETURN_ERRORS), 0);
    /* every task was waited for */
    CHECK_INT(js[0].done, 1);
    CHECK_INT(errs[0], 0);
    CHECK_INT(errs[1], WA_EUSER - 9);
    CHECK_INT(errs[2], WA_EFAILED);
    CHECK_PTR(res[0], PTR(1));
    CHECK_STR(wa_task_message(ts[1]), "job 2 failed");
}

static void test_gather_empty_and_null(void)
{
    CHECK_INT(wa_gather(NULL, 0, NULL, NULL, 0), 0);
    wa_task *none[1] = {NULL};
    CHECK_INT(wa_gather(none, 0, NULL, NULL, 0), 0);
    CHECK_INT(wa_gather(NULL, 2, NULL, NULL, 0), WA_EINVAL);
    CHECK_INT(wa_gather(none, 1, NULL, NULL, 0), WA_EINVAL);
}

/* Cancelling the task that is inside wa_gather cancels the children. */
static job cj[2];
static wa_task *cj_tasks[2];
static int gather_rc;
static void *gatherer(void *arg)
{
    cj[0] = (job){.ms = 100000, .value = 1};
    cj[1] = (job){.ms = 100000, .value = 2};
    cj_tasks[0] = wa_spawn(run_job, &cj[0]);
    cj_tasks[1] = wa_spawn(run_job, &cj[1]);
    gather_rc = wa_gather(cj_tasks, 2, NULL, NULL, 0);
    wa_h_note("gather=%s", gather_rc == WA_ECANCELED ? "canceled" : "other");
    /* the children are finished (cancelled) once gather returned */
    CHECK_INT(wa_task_done(cj_tasks[0]), 1);
    CHECK_INT(wa_task_done(cj_tasks[1]), 1);
    return NULL;
}

static void test_gather_cancel_waiter_cancels_children(void)
{
    wa_task *g = wa_spawn(gatherer, NULL);
    CHECK_INT(wa_sleep(5), 0);
    CHECK_INT(wa_cancel(g), 0);
    CHECK_INT(wa_await(g, NULL), WA_ECANCELED);
    CHECK_INT(cj[0].sleep_rc, WA_ECANCELED);
    CHECK_INT(cj[1].sleep_rc, WA_ECANCELED);
    CHECK_INT(wa_task_error(cj_tasks[0]), WA_ECANCELED);
    CHECK_INT(wa_await(cj_tasks[1], NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "gather=canceled");
}

/* A child cancelled, then the gathering task cancelled (which
 * cancels the child again) before the child runs: one delivery. */
static int g1_first = 99, g1_cleanup = 99;
static void *g1_child(void *arg)
{
    g1_first = wa_sleep(100000);
    g1_cleanup = wa_sleep(1);
    return NULL;
}
static void *g1_gatherer(void *arg)
{
    wa_task *c = arg;
    return PTR(wa_gather(&c, 1, NULL, NULL, 0));
}

static void test_child_then_gatherer_cancelled_once(void)
{
    wa_task *c = wa_spawn(g1_child, NULL);
    wa_task *g = wa_spawn(g1_gatherer, c);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_cancel(c), 0);
    CHECK_INT(wa_cancel(g), 0);
    CHECK_INT(wa_await(g, NULL), WA_ECANCELED);
    CHECK_INT(g1_first, WA_ECANCELED);
    CHECK_INT(g1_cleanup, 0);
    CHECK_INT(wa_task_cancelling(c), 2);
}

/* X awaits B while B gathers [X]: B closes the cycle and gets
 * WA_EDEADLK; the other order gives it to X. Nothing aborts. */
static wa_task *g3_x;
static void *g3_b(void *arg)
{
    if (arg)
        wa_yield(); /* X is awaiting us by now */
    return PTR(wa_gather(&g3_x, 1, NULL, NULL, 0));
}
static void *g3_x_awaits_b(void *arg)
{
    wa_task *b = wa_spawn(g3_b, arg);
    if (!arg)
        wa_yield(); /* B gathers us first */
    void *r = NULL;
    int rc = wa_await(b, &r);
    if (!arg)
        return PTR(rc); /* B then finishes when we do */
    CHECK_INT(rc, 0);
    return r;
}

static void test_gather_cycle_is_edeadlk(void)
{
    void *r = NULL;
    g3_x = wa_spawn(g3_x_awaits_b, PTR(1));
    CHECK_INT(wa_await(g3_x, &r), 0);
    CHECK_INT(INT(r), WA_EDEADLK); /* B's gather */
    g3_x = wa_spawn(g3_x_awaits_b, NULL);
    CHECK_INT(wa_await(g3_x, &r), 0);
    CHECK_INT(INT(r), WA_EDEADLK); /* X's await */
    CHECK_INT(wa_yield(), 0);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_order),
    WA_H_TEST(test_first_error),
    WA_H_TEST(test_return_errors),
    WA_H_TEST(test_bad_args),
    WA_H_TEST(test_many_yielding),
    WA_H_TEST(test_gather_results_in_argument_order),
    WA_H_TEST(test_gather_first_error_others_keep_running),
    WA_H_TEST(test_gather_return_errors),
    WA_H_TEST(test_gather_empty_and_null),
    WA_H_TEST(test_gather_cancel_waiter_cancels_children),
    WA_H_TEST(test_child_then_gatherer_cancelled_once),
    WA_H_TEST(test_gather_cycle_is_edeadlk),
    {0},
};

int main(void) { return wa_h_main(tests); }
