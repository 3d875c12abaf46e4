/* sc_cancel.c: scenario: cancellation: at the current and the next
 * suspension point, cleanup after it, never-started and finished tasks,
 * propagation through wa_await, shielded awaits, wa_uncancel, wait_for and
 * nested WA_TIMEOUT scopes; and a cancel racing a wake in the same step
 * (the hand-off wins, the cancel arrives at the next suspension point, so
 * nothing is lost either way); cancels before a suspension point
 * are delivered once and counted (wa_task_cancelling, wa_uncancel), a
 * pending cancel is never dropped when the body returns, and a swallowed
 * cancel under wa_wait_for / wa_await returns the task's value. */
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
    {
        WA_TIMEOUT_SCOPE(5, rc);
        inner = wa_sleep(10000);
    }
    CHECK_INT(inner, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    /* not expired: rc is 0 and sleeps finish normally */
    {
        WA_TIMEOUT_SCOPE(10000, rc);
        inner = wa_sleep(1);
    }
    CHECK_INT(inner, 0);
    CHECK_INT(rc, 0);
    /* an inner, longer deadline never extends the outer one */
    int outer_rc = 99, inner_rc = 99;
    {
        WA_TIMEOUT_SCOPE(5, outer_rc);
        {
            WA_TIMEOUT_SCOPE(10000, inner_rc);
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
    if (v->sleep_rc == WA_ECANCELED)
        CHECK_INT(wa_uncancel(), 0);
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
    if (acquire_rc == 0)
        wa_lock_release(lock);
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

/* --------------------------------------------------- one cancel per burst */

/* Two cancels before the task reaches a suspension point are
 * delivered once; its cleanup's own suspensions run normally, and the
 * requests are counted (asyncio's Task.cancelling). */
typedef struct twice {
    int first_rc, cleanup_rc, cancelling_seen;
} twice;

static void *sleep_then_cleanup(void *arg)
{
    twice *tw = arg;
    tw->first_rc = wa_sleep(100000);
    tw->cancelling_seen = wa_task_cancelling(wa_current());
    tw->cleanup_rc = wa_sleep(1);
    return PTR(1);
}

static void test_two_cancels_delivered_once(void)
{
    twice tw = {99, 99, -1};
    wa_task *t = wa_spawn(sleep_then_cleanup, &tw);
    CHECK_INT(wa_yield(), 0); /* t sleeps */
    CHECK_INT(wa_task_cancelling(t), 0);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_cancel(t), 0); /* before t runs again */
    CHECK_INT(wa_task_cancelling(t), 2);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(tw.first_rc, WA_ECANCELED);
    CHECK_INT(tw.cleanup_rc, 0); /* not a second delivery */
    CHECK_INT(tw.cancelling_seen, 2);
    CHECK_INT(wa_task_cancelling(NULL), WA_EINVAL);
    wa_release(t);
}

/* Two awaiters of the same task cancelled together: each cancels the awaited
 * task, which still sees one cancellation. */
static void *await_arg(void *arg) { return PTR(wa_await(arg, NULL)); }

static void test_two_awaiters_cancelled_together(void)
{
    twice tw = {99, 99, -1};
    wa_task *t = wa_spawn(sleep_then_cleanup, &tw);
    wa_task *a = wa_spawn(await_arg, t);
    wa_task *b = wa_spawn(await_arg, t);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_cancel(a), 0);
    CHECK_INT(wa_cancel(b), 0);
    CHECK_INT(wa_await(a, NULL), WA_ECANCELED);
    CHECK_INT(wa_await(b, NULL), WA_ECANCELED);
    CHECK_INT(tw.first_rc, WA_ECANCELED);
    CHECK_INT(tw.cleanup_rc, 0);
    CHECK_INT(wa_task_cancelling(t), 2);
    CHECK_INT(wa_task_error(t), WA_ECANCELED);
}

/* wa_uncancel takes back one request; the task ends normally only once the
 * count is back to 0 (asyncio 3.11+ structured concurrency). */
static void *uncancel_once(void *arg)
{
    int *left = arg;
    if (wa_sleep(100000) == WA_ECANCELED)
        *left = wa_uncancel();
    return PTR(3);
}

static void test_uncancel_counts(void)
{
    int left = -1;
    wa_task *t = wa_spawn(uncancel_once, &left);
    CHECK_INT(wa_yield(), 0);
    wa_cancel(t);
    wa_cancel(t);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED); /* one request still stands */
    CHECK_INT(left, 1);
    left = -1;
    wa_task *u = wa_spawn(uncancel_once, &left);
    CHECK_INT(wa_yield(), 0);
    wa_cancel(u);
    void *r = NULL;
    CHECK_INT(wa_await(u, &r), 0);
    CHECK_INT(left, 0);
    CHECK_PTR(r, PTR(3));
    CHECK_INT(wa_task_cancelling(u), 0);
}

/* A cancel that is still pending when the body returns ends the task
 * cancelled: the task cancelled itself, or a wake-up and a cancel reached it
 * in the same step. */
static void *cancel_self_and_return(void *arg)
{
    wa_cancel(wa_current());
    return PTR(4);
}

static wa_event *same_step_ev;
static int same_step_wait_rc;
static void *wait_then_return(void *arg)
{
    same_step_wait_rc = wa_event_wait(same_step_ev);
    return PTR(5); /* no suspension point after the wake */
}

static void test_pending_cancel_not_dropped(void)
{
    wa_task *t = wa_spawn(cancel_self_and_return, NULL);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    same_step_ev = wa_event_new();
    same_step_wait_rc = 99;
    wa_task *w = wa_spawn(wait_then_return, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_event_set(same_step_ev), 0);
    CHECK_INT(wa_cancel(w), 0); /* same step as the wake-up */
    CHECK_INT(wa_await(w, NULL), WA_ECANCELED);
    CHECK_INT(same_step_wait_rc, 0); /* it got its wake-up */
    CHECK_INT(wa_event_free(same_step_ev), 0);
}

/* The same, visible form: wa_wait_for's deadline and the inner task's own
 * timer fire in the same turn (a busy task makes both due). The inner task
 * then returns without a suspension point: it must end cancelled, as the
 * WA_ETIMEDOUT of wa_wait_for says. */
static void *nap_then_value(void *arg)
{
    (void)arg;
    wa_sleep(1);
    return PTR(6);
}

static void *busy_10ms(void *arg)
{
    (void)arg;
    uint64_t end = wa_hrtime() + 10u * 1000000u;
    while (wa_hrtime() < end) {
    }
    return NULL;
}

static void test_wait_for_same_turn_ends_cancelled(void)
{
    wa_task *inner = wa_spawn(nap_then_value, NULL);
    wa_task *busy = wa_spawn(busy_10ms, NULL);
    void *r = NULL;
    int rc = wa_wait_for(inner, 1, &r);
    CHECK_INT(wa_task_done(inner), 1);
    if (rc == WA_ETIMEDOUT)
        CHECK_INT(wa_task_error(inner), WA_ECANCELED); /* never a lost value */
    else
        CHECK_INT(rc, 0);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(wa_await(busy, NULL), 0);
}

/* The inner task swallows wa_wait_for's cancel and returns a value:
 * the value is returned, as asyncio 3.12's wait_for does. */
static void *swallow_cancel(void *arg)
{
    int rc = wa_sleep(100000);
    if (rc == WA_ECANCELED)
        wa_uncancel();
    return PTR(7);
}

static void test_wait_for_swallowed_cancel_returns_value(void)
{
    wa_task *t = wa_spawn(swallow_cancel, NULL);
    void *r = NULL;
    CHECK_INT(wa_wait_for(t, 5, &r), 0);
    CHECK_PTR(r, PTR(7));
    CHECK_INT(wa_task_error(t), 0);
    CHECK_INT(wa_sleep(1), 0); /* the expired scope is gone */
}

/* The same through a cancelled wa_await: the awaited task decides. */
static void *await_swallower(void *arg)
{
    void *r = NULL;
    int rc = wa_await(arg, &r);
    int next = wa_sleep(1); /* the waiter's cancellation was withdrawn */
    return PTR(rc == 0 && r == PTR(7) && next == 0 ? 1 : 0);
}

static void test_await_swallowed_cancel_returns_value(void)
{
    wa_task *in = wa_spawn(swallow_cancel, NULL);
    wa_task *out = wa_spawn(await_swallower, in);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_cancel(out), 0);
    void *r = NULL;
    CHECK_INT(wa_await(out, &r), 0);
    CHECK_PTR(r, PTR(1));
    CHECK_INT(wa_task_cancelling(out), 1); /* asyncio keeps the count */
}

/* A chain of awaits: cancelling its head reaches the tail at once (one
 * delivery each), and the tail awaiting the head is a cycle (WA_EDEADLK). */
#define CHAIN 200
static wa_task *chain[CHAIN];
static int chain_tail_rc = 99, chain_tail_cleanup = 99, chain_cycle_rc = 99;

static void *chain_link(void *arg)
{
    intptr_t i = (intptr_t)arg;
    if (i + 1 < CHAIN)
        return PTR(wa_await(chain[i + 1], NULL));
    wa_yield(); /* every link awaits its successor by now */
    chain_cycle_rc = wa_await(chain[0], NULL);
    chain_tail_rc = wa_sleep(100000);
    chain_tail_cleanup = wa_sleep(1);
    return NULL;
}

static void test_cancel_runs_down_a_chain(void)
{
    for (intptr_t i = 0; i < CHAIN; i++)
        chain[i] = wa_spawn(chain_link, PTR(i));
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(chain_cycle_rc, WA_EDEADLK);
    CHECK_INT(wa_cancel(chain[0]), 0);
    CHECK_INT(wa_task_cancelling(chain[CHAIN - 1]), 1); /* reached at once */
    CHECK_INT(wa_await(chain[0], NULL), WA_ECANCELED);
    CHECK_INT(chain_tail_rc, WA_ECANCELED);
    CHECK_INT(chain_tail_cleanup, 0);
    for (int i = 0; i < CHAIN; i++) {
        CHECK_INT(wa_task_error(chain[i]), WA_ECANCELED);
        wa_release(chain[i]);
    }
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
    WA_H_TEST(test_two_cancels_delivered_once),
    WA_H_TEST(test_two_awaiters_cancelled_together),
    WA_H_TEST(test_uncancel_counts),
    WA_H_TEST(test_pending_cancel_not_dropped),
    WA_H_TEST(test_wait_for_same_turn_ends_cancelled),
    WA_H_TEST(test_wait_for_swallowed_cancel_returns_value),
    WA_H_TEST(test_await_swallowed_cancel_returns_value),
    WA_H_TEST(test_cancel_runs_down_a_chain),
    {0},
};

int main(void) { return wa_h_main(tests); }
