/* test_core_races.c: a cancel and a wake reaching a task in the same step.
 * The contract (core/internal.h): the hand-off wins and the cancel is
 * delivered at the next suspension point, so nothing is lost either way. */
#include "test_util.h"

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

static void *lock_race_main(void *arg)
{
    lock = wa_lock_new();
    CHECK_EQ(wa_lock_acquire(lock), 0);
    waiter = wa_spawn(lock_waiter, NULL);
    CHECK_EQ(wa_yield(), 0); /* waiter now blocks on the lock */
    CHECK_EQ(wa_cancel(waiter), 0);
    CHECK_EQ(wa_lock_release(lock), 0); /* hands the lock over, same step */
    void *r = NULL;
    CHECK_EQ(wa_await(waiter, &r), WA_ECANCELED);
    CHECK_EQ(acquire_rc, 0);
    CHECK_EQ(held_after, 1);
    CHECK_EQ(next_rc, WA_ECANCELED);
    CHECK_EQ(wa_lock_locked(lock), 0);
    CHECK_EQ(wa_lock_free(lock), 0);
    return NULL;
}

static void test_cancel_then_handoff_keeps_both(void **state)
{
    run_main(lock_race_main, NULL);
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

static void *queue_race_main(void *arg)
{
    q = wa_queue_new(1);
    wa_task *g = wa_spawn(queue_getter, NULL);
    CHECK_EQ(wa_yield(), 0);
    CHECK_EQ(wa_cancel(g), 0);
    CHECK_EQ(wa_queue_put(q, PTR(5)), 0);
    CHECK_EQ(wa_await(g, NULL), WA_ECANCELED);
    CHECK_EQ(get_rc, 0);
    CHECK_PTR(got, PTR(5)); /* the item was not lost */
    CHECK_EQ(after_get_rc, WA_ECANCELED);
    CHECK_EQ(wa_queue_len(q), 0);
    wa_queue_free(q);
    return NULL;
}

static void test_cancel_then_queue_handoff(void **state)
{
    run_main(queue_race_main, NULL);
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

static void *wake_then_cancel_main(void *arg)
{
    ev = wa_event_new();
    wa_task *t = wa_spawn(event_waiter, NULL);
    CHECK_EQ(wa_yield(), 0);
    CHECK_EQ(wa_event_set(ev), 0);
    CHECK_EQ(wa_cancel(t), 0);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    CHECK_EQ(wait_rc, 0);
    CHECK_EQ(later_rc, WA_ECANCELED);
    wa_event_free(ev);
    return NULL;
}

static void test_wake_then_cancel(void **state)
{
    run_main(wake_then_cancel_main, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_then_handoff_keeps_both),
        cmocka_unit_test(test_cancel_then_queue_handoff),
        cmocka_unit_test(test_wake_then_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
