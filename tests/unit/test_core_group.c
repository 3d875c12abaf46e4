/* test_core_group.c: task groups: children never outlive wa_group_wait, the
 * first failure cancels the siblings, every error is kept in order, and
 * cancelling the waiter or the group cancels the children. */
#include "test_util.h"

typedef struct kid {
    int ms, fail, sleep_rc, done;
} kid;

static void *kid_fn(void *arg)
{
    kid *k = arg;
    k->sleep_rc = wa_sleep((uint64_t)k->ms);
    k->done = 1;
    if (k->sleep_rc < 0) return NULL;
    if (k->fail) return wa_raise(k->fail, "kid %d failed", k->ms);
    return PTR(k->ms);
}

static void *all_ok_main(void *arg)
{
    kid ks[3] = {{.ms = 10}, {.ms = 1}, {.ms = 5}};
    wa_group *g = wa_group_new();
    CHECK(g != NULL);
    wa_task *ts[3];
    for (int i = 0; i < 3; i++) ts[i] = wa_group_spawn(g, kid_fn, &ks[i]);
    CHECK_EQ(wa_group_wait(g), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(ks[i].done, 1);
        CHECK_EQ(wa_task_done(ts[i]), 1);
    }
    void *r = NULL;
    CHECK_EQ(wa_await(ts[2], &r), 0); /* handles still valid */
    CHECK_PTR(r, PTR(5));
    CHECK_EQ(wa_group_error_count(g), 0);
    CHECK_EQ(wa_group_free(g), 0);
    return NULL;
}

static void test_group_waits_for_all_children(void **state)
{
    run_main(all_ok_main, NULL);
}

static void *first_failure_main(void *arg)
{
    kid ks[3] = {{.ms = 100000}, {.ms = 2, .fail = WA_EUSER - 3}, {.ms = 100000}};
    wa_group *g = wa_group_new();
    wa_task_opts o = {0};
    const char *names[3] = {"sib-a", "breaker", "sib-c"};
    for (int i = 0; i < 3; i++) {
        o.name = names[i];
        CHECK(wa_group_spawn_opts(g, kid_fn, &ks[i], &o) != NULL);
    }
    CHECK_EQ(wa_group_wait(g), WA_EUSER - 3);
    CHECK_EQ(ks[0].sleep_rc, WA_ECANCELED);
    CHECK_EQ(ks[2].sleep_rc, WA_ECANCELED);
    CHECK_EQ(ks[0].done, 1);
    CHECK_EQ(ks[2].done, 1);
    CHECK_EQ(wa_group_error_count(g), 1);
    const char *msg = NULL, *name = NULL;
    CHECK_EQ(wa_group_error(g, 0, &msg, &name), WA_EUSER - 3);
    CHECK_STR(msg, "kid 2 failed");
    CHECK_STR(name, "breaker");
    CHECK_EQ(wa_group_error(g, 1, &msg, &name), WA_EINVAL);
    CHECK_EQ(wa_group_error(g, 0, NULL, NULL), WA_EUSER - 3);
    CHECK_EQ(wa_group_free(g), 0);
    return NULL;
}

static void test_group_first_failure_cancels_siblings(void **state)
{
    run_main(first_failure_main, NULL);
}

/* Two children fail: both errors are kept, in the order they happened. B
 * fails even if the group's cancellation reaches it first. */
static void *fail_a(void *arg)
{
    wa_yield();
    trace("a-fails");
    return wa_raise(WA_EUSER - 10, "A failed");
}
static void *fail_b(void *arg)
{
    wa_yield();
    if (wa_yield() == WA_ECANCELED) wa_uncancel();
    trace("b-fails");
    return wa_raise(WA_EUSER - 11, "B failed");
}

static void *every_error_main(void *arg)
{
    wa_group *g = wa_group_new();
    wa_task_opts o = {0};
    o.name = "A";
    wa_group_spawn_opts(g, fail_a, NULL, &o);
    o.name = "B";
    wa_group_spawn_opts(g, fail_b, NULL, &o);
    CHECK_EQ(wa_group_wait(g), WA_EUSER - 10);
    CHECK_EQ(wa_group_error_count(g), 2);
    const char *msg = NULL, *name = NULL;
    CHECK_EQ(wa_group_error(g, 0, &msg, &name), WA_EUSER - 10);
    CHECK_STR(msg, "A failed");
    CHECK_STR(name, "A");
    CHECK_EQ(wa_group_error(g, 1, &msg, &name), WA_EUSER - 11);
    CHECK_STR(msg, "B failed");
    CHECK_STR(name, "B");
    CHECK_EQ(wa_group_free(g), 0);
    return NULL;
}

static void test_group_keeps_every_error(void **state)
{
    run_main(every_error_main, NULL);
    expect_trace("a-fails b-fails");
}

/* Cancelling the task in wa_group_wait cancels the children and still waits
 * for them. */
static kid wk[2];
static int group_wait_rc;
static void *group_waiter(void *arg)
{
    wa_group *g = wa_group_new();
    wk[0] = (kid){.ms = 100000};
    wk[1] = (kid){.ms = 100000};
    wa_group_spawn(g, kid_fn, &wk[0]);
    wa_group_spawn(g, kid_fn, &wk[1]);
    group_wait_rc = wa_group_wait(g);
    /* no child outlived the wait */
    CHECK_EQ(wk[0].done, 1);
    CHECK_EQ(wk[1].done, 1);
    CHECK_EQ(wa_group_free(g), 0);
    return NULL;
}

static void *cancel_waiter_main(void *arg)
{
    wa_task *w = wa_spawn(group_waiter, NULL);
    CHECK_EQ(wa_sleep(2), 0);
    CHECK_EQ(wa_cancel(w), 0);
    CHECK_EQ(wa_await(w, NULL), WA_ECANCELED);
    CHECK_EQ(group_wait_rc, WA_ECANCELED);
    CHECK_EQ(wk[0].sleep_rc, WA_ECANCELED);
    CHECK_EQ(wk[1].sleep_rc, WA_ECANCELED);
    return NULL;
}

static void test_group_cancel_waiter(void **state)
{
    run_main(cancel_waiter_main, NULL);
}

/* wa_group_cancel: cancelled children are not failures (asyncio). */
static void *group_cancel_main(void *arg)
{
    kid ks[2] = {{.ms = 100000}, {.ms = 100000}};
    wa_group *g = wa_group_new();
    wa_group_spawn(g, kid_fn, &ks[0]);
    wa_group_spawn(g, kid_fn, &ks[1]);
    CHECK_EQ(wa_sleep(1), 0);
    CHECK_EQ(wa_group_cancel(g), 0);
    CHECK_EQ(wa_group_wait(g), 0);
    CHECK_EQ(ks[0].sleep_rc, WA_ECANCELED);
    CHECK_EQ(ks[1].sleep_rc, WA_ECANCELED);
    CHECK_EQ(wa_group_error_count(g), 0);
    CHECK_EQ(wa_group_free(g), 0);
    return NULL;
}

static void test_group_cancel_children(void **state)
{
    run_main(group_cancel_main, NULL);
}

/* Freeing a group with running children cancels and waits for them. */
static void *free_running_main(void *arg)
{
    kid k = {.ms = 100000};
    wa_group *g = wa_group_new();
    wa_group_spawn(g, kid_fn, &k);
    CHECK_EQ(wa_sleep(1), 0);
    CHECK_EQ(wa_group_free(g), 0);
    CHECK_EQ(k.done, 1);
    CHECK_EQ(k.sleep_rc, WA_ECANCELED);
    return NULL;
}

static void test_group_free_cancels_running(void **state)
{
    run_main(free_running_main, NULL);
}

static void *group_null_main(void *arg)
{
    CHECK(wa_group_spawn(NULL, kid_fn, NULL) == NULL);
    CHECK_EQ(wa_last_error(), WA_EINVAL);
    wa_group *g = wa_group_new();
    CHECK(wa_group_spawn(g, NULL, NULL) == NULL);
    CHECK_EQ(wa_last_error(), WA_EINVAL);
    CHECK(wa_group_spawn_opts(NULL, kid_fn, NULL, NULL) == NULL);
    CHECK_EQ(wa_last_error(), WA_EINVAL);
    CHECK_EQ(wa_group_wait(NULL), WA_EINVAL);
    CHECK_EQ(wa_group_cancel(NULL), WA_EINVAL);
    CHECK_EQ(wa_group_error_count(NULL), 0);
    CHECK_EQ(wa_group_error(NULL, 0, NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_group_free(NULL), WA_EINVAL);
    /* an empty group waits for nothing */
    CHECK_EQ(wa_group_wait(g), 0);
    CHECK_EQ(wa_group_free(g), 0);
    return NULL;
}

static void test_group_null_args(void **state)
{
    run_main(group_null_main, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_waits_for_all_children),
        cmocka_unit_test(test_group_first_failure_cancels_siblings),
        cmocka_unit_test(test_group_keeps_every_error),
        cmocka_unit_test(test_group_cancel_waiter),
        cmocka_unit_test(test_group_cancel_children),
        cmocka_unit_test(test_group_free_cancels_running),
        cmocka_unit_test(test_group_null_args),
    };
    return cmocka_run_group_tests_name("core_group", tests, NULL, NULL);
}
