/* test_core_gather.c: wa_gather: argument-order results, first error
 * propagates while the others keep running, WA_RETURN_ERRORS, and
 * cancelling the gathering task cancels its children. */
#include "test_util.h"

typedef struct job {
    wa_event *gate; /* if set: wait for it instead of sleeping */
    int ms;      /* sleep first */
    int fail;    /* then fail with this code (0: succeed) */
    int value;   /* result */
    int done;    /* reached the end */
    int sleep_rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->sleep_rc = j->gate ? wa_event_wait(j->gate) : wa_sleep((uint64_t)j->ms);
    if (j->sleep_rc < 0) return NULL;
    j->done = 1;
    trace("%d", j->value);
    if (j->fail) return wa_raise(j->fail, "job %d failed", j->value);
    return PTR(j->value);
}

static void *order_main(void *arg)
{
    job js[3] = {{.ms = 20, .value = 1}, {.ms = 5, .value = 2}, {.ms = 10, .value = 3}};
    wa_task *ts[3];
    for (int i = 0; i < 3; i++) ts[i] = wa_spawn(run_job, &js[i]);
    void *res[3] = {0};
    CHECK_EQ(wa_gather(ts, 3, res, NULL, 0), 0);
    CHECK_PTR(res[0], PTR(1));
    CHECK_PTR(res[1], PTR(2));
    CHECK_PTR(res[2], PTR(3));
    /* gathering finished tasks again gives the same results */
    void *again[3] = {0};
    CHECK_EQ(wa_gather(ts, 3, again, NULL, 0), 0);
    CHECK_PTR(again[2], PTR(3));
    return NULL;
}

static void test_gather_results_in_argument_order(void **state)
{
    run_main(order_main, NULL);
    expect_trace("2 3 1"); /* completion order differs from argument order */
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
    for (int i = 0; i < 3; i++) ts[i] = wa_spawn(run_job, &fe[i]);
    void *res[3] = {0};
    CHECK_EQ(wa_gather(ts, 3, res, NULL, 0), WA_EUSER - 5);
    trace("gather-returned");
    /* returned at the first failure: the others were still running */
    CHECK_EQ(fe[0].done, 0);
    CHECK_EQ(fe[2].done, 0);
    CHECK_EQ(wa_task_done(ts[0]), 0);
    /* and they keep running to completion, not cancelled (asyncio) */
    CHECK_EQ(wa_event_set(gate), 0);
    void *r = NULL;
    CHECK_EQ(wa_await(ts[2], &r), 0);
    CHECK_PTR(r, PTR(3));
    CHECK_EQ(wa_await(ts[0], &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_EQ(fe[0].sleep_rc, 0);
    CHECK_EQ(fe[2].sleep_rc, 0);
    CHECK_STR(wa_task_message(ts[1]), "job 2 failed");
    CHECK_EQ(wa_event_free(gate), 0);
    return NULL;
}

static void test_gather_first_error_others_keep_running(void **state)
{
    run_main(first_error_main, NULL);
    expect_trace("2 gather-returned 1 3");
}

static void *return_errors_main(void *arg)
{
    job js[3] = {{.ms = 10, .value = 1},
                 {.ms = 1, .value = 2, .fail = WA_EUSER - 9},
                 {.ms = 5, .value = 3, .fail = 7 /* becomes WA_EFAILED */}};
    wa_task *ts[3];
    for (int i = 0; i < 3; i++) ts[i] = wa_spawn(run_job, &js[i]);
    void *res[3] = {PTR(-1), PTR(-1), PTR(-1)};
    int errs[3] = {1, 1, 1};
    CHECK_EQ(wa_gather(ts, 3, res, errs, WA_RETURN_ERRORS), 0);
    /* every task was waited for */
    CHECK_EQ(js[0].done, 1);
    CHECK_EQ(errs[0], 0);
    CHECK_EQ(errs[1], WA_EUSER - 9);
    CHECK_EQ(errs[2], WA_EFAILED);
    CHECK_PTR(res[0], PTR(1));
    CHECK_STR(wa_task_message(ts[1]), "job 2 failed");
    return NULL;
}

static void test_gather_return_errors(void **state)
{
    run_main(return_errors_main, NULL);
}

static void *empty_main(void *arg)
{
    CHECK_EQ(wa_gather(NULL, 0, NULL, NULL, 0), 0);
    wa_task *none[1] = {NULL};
    CHECK_EQ(wa_gather(none, 0, NULL, NULL, 0), 0);
    CHECK_EQ(wa_gather(NULL, 2, NULL, NULL, 0), WA_EINVAL);
    CHECK_EQ(wa_gather(none, 1, NULL, NULL, 0), WA_EINVAL);
    return NULL;
}

static void test_gather_empty_and_null(void **state)
{
    run_main(empty_main, NULL);
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
    trace("gather=%s", gather_rc == WA_ECANCELED ? "canceled" : "other");
    /* the children are finished (cancelled) once gather returned */
    CHECK_EQ(wa_task_done(cj_tasks[0]), 1);
    CHECK_EQ(wa_task_done(cj_tasks[1]), 1);
    return NULL;
}

static void *cancel_gather_main(void *arg)
{
    wa_task *g = wa_spawn(gatherer, NULL);
    CHECK_EQ(wa_sleep(5), 0);
    CHECK_EQ(wa_cancel(g), 0);
    CHECK_EQ(wa_await(g, NULL), WA_ECANCELED);
    CHECK_EQ(cj[0].sleep_rc, WA_ECANCELED);
    CHECK_EQ(cj[1].sleep_rc, WA_ECANCELED);
    CHECK_EQ(wa_task_error(cj_tasks[0]), WA_ECANCELED);
    CHECK_EQ(wa_await(cj_tasks[1], NULL), WA_ECANCELED);
    return NULL;
}

static void test_gather_cancel_waiter_cancels_children(void **state)
{
    run_main(cancel_gather_main, NULL);
    expect_trace("gather=canceled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gather_results_in_argument_order),
        cmocka_unit_test(test_gather_first_error_others_keep_running),
        cmocka_unit_test(test_gather_return_errors),
        cmocka_unit_test(test_gather_empty_and_null),
        cmocka_unit_test(test_gather_cancel_waiter_cancels_children),
    };
    return cmocka_run_group_tests_name("core_gather", tests, NULL, NULL);
}
