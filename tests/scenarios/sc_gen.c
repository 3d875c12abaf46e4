/* sc_gen.c: scenario: async generators: values arrive in order with sleeps
 * between them, WA_FOR iterates, leaving early (break, return, wa_gen_close,
 * wa_gen_free) closes the generator and runs its cleanup, a second close is
 * WA_ECLOSED, failures reach wa_gen_next, concurrent next is WA_EBUSY.
 * A failing cleanup is returned by wa_gen_close (asyncio's aclose
 * raises it) or, without a close, by wa_gen_free (and reported on stderr);
 * a body awaiting its consumer is WA_EDEADLK; each wa_gen_next
 * runs the body before any other ready task, on the first step and later
 * ones, so a cancel that arrives meanwhile lands inside the body and its
 * cleanup runs (asyncio: body-start ... body-clean). */
#include "harness.h"

static int cleaned;

static void *async_range(void *arg)
{
    intptr_t n = (intptr_t)arg;
    for (intptr_t i = 0; i < n; i++) {
        wa_sleep(1);
        if (wa_gen_yield((void *)i) == WA_ECLOSED) {
            cleaned++;
            return NULL;
        }
    }
    return NULL;
}

static void test_range(void)
{
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)5);
    void *v;
    int got = 0, i = 0;
    while (wa_gen_next(g, &v) == 0) {
        got += (int)((intptr_t)v == i);
        i++;
    }
    CHECK_INT(i, 5);
    CHECK_INT(got, 5);
    CHECK_INT(wa_gen_next(g, &v), WA_EOF);
    CHECK_INT(wa_gen_free(g), 0);
}

static void test_for_break(void)
{
    cleaned = 0;
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)100);
    intptr_t v, last = -1;
    WA_FOR(v, g)
    {
        last = v;
        if (v == 2)
            break;
    }
    CHECK_INT(last, 2);
    CHECK_INT(cleaned, 1);
    CHECK_INT(wa_gen_free(g), 0);
}

static void test_close(void)
{
    cleaned = 0;
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)100);
    void *v;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_close(g), 0);
    CHECK_INT(cleaned, 1);
    CHECK_INT(wa_gen_close(g), WA_ECLOSED);
    CHECK_INT(wa_gen_free(g), 0);
}

static void *gen_fails(void *arg)
{
    (void)arg;
    wa_gen_yield((void *)1);
    return wa_raise(WA_EUSER - 3, "generator broke");
}

static void test_error(void)
{
    wa_gen *g = wa_gen_new(gen_fails, NULL);
    void *v;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_next(g, &v), WA_EUSER - 3);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK(wa_gen_new(NULL, NULL) == NULL);
    CHECK_INT(wa_gen_next(NULL, &v), WA_EINVAL);
}

typedef struct range {
    int n, cleanup, last_yield_rc;
} range;

/* range_gen(n): yields 0..n-1, with a short sleep before each. */
static void *range_gen(void *arg)
{
    range *r = arg;
    for (int i = 0; i < r->n; i++) {
        if (wa_sleep(1) < 0)
            break;
        r->last_yield_rc = wa_gen_yield(PTR(i));
        if (r->last_yield_rc != 0)
            break;
    }
    r->cleanup = 1; /* runs on exhaustion and on close */
    wa_h_note("cleanup");
    return NULL;
}

static void test_gen_for_iterates(void)
{
    range r = {.n = 5};
    wa_gen *g = wa_gen_new(range_gen, &r);
    CHECK(g != NULL);
    void *v;
    WA_FOR(v, g) { wa_h_note("%d", INT(v)); }
    CHECK_INT(wa_gen_status(g), 0); /* WA_EOF is reported as 0 */
    CHECK_INT(r.cleanup, 1);
    CHECK_INT(wa_gen_next(g, &v), WA_EOF);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_STR(wa_h_trace, "0 1 2 3 4 cleanup");
}

static void test_gen_break_closes_and_cleans_up(void)
{
    range r = {.n = 1000};
    wa_gen *g = wa_gen_new(range_gen, &r);
    void *v;
    WA_FOR(v, g)
    {
        wa_h_note("%d", INT(v));
        if (INT(v) == 2)
            break;
    }
    wa_h_note("after");
    /* closed on the way out: cleanup already ran */
    CHECK_INT(r.cleanup, 1);
    CHECK_INT(r.last_yield_rc, WA_ECLOSED);
    CHECK_INT(wa_gen_close(g), WA_ECLOSED); /* already closed */
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_STR(wa_h_trace, "0 1 2 cleanup after");
}

static int for_return_helper(wa_gen *g)
{
    void *v;
    WA_FOR(v, g)
    {
        if (INT(v) == 1)
            return 10 + INT(v);
    }
    return -1;
}

static void *return_main(void *arg)
{
    range r = {.n = 1000};
    wa_gen *g = wa_gen_new(range_gen, &r);
    CHECK_INT(for_return_helper(g), 11);
    CHECK_INT(r.cleanup, 1);
    CHECK_INT(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_return_from_loop_closes(void) { return_main(NULL); }

static void *close_twice_main(void *arg)
{
    range r = {.n = 10};
    wa_gen *g = wa_gen_new(range_gen, &r);
    void *v = NULL;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_PTR(v, PTR(0));
    CHECK_INT(wa_gen_close(g), 0);
    CHECK_INT(r.cleanup, 1); /* cleanup ran before close returned */
    CHECK_INT(r.last_yield_rc, WA_ECLOSED);
    CHECK_INT(wa_gen_close(g), WA_ECLOSED);
    CHECK(wa_gen_next(g, &v) < 0);
    CHECK_INT(wa_gen_free(g), 0);
    return NULL;
}

static void test_gen_double_close(void) { close_twice_main(NULL); }

static void *failing_gen(void *arg)
{
    CHECK_INT(wa_gen_yield(PTR(1)), 0);
    return wa_raise(WA_EUSER - 4, "generator broke");
}

static void test_gen_failure_reaches_next(void)
{
    wa_gen *g = wa_gen_new(failing_gen, NULL);
    void *v = NULL;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_PTR(v, PTR(1));
    CHECK_INT(wa_gen_next(g, &v), WA_EUSER - 4);
    CHECK_INT(wa_gen_free(g), 0);

    g = wa_gen_new(failing_gen, NULL);
    int seen = 0;
    WA_FOR(v, g) { seen++; }
    CHECK_INT(seen, 1);
    CHECK_INT(wa_gen_status(g), WA_EUSER - 4);
    CHECK_INT(wa_gen_free(g), 0);
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
    CHECK_INT(wa_sleep(10), 0);
    wa_gen_yield(PTR(5));
    return NULL;
}

static void test_gen_concurrent_next_busy(void)
{
    wa_gen *g = wa_gen_new(slow_gen, NULL);
    wa_task *t = wa_spawn(second_consumer, g);
    void *v = NULL;
    CHECK_INT(wa_gen_next(g, &v), 0); /* t runs while we wait */
    CHECK_PTR(v, PTR(5));
    CHECK_INT(wa_await(t, NULL), 0);
    CHECK_INT(second_rc, WA_EBUSY);
    CHECK_INT(wa_gen_next(g, &v), WA_EOF);
    CHECK_INT(wa_gen_free(g), 0);
}

/* Freeing an unfinished generator closes it first (its cleanup runs). */
static void test_gen_free_closes(void)
{
    range r = {.n = 10};
    wa_gen *g = wa_gen_new(range_gen, &r);
    void *v;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_INT(r.cleanup, 1);
    /* a generator never started: free without running it */
    range r2 = {.n = 10};
    g = wa_gen_new(range_gen, &r2);
    CHECK_INT(wa_gen_free(g), 0);
}

static void test_gen_null_args(void)
{
    void *v;
    CHECK(wa_gen_new(NULL, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    CHECK_INT(wa_gen_next(NULL, &v), WA_EINVAL);
    CHECK_INT(wa_gen_close(NULL), WA_EINVAL);
    CHECK_INT(wa_gen_free(NULL), WA_EINVAL);
    CHECK_INT(wa_gen_status(NULL), WA_EINVAL);
    /* wa_gen_yield outside a generator body */
    CHECK(wa_gen_yield(PTR(1)) < 0);
    range r = {.n = 2};
    wa_gen *g = wa_gen_new(range_gen, &r);
    CHECK_INT(wa_gen_next(g, NULL), WA_EINVAL);
    CHECK_INT(wa_gen_free(g), 0);
}

/* The body's cleanup fails after a close. */
static void *cleanup_fails(void *arg)
{
    if (wa_gen_yield(PTR(1)) == WA_ECLOSED)
        return wa_raise(WA_EUSER - 9, "cleanup failed");
    return NULL;
}

static void test_gen_failing_cleanup_not_silent(void)
{
    void *v = NULL;
    wa_gen *g = wa_gen_new(cleanup_fails, NULL);
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_close(g), WA_EUSER - 9);
    CHECK_INT(wa_gen_status(g), WA_EUSER - 9);
    CHECK_INT(wa_gen_free(g), 0); /* already returned by close */

    g = wa_gen_new(cleanup_fails, NULL);
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_free(g), WA_EUSER - 9); /* freed without a close */
}

/* A body that awaits its consumer would close a cycle: WA_EDEADLK. */
static wa_task *gen_consumer;
static void *await_consumer(void *arg)
{
    wa_gen_yield(PTR(wa_await(gen_consumer, NULL)));
    return NULL;
}
static void *consume_one(void *arg)
{
    void *v = NULL;
    int rc = wa_gen_next(arg, &v);
    return PTR(rc == 0 ? INT(v) : rc);
}

static void test_gen_body_awaiting_consumer_is_edeadlk(void)
{
    wa_gen *g = wa_gen_new(await_consumer, NULL);
    gen_consumer = wa_spawn(consume_one, g);
    void *r = NULL;
    CHECK_INT(wa_await(gen_consumer, &r), 0);
    CHECK_INT(INT(r), WA_EDEADLK);
    CHECK_INT(wa_gen_free(g), 0);
}

/* A body that sleeps before its first or second value, noting its steps. */
static void *noted_body(void *arg)
{
    int skip = INT(arg);
    wa_h_note("body-start");
    if (skip && wa_gen_yield(PTR(1)) != 0)
        return NULL;
    if (skip)
        wa_h_note("step2");
    int rc = wa_sleep(10000);
    if (rc == 0)
        rc = wa_gen_yield(PTR(2));
    wa_h_note("body-clean");
    return rc ? wa_raise(rc, NULL) : NULL;
}

static void *cancel_arg(void *arg)
{
    wa_h_note("other");
    wa_cancel(arg);
    return NULL;
}

/* Takes `skip` values, then asks for the next one with a task ready that
 * cancels us: it must run after the body started. */
static void *consume_cancelled(void *arg)
{
    int skip = INT(arg);
    wa_gen *g = wa_gen_new(noted_body, PTR(skip));
    void *v;
    for (int i = 0; i < skip; i++)
        CHECK_INT(wa_gen_next(g, &v), 0);
    wa_release(wa_spawn(cancel_arg, wa_current()));
    if (wa_gen_next(g, &v) == WA_ECANCELED)
        wa_h_note("consumer-cancelled");
    wa_gen_free(g);
    return NULL;
}

static void test_gen_cancel_lands_in_body_first_step(void)
{
    wa_task *t = wa_spawn(consume_cancelled, PTR(0));
    wa_await(t, NULL);
    wa_release(t);
    CHECK_STR(wa_h_trace, "body-start other body-clean consumer-cancelled");
}

static void test_gen_cancel_lands_in_body_later_step(void)
{
    wa_task *t = wa_spawn(consume_cancelled, PTR(1));
    wa_await(t, NULL);
    wa_release(t);
    CHECK_STR(wa_h_trace, "body-start step2 other body-clean consumer-cancelled");
}

static void *note_other(void *arg)
{
    wa_h_note("other");
    return NULL;
}

static void *two_steps(void *arg)
{
    wa_h_note("body");
    if (wa_gen_yield(PTR(1)) == 0) {
        wa_h_note("body2");
        wa_gen_yield(PTR(2));
    }
    return NULL;
}

/* Next and yield hand over with no other task between, as asyncio's
 * __anext__ runs the frame in the consumer's step. */
static void test_gen_steps_run_before_ready_tasks(void)
{
    wa_gen *g = wa_gen_new(two_steps, NULL);
    void *v;
    wa_task *a = wa_spawn(note_other, NULL);
    CHECK_INT(wa_gen_next(g, &v), 0);
    wa_h_note("got1");
    wa_task *b = wa_spawn(note_other, NULL);
    CHECK_INT(wa_gen_next(g, &v), 0);
    wa_h_note("got2");
    CHECK_INT(wa_yield(), 0);
    CHECK_STR(wa_h_trace, "body got1 body2 got2 other other");
    CHECK_INT(wa_gen_free(g), 0);
    wa_release(a);
    wa_release(b);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_range),
    WA_H_TEST(test_for_break),
    WA_H_TEST(test_close),
    WA_H_TEST(test_error),
    WA_H_TEST(test_gen_for_iterates),
    WA_H_TEST(test_gen_break_closes_and_cleans_up),
    WA_H_TEST(test_gen_return_from_loop_closes),
    WA_H_TEST(test_gen_double_close),
    WA_H_TEST(test_gen_failure_reaches_next),
    WA_H_TEST(test_gen_concurrent_next_busy),
    WA_H_TEST(test_gen_free_closes),
    WA_H_TEST(test_gen_null_args),
    WA_H_TEST(test_gen_failing_cleanup_not_silent),
    WA_H_TEST(test_gen_body_awaiting_consumer_is_edeadlk),
    WA_H_TEST(test_gen_cancel_lands_in_body_first_step),
    WA_H_TEST(test_gen_cancel_lands_in_body_later_step),
    WA_H_TEST(test_gen_steps_run_before_ready_tasks),
    {0},
};

int main(void) { return wa_h_main(tests); }
