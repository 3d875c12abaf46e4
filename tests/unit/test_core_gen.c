/* test_core_gen.c: async generators: WA_FOR over an async_range, early
 * exit closes the generator and runs its cleanup, double close, failures
 * reaching wa_gen_next, and concurrent consumers. */
#include "test_util.h"

typedef struct range {
    int n, cleanup, last_yield_rc;
} range;

/* async_range(n): yields 0..n-1, with a short sleep before each. */
static void *async_range(void *arg)
{
    range *r = arg;
    for (int i = 0; i < r->n; i++) {
        if (wa_sleep(1) < 0) break;
        r->last_yield_rc = wa_gen_yield(PTR(i));
        if (r->last_yield_rc != 0) break;
    }
    r->cleanup = 1; /* runs on exhaustion and on close */
    trace("cleanup");
    return NULL;
}

static void *for_main(void *arg)
{
    range r = {.n = 5};
    wa_gen *g = wa_gen_new(async_range, &r);
    CHECK(g != NULL);
    void *v;
    WA_FOR(v, g) { trace("%d", INT(v)); }
    CHECK_EQ(wa_gen_status(g), 0); /* WA_EOF is reported as 0 */
    CHECK_EQ(r.cleanup, 1);
    CHECK_EQ(wa_gen_next(g, &v), WA_EOF);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_for_iterates(void **state)
{
    run_main(for_main, NULL);
    expect_trace("0 1 2 3 4 cleanup");
}

static void *break_main(void *arg)
{
    range r = {.n = 1000};
    wa_gen *g = wa_gen_new(async_range, &r);
    void *v;
    WA_FOR(v, g) {
        trace("%d", INT(v));
        if (INT(v) == 2) break;
    }
    trace("after");
    /* closed on the way out: cleanup already ran */
    CHECK_EQ(r.cleanup, 1);
    CHECK_EQ(r.last_yield_rc, WA_ECLOSED);
    CHECK_EQ(wa_gen_close(g), WA_ECLOSED); /* already closed */
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_break_closes_and_cleans_up(void **state)
{
    run_main(break_main, NULL);
    expect_trace("0 1 2 cleanup after");
}

static int for_return_helper(wa_gen *g)
{
    void *v;
    WA_FOR(v, g) {
        if (INT(v) == 1) return 10 + INT(v);
    }
    return -1;
}

static void *return_main(void *arg)
{
    range r = {.n = 1000};
    wa_gen *g = wa_gen_new(async_range, &r);
    CHECK_EQ(for_return_helper(g), 11);
    CHECK_EQ(r.cleanup, 1);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_return_from_loop_closes(void **state)
{
    run_main(return_main, NULL);
}

static void *close_twice_main(void *arg)
{
    range r = {.n = 10};
    wa_gen *g = wa_gen_new(async_range, &r);
    void *v = NULL;
    CHECK_EQ(wa_gen_next(g, &v), 0);
    CHECK_PTR(v, PTR(0));
    CHECK_EQ(wa_gen_close(g), 0);
    CHECK_EQ(r.cleanup, 1); /* cleanup ran before close returned */
    CHECK_EQ(r.last_yield_rc, WA_ECLOSED);
    CHECK_EQ(wa_gen_close(g), WA_ECLOSED);
    CHECK(wa_gen_next(g, &v) < 0);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_double_close(void **state)
{
    run_main(close_twice_main, NULL);
}

static void *failing_gen(void *arg)
{
    CHECK_EQ(wa_gen_yield(PTR(1)), 0);
    return wa_raise(WA_EUSER - 4, "generator broke");
}

static void *fail_main(void *arg)
{
    wa_gen *g = wa_gen_new(failing_gen, NULL);
    void *v = NULL;
    CHECK_EQ(wa_gen_next(g, &v), 0);
    CHECK_PTR(v, PTR(1));
    CHECK_EQ(wa_gen_next(g, &v), WA_EUSER - 4);
    CHECK_EQ(wa_gen_free(g), 0);

    g = wa_gen_new(failing_gen, NULL);
    int seen = 0;
    WA_FOR(v, g) { seen++; }
    CHECK_EQ(seen, 1);
    CHECK_EQ(wa_gen_status(g), WA_EUSER - 4);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_failure_reaches_next(void **state)
{
    run_main(fail_main, NULL);
}

/* A second consumer while the first waits for a value gets WA_EBUSY. */
static int second_rc = 99;
static void *second_consumer(void *arg)
{
    void *v;
    second_rc = wa_gen_next(arg, &v);
    return NULL;
}

static void *slow_gen(void *arg)
{
    CHECK_EQ(wa_sleep(10), 0);
    wa_gen_yield(PTR(5));
    return NULL;
}

static void *busy_main(void *arg)
{
    wa_gen *g = wa_gen_new(slow_gen, NULL);
    wa_task *t = wa_spawn(second_consumer, g);
    void *v = NULL;
    CHECK_EQ(wa_gen_next(g, &v), 0); /* t runs while we wait */
    CHECK_PTR(v, PTR(5));
    CHECK_EQ(wa_await(t, NULL), 0);
    CHECK_EQ(second_rc, WA_EBUSY);
    CHECK_EQ(wa_gen_next(g, &v), WA_EOF);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_concurrent_next_busy(void **state)
{
    run_main(busy_main, NULL);
}

/* Freeing an unfinished generator closes it first (its cleanup runs). */
static void *free_open_main(void *arg)
{
    range r = {.n = 10};
    wa_gen *g = wa_gen_new(async_range, &r);
    void *v;
    CHECK_EQ(wa_gen_next(g, &v), 0);
    CHECK_EQ(wa_gen_free(g), 0);
    CHECK_EQ(r.cleanup, 1);
    /* a generator never started: free without running it */
    range r2 = {.n = 10};
    g = wa_gen_new(async_range, &r2);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_free_closes(void **state)
{
    run_main(free_open_main, NULL);
}

static void *gen_null_main(void *arg)
{
    void *v;
    CHECK(wa_gen_new(NULL, NULL) == NULL);
    CHECK_EQ(wa_last_error(), WA_EINVAL);
    CHECK_EQ(wa_gen_next(NULL, &v), WA_EINVAL);
    CHECK_EQ(wa_gen_close(NULL), WA_EINVAL);
    CHECK_EQ(wa_gen_free(NULL), WA_EINVAL);
    CHECK_EQ(wa_gen_status(NULL), WA_EINVAL);
    /* wa_gen_yield outside a generator body */
    CHECK(wa_gen_yield(PTR(1)) < 0);
    range r = {.n = 2};
    wa_gen *g = wa_gen_new(async_range, &r);
    CHECK_EQ(wa_gen_next(g, NULL), WA_EINVAL);
    CHECK_EQ(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_null_args(void **state)
{
    run_main(gen_null_main, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_for_iterates),
        cmocka_unit_test(test_gen_break_closes_and_cleans_up),
        cmocka_unit_test(test_gen_return_from_loop_closes),
        cmocka_unit_test(test_gen_double_close),
        cmocka_unit_test(test_gen_failure_reaches_next),
        cmocka_unit_test(test_gen_concurrent_next_busy),
        cmocka_unit_test(test_gen_free_closes),
        cmocka_unit_test(test_gen_null_args),
    };
    return cmocka_run_group_tests_name("core_gen", tests, NULL, NULL);
}
