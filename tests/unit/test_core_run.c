/* test_core_run.c: wa_run, spawning and awaiting tasks, wa_yield/wa_sleep
 * ordering, clocks, names, handles, default stack size, and the report of
 * failed tasks nobody awaited. */
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
static void *inner_main(void *arg) { inner_ran = 1; return PTR(9); }
static void *child_sleeper(void *arg) { CHECK_EQ(wa_sleep(2), 0); return PTR(3); }

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

/* ------------------------------------------------------ spawn / await */

static void *tracer(void *arg)
{
    trace("%s", (const char *)arg);
    return arg;
}

static void *spawn_order_main(void *arg)
{
    wa_task *a = wa_spawn(tracer, "A");
    wa_task *b = wa_spawn(tracer, "B");
    wa_task *c = wa_spawn(tracer, "C");
    trace("spawned");
    CHECK_EQ(wa_task_done(a), 0);
    wa_yield();
    trace("main");
    CHECK_EQ(wa_task_done(a), 1);
    CHECK_EQ(wa_task_done(b), 1);
    CHECK_EQ(wa_task_done(c), 1);
    return NULL;
}

static void test_spawn_starts_at_next_point_fifo(void **state)
{
    run_main(spawn_order_main, NULL);
    expect_trace("spawned A B C main");
}

static void *await_twice_main(void *arg)
{
    wa_task *t = wa_spawn(child_sleeper, NULL);
    void *r1 = NULL, *r2 = NULL;
    CHECK_EQ(wa_await(t, &r1), 0);
    CHECK_EQ(wa_await(t, &r2), 0);
    CHECK_PTR(r1, PTR(3));
    CHECK_PTR(r2, PTR(3));
    CHECK_EQ(wa_await(t, NULL), 0); /* result pointer is optional */
    CHECK_EQ(wa_task_done(t), 1);
    CHECK_EQ(wa_task_error(t), 0);
    CHECK_STR(wa_task_message(t), "");

    wa_task *f = wa_spawn(raise_user, NULL);
    CHECK_EQ(wa_await(f, NULL), WA_EUSER - 7);
    CHECK_EQ(wa_await(f, NULL), WA_EUSER - 7);
    CHECK_EQ(wa_task_error(f), WA_EUSER - 7);
    CHECK_STR(wa_task_message(f), "bad 7");
    return NULL;
}

static void test_await_result_and_again(void **state)
{
    run_main(await_twice_main, NULL);
}

static void *yielder(void *arg)
{
    for (int i = 0; i < 3; i++) {
        trace("%s%d", (const char *)arg, i);
        CHECK_EQ(wa_yield(), 0);
    }
    return NULL;
}

static void *yield_main(void *arg)
{
    wa_task *ts[2] = {wa_spawn(yielder, "a"), wa_spawn(yielder, "b")};
    CHECK_EQ(wa_gather(ts, 2, NULL, NULL, 0), 0);
    return NULL;
}

static void test_yield_interleaves(void **state)
{
    run_main(yield_main, NULL);
    expect_trace("a0 b0 a1 b1 a2 b2");
}

static void *sleeper(void *arg)
{
    int ms = INT(arg);
    CHECK_EQ(wa_sleep((uint64_t)ms), 0);
    trace("%d", ms);
    return NULL;
}

static void *sleep_order_main(void *arg)
{
    wa_task *ts[5] = {wa_spawn(sleeper, PTR(30)), wa_spawn(sleeper, PTR(10)),
                      wa_spawn(sleeper, PTR(20)), wa_spawn(sleeper, PTR(0)),
                      wa_spawn(sleeper, PTR(5))};
    CHECK_EQ(wa_gather(ts, 5, NULL, NULL, 0), 0);
    return NULL;
}

static void test_sleep_orders_by_deadline(void **state)
{
    run_main(sleep_order_main, NULL);
    expect_trace("0 5 10 20 30");
}

static void *clock_main(void *arg)
{
    uint64_t m0 = wa_now(), h0 = wa_hrtime();
    CHECK_EQ(wa_sleep(20), 0);
    uint64_t m1 = wa_now(), h1 = wa_hrtime();
    CHECK(m1 >= m0);
    CHECK(h1 > h0);
    /* a sleep lasts at least about its duration (ms clocks may round) */
    CHECK(h1 - h0 >= 15u * 1000000u);
    CHECK(m1 - m0 >= 15u);
    uint64_t prev = wa_hrtime();
    for (int i = 0; i < 1000; i++) {
        uint64_t h = wa_hrtime();
        CHECK(h >= prev);
        prev = h;
    }
    return NULL;
}

static void test_clocks_monotonic(void **state)
{
    run_main(clock_main, NULL);
    /* the clocks also work outside a loop */
    uint64_t a = wa_hrtime(), b = wa_hrtime();
    assert_true(b >= a);
    (void)wa_now();
}

/* ------------------------------------------------------------ names */

static void *name_main(void *arg)
{
    char buf[32];
    strcpy(buf, "worker");
    wa_task_opts o = {0};
    o.name = buf;
    wa_task *t = wa_spawn_opts(tracer, "x", &o);
    strcpy(buf, "clobbered"); /* the name was copied */
    CHECK_STR(wa_task_name(t), "worker");
    CHECK_EQ(wa_task_set_name(t, "renamed"), 0);
    CHECK_STR(wa_task_name(t), "renamed");
    const char *longname = "a-rather-long-task-name-over-twenty-four-chars";
    CHECK_EQ(wa_task_set_name(t, longname), 0);
    CHECK_STR(wa_task_name(t), longname);
    CHECK_EQ(wa_task_set_name(t, NULL), WA_EINVAL);
    CHECK_EQ(wa_task_set_name(NULL, "x"), WA_EINVAL);
    CHECK_STR(wa_task_name(NULL), "?");

    wa_task *d = wa_spawn(tracer, "y"); /* default "task-N" */
    CHECK(strncmp(wa_task_name(d), "task-", 5) == 0);
    CHECK(strlen(wa_task_name(d)) > 5);
    wa_task *e = wa_spawn(tracer, "z");
    CHECK(strcmp(wa_task_name(d), wa_task_name(e)) != 0);

    /* opts with NULL name get the default */
    wa_task_opts none = {0};
    wa_task *f = wa_spawn_opts(tracer, "w", &none);
    CHECK(strncmp(wa_task_name(f), "task-", 5) == 0);

    CHECK(strlen(wa_task_name(wa_current())) > 0);
    CHECK_EQ(wa_task_set_name(wa_current(), "main-renamed"), 0);
    CHECK_STR(wa_task_name(wa_current()), "main-renamed");
    wa_task *all[3] = {t, d, e};
    CHECK_EQ(wa_gather(all, 3, NULL, NULL, 0), 0);
    CHECK_EQ(wa_await(f, NULL), 0);
    return NULL;
}

static void test_task_names(void **state)
{
    run_main(name_main, NULL);
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

/* ------------------------------------------------------------ release */

static int released_done;
static void *slow_flag(void *arg)
{
    CHECK_EQ(wa_sleep(5), 0);
    released_done = 1;
    return NULL;
}

static void *release_main(void *arg)
{
    wa_task *t = wa_spawn(slow_flag, NULL);
    wa_release(t); /* keeps running */
    wa_release(NULL);
    CHECK_EQ(wa_sleep(30), 0);
    CHECK_EQ(released_done, 1);
    wa_task *done = wa_spawn(tracer, "r");
    CHECK_EQ(wa_await(done, NULL), 0);
    wa_release(done); /* freeing a finished task */
    return NULL;
}

static void test_release_keeps_running(void **state)
{
    released_done = 0;
    run_main(release_main, NULL);
    assert_int_equal(released_done, 1);
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

static void *big_frame(void *arg)
{
    volatile char buf[48 * 1024];
    for (size_t i = 0; i < sizeof buf; i += 512) buf[i] = (char)i;
    return PTR(buf[512]);
}

static void *stack_opts_main(void *arg)
{
    wa_task_opts o = {0};
    o.name = "big-stack";
    o.stack_size = 256 * 1024;
    wa_task *t = wa_spawn_opts(big_frame, NULL, &o);
    void *r = NULL;
    CHECK_EQ(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR((char)512));
    return NULL;
}

static void test_stack_size_per_task(void **state)
{
    run_main(stack_opts_main, NULL);
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
    if (WEXITSTATUS(co.status) != 0) fail_msg("child failed:\n%s", co.err);
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
        cmocka_unit_test(test_spawn_starts_at_next_point_fifo),
        cmocka_unit_test(test_await_result_and_again),
        cmocka_unit_test(test_yield_interleaves),
        cmocka_unit_test(test_sleep_orders_by_deadline),
        cmocka_unit_test(test_clocks_monotonic),
        cmocka_unit_test(test_task_names),
        cmocka_unit_test(test_current_and_running),
        cmocka_unit_test(test_release_keeps_running),
        cmocka_unit_test(test_default_stack_size),
        cmocka_unit_test(test_stack_size_per_task),
        cmocka_unit_test(test_unawaited_failure_reported),
    };
    return cmocka_run_group_tests_name("core_run", tests, NULL, NULL);
}
