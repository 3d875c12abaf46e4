/* test_core_cancel.c: wa_cancel at the current and next suspension point,
 * cleanup after cancellation, never-started tasks, finished tasks,
 * propagation through wa_await, wa_await_shielded and wa_uncancel. */
#include "test_util.h"

typedef struct victim {
    int started, sleep_rc, cleanup, after_rc;
} victim;

static void *sleep_long(void *arg)
{
    victim *v = arg;
    v->started = 1;
    v->sleep_rc = wa_sleep(100000);
    v->cleanup = 1; /* cleanup code runs after the interrupted suspension */
    trace("cleanup");
    return PTR(5);
}

static void *cancel_sleeping_main(void *arg)
{
    victim v = {0};
    wa_task *t = wa_spawn(sleep_long, &v);
    CHECK_EQ(wa_sleep(2), 0);
    CHECK_EQ(v.started, 1);
    trace("cancel");
    CHECK_EQ(wa_cancel(t), 0);
    void *r = PTR(1);
    CHECK_EQ(wa_await(t, &r), WA_ECANCELED);
    trace("awaited");
    CHECK_EQ(v.sleep_rc, WA_ECANCELED);
    CHECK_EQ(v.cleanup, 1);
    CHECK_EQ(wa_task_done(t), 1);
    CHECK_EQ(wa_task_error(t), WA_ECANCELED);
    /* awaiting again gives the same outcome */
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    return NULL;
}

static void test_cancel_sleeping_task_runs_cleanup(void **state)
{
    run_main(cancel_sleeping_main, NULL);
    expect_trace("cancel cleanup awaited");
}

static void *never_started_main(void *arg)
{
    victim v = {0};
    wa_task *t = wa_spawn(sleep_long, &v);
    CHECK_EQ(wa_cancel(t), 0);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    CHECK_EQ(v.started, 0);
    CHECK_EQ(wa_task_error(t), WA_ECANCELED);
    return NULL;
}

static void test_cancel_never_started_does_not_run(void **state)
{
    run_main(never_started_main, NULL);
}

static void *quick(void *arg) { return PTR(1); }

static void *finished_main(void *arg)
{
    wa_task *t = wa_spawn(quick, NULL);
    CHECK_EQ(wa_await(t, NULL), 0);
    CHECK_EQ(wa_cancel(t), WA_EDONE);
    /* the outcome is unchanged */
    void *r = NULL;
    CHECK_EQ(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_EQ(wa_cancel(NULL), WA_EINVAL);
    return NULL;
}

static void test_cancel_finished_is_edone(void **state)
{
    run_main(finished_main, NULL);
}

/* Cancel delivered at the next suspension point, exactly once; a task that
 * returns afterwards ends as cancelled. */
static void *self_cancel(void *arg)
{
    victim *v = arg;
    CHECK_EQ(wa_cancel(wa_current()), 0);
    v->sleep_rc = wa_yield();
    v->after_rc = wa_sleep(1); /* delivered once: this one is normal */
    return PTR(8);
}

static void *next_point_main(void *arg)
{
    victim v = {0};
    wa_task *t = wa_spawn(self_cancel, &v);
    void *r = NULL;
    CHECK_EQ(wa_await(t, &r), WA_ECANCELED);
    CHECK_EQ(v.sleep_rc, WA_ECANCELED);
    CHECK_EQ(v.after_rc, 0);
    return NULL;
}

static void test_cancel_next_point_and_ends_cancelled(void **state)
{
    run_main(next_point_main, NULL);
}

static void *uncanceller(void *arg)
{
    victim *v = arg;
    v->sleep_rc = wa_sleep(100000);
    if (v->sleep_rc == WA_ECANCELED) CHECK_EQ(wa_uncancel(), 0);
    v->after_rc = wa_sleep(1);
    return PTR(11);
}

static void *uncancel_main(void *arg)
{
    victim v = {0};
    wa_task *t = wa_spawn(uncanceller, &v);
    CHECK_EQ(wa_sleep(2), 0);
    CHECK_EQ(wa_cancel(t), 0);
    void *r = NULL;
    CHECK_EQ(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR(11));
    CHECK_EQ(v.sleep_rc, WA_ECANCELED);
    CHECK_EQ(v.after_rc, 0);
    CHECK_EQ(wa_task_error(t), 0);
    return NULL;
}

static void test_uncancel_finishes_normally(void **state)
{
    run_main(uncancel_main, NULL);
    assert_int_equal(wa_uncancel(), WA_ENOLOOP);
}

/* Cancelling a task inside wa_await cancels the awaited task too, and waits
 * for it. */
static victim inner_v;
static wa_task *inner_t;
static int outer_await_rc;
static void *outer(void *arg)
{
    inner_t = wa_spawn(sleep_long, &inner_v);
    outer_await_rc = wa_await(inner_t, NULL);
    trace("outer-back");
    /* inner was cancelled and finished before our await returned */
    CHECK_EQ(wa_task_done(inner_t), 1);
    return NULL;
}

static void *await_cancel_main(void *arg)
{
    memset(&inner_v, 0, sizeof inner_v);
    wa_task *o = wa_spawn(outer, NULL);
    CHECK_EQ(wa_sleep(2), 0);
    CHECK_EQ(wa_cancel(o), 0);
    CHECK_EQ(wa_await(o, NULL), WA_ECANCELED);
    CHECK_EQ(outer_await_rc, WA_ECANCELED);
    CHECK_EQ(inner_v.sleep_rc, WA_ECANCELED);
    CHECK_EQ(wa_task_error(inner_t), WA_ECANCELED);
    return NULL;
}

static void test_cancel_propagates_through_await(void **state)
{
    run_main(await_cancel_main, NULL);
    expect_trace("cleanup outer-back");
}

/* wa_await_shielded: the waiter is interrupted, the inner task goes on. */
/* The inner task waits on a gate the test opens after checking it is still
 * running, so nothing depends on timing. */
static int shield_rc;
static wa_event *shield_gate;
static void *shielded_sleep(void *arg)
{
    victim *v = arg;
    v->sleep_rc = wa_event_wait(shield_gate);
    trace("inner-done");
    return PTR(21);
}
static void *shield_outer(void *arg)
{
    shield_rc = wa_await_shielded(arg, NULL);
    trace("outer-back");
    return NULL;
}

static void *shield_main(void *arg)
{
    victim v = {0};
    shield_gate = wa_event_new();
    wa_task *in = wa_spawn(shielded_sleep, &v);
    wa_task *o = wa_spawn(shield_outer, in);
    CHECK_EQ(wa_sleep(2), 0);
    CHECK_EQ(wa_cancel(o), 0);
    CHECK_EQ(wa_await(o, NULL), WA_ECANCELED);
    CHECK_EQ(shield_rc, WA_ECANCELED);
    CHECK_EQ(wa_task_done(in), 0); /* still running */
    CHECK_EQ(wa_event_set(shield_gate), 0);
    void *r = NULL;
    CHECK_EQ(wa_await(in, &r), 0);
    CHECK_PTR(r, PTR(21));
    CHECK_EQ(v.sleep_rc, 0);
    CHECK_EQ(wa_event_free(shield_gate), 0);
    /* shielded await of a normal task just returns its result */
    wa_task *q = wa_spawn(quick, NULL);
    CHECK_EQ(wa_await_shielded(q, &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_EQ(wa_await_shielded(NULL, NULL), WA_EINVAL);
    return NULL;
}

static void test_shield_keeps_inner_running(void **state)
{
    run_main(shield_main, NULL);
    expect_trace("outer-back inner-done");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_sleeping_task_runs_cleanup),
        cmocka_unit_test(test_cancel_never_started_does_not_run),
        cmocka_unit_test(test_cancel_finished_is_edone),
        cmocka_unit_test(test_cancel_next_point_and_ends_cancelled),
        cmocka_unit_test(test_uncancel_finishes_normally),
        cmocka_unit_test(test_cancel_propagates_through_await),
        cmocka_unit_test(test_shield_keeps_inner_running),
    };
    return cmocka_run_group_tests_name("core_cancel", tests, NULL, NULL);
}
