/* sc_cancel.c: scenario: cancellation and timeouts: a cancelled sleeper
 * sees WA_ECANCELED and its awaiter gets it too; wait_for expires with
 * WA_ETIMEDOUT and cancels the task; WA_TIMEOUT scopes nest; shielded
 * awaits leave the task running; uncancel lets a task finish normally. */
#include "harness.h"

static void *sleep_long(void *arg)
{
    int *seen = arg;
    int rc = wa_sleep(10000);
    if (seen)
        *seen = rc;
    return NULL;
}

static void test_cancel_sleeper(void)
{
    int seen = 1;
    wa_task *t = wa_spawn(sleep_long, &seen);
    CHECK_INT(wa_yield(), 0); /* let it start sleeping */
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(seen, WA_ECANCELED);
    CHECK_INT(wa_cancel(t), WA_EDONE);
    wa_release(t);
}

static void test_cancel_before_start(void)
{
    int seen = 1;
    wa_task *t = wa_spawn(sleep_long, &seen);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(seen, 1); /* never ran */
    wa_release(t);
}

static void test_wait_for(void)
{
    int seen = 1;
    wa_task *t = wa_spawn(sleep_long, &seen);
    CHECK_INT(wa_wait_for(t, 5, NULL), WA_ETIMEDOUT);
    CHECK_INT(wa_task_done(t), 1);
    CHECK_INT(seen, WA_ECANCELED);
    wa_release(t);
}

static void test_timeout_scope(void)
{
    int rc = 99, inner = 99;
    WA_TIMEOUT(5, rc)
    {
        inner = wa_sleep(10000);
    }
    CHECK_INT(inner, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    /* not expired: rc is 0 and sleeps finish normally */
    WA_TIMEOUT(10000, rc)
    {
        inner = wa_sleep(1);
    }
    CHECK_INT(inner, 0);
    CHECK_INT(rc, 0);
    /* an inner, longer deadline never extends the outer one */
    int outer_rc = 99, inner_rc = 99;
    WA_TIMEOUT(5, outer_rc)
    {
        WA_TIMEOUT(10000, inner_rc)
        {
            inner = wa_sleep(10000);
        }
    }
    CHECK_INT(inner, WA_ETIMEDOUT);
    CHECK_INT(inner_rc, 0);
    CHECK_INT(outer_rc, WA_ETIMEDOUT);
}

static void *child_sleeps(void *arg)
{
    (void)arg;
    wa_sleep(20);
    return (void *)"done";
}

static void *shield_waiter(void *arg)
{
    wa_task *child = arg;
    return (void *)(intptr_t)wa_await_shielded(child, NULL);
}

static void test_shielded(void)
{
    wa_task *child = wa_spawn(child_sleeps, NULL);
    wa_task *w = wa_spawn(shield_waiter, child);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_cancel(w), 0);
    void *r = NULL;
    CHECK_INT(wa_await(w, &r), WA_ECANCELED);
    CHECK_INT(wa_task_done(child), 0); /* shielded: still running */
    CHECK_INT(wa_await(child, &r), 0);
    CHECK_STR(r, "done");
    wa_release(w);
    wa_release(child);
}

static void *uncancels(void *arg)
{
    (void)arg;
    int rc = wa_sleep(10000);
    if (rc == WA_ECANCELED)
        wa_uncancel();
    return (void *)"recovered";
}

static void test_uncancel(void)
{
    wa_task *t = wa_spawn(uncancels, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_cancel(t);
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_STR(r, "recovered");
    wa_release(t);
}

static void test_outside_task(void)
{
    CHECK_INT(wa_cancel(NULL), WA_EINVAL);
    CHECK_INT(wa_await(NULL, NULL), WA_EINVAL);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_cancel_sleeper), WA_H_TEST(test_cancel_before_start),
    WA_H_TEST(test_wait_for),       WA_H_TEST(test_timeout_scope),
    WA_H_TEST(test_shielded),       WA_H_TEST(test_uncancel),
    WA_H_TEST(test_outside_task),   {0},
};

int main(void) { return wa_h_main(tests); }
