/* sc_cancel.c: scenario: cancellation: at the current and the next
 * suspension point, cleanup after it, never-started and finished tasks,
 * propagation through wa_await, shielded awaits, wa_uncancel, wait_for and
 * nested WA_TIMEOUT scopes; and a cancel racing a wake in the same step
 * (the hand-off wins, the cancel arrives at the next suspension point, so
 * nothing is lost either way). */
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

typedef struct victim {
    int started, sleep_rc, cleanup, after_rc;
} victim;

static void *victim_sleep(void *arg)
{
    victim *v = arg;
    v->started = 1;
    v->sleep_rc = wa_sleep(100000);
    v->cleanup = 1; /* cleanup code runs after the interrupted suspension */
    wa_h_note("cleanup");
    return PTR(5);
}

static void test_cancel_sleeping_task_runs_cleanup(void)
{
    victim v = {0};
    wa_task *t = wa_spawn(victim_sleep, &v);
    CHECK_INT(wa_sleep(2), 0);
    CHECK_INT(v.started, 1);
    wa_h_note("cancel");
    CHECK_INT(wa_cancel(t), 0);
    void *r = PTR(1);
    CHECK_INT(wa_await(t, &r), WA_ECANCELED);
    wa_h_note("awaited");
    CHECK_INT(v.sleep_rc, WA_ECANCELED);
    CHECK_INT(v.cleanup, 1);
    CHECK_INT(wa_task_done(t), 1);
    CHECK_INT(wa_task_error(t), WA_ECANCELED);
    /* awaiting again gives the same outcome */
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "cancel cleanup awaited");
}

static void test_cancel_never_started_does_not_run(void)
{
    victim v = {0};
    wa_task *t = wa_spawn(victim_sleep, &v);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(v.started, 0);
    CHECK_INT(wa_task_error(t), WA_ECANCELED);
}

static void *quick(void *arg) { return PTR(1); }

static void test_cancel_finished_is_edone(void)
{
    wa_task *t = wa_spawn(quick, NULL);
    CHECK_INT(wa_await(t, NULL), 0);
    CHECK_INT(wa_cancel(t), WA_EDONE);
    /* the outcome is unchanged */
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_INT(wa_cancel(NULL), WA_EINVAL);
}

/* Cancel delivered at the next suspension point, exactly once; a task that
 * returns afterwards ends as cancelled. */
static void *self_cancel(void *arg)
{
    victim *v = arg;
    CHECK_INT(wa_cancel(wa_current()), 0);
    v->sleep_rc = wa_yield();
    v->after_rc = wa_sleep(1); /* delivered once: this one is normal */
    return PTR(8);
}

static void test_cancel_next_point_and_ends_cancelled(void)
{
    victim v = {0};
    wa_task *t = wa_spawn(self_cancel, &v);
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), WA_ECANCELED);
    CHECK_INT(v.sleep_rc, WA_ECANCELED);
    CHECK_INT(v.after_rc, 0);
}

static void *uncanceller(void *arg)
{
    victim *v = arg;
    v->sleep_rc = wa_sleep(100000);
    if (v->sleep_rc == WA_ECANCELED) CHECK_INT(wa_uncancel(), 0);
    v->after_rc = wa_sleep(1);
    return PTR(11);
}

static void test_uncancel_finishes_normally(void)
{
    victim v = {0};
    wa_task *t = wa_spawn(uncanceller, &v);
    CHECK_INT(wa_sleep(2), 0);
    CHECK_INT(wa_cancel(t), 0);
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR(11));
    CHECK_INT(v.sleep_rc, WA_ECANCELED);
    CHECK_INT(v.after_rc, 0);
    CHECK_INT(wa_task_error(t), 0);
}

/* Cancelling a task inside wa_await cancels the awaited task too, and waits
 * for it. */
static victim inner_v;
static wa_task *inner_t;
static int outer_await_rc;
static void *outer(void *arg)
{
    inner_t = wa_spawn(victim_sleep, &inner_v);
    outer_await_rc = wa_await(inner_t, NULL);
    wa_h_note("outer-back");
    /* inner was cancelled and finished before our await returned */
    CHECK_INT(wa_task_done(inner_t), 1);
    return NULL;
}

static void test_cancel_propagates_through_await(void)
{
    memset(&inner_v, 0, sizeof inner_v);
    wa_task *o = wa_spawn(outer, NULL);
    CHECK_INT(wa_sleep(2), 0);
    CHECK_INT(wa_cancel(o), 0);
    CHECK_INT(wa_await(o, NULL), WA_ECANCELED);
    CHECK_INT(outer_await_rc, WA_ECANCELED);
    CHECK_INT(inner_v.sleep_rc, WA_ECANCELED);
    CHECK_INT(wa_task_error(inner_t), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "cleanup outer-back");
}

/* wa_await_shielded: the waiter is interrupted, the inner task goes on. */
/* The inner task waits on a gate the test opens after checking it is still
 * running, so nothing depends on timing. */
static int shield_rc;
static wa_event *shield_gate;
static void *shielded_sleep(void *arg)
{
    victim *v = arg;
    v->sleep_rc = wa_event_wait(shield_gate);
    wa_h_note("inner-done");
    return PTR(21);
}
static void *shield_outer(void *arg)
{
    shield_rc = wa_await_shielded(arg, NULL);
    wa_h_note("outer-back");
    return NULL;
}

static void *shield_main(void *arg)
{
    victim v = {0};
    shield_gate = wa_event_new();
    wa_task *in = wa_spawn(shielded_sleep, &v);
    wa_task *o = wa_spawn(shield_outer, in);
    CHECK_INT(wa_sleep(2), 0);
    CHECK_INT(wa_cancel(o), 0);
    CHECK_INT(wa_await(o, NULL), WA_ECANCELED);
    CHECK_INT(shield_rc, WA_ECANCELED);
    CHECK_INT(wa_task_done(in), 0); /* still running */
    CHECK_INT(wa_event_set(shield_gate), 0);
    void *r = NULL;
    CHECK_INT(wa_await(in, &r), 0);
    CHECK_PTR(r, PTR(21));
    CHECK_INT(v.sleep_rc, 0);
    CHECK_INT(wa_event_free(shield_gate), 0);
    /* shielded await of a normal task just returns its result */
    wa_task *q = wa_spawn(quick, NULL);
    CHECK_INT(wa_await_shielded(q, &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_INT(wa_await_shielded(NULL, NULL), WA_EINVAL);
    return NULL;
}

static void test_shield_keeps_inner_running(void)
{
    shield_main(NULL);
    CHECK_STR(wa_h_trace, "outer-back inner-done");
}

static wa_lock *lock;
static wa_task *waiter;
static int acquire_rc = 99, next_rc = 99, held_after = -1;

static void *lock_waiter(void *arg)
{
    acquire_rc = wa_lock_acquire(lock);
    held_after = wa_lock_locked(lock);
    if (acquire_rc == 0) wa_lock_release(lock);
    next_rc = wa_yield(); /* the cancel must arrive here */
    return PTR(7);
}

static void test_cancel_then_handoff_keeps_both(void)
{
    lock = wa_lock_new();
    CHECK_INT(wa_lock_acquire(lock), 0);
    waiter = wa_spawn(lock_waiter, NULL);
    CHECK_INT(wa_yield(), 0); /* waiter now blocks on the lock */
    CHECK_INT(wa_cancel(waiter), 0);
    CHECK_INT(wa_lock_release(lock), 0); /* hands the lock over, same step */
    void *r = NULL;
    CHECK_INT(wa_await(waiter, &r), WA_ECANCELED);
    CHECK_INT(acquire_rc, 0);
    CHECK_INT(held_after, 1);
    CHECK_INT(next_rc, WA_ECANCELED);
    CHECK_INT(wa_lock_locked(lock), 0);
    CHECK_INT(wa_lock_free(lock), 0);
}

static wa_queue *q;
static int get_rc = 99, after_get_rc = 99;
static void *got;

static void *queue_getter(void *arg)
{
    get_rc = wa_queue_get(q, &got);
    after_get_rc = wa_sleep(1);
    return NULL;
}

static void test_cancel_then_queue_handoff(void)
{
    q = wa_queue_new(1);
    wa_task *g = wa_spawn(queue_getter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_cancel(g), 0);
    CHECK_INT(wa_queue_put(q, PTR(5)), 0);
    CHECK_INT(wa_await(g, NULL), WA_ECANCELED);
    CHECK_INT(get_rc, 0);
    CHECK_PTR(got, PTR(5)); /* the item was not lost */
    CHECK_INT(after_get_rc, WA_ECANCELED);
    CHECK_INT(wa_queue_len(q), 0);
    wa_queue_free(q);
}

/* Cancel arriving for a task already made ready by a wake stays pending. */
static wa_event *ev;
static int wait_rc = 99, later_rc = 99;
static void *event_waiter(void *arg)
{
    wait_rc = wa_event_wait(ev);
    later_rc = wa_yield();
    return NULL;
}

static void test_wake_then_cancel(void)
{
    ev = wa_event_new();
    wa_task *t = wa_spawn(event_waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_event_set(ev), 0);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(wait_rc, 0);
    CHECK_INT(later_rc, WA_ECANCELED);
    wa_event_free(ev);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_cancel_sleeper),
    WA_H_TEST(test_cancel_before_start),
    WA_H_TEST(test_wait_for),
    WA_H_TEST(test_timeout_scope),
    WA_H_TEST(test_shielded),
    WA_H_TEST(test_uncancel),
    WA_H_TEST(test_outside_task),
    WA_H_TEST(test_cancel_sleeping_task_runs_cleanup),
    WA_H_TEST(test_cancel_never_started_does_not_run),
    WA_H_TEST(test_cancel_finished_is_edone),
    WA_H_TEST(test_cancel_next_point_and_ends_cancelled),
    WA_H_TEST(test_uncancel_finishes_normally),
    WA_H_TEST(test_cancel_propagates_through_await),
    WA_H_TEST(test_shield_keeps_inner_running),
    WA_H_TEST(test_cancel_then_handoff_keeps_both),
    WA_H_TEST(test_cancel_then_queue_handoff),
    WA_H_TEST(test_wake_then_cancel),
    {0},
};

int main(void) { return wa_h_main(tests); }
