/* test_core_errors.c: bad inputs, each in its own test: NULL arguments,
 * await cycles, calls outside a loop, double closes, closed queues, stack
 * overflow; plus wa_strerror and wa_last_error. */
#include "test_util.h"

static void *noop(void *arg) { return arg; }

/* ---------------------------------------------------------- strerror */

static void test_strerror_distinct(void **state)
{
    static const int codes[] = {
        WA_OK,       WA_EINVAL,   WA_ENOMEM,     WA_ENOLOOP,      WA_ENESTED,
        WA_ECANCELED, WA_ETIMEDOUT, WA_EDEADLK,  WA_ECLOSED,      WA_EOF,
        WA_EDONE,    WA_EBUSY,    WA_EPERM,      WA_ENOTSUP,      WA_EFAILED,
        WA_EIO,      WA_ESTACK,   WA_EURL,       WA_ESCHEME,      WA_EDNS,
        WA_ECONNREFUSED, WA_ENET, WA_ETOOBIG,    WA_EPROTO,       WA_EHTTP,
        WA_EJS,      WA_ENOTCAPABLE};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = wa_strerror(codes[i]);
        assert_non_null(s);
        if (s[0] == 0) fail_msg("wa_strerror(%d) is empty", codes[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s, wa_strerror(codes[j])) == 0)
                fail_msg("wa_strerror(%d) == wa_strerror(%d) == \"%s\"", codes[i], codes[j], s);
    }
    /* unknown and application codes still give a string */
    assert_non_null(wa_strerror(-999));
    assert_non_null(wa_strerror(WA_EUSER - 5));
    assert_non_null(wa_strerror(12345));
}

/* ---------------------------------------------------------- NULL args */

static void *task_null_main(void *arg)
{
    CHECK(wa_spawn(NULL, NULL) == NULL);
    CHECK_EQ(wa_last_error(), WA_EINVAL);
    CHECK(wa_spawn_opts(NULL, NULL, NULL) == NULL);
    CHECK_EQ(wa_last_error(), WA_EINVAL);
    /* NULL opts means defaults */
    wa_task *t = wa_spawn_opts(noop, PTR(2), NULL);
    CHECK(t != NULL);
    CHECK_EQ(wa_await(NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_await_shielded(NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_wait_for(NULL, 1, NULL), WA_EINVAL);
    CHECK_EQ(wa_cancel(NULL), WA_EINVAL);
    CHECK_STR(wa_task_name(NULL), "?");
    CHECK_EQ(wa_task_set_name(NULL, "x"), WA_EINVAL);
    CHECK(wa_task_done(NULL) < 0);
    CHECK(wa_task_error(NULL) <= 0);
    CHECK_STR(wa_task_message(NULL), "");
    wa_release(NULL);
    CHECK_EQ(wa_gather(NULL, 1, NULL, NULL, 0), WA_EINVAL);
    CHECK_EQ(wa_timeout_enter(NULL, 1), WA_EINVAL);
    CHECK_EQ(wa_to_thread(NULL, NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_read_file(NULL, NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_await(t, NULL), 0);
    return NULL;
}

static void test_null_args_tasks(void **state)
{
    run_main(task_null_main, NULL);
}

static void test_null_args_objects(void **state)
{
    /* constructors and NULL-safe getters work without a loop */
    assert_null(wa_gen_new(NULL, NULL));
    assert_int_equal(wa_last_error(), WA_EINVAL);
    assert_int_equal(wa_group_wait(NULL), WA_EINVAL);
    assert_int_equal(wa_event_free(NULL), WA_EINVAL);
    assert_int_equal(wa_lock_free(NULL), WA_EINVAL);
    assert_int_equal(wa_sem_free(NULL), WA_EINVAL);
    assert_int_equal(wa_queue_free(NULL), WA_EINVAL);
    assert_int_equal(wa_gen_free(NULL), WA_EINVAL);
    assert_int_equal(wa_group_free(NULL), WA_EINVAL);
    assert_int_equal(wa_run(NULL, NULL, NULL), WA_EINVAL);
}

/* ---------------------------------------------------------- deadlocks */

static void *await_self(void *arg)
{
    CHECK_EQ(wa_await(wa_current(), NULL), WA_EDEADLK);
    CHECK_EQ(wa_await_shielded(wa_current(), NULL), WA_EDEADLK);
    return PTR(1);
}

static void *self_main(void *arg)
{
    CHECK_EQ(wa_await(wa_current(), NULL), WA_EDEADLK);
    wa_task *t = wa_spawn(await_self, NULL);
    void *r = NULL;
    CHECK_EQ(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR(1));
    return NULL;
}

static void test_await_self_edeadlk(void **state)
{
    run_main(self_main, NULL);
}

static wa_task *cyc_a, *cyc_b;
static int cyc_a_rc = 99, cyc_b_rc = 99;
static void *cycle_a(void *arg)
{
    cyc_a_rc = wa_await(cyc_b, NULL);
    return PTR(1);
}
static void *cycle_b(void *arg)
{
    wa_yield(); /* let A start waiting on us first */
    cyc_b_rc = wa_await(cyc_a, NULL); /* closes the cycle */
    return PTR(2);
}

static void *cycle_main(void *arg)
{
    cyc_a = wa_spawn(cycle_a, NULL);
    cyc_b = wa_spawn(cycle_b, NULL);
    wa_task *both[2] = {cyc_a, cyc_b};
    CHECK_EQ(wa_gather(both, 2, NULL, NULL, WA_RETURN_ERRORS), 0);
    CHECK_EQ(cyc_b_rc, WA_EDEADLK);
    CHECK_EQ(cyc_a_rc, 0); /* B then finished, so A's await succeeded */
    return NULL;
}

static void test_await_cycle_edeadlk(void **state)
{
    run_main(cycle_main, NULL);
}

/* Everyone blocked forever (main waits on an event nobody sets): the loop
 * reports WA_EDEADLK instead of hanging. */
static void *stuck_main(void *arg)
{
    wa_event *e = wa_event_new();
    int rc = wa_event_wait(e);
    wa_event_free(e);
    return PTR(rc);
}

static void test_all_blocked_edeadlk(void **state)
{
    void *r = NULL;
    int rc = wa_run(stuck_main, NULL, &r);
    /* either the wait itself or wa_run reports it */
    if (rc == 0)
        assert_int_equal(INT(r), WA_EDEADLK);
    else
        assert_int_equal(rc, WA_EDEADLK);
}

/* ------------------------------------------------------- outside a loop */

static void test_outside_loop_enoloop(void **state)
{
    assert_int_equal(wa_running(), 0);
    assert_null(wa_current());
    assert_null(wa_spawn(noop, NULL));
    assert_int_equal(wa_last_error(), WA_ENOLOOP);
    wa_task_opts o = {0};
    assert_null(wa_spawn_opts(noop, NULL, &o));
    assert_int_equal(wa_last_error(), WA_ENOLOOP);
    assert_int_equal(wa_sleep(1), WA_ENOLOOP);
    assert_int_equal(wa_yield(), WA_ENOLOOP);
    assert_int_equal(wa_uncancel(), WA_ENOLOOP);
    assert_int_equal(wa_to_thread(noop, NULL, NULL), WA_ENOLOOP);
    wa_timeout t;
    assert_int_equal(wa_timeout_enter(&t, 1), WA_ENOLOOP);
    assert_true(wa_gen_yield(NULL) < 0);
    assert_null(wa_raise(WA_EUSER, "outside"));
    /* (awaiting a real handle outside a loop is in test_core_thread:
     * test_worker_thread_has_no_loop) */
}

/* --------------------------------------------------- closed objects */

static void *double_close_main(void *arg)
{
    wa_gen *g = wa_gen_new(noop, NULL);
    void *v;
    CHECK_EQ(wa_gen_next(g, &v), WA_EOF);
    CHECK_EQ(wa_gen_close(g), 0);
    CHECK_EQ(wa_gen_close(g), WA_ECLOSED);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_double_close_eclosed(void **state)
{
    run_main(double_close_main, NULL);
}

static void *closed_queue_main(void *arg)
{
    wa_queue *q = wa_queue_new(2);
    CHECK_EQ(wa_queue_close(q), 0);
    CHECK_EQ(wa_queue_put(q, PTR(1)), WA_ECLOSED);
    CHECK_EQ(wa_queue_len(q), 0);
    CHECK(wa_queue_close(q) == 0 || wa_queue_close(q) == WA_ECLOSED);
    CHECK_EQ(wa_queue_free(q), 0);
    return NULL;
}

static void test_queue_put_closed_eclosed(void **state)
{
    run_main(closed_queue_main, NULL);
}

static void *finished_cancel_main(void *arg)
{
    wa_task *t = wa_spawn(noop, NULL);
    CHECK_EQ(wa_await(t, NULL), 0);
    CHECK_EQ(wa_cancel(t), WA_EDONE);
    return NULL;
}

static void test_cancel_finished_edone(void **state)
{
    run_main(finished_cancel_main, NULL);
}

/* ----------------------------------------------------- stack overflow */

static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth > 1000000) return pad[0];
    return recurse(depth + 1) + pad[0];
}

static void *overflow_task(void *arg) { return PTR(recurse(0)); }

static void *overflow_main(void *arg)
{
    wa_task_opts o = {0};
    o.name = "deep-diver";
    o.stack_size = 16384;
    wa_task *t = wa_spawn_opts(overflow_task, NULL, &o);
    wa_await(t, NULL);
    return NULL;
}

static int overflow_child(void *arg)
{
    wa_run(overflow_main, NULL, NULL);
    return 0; /* reaching here means the overflow went unnoticed */
}

static void test_stack_overflow_reported(void **state)
{
    child_out co;
    run_child(overflow_child, NULL, &co);
    if (TU_ASAN) {
        /* ASan may take over the fault and exit instead of re-raising */
        assert_true(WIFSIGNALED(co.status) || (WIFEXITED(co.status) && WEXITSTATUS(co.status)));
    } else {
        if (!WIFSIGNALED(co.status)) fail_msg("child not killed by a signal:\n%s", co.err);
    }
    expect_contains(co.err, "stack overflow");
    expect_contains(co.err, "deep-diver");
}

/* The runtime-wide default applies to tasks spawned without a size. */
static void *overflow_default_main(void *arg)
{
    wa_task *t = spawn_named("default-diver", overflow_task, NULL);
    wa_await(t, NULL);
    return NULL;
}

static int overflow_default_child(void *arg)
{
    if (wa_set_default_stack_size(16384) != 0) return 5;
    wa_run(overflow_default_main, NULL, NULL);
    return 0;
}

static void test_stack_overflow_default_size(void **state)
{
    child_out co;
    run_child(overflow_default_child, NULL, &co);
    if (WIFEXITED(co.status) && WEXITSTATUS(co.status) == 0)
        fail_msg("overflow went unnoticed:\n%s", co.err);
    expect_contains(co.err, "stack overflow");
    expect_contains(co.err, "default-diver");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_distinct),
        cmocka_unit_test(test_null_args_tasks),
        cmocka_unit_test(test_null_args_objects),
        cmocka_unit_test(test_await_self_edeadlk),
        cmocka_unit_test(test_await_cycle_edeadlk),
        cmocka_unit_test(test_all_blocked_edeadlk),
        cmocka_unit_test(test_outside_loop_enoloop),
        cmocka_unit_test(test_gen_double_close_eclosed),
        cmocka_unit_test(test_queue_put_closed_eclosed),
        cmocka_unit_test(test_cancel_finished_edone),
        cmocka_unit_test(test_stack_overflow_reported),
        cmocka_unit_test(test_stack_overflow_default_size),
    };
    return cmocka_run_group_tests_name("core_errors", tests, NULL, NULL);
}
