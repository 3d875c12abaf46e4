/* sc_timeout.c: scenario: deadline scopes (WA_TIMEOUT, wa_timeout_enter and
 * wa_timeout_exit), their nesting rules, leaving a scope early, a deadline
 * cutting a wa_await short, and wa_wait_for. */
#include "harness.h"

static void test_timeout_scope_expires(void)
{
    int rc = 99, s1 = 99, s2 = 99;
    WA_TIMEOUT(10, rc) {
        s1 = wa_sleep(100000);
        s2 = wa_yield(); /* expired scope: every suspension says so */
    }
    CHECK_INT(s1, WA_ETIMEDOUT);
    CHECK_INT(s2, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    /* outside the scope suspensions are normal again */
    CHECK_INT(wa_sleep(1), 0);
}

static void test_timeout_scope_not_expired(void)
{
    int rc = 99, s = 99;
    WA_TIMEOUT(100000, rc) { s = wa_sleep(1); }
    CHECK_INT(s, 0);
    CHECK_INT(rc, 0);
}

/* Outer expires first: the inner scope sees it, but it is the outer scope's
 * expiry, so the inner reports 0 and the outer WA_ETIMEDOUT. The inner's
 * long deadline did not extend the outer one. */
static void test_timeout_nested_outer_expiry_seen_inside(void)
{
    int outer = 99, inner = 99, s = 99, after_inner = 99;
    WA_TIMEOUT(10, outer) {
        WA_TIMEOUT(100000, inner) { s = wa_sleep(100000); }
        after_inner = wa_sleep(1);
    }
    CHECK_INT(s, WA_ETIMEDOUT);
    CHECK_INT(inner, 0);
    CHECK_INT(after_inner, WA_ETIMEDOUT);
    CHECK_INT(outer, WA_ETIMEDOUT);
}

static void test_timeout_nested_inner_expiry(void)
{
    int outer = 99, inner = 99, s = 99, after_inner = 99;
    WA_TIMEOUT(100000, outer) {
        WA_TIMEOUT(5, inner) { s = wa_sleep(100000); }
        after_inner = wa_sleep(1);
    }
    CHECK_INT(s, WA_ETIMEDOUT);
    CHECK_INT(inner, WA_ETIMEDOUT);
    CHECK_INT(after_inner, 0);
    CHECK_INT(outer, 0);
}

static void test_timeout_enter_exit_api(void)
{
    wa_timeout a, b;
    CHECK_INT(wa_timeout_enter(&a, 10), 0);
    CHECK_INT(wa_timeout_enter(&b, 100000), 0);
    CHECK_INT(wa_sleep(100000), WA_ETIMEDOUT);
    CHECK_INT(wa_timeout_exit(&b), 0);
    CHECK_INT(wa_timeout_exit(&a), WA_ETIMEDOUT);
    CHECK_INT(wa_sleep(1), 0);
    CHECK_INT(wa_timeout_enter(NULL, 5), WA_EINVAL);
    CHECK_INT(wa_timeout_exit(NULL), WA_EINVAL);
}

/* Leaving the scope with break exits it: later sleeps are not cut short. */
static void test_timeout_scope_exits_on_break(void)
{
    int rc = 99;
    for (int i = 0; i < 1; i++) {
        WA_TIMEOUT(5, rc) { break; }
    }
    CHECK_INT(rc, 0); /* entered fine; left before expiry */
    CHECK_INT(wa_sleep(20), 0);
    /* Leaving early after the deadline passed still reports the expiry. */
    rc = 99;
    WA_TIMEOUT(5, rc) {
        if (wa_sleep(1000) < 0) break;
    }
    CHECK_INT(rc, WA_ETIMEDOUT);
}

/* A deadline scope applies to wa_await: the awaited task is cancelled. */
typedef struct slow {
    int rc, cleanup;
} slow;
static void *slow_task(void *arg)
{
    slow *s = arg;
    s->rc = wa_sleep(100000);
    s->cleanup = 1;
    return PTR(3);
}
static void *fast_task(void *arg)
{
    slow *s = arg;
    s->rc = wa_sleep(1);
    return PTR(4);
}

static void test_timeout_applies_to_await(void)
{
    slow s = {99, 0};
    wa_task *t = wa_spawn(slow_task, &s);
    int rc = 99, a = 99;
    WA_TIMEOUT(10, rc) { a = wa_await(t, NULL); }
    CHECK_INT(a, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(s.rc, WA_ECANCELED);
    CHECK_INT(s.cleanup, 1);
    CHECK_INT(wa_task_done(t), 1);
}

static void test_wait_for_cancels_inner(void)
{
    slow s = {99, 0};
    wa_task *t = wa_spawn(slow_task, &s);
    CHECK_INT(wa_wait_for(t, 10, NULL), WA_ETIMEDOUT);
    CHECK_INT(s.rc, WA_ECANCELED); /* inner task was cancelled */
    CHECK_INT(s.cleanup, 1);
    CHECK_INT(wa_task_done(t), 1);
    CHECK_INT(wa_task_error(t), WA_ECANCELED);
    /* the caller itself is not left timed out */
    CHECK_INT(wa_sleep(1), 0);

    slow f = {99, 0};
    wa_task *q = wa_spawn(fast_task, &f);
    void *r = NULL;
    CHECK_INT(wa_wait_for(q, 100000, &r), 0);
    CHECK_PTR(r, PTR(4));
    CHECK_INT(f.rc, 0);
    CHECK_INT(wa_wait_for(NULL, 5, NULL), WA_EINVAL);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_timeout_scope_expires),
    WA_H_TEST(test_timeout_scope_not_expired),
    WA_H_TEST(test_timeout_nested_outer_expiry_seen_inside),
    WA_H_TEST(test_timeout_nested_inner_expiry),
    WA_H_TEST(test_timeout_enter_exit_api),
    WA_H_TEST(test_timeout_scope_exits_on_break),
    WA_H_TEST(test_timeout_applies_to_await),
    WA_H_TEST(test_wait_for_cancels_inner),
    {0},
};

int main(void) { return wa_h_main(tests); }
