/* sc_timeout.c: scenario: deadline scopes (WA_TIMEOUT, wa_timeout_enter and
 * wa_timeout_exit), their nesting rules, leaving a scope early, a deadline
 * cutting a wa_await short, and wa_wait_for. */
#include "harness.h"

static void test_timeout_scope_expires(void)
{
    int rc = 99, s1 = 99, s2 = 99;
    {
        WA_TIMEOUT_SCOPE(10, rc);
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
    {
        WA_TIMEOUT_SCOPE(100000, rc);
        s = wa_sleep(1);
    }
    CHECK_INT(s, 0);
    CHECK_INT(rc, 0);
}

/* Outer expires first: the inner scope sees it, but it is the outer scope's
 * expiry, so the inner reports 0 and the outer WA_ETIMEDOUT. The inner's
 * long deadline did not extend the outer one. */
static void test_timeout_nested_outer_expiry_seen_inside(void)
{
    int outer = 99, inner = 99, s = 99, after_inner = 99;
    {
        WA_TIMEOUT_SCOPE(10, outer);
        {
            WA_TIMEOUT_SCOPE(100000, inner);
            s = wa_sleep(100000);
        }
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
    {
        WA_TIMEOUT_SCOPE(100000, outer);
        {
            WA_TIMEOUT_SCOPE(5, inner);
            s = wa_sleep(100000);
        }
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

/* The scope is a declaration: break and continue act on the caller's loop
 * (Python's break inside `async with timeout()`), and leaving the block any
 * way exits the scope: later sleeps are not cut short. */
static void test_timeout_scope_break_continue(void)
{
    int rc = 99, i, passes = 0;
    for (i = 0; i < 3; i++) {
        WA_TIMEOUT_SCOPE(5, rc);
        passes++;
        if (i == 1)
            break; /* leaves the for loop */
    }
    CHECK_INT(i, 1);
    CHECK_INT(passes, 2);
    CHECK_INT(rc, 0); /* entered fine; left before expiry */
    CHECK_INT(wa_sleep(20), 0);
    int after = 0;
    for (i = 0; i < 3; i++) {
        WA_TIMEOUT_SCOPE(5, rc);
        if (i < 2)
            continue; /* next pass of the for loop, scope exited */
        after++;
    }
    CHECK_INT(i, 3);
    CHECK_INT(after, 1);
    CHECK_INT(wa_sleep(20), 0);
    /* Leaving early after a suspension timed out still reports the expiry. */
    rc = 99;
    for (;;) {
        WA_TIMEOUT_SCOPE(5, rc);
        if (wa_sleep(1000) < 0)
            break;
    }
    CHECK_INT(rc, WA_ETIMEDOUT);
}

/* return from inside: the scope is exited and rc is written. */
static int timeout_return_helper(int *rc)
{
    WA_TIMEOUT_SCOPE(5, *rc);
    return wa_sleep(100000);
}

static void test_timeout_scope_return(void)
{
    int rc = 99;
    CHECK_INT(timeout_return_helper(&rc), WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(wa_sleep(1), 0); /* no scope left behind */
}

/* Busy-wait (no suspension, so no timer fires) until `ns` have passed. */
static void spin_past(uint64_t start, uint64_t ns)
{
    while (wa_hrtime() - start < ns) {
    }
}

static void *putter_after_sleep(void *arg)
{
    CHECK_INT(wa_sleep(10), 0);
    CHECK_INT(wa_queue_put(arg, PTR(42)), 0);
    return NULL;
}

typedef struct getter_seen {
    int got, scope_rc;
    void *item;
} getter_seen;

static void *getter_in_scope(void *arg)
{
    getter_seen *g = arg;
    wa_queue *q = g->item;
    g->item = NULL;
    {
        WA_TIMEOUT_SCOPE(50, g->scope_rc);
        g->got = wa_queue_get(q, &g->item);
    }
    return NULL;
}

/* A hand-over and the deadline in the same loop step. The
 * putter's sleep (10 ms) and the getter's deadline (50 ms) both fall due
 * while the main task spins; the loop then fires both timers in one turn,
 * the putter first (earlier), so the getter is readied by its deadline and
 * handed the item before it runs. It keeps the item, and since no
 * suspension returned WA_ETIMEDOUT, the scope reports 0, not an expiry. */
static void test_timeout_scope_handover_wins(void)
{
    wa_queue *q = wa_queue_new(1);
    getter_seen g = {99, 99, q};
    uint64_t t0 = wa_hrtime();
    wa_task *getter = wa_spawn(getter_in_scope, &g);
    wa_task *putter = wa_spawn(putter_after_sleep, q);
    CHECK_INT(wa_yield(), 0); /* both park: getter in get, putter in sleep */
    spin_past(t0, 80u * 1000000u);
    CHECK_INT(wa_await(getter, NULL), 0);
    CHECK_INT(wa_await(putter, NULL), 0);
    CHECK_INT(g.got, 0);
    CHECK_PTR(g.item, PTR(42));
    CHECK_INT(g.scope_rc, 0);
    CHECK_INT(wa_queue_len(q), 0);
    wa_release(getter);
    wa_release(putter);
    CHECK_INT(wa_queue_free(q), 0);
}

/* The deadline lost to a hand-over is not forgotten: the next suspension
 * in the scope reports it, and then so does the scope. */
static void *getter_then_sleeps(void *arg)
{
    getter_seen *g = arg;
    wa_queue *q = g->item;
    g->item = NULL;
    {
        WA_TIMEOUT_SCOPE(50, g->scope_rc);
        g->got = wa_queue_get(q, &g->item);
        if (g->got == 0)
            g->got = wa_yield();
    }
    return NULL;
}

static void test_timeout_scope_handover_then_suspension(void)
{
    wa_queue *q = wa_queue_new(1);
    getter_seen g = {99, 99, q};
    uint64_t t0 = wa_hrtime();
    wa_task *getter = wa_spawn(getter_then_sleeps, &g);
    wa_task *putter = wa_spawn(putter_after_sleep, q);
    CHECK_INT(wa_yield(), 0);
    spin_past(t0, 80u * 1000000u);
    CHECK_INT(wa_await(getter, NULL), 0);
    CHECK_INT(wa_await(putter, NULL), 0);
    CHECK_PTR(g.item, PTR(42));     /* kept */
    CHECK_INT(g.got, WA_ETIMEDOUT); /* the yield after it */
    CHECK_INT(g.scope_rc, WA_ETIMEDOUT);
    wa_release(getter);
    wa_release(putter);
    CHECK_INT(wa_queue_free(q), 0);
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
    {
        WA_TIMEOUT_SCOPE(10, rc);
        a = wa_await(t, NULL);
    }
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
    WA_H_TEST(test_timeout_scope_break_continue),
    WA_H_TEST(test_timeout_scope_return),
    WA_H_TEST(test_timeout_scope_handover_wins),
    WA_H_TEST(test_timeout_scope_handover_then_suspension),
    WA_H_TEST(test_timeout_applies_to_await),
    WA_H_TEST(test_wait_for_cancels_inner),
    {0},
};

int main(void) { return wa_h_main(tests); }
