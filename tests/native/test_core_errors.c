/* test_core_errors.c: the error cases that need no loop, a loop of their
 * own, or a forked child, so they stay native (errors inside a loop are in
 * tests/scenarios/sc_errors.c): NULL arguments to constructors and frees
 * with no loop running, every task blocked (wa_run's own result), calls
 * outside a loop (WA_ENOLOOP), and stack overflow killing the process with
 * a report naming the task (explicit and default stack size). */
#include "test_util.h"

static void *noop(void *arg) { return arg; }

/* ---------------------------------------------------------- NULL args */

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

/* ----------------------------------------------------- stack overflow */

static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth > 1000000)
        return pad[0];
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
        if (!WIFSIGNALED(co.status))
            fail_msg("child not killed by a signal:\n%s", co.err);
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
    if (wa_set_default_stack_size(16384) != 0)
        return 5;
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
        cmocka_unit_test(test_null_args_objects),
        cmocka_unit_test(test_all_blocked_edeadlk),
        cmocka_unit_test(test_outside_loop_enoloop),
        cmocka_unit_test(test_stack_overflow_reported),
        cmocka_unit_test(test_stack_overflow_default_size),
    };
    return cmocka_run_group_tests_name("core_errors", tests, NULL, NULL);
}
