/* test_core_sync.c: event, lock, semaphore, bounded queue, and the
 * WA_WITH_LOCK / WA_WITH_SEM scoped forms on every exit path. */
#include "test_util.h"

/* ------------------------------------------------------------ event */

static void *event_waiter(void *arg)
{
    CHECK_EQ(wa_event_wait(arg), 0);
    trace("w%s", wa_task_name(wa_current()));
    return NULL;
}

static void *event_main(void *arg)
{
    wa_event *e = wa_event_new();
    CHECK(e != NULL);
    CHECK_EQ(wa_event_is_set(e), 0);
    wa_task *ts[3] = {spawn_named("1", event_waiter, e), spawn_named("2", event_waiter, e),
                      spawn_named("3", event_waiter, e)};
    yield_n(3);
    trace("set");
    CHECK_EQ(wa_event_free(e), WA_EBUSY); /* waiters present: nothing freed */
    CHECK_EQ(wa_event_set(e), 0);
    CHECK_EQ(wa_event_is_set(e), 1);
    CHECK_EQ(wa_gather(ts, 3, NULL, NULL, 0), 0);
    /* a set event does not block */
    CHECK_EQ(wa_event_wait(e), 0);
    CHECK_EQ(wa_event_set(e), 0); /* setting twice is fine */
    CHECK_EQ(wa_event_clear(e), 0);
    CHECK_EQ(wa_event_is_set(e), 0);
    /* after clear, waiting blocks again: a timeout proves it */
    int rc = 99, w = 99;
    WA_TIMEOUT(5, rc) { w = wa_event_wait(e); }
    CHECK_EQ(w, WA_ETIMEDOUT);
    CHECK_EQ(rc, WA_ETIMEDOUT);
    CHECK_EQ(wa_event_free(e), 0);
    return NULL;
}

static void test_event_wakes_all(void **state)
{
    run_main(event_main, NULL);
    expect_trace("set w1 w2 w3");
}

/* ------------------------------------------------------------- lock */

static void *lock_user(void *arg)
{
    wa_lock *l = arg;
    int rc = wa_lock_acquire(l);
    if (rc < 0) {
        trace("%s:%d", wa_task_name(wa_current()), rc);
        return NULL;
    }
    trace("%s", wa_task_name(wa_current()));
    CHECK_EQ(wa_yield(), 0);
    CHECK_EQ(wa_lock_release(l), 0);
    return NULL;
}

static void *lock_fifo_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    CHECK(l != NULL);
    CHECK_EQ(wa_lock_acquire(l), 0);
    CHECK_EQ(wa_lock_locked(l), 1);
    wa_task *ts[3] = {spawn_named("B", lock_user, l), spawn_named("C", lock_user, l),
                      spawn_named("D", lock_user, l)};
    yield_n(2); /* all three are queued on the lock now */
    trace("A");
    CHECK_EQ(wa_lock_free(l), WA_EBUSY);
    CHECK_EQ(wa_lock_release(l), 0);
    /* FIFO fairness: re-acquiring right away queues behind B, C, D */
    CHECK_EQ(wa_lock_acquire(l), 0);
    trace("A2");
    CHECK_EQ(wa_lock_release(l), 0);
    CHECK_EQ(wa_gather(ts, 3, NULL, NULL, 0), 0);
    CHECK_EQ(wa_lock_locked(l), 0);
    CHECK_EQ(wa_lock_free(l), 0);
    return NULL;
}

static void test_lock_fifo_fairness(void **state)
{
    run_main(lock_fifo_main, NULL);
    expect_trace("A B C D A2");
}

static int foreign_release_rc;
static void *foreign_release(void *arg)
{
    foreign_release_rc = wa_lock_release(arg);
    return NULL;
}

static void *lock_errors_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    CHECK_EQ(wa_lock_release(l), WA_EPERM); /* not held at all */
    CHECK_EQ(wa_lock_acquire(l), 0);
    CHECK_EQ(wa_lock_acquire(l), WA_EDEADLK); /* not recursive */
    wa_task *t = wa_spawn(foreign_release, l);
    CHECK_EQ(wa_await(t, NULL), 0);
    CHECK_EQ(foreign_release_rc, WA_EPERM); /* not the holder */
    CHECK_EQ(wa_lock_locked(l), 1);
    CHECK_EQ(wa_lock_release(l), 0);
    CHECK_EQ(wa_lock_locked(l), 0);
    CHECK_EQ(wa_lock_free(l), 0);
    return NULL;
}

static void test_lock_eperm_and_edeadlk(void **state)
{
    run_main(lock_errors_main, NULL);
}

/* A cancelled waiter leaves the queue; the lock passes to the next one. */
static void *lock_cancel_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    CHECK_EQ(wa_lock_acquire(l), 0);
    wa_task *b = spawn_named("B", lock_user, l);
    wa_task *c = spawn_named("C", lock_user, l);
    yield_n(2);
    CHECK_EQ(wa_cancel(b), 0);
    CHECK_EQ(wa_await(b, NULL), WA_ECANCELED);
    CHECK_EQ(wa_lock_release(l), 0);
    CHECK_EQ(wa_await(c, NULL), 0);
    CHECK_EQ(wa_lock_locked(l), 0);
    CHECK_EQ(wa_lock_free(l), 0);
    return NULL;
}

static void test_lock_cancelled_waiter(void **state)
{
    run_main(lock_cancel_main, NULL);
    /* only C ever held the lock */
    expect_trace("B:-5 C");
}

/* -------------------------------------------------------- semaphore */

/* Hold times are driven by events, not timers, so the order is fixed even
 * on a loaded machine: b holds until c has entered. */
typedef struct sem_arg {
    wa_sem *s;
    wa_event *hold_until; /* wait for this while holding (or just yield) */
    wa_event *on_enter;   /* set this once inside */
} sem_arg;

static void *sem_user(void *arg)
{
    sem_arg *a = arg;
    wa_sem *s = a->s;
    CHECK_EQ(wa_sem_acquire(s), 0);
    trace("+%s", wa_task_name(wa_current()));
    if (a->on_enter) CHECK_EQ(wa_event_set(a->on_enter), 0);
    if (a->hold_until)
        CHECK_EQ(wa_event_wait(a->hold_until), 0);
    else
        CHECK_EQ(wa_yield(), 0);
    trace("-%s", wa_task_name(wa_current()));
    CHECK_EQ(wa_sem_release(s), 0);
    return NULL;
}

static void *sem_main(void *arg)
{
    wa_sem *s = wa_sem_new(2);
    CHECK(s != NULL);
    CHECK_EQ(wa_sem_value(s), 2);
    CHECK_EQ(wa_sem_release(s), WA_EPERM); /* over-release */
    CHECK_EQ(wa_sem_value(s), 2);
    wa_event *c_in = wa_event_new();
    sem_arg sa[3] = {{s, NULL, NULL}, {s, c_in, NULL}, {s, NULL, c_in}};
    wa_task *ts[3] = {spawn_named("a", sem_user, &sa[0]), spawn_named("b", sem_user, &sa[1]),
                      spawn_named("c", sem_user, &sa[2])};
    yield_n(1); /* a and b are inside, c waits (a yields once first) */
    CHECK_EQ(wa_sem_value(s), 0);
    CHECK_EQ(wa_sem_free(s), WA_EBUSY); /* c waits on it */
    CHECK_EQ(wa_gather(ts, 3, NULL, NULL, 0), 0);
    CHECK_EQ(wa_sem_value(s), 2);
    CHECK_EQ(wa_sem_free(s), 0);
    CHECK_EQ(wa_event_free(c_in), 0);
    wa_sem *z = wa_sem_new(0);
    CHECK_EQ(wa_sem_value(z), 0);
    CHECK_EQ(wa_sem_release(z), WA_EPERM);
    CHECK_EQ(wa_sem_free(z), 0);
    return NULL;
}

static void test_sem_bounds(void **state)
{
    run_main(sem_main, NULL);
    /* at most two inside at once; c enters when a leaves */
    expect_trace("+a +b -a +c -b -c");
}

/* ------------------------------------------------------------ queue */

static void *producer(void *arg)
{
    wa_queue *q = arg;
    for (int i = 1; i <= 4; i++) {
        CHECK_EQ(wa_queue_put(q, PTR(i)), 0);
        trace("put%d", i);
    }
    CHECK_EQ(wa_queue_close(q), 0);
    return NULL;
}

static void *queue_main(void *arg)
{
    wa_queue *q = wa_queue_new(2);
    CHECK(q != NULL);
    wa_task *p = wa_spawn(producer, q);
    yield_n(3); /* producer fills the queue and blocks on the third put */
    CHECK_EQ(wa_queue_len(q), 2);
    CHECK_EQ(wa_queue_try_put(q, PTR(9)), WA_EBUSY);
    CHECK_EQ(wa_queue_free(q), WA_EBUSY); /* the producer waits */
    void *item = NULL;
    int rc;
    while ((rc = wa_queue_get(q, &item)) == 0) {
        trace("get%d", INT(item));
        yield_n(1);
    }
    CHECK_EQ(rc, WA_ECLOSED);
    CHECK_EQ(wa_queue_get(q, &item), WA_ECLOSED);
    CHECK_EQ(wa_await(p, NULL), 0);
    CHECK_EQ(wa_queue_free(q), 0);
    return NULL;
}

static void test_queue_bounded_put_get(void **state)
{
    run_main(queue_main, NULL);
    expect_trace("put1 put2 get1 put3 get2 put4 get3 get4");
}

static void *queue_close_main(void *arg)
{
    wa_queue *q = wa_queue_new(4);
    void *item = NULL;
    CHECK_EQ(wa_queue_try_get(q, &item), WA_EBUSY);
    CHECK_EQ(wa_queue_try_put(q, PTR(1)), 0);
    CHECK_EQ(wa_queue_put(q, PTR(2)), 0);
    CHECK_EQ(wa_queue_len(q), 2);
    CHECK_EQ(wa_queue_close(q), 0);
    CHECK_EQ(wa_queue_put(q, PTR(3)), WA_ECLOSED);
    CHECK_EQ(wa_queue_try_put(q, PTR(3)), WA_ECLOSED);
    /* get drains what is left, then says closed */
    CHECK_EQ(wa_queue_try_get(q, &item), 0);
    CHECK_PTR(item, PTR(1));
    CHECK_EQ(wa_queue_get(q, &item), 0);
    CHECK_PTR(item, PTR(2));
    CHECK_EQ(wa_queue_get(q, &item), WA_ECLOSED);
    CHECK_EQ(wa_queue_try_get(q, &item), WA_ECLOSED);
    CHECK_EQ(wa_queue_free(q), 0);
    return NULL;
}

static void test_queue_close_semantics(void **state)
{
    run_main(queue_close_main, NULL);
}

static int blocked_get_rc = 99;
static void *blocked_getter(void *arg)
{
    void *item;
    blocked_get_rc = wa_queue_get(arg, &item);
    return NULL;
}

static void *close_wakes_getter_main(void *arg)
{
    wa_queue *q = wa_queue_new(1);
    wa_task *g = wa_spawn(blocked_getter, q);
    yield_n(1);
    CHECK_EQ(wa_queue_close(q), 0);
    CHECK_EQ(wa_await(g, NULL), 0);
    CHECK_EQ(blocked_get_rc, WA_ECLOSED);
    CHECK_EQ(wa_queue_free(q), 0);
    return NULL;
}

static void test_queue_close_wakes_getters(void **state)
{
    run_main(close_wakes_getter_main, NULL);
}

/* A cancelled putter does not enqueue its item, and a cancelled event
 * waiter no longer counts as a waiter. */
static int put_rc = 99;
static void *blocked_putter(void *arg)
{
    put_rc = wa_queue_put(arg, PTR(2));
    return NULL;
}

static int ev_rc = 99;
static void *blocked_event_waiter(void *arg)
{
    ev_rc = wa_event_wait(arg);
    return NULL;
}

static void *cancel_waiters_main(void *arg)
{
    wa_queue *q = wa_queue_new(1);
    CHECK_EQ(wa_queue_put(q, PTR(1)), 0);
    wa_task *p = wa_spawn(blocked_putter, q);
    wa_event *e = wa_event_new();
    wa_task *w = wa_spawn(blocked_event_waiter, e);
    yield_n(1);
    CHECK_EQ(wa_cancel(p), 0);
    CHECK_EQ(wa_cancel(w), 0);
    CHECK_EQ(wa_await(p, NULL), WA_ECANCELED);
    CHECK_EQ(wa_await(w, NULL), WA_ECANCELED);
    CHECK_EQ(put_rc, WA_ECANCELED);
    CHECK_EQ(ev_rc, WA_ECANCELED);
    CHECK_EQ(wa_queue_len(q), 1);
    void *item = NULL;
    CHECK_EQ(wa_queue_get(q, &item), 0);
    CHECK_PTR(item, PTR(1));
    CHECK_EQ(wa_queue_try_get(q, &item), WA_EBUSY); /* item 2 never went in */
    CHECK_EQ(wa_queue_free(q), 0);
    CHECK_EQ(wa_event_free(e), 0);
    return NULL;
}

static void test_cancelled_waiters_leave(void **state)
{
    run_main(cancel_waiters_main, NULL);
}

/* ------------------------------------------------------ WA_WITH_* */

static int with_return_helper(wa_lock *l)
{
    int rc;
    WA_WITH_LOCK(l, rc) {
        CHECK_EQ(wa_lock_locked(l), 1);
        return 7;
    }
    return rc;
}

static void *with_paths_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    int rc = 99, ran = 0;
    /* normal exit */
    WA_WITH_LOCK(l, rc) {
        ran++;
        CHECK_EQ(wa_lock_locked(l), 1);
        CHECK_EQ(wa_yield(), 0);
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(ran, 1);
    CHECK_EQ(wa_lock_locked(l), 0);
    /* break */
    for (int i = 0; i < 3; i++) {
        WA_WITH_LOCK(l, rc) {
            ran++;
            if (i == 1) break;
        }
        CHECK_EQ(wa_lock_locked(l), 0);
    }
    CHECK_EQ(ran, 4);
    CHECK_EQ(wa_lock_locked(l), 0);
    /* return from inside */
    CHECK_EQ(with_return_helper(l), 7);
    CHECK_EQ(wa_lock_locked(l), 0);
    /* goto out of the body */
    WA_WITH_LOCK(l, rc) { goto out; }
out:
    CHECK_EQ(wa_lock_locked(l), 0);
    /* acquire fails: body skipped, code in rc */
    CHECK_EQ(wa_lock_acquire(l), 0);
    int body = 0;
    WA_WITH_LOCK(l, rc) { body = 1; }
    CHECK_EQ(body, 0);
    CHECK_EQ(rc, WA_EDEADLK);
    CHECK_EQ(wa_lock_locked(l), 1); /* still ours, not released by the macro */
    CHECK_EQ(wa_lock_release(l), 0);
    CHECK_EQ(wa_lock_free(l), 0);
    return NULL;
}

static void test_with_lock_exit_paths(void **state)
{
    run_main(with_paths_main, NULL);
}

static int with_sleep_rc = 99;
static void *with_lock_sleeper(void *arg)
{
    int rc;
    WA_WITH_LOCK((wa_lock *)arg, rc) { with_sleep_rc = wa_sleep(100000); }
    CHECK_EQ(rc, 0);
    return NULL;
}

static void *with_cancel_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    wa_task *t = wa_spawn(with_lock_sleeper, l);
    CHECK_EQ(wa_sleep(2), 0);
    CHECK_EQ(wa_lock_locked(l), 1);
    CHECK_EQ(wa_cancel(t), 0);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    CHECK_EQ(with_sleep_rc, WA_ECANCELED);
    CHECK_EQ(wa_lock_locked(l), 0);
    /* and the lock is usable */
    CHECK_EQ(wa_lock_acquire(l), 0);
    CHECK_EQ(wa_lock_release(l), 0);
    CHECK_EQ(wa_lock_free(l), 0);
    return NULL;
}

static void test_with_lock_released_on_cancel(void **state)
{
    run_main(with_cancel_main, NULL);
}

static void *with_timeout_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    wa_sem *s = wa_sem_new(1);
    int trc = 99, lrc = 99, src = 99, slept = 99;
    WA_TIMEOUT(5, trc) {
        WA_WITH_LOCK(l, lrc) {
            WA_WITH_SEM(s, src) {
                CHECK_EQ(wa_sem_value(s), 0);
                slept = wa_sleep(100000);
            }
        }
    }
    CHECK_EQ(slept, WA_ETIMEDOUT);
    CHECK_EQ(trc, WA_ETIMEDOUT);
    CHECK_EQ(lrc, 0);
    CHECK_EQ(src, 0);
    CHECK_EQ(wa_lock_locked(l), 0);
    CHECK_EQ(wa_sem_value(s), 1);
    CHECK_EQ(wa_lock_free(l), 0);
    CHECK_EQ(wa_sem_free(s), 0);
    return NULL;
}

static void test_with_released_on_timeout(void **state)
{
    run_main(with_timeout_main, NULL);
}

/* WA_WITH_SEM whose acquire times out skips the body. */
static void *with_sem_fail_main(void *arg)
{
    wa_sem *s = wa_sem_new(1);
    CHECK_EQ(wa_sem_acquire(s), 0);
    int trc = 99, src = 99, body = 0;
    WA_TIMEOUT(5, trc) {
        WA_WITH_SEM(s, src) { body = 1; }
    }
    CHECK_EQ(body, 0);
    CHECK_EQ(src, WA_ETIMEDOUT);
    CHECK_EQ(trc, WA_ETIMEDOUT);
    CHECK_EQ(wa_sem_value(s), 0);
    CHECK_EQ(wa_sem_release(s), 0);
    CHECK_EQ(wa_sem_free(s), 0);
    return NULL;
}

static void test_with_sem_acquire_fails(void **state)
{
    run_main(with_sem_fail_main, NULL);
}

/* --------------------------------------------------------- NULL args */

static void *sync_null_main(void *arg)
{
    void *item;
    CHECK_EQ(wa_event_set(NULL), WA_EINVAL);
    CHECK_EQ(wa_event_clear(NULL), WA_EINVAL);
    CHECK_EQ(wa_event_is_set(NULL), WA_EINVAL);
    CHECK_EQ(wa_event_wait(NULL), WA_EINVAL);
    CHECK_EQ(wa_event_free(NULL), WA_EINVAL);
    CHECK_EQ(wa_lock_acquire(NULL), WA_EINVAL);
    CHECK_EQ(wa_lock_release(NULL), WA_EINVAL);
    CHECK_EQ(wa_lock_locked(NULL), WA_EINVAL);
    CHECK_EQ(wa_lock_free(NULL), WA_EINVAL);
    CHECK_EQ(wa_sem_acquire(NULL), WA_EINVAL);
    CHECK_EQ(wa_sem_release(NULL), WA_EINVAL);
    CHECK_EQ(wa_sem_value(NULL), WA_EINVAL);
    CHECK_EQ(wa_sem_free(NULL), WA_EINVAL);
    CHECK_EQ(wa_queue_put(NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_queue_get(NULL, &item), WA_EINVAL);
    CHECK_EQ(wa_queue_try_put(NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_queue_try_get(NULL, &item), WA_EINVAL);
    CHECK_EQ(wa_queue_close(NULL), WA_EINVAL);
    CHECK_EQ(wa_queue_len(NULL), 0);
    CHECK_EQ(wa_queue_free(NULL), WA_EINVAL);
    wa_queue *q = wa_queue_new(1);
    CHECK_EQ(wa_queue_get(q, NULL), WA_EINVAL);
    CHECK_EQ(wa_queue_try_get(q, NULL), WA_EINVAL);
    CHECK_EQ(wa_queue_free(q), 0);
    int rc = 99, body = 0;
    WA_WITH_LOCK(NULL, rc) { body = 1; }
    CHECK_EQ(rc, WA_EINVAL);
    WA_WITH_SEM(NULL, rc) { body = 1; }
    CHECK_EQ(rc, WA_EINVAL);
    CHECK_EQ(body, 0);
    return NULL;
}

static void test_sync_null_args(void **state)
{
    run_main(sync_null_main, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_wakes_all),
        cmocka_unit_test(test_lock_fifo_fairness),
        cmocka_unit_test(test_lock_eperm_and_edeadlk),
        cmocka_unit_test(test_lock_cancelled_waiter),
        cmocka_unit_test(test_sem_bounds),
        cmocka_unit_test(test_queue_bounded_put_get),
        cmocka_unit_test(test_queue_close_semantics),
        cmocka_unit_test(test_queue_close_wakes_getters),
        cmocka_unit_test(test_cancelled_waiters_leave),
        cmocka_unit_test(test_with_lock_exit_paths),
        cmocka_unit_test(test_with_lock_released_on_cancel),
        cmocka_unit_test(test_with_released_on_timeout),
        cmocka_unit_test(test_with_sem_acquire_fails),
        cmocka_unit_test(test_sync_null_args),
    };
    return cmocka_run_group_tests_name("core_sync", tests, NULL, NULL);
}
