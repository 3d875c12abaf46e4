/* test_core_run.c: what needs several loops in one process or a forked
 * child, so it stays native (task behaviour inside a loop is in
 * tests/scenarios/sc_run.c): wa_run's result and errors, a fresh loop after
 * a nested attempt, pending tasks cancelled at the end, wa_current /
 * wa_running and the clocks outside a loop, the default stack size (page
 * rounding), and the stderr report of failed tasks nobody awaited. */
#include "test_util.h"

/* ---------------------------------------------------------- wa_run */

static void *ret_42(void *arg) { return PTR(42); }

static void test_run_returns_result(void **state)
{
    void *res = NULL;
    assert_int_equal(wa_run(ret_42, NULL, &res), 0);
    assert_ptr_equal(res, PTR(42));
    /* result may be NULL */
    assert_int_equal(wa_run(ret_42, NULL, NULL), 0);
    assert_int_equal(wa_running(), 0);
}

static void *raise_user(void *arg) { return wa_raise(WA_EUSER - 7, "bad %d", 7); }
static void *raise_positive(void *arg) { return wa_raise(5, "positive code"); }

static void test_run_returns_error(void **state)
{
    void *res = PTR(1);
    assert_int_equal(wa_run(raise_user, NULL, &res), WA_EUSER - 7);
    /* a code >= 0 becomes WA_EFAILED */
    assert_int_equal(wa_run(raise_positive, NULL, &res), WA_EFAILED);
}

static void test_run_null_fn(void **state)
{
    assert_int_equal(wa_run(NULL, NULL, NULL), WA_EINVAL);
}

static int inner_ran;
static void *inner_main(void *arg)
{
    inner_ran = 1;
    return PTR(9);
}
static void *child_sleeper(void *arg)
{
    CHECK_EQ(wa_sleep(2), 0);
    return PTR(3);
}

static void *nested_main(void *arg)
{
    wa_task *t = wa_spawn(child_sleeper, NULL);
    void *res = PTR(77);
    CHECK_EQ(wa_run(inner_main, NULL, &res), WA_ENESTED);
    CHECK_EQ(inner_ran, 0);
    CHECK_PTR(res, PTR(77)); /* untouched */
    CHECK_PTR(wa_current(), wa_current());
    CHECK_EQ(wa_running(), 1);
    /* the outer loop still works: sleep, spawn, await */
    CHECK_EQ(wa_sleep(1), 0);
    CHECK_EQ(wa_await(t, &res), 0);
    CHECK_PTR(res, PTR(3));
    wa_task *u = wa_spawn(ret_42, NULL);
    CHECK_EQ(wa_await(u, &res), 0);
    CHECK_PTR(res, PTR(42));
    return PTR(1);
}

static void test_run_nested_is_enested(void **state)
{
    inner_ran = 0;
    run_main(nested_main, NULL);
    assert_int_equal(inner_ran, 0);
    /* and after it, a fresh loop still runs */
    void *res = NULL;
    assert_int_equal(wa_run(ret_42, NULL, &res), 0);
    assert_ptr_equal(res, PTR(42));
    assert_string_not_equal(wa_strerror(WA_ENESTED), "");
}

/* Tasks still pending when the main task returns are cancelled and run to
 * completion (asyncio.run). */
static int leftover_rc = 1, leftover_cleanup;
static void *leftover(void *arg)
{
    leftover_rc = wa_sleep(100000);
    leftover_cleanup = 1;
    return NULL;
}
static void *leave_pending(void *arg)
{
    wa_spawn(leftover, NULL);
    wa_yield();
    return NULL;
}

static void test_run_cancels_pending_at_end(void **state)
{
    leftover_rc = 1;
    leftover_cleanup = 0;
    run_main(leave_pending, NULL);
    assert_int_equal(leftover_rc, WA_ECANCELED);
    assert_int_equal(leftover_cleanup, 1);
}

/* The clocks also work outside a loop (inside one: sc_run.c). */
static void test_clocks_outside_loop(void **state)
{
    uint64_t a = wa_hrtime(), b = wa_hrtime();
    assert_true(b >= a);
    (void)wa_now();
}

/* -------------------------------------------------- current / running */

static wa_task *seen_self;
static void *who_am_i(void *arg)
{
    seen_self = wa_current();
    CHECK_EQ(wa_running(), 1);
    return NULL;
}

static void *current_main(void *arg)
{
    wa_task *t = wa_spawn(who_am_i, NULL);
    CHECK_EQ(wa_await(t, NULL), 0);
    CHECK_PTR(seen_self, t);
    CHECK(wa_current() != NULL);
    CHECK(wa_current() != t);
    return NULL;
}

static void test_current_and_running(void **state)
{
    assert_null(wa_current());
    assert_int_equal(wa_running(), 0);
    run_main(current_main, NULL);
    assert_null(wa_current());
    assert_int_equal(wa_running(), 0);
}

/* ---------------------------------------------------- stack sizes */

static void test_default_stack_size(void **state)
{
    size_t old = wa_default_stack_size();
    assert_true(old > 0);
    long page = sysconf(_SC_PAGESIZE);
    assert_int_equal(wa_set_default_stack_size(100000), 0);
    size_t now = wa_default_stack_size();
    assert_true(now >= 100000);
    assert_int_equal(now % (size_t)page, 0);
    assert_true(now < 100000 + (size_t)page);
    assert_int_equal(wa_set_default_stack_size(old), 0);
    assert_int_equal(wa_default_stack_size(), old);
}

/* ------------------------------------------- unawaited failure report */

static void *doomed(void *arg) { return wa_raise(WA_EUSER - 1, "kaboom %d", 42); }
static void *awaited_fail(void *arg) { return wa_raise(WA_EUSER - 2, "quiet-failure"); }

static void *unawaited_main(void *arg)
{
    wa_task_opts o = {0};
    o.name = "doomed-task";
    wa_spawn_opts(doomed, NULL, &o);
    o.name = "awaited-task";
    wa_task *a = wa_spawn_opts(awaited_fail, NULL, &o);
    o.name = "released-task";
    wa_task *r = wa_spawn_opts(doomed, NULL, &o);
    wa_release(r);
    CHECK_EQ(wa_await(a, NULL), WA_EUSER - 2);
    CHECK_EQ(wa_sleep(1), 0);
    return NULL;
}

static int unawaited_child(void *arg)
{
    int rc = wa_run(unawaited_main, NULL, NULL);
    fprintf(stderr, "\n[rc=%d failures=%d %s]\n", rc, tu_failures, tu_fail);
    return rc == 0 && tu_failures == 0 ? 0 : 3;
}

static void test_unawaited_failure_reported(void **state)
{
    child_out co;
    run_child(unawaited_child, NULL, &co);
    assert_true(WIFEXITED(co.status));
    if (WEXITSTATUS(co.status) != 0)
        fail_msg("child failed:\n%s", co.err);
    expect_contains(co.err, "doomed-task");
    expect_contains(co.err, "kaboom 42");
    expect_contains(co.err, "released-task");
    /* an awaited failure was handled: not reported */
    expect_not_contains(co.err, "quiet-failure");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_returns_result),
        cmocka_unit_test(test_run_returns_error),
        cmocka_unit_test(test_run_null_fn),
        cmocka_unit_test(test_run_nested_is_enested),
        cmocka_unit_test(test_run_cancels_pending_at_end),
        cmocka_unit_test(test_clocks_outside_loop),
        cmocka_unit_test(test_current_and_running),
        cmocka_unit_test(test_default_stack_size),
        cmocka_unit_test(test_unawaited_failure_reported),
    };
    return cmocka_run_group_tests_name("core_run", tests, NULL, NULL);
}
