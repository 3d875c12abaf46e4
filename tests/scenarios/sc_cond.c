/* sc_cond.c: scenario: wa_cond (asyncio.Condition: wait, wait_for, notify(n),
 * notify_all, the lock held on every return, a notify racing a cancel) and
 * wa_barrier (asyncio.Barrier: arrival indices, rounds, draining, abort,
 * reset, broken state); a cancel and a deadline scope for each wait. */
#include "harness.h"

/* ---------------------------------------------------------- condition */

typedef struct cond_env {
    wa_cond *c;
    int items;
} cond_env;

static void *cond_waiter(void *arg)
{
    cond_env *env = arg;
    int rc;
    WA_LOCK_SCOPE(wa_cond_lock(env->c), rc);
    if (rc < 0)
        return PTR(rc);
    rc = wa_cond_wait(env->c);
    CHECK_INT(wa_lock_locked(wa_cond_lock(env->c)), 1); /* held again */
    wa_h_note("%s:%d", wa_task_name(wa_current()), rc);
    return PTR(rc);
}

static void test_cond_notify_n_fifo(void)
{
    cond_env env = {wa_cond_new(NULL), 0};
    wa_lock *l = wa_cond_lock(env.c);
    wa_task *ts[3] = {spawn_named("a", cond_waiter, &env), spawn_named("b", cond_waiter, &env),
                      spawn_named("c", cond_waiter, &env)};
    yield_n(2); /* all three wait */
    CHECK_INT(wa_lock_locked(l), 0);
    CHECK_INT(wa_cond_notify(env.c, 1), WA_EPERM); /* lock not held */
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_cond_notify(env.c, 1), 1);
    CHECK_INT(wa_lock_release(l), 0);
    yield_n(2);
    CHECK_STR(wa_h_trace, "a:0");
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_cond_notify(env.c, 5), 2); /* only two were waiting */
    CHECK_INT(wa_cond_notify_all(env.c), 0);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_gather(ts, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "a:0 b:0 c:0");
    for (int i = 0; i < 3; i++)
        wa_release(ts[i]);
    CHECK_INT(wa_cond_free(env.c), 0);
}

static int have_items(void *arg)
{
    cond_env *env = arg;
    /* the predicate runs with the lock held */
    CHECK_INT(wa_lock_locked(wa_cond_lock(env->c)), 1);
    return env->items > 0;
}

static void *cond_consumer(void *arg)
{
    cond_env *env = arg;
    int rc;
    WA_LOCK_SCOPE(wa_cond_lock(env->c), rc);
    if (rc < 0)
        return PTR(rc);
    rc = wa_cond_wait_for(env->c, have_items, env);
    if (rc == 0)
        env->items--;
    return PTR(rc);
}

static void test_cond_wait_for_predicate(void)
{
    cond_env env = {wa_cond_new(NULL), 0};
    wa_task *ts[2] = {wa_spawn(cond_consumer, &env), wa_spawn(cond_consumer, &env)};
    yield_n(2); /* both wait: no items */
    wa_lock *l = wa_cond_lock(env.c);
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_cond_notify_all(env.c), 2);
    CHECK_INT(wa_lock_release(l), 0);
    yield_n(3); /* woken, the predicate still false: both wait again */
    CHECK_INT(wa_task_done(ts[0]), 0);
    CHECK_INT(wa_task_done(ts[1]), 0);
    {
        int rc;
        WA_LOCK_SCOPE(l, rc);
        CHECK_INT(rc, 0);
        env.items = 2;
        CHECK_INT(wa_cond_notify_all(env.c), 2);
    }
    void *res[2];
    CHECK_INT(wa_gather(ts, 2, res, NULL, 0), 0);
    CHECK_PTR(res[0], PTR(0));
    CHECK_PTR(res[1], PTR(0));
    CHECK_INT(env.items, 0);
    /* already true: no wait; not holding the lock: WA_EPERM */
    env.items = 1;
    CHECK_INT(wa_cond_wait_for(env.c, have_items, &env), WA_EPERM);
    CHECK_INT(wa_cond_wait(env.c), WA_EPERM);
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    CHECK_INT(wa_cond_free(env.c), 0);
}

/* Cancelled while waiting: WA_ECANCELED, and the lock is held again on
 * return, even though retaking it had to wait for another holder. */
static void test_cond_wait_cancelled(void)
{
    cond_env env = {wa_cond_new(NULL), 0};
    wa_lock *l = wa_cond_lock(env.c);
    wa_task *t = spawn_named("w", cond_waiter, &env);
    yield_n(2);
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_cancel(t), 0);
    yield_n(3);
    CHECK_INT(wa_task_done(t), 0); /* waiting to retake the lock */
    CHECK_INT(wa_cond_free(env.c), WA_EBUSY);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "w:-5");
    CHECK_INT(wa_lock_locked(l), 0); /* the waiter's scope released it */
    wa_release(t);
    CHECK_INT(wa_cond_free(env.c), 0);
}

/* A notify and a cancel in the same step: the notification is kept (the
 * wait returns 0) and the cancel reaches the next suspension point. */
static void *cond_waiter_then_yield(void *arg)
{
    cond_env *env = arg;
    int rc;
    WA_LOCK_SCOPE(wa_cond_lock(env->c), rc);
    if (rc < 0)
        return PTR(rc);
    wa_h_note("wait:%d", wa_cond_wait(env->c));
    wa_h_note("next:%d", wa_yield());
    return NULL;
}

static void test_cond_notify_races_cancel(void)
{
    cond_env env = {wa_cond_new(NULL), 0};
    wa_lock *l = wa_cond_lock(env.c);
    wa_task *t = wa_spawn(cond_waiter_then_yield, &env);
    yield_n(2);
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_cond_notify(env.c, 1), 1);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "wait:0 next:-5");
    wa_release(t);
    CHECK_INT(wa_cond_free(env.c), 0);
}

static void test_cond_deadline_scope(void)
{
    wa_lock *shared = wa_lock_new();
    wa_cond *c = wa_cond_new(shared);
    wa_cond *c2 = wa_cond_new(shared); /* two conditions, one lock */
    CHECK_PTR(wa_cond_lock(c2), shared);
    int trc = 99, lrc = 99, w = 99;
    {
        WA_LOCK_SCOPE(shared, lrc);
        {
            WA_TIMEOUT_SCOPE(5, trc);
            w = wa_cond_wait(c);
        }
        CHECK_INT(wa_lock_locked(shared), 1);
    }
    CHECK_INT(w, WA_ETIMEDOUT);
    CHECK_INT(trc, WA_ETIMEDOUT);
    CHECK_INT(lrc, 0);
    CHECK_INT(wa_lock_locked(shared), 0);
    CHECK_INT(wa_cond_free(c), 0);
    CHECK_INT(wa_cond_free(c2), 0);
    CHECK_INT(wa_lock_free(shared), 0); /* not the conditions' to free */
    CHECK_INT(wa_cond_wait(NULL), WA_EINVAL);
    CHECK_INT(wa_cond_notify(NULL, 1), WA_EINVAL);
    CHECK_INT(wa_cond_free(NULL), WA_EINVAL);
}

/* ------------------------------------------------------------ barrier */

static void *barrier_waiter(void *arg)
{
    int rc = wa_barrier_wait(arg);
    wa_h_note("%s:%d", wa_task_name(wa_current()), rc);
    return PTR(rc);
}

static void test_barrier_round(void)
{
    wa_barrier *b = wa_barrier_new(3);
    CHECK_INT(wa_barrier_parties(b), 3);
    wa_task *ts[2] = {spawn_named("a", barrier_waiter, b), spawn_named("b", barrier_waiter, b)};
    yield_n(1);
    CHECK_INT(wa_barrier_n_waiting(b), 2);
    CHECK_STR(wa_h_trace, "");        /* nobody passed yet */
    CHECK_INT(wa_barrier_wait(b), 2); /* the last arrival releases the round */
    CHECK_INT(wa_gather(ts, 2, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "a:0 b:1");
    CHECK_INT(wa_barrier_n_waiting(b), 0);
    CHECK_INT(wa_barrier_broken(b), 0);
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    CHECK_INT(wa_barrier_free(b), 0);
    b = wa_barrier_new(1); /* one party: passes at once, every time */
    CHECK_INT(wa_barrier_wait(b), 0);
    CHECK_INT(wa_barrier_wait(b), 0);
    CHECK_INT(wa_barrier_free(b), 0);
    CHECK(wa_barrier_new(0) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
}

typedef struct rounds_arg {
    wa_barrier *b;
    int passed;
} rounds_arg;

static void *barrier_rounds(void *arg)
{
    rounds_arg *r = arg;
    for (int i = 0; i < 3; i++)
        if (wa_barrier_wait(r->b) >= 0)
            r->passed++;
    return NULL;
}

/* The releasing task arrives again at once: it waits for the next round
 * (the barrier drains first), so rounds never mix. */
static void test_barrier_rounds_and_draining(void)
{
    wa_barrier *b = wa_barrier_new(2);
    rounds_arg r[2] = {{b, 0}, {b, 0}};
    wa_task *ts[2] = {wa_spawn(barrier_rounds, &r[0]), wa_spawn(barrier_rounds, &r[1])};
    CHECK_INT(wa_gather(ts, 2, NULL, NULL, 0), 0);
    CHECK_INT(r[0].passed, 3);
    CHECK_INT(r[1].passed, 3);
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    CHECK_INT(wa_barrier_free(b), 0);
}

static void test_barrier_abort_and_reset(void)
{
    wa_barrier *b = wa_barrier_new(3);
    wa_task *ts[2] = {spawn_named("a", barrier_waiter, b), spawn_named("b", barrier_waiter, b)};
    yield_n(1);
    CHECK_INT(wa_barrier_free(b), WA_EBUSY);
    CHECK_INT(wa_barrier_abort(b), 0);
    CHECK_INT(wa_barrier_broken(b), 1);
    void *res[2];
    CHECK_INT(wa_gather(ts, 2, res, NULL, 0), 0);
    CHECK_PTR(res[0], PTR(WA_EBROKEN));
    CHECK_PTR(res[1], PTR(WA_EBROKEN));
    CHECK_INT(wa_barrier_wait(b), WA_EBROKEN); /* stays broken */
    CHECK_STR(wa_error_name(WA_EBROKEN), "WA_EBROKEN");
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    /* reset repairs it */
    CHECK_INT(wa_barrier_reset(b), 0);
    CHECK_INT(wa_barrier_broken(b), 0);
    wa_h_trace_reset();
    ts[0] = spawn_named("c", barrier_waiter, b);
    yield_n(1);
    CHECK_INT(wa_barrier_n_waiting(b), 1);
    /* a reset while a task waits breaks that wait, not the barrier */
    CHECK_INT(wa_barrier_reset(b), 0);
    CHECK_INT(wa_await(ts[0], NULL), 0);
    CHECK_STR(wa_h_trace, "c:-18");
    CHECK_INT(wa_barrier_broken(b), 0);
    wa_release(ts[0]);
    /* and it fills again afterwards */
    wa_h_trace_reset();
    ts[0] = spawn_named("d", barrier_waiter, b);
    ts[1] = spawn_named("e", barrier_waiter, b);
    yield_n(1);
    CHECK_INT(wa_barrier_wait(b), 2);
    CHECK_INT(wa_gather(ts, 2, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "d:0 e:1");
    for (int i = 0; i < 2; i++)
        wa_release(ts[i]);
    CHECK_INT(wa_barrier_free(b), 0);
}

/* A cancelled or timed-out waiter leaves the round; the barrier stays
 * usable (asyncio: it is not broken). */
static void test_barrier_cancel_and_deadline(void)
{
    wa_barrier *b = wa_barrier_new(2);
    wa_task *t = spawn_named("x", barrier_waiter, b);
    yield_n(1);
    CHECK_INT(wa_barrier_n_waiting(b), 1);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "x:-5");
    CHECK_INT(wa_barrier_n_waiting(b), 0);
    CHECK_INT(wa_barrier_broken(b), 0);
    wa_release(t);
    int rc = 99, w = 99;
    {
        WA_TIMEOUT_SCOPE(5, rc);
        w = wa_barrier_wait(b);
    }
    CHECK_INT(w, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(wa_barrier_n_waiting(b), 0);
    /* still works: a full round of two */
    wa_h_trace_reset();
    t = spawn_named("y", barrier_waiter, b);
    yield_n(1);
    CHECK_INT(wa_barrier_wait(b), 1);
    CHECK_INT(wa_await(t, NULL), 0);
    CHECK_STR(wa_h_trace, "y:0");
    wa_release(t);
    CHECK_INT(wa_barrier_free(b), 0);
    CHECK_INT(wa_barrier_wait(NULL), WA_EINVAL);
    CHECK_INT(wa_barrier_broken(NULL), WA_EINVAL);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_cond_notify_n_fifo),          WA_H_TEST(test_cond_wait_for_predicate),
    WA_H_TEST(test_cond_wait_cancelled),         WA_H_TEST(test_cond_notify_races_cancel),
    WA_H_TEST(test_cond_deadline_scope),         WA_H_TEST(test_barrier_round),
    WA_H_TEST(test_barrier_rounds_and_draining), WA_H_TEST(test_barrier_abort_and_reset),
    WA_H_TEST(test_barrier_cancel_and_deadline), {0}};

int main(void) { return wa_h_main(tests); }
