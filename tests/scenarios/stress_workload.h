/* stress_workload.h: the randomized stress workload shared by the native
 * cmocka test (tests/native/test_core_stress.c) and the portable scenario
 * (tests/scenarios/sc_stress.c, run on every target): many tasks doing
 * random things to each other (sleeps, yields, a lock, a bounded queue, an
 * event, cancels, gathers, awaits with deadlines, generators, groups, a
 * condition, a barrier, wa_wait) from a fixed seed. The includer defines
 * STRESS_FAIL(msg) and STRESS_CHECK_EQ(got, want); the invariants: every
 * item put is got exactly once, the lock is never held twice, a condition
 * wait always returns holding the lock, the barrier drains, and everything
 * ends. */
#ifndef WA_STRESS_WORKLOAD_H
#define WA_STRESS_WORKLOAD_H

#include <stdint.h>
#include <string.h>
#include <wasyncio.h>

#ifndef WORKERS
#define WORKERS 64
#endif
#ifndef STEPS
#define STEPS 60
#endif
#define ITEMS 4096

typedef struct world {
    uint64_t rng;
    wa_lock *lock;
    wa_queue *q;
    wa_event *ev;
    wa_cond *cond;
    wa_barrier *barrier;
    wa_task *tasks[WORKERS];
    int holder;          /* who holds the lock: -1 for nobody */
    int produced[ITEMS]; /* item i was put (1) */
    int consumed[ITEMS]; /* item i was got (count) */
    int next_item;
    int finished;
} world;

static world W;

static uint32_t rnd(uint32_t n)
{
    W.rng ^= W.rng << 13;
    W.rng ^= W.rng >> 7;
    W.rng ^= W.rng << 17;
    return (uint32_t)(W.rng % n);
}

static void *tiny(void *arg)
{
    if (wa_sleep(rnd(3)) < 0)
        return NULL;
    return arg;
}

static void *count_gen(void *arg)
{
    for (intptr_t i = 0; i < (intptr_t)arg; i++)
        if (wa_gen_yield((void *)i) != 0)
            break;
    return NULL;
}

static void take_item(void *item)
{
    intptr_t i = (intptr_t)item;
    if (i < 0 || i >= ITEMS) {
        STRESS_FAIL("bogus queue item");
        return;
    }
    W.consumed[i]++;
}

static void step(int me)
{
    int rc;
    switch (rnd(14)) {
    case 0: wa_sleep(rnd(3)); break;
    case 1: wa_yield(); break;
    case 2: { /* the lock: nobody else may hold it while we do */
        WA_LOCK_SCOPE(W.lock, rc);
        if (rc < 0)
            break; /* cancelled while waiting: nothing held */
        if (W.holder != -1)
            STRESS_FAIL("lock held twice");
        W.holder = me;
        if (rnd(2))
            wa_yield();
        else
            wa_sleep(rnd(2));
        W.holder = -1;
        break; /* leaves the switch, releasing the lock */
    }
    case 3: /* produce */
        if (W.next_item < ITEMS) {
            int item = W.next_item++;
            W.produced[item] = 1;
            rc = wa_queue_put(W.q, (void *)(intptr_t)item);
            if (rc != 0)
                W.produced[item] = 0; /* not delivered: not counted */
        }
        break;
    case 4: { /* consume, with a deadline */
        void *item = NULL;
        int expired;
        {
            WA_TIMEOUT_SCOPE(rnd(4), expired);
            if (wa_queue_get(W.q, &item) == 0)
                take_item(item);
        }
        break;
    }
    case 5: /* cancel someone (maybe ourselves, maybe a finished task) */
        wa_cancel(W.tasks[rnd(WORKERS)]);
        break;
    case 6:
        if (rnd(4) == 0)
            wa_event_set(W.ev);
        else if (rnd(4) == 0)
            wa_event_clear(W.ev);
        else {
            int expired;
            {
                WA_TIMEOUT_SCOPE(rnd(3), expired);
                wa_event_wait(W.ev);
            }
        }
        break;
    case 7: { /* gather a few short children */
        wa_task *kids[3];
        for (int i = 0; i < 3; i++)
            kids[i] = wa_spawn(tiny, (void *)(intptr_t)(i + 1));
        void *res[3] = {0};
        rc = wa_gather(kids, 3, res, NULL, 0);
        if (rc == 0)
            for (int i = 0; i < 3; i++)
                if (res[i] != (void *)(intptr_t)(i + 1))
                    STRESS_FAIL("gather result out of order");
        for (int i = 0; i < 3; i++)
            wa_release(kids[i]);
        break;
    }
    case 8: { /* await another worker with a deadline, shielded or not */
        wa_task *t = W.tasks[rnd(WORKERS)];
        if (t == wa_current())
            break;
        int expired;
        {
            WA_TIMEOUT_SCOPE(rnd(3), expired);
            if (rnd(2))
                wa_await_shielded(t, NULL);
            else
                wa_await(t, NULL);
        }
        break;
    }
    case 9: { /* a generator, left early half of the time */
        wa_gen *g = wa_gen_new(count_gen, (void *)(intptr_t)5);
        void *v;
        intptr_t want = 0;
        int stop = (int)rnd(7);
        WA_FOR(v, g)
        {
            if ((intptr_t)v != want++)
                STRESS_FAIL("generator order");
            if (want == stop)
                break;
        }
        wa_gen_free(g);
        break;
    }
    case 10: { /* a condition: wait with a deadline, or notify */
        wa_lock *l = wa_cond_lock(W.cond);
        int expired;
        WA_LOCK_SCOPE(l, rc);
        if (rc < 0)
            break;
        if (rnd(2)) {
            wa_cond_notify(W.cond, 1 + rnd(3));
            break;
        }
        {
            WA_TIMEOUT_SCOPE(rnd(3), expired);
            wa_cond_wait(W.cond);
        }
        /* on every outcome the lock is ours again (notify checks, without
         * suspending: WA_EPERM if we did not hold it) */
        if (wa_cond_notify(W.cond, 0) != 0)
            STRESS_FAIL("cond wait returned without the lock");
        break;
    }
    case 11: { /* a barrier of three, with a deadline; sometimes reset */
        if (rnd(16) == 0) {
            wa_barrier_reset(W.barrier);
            break;
        }
        int expired, idx = 99;
        {
            WA_TIMEOUT_SCOPE(rnd(4), expired);
            idx = wa_barrier_wait(W.barrier);
        }
        if (idx >= 3 || (idx < 0 && idx != WA_ECANCELED && idx != WA_ETIMEDOUT &&
                         idx != WA_EBROKEN && idx != WA_EDEADLK))
            STRESS_FAIL("barrier index out of range");
        break;
    }
    case 12: { /* wa_wait on a few workers, first completed, short limit */
        wa_task *ts[3], *done[3], *pending[3];
        for (int i = 0; i < 3; i++)
            ts[i] = W.tasks[rnd(WORKERS)];
        if (ts[0] == wa_current() || ts[1] == wa_current() || ts[2] == wa_current())
            break;
        size_t nd = 0, np = 0;
        rc = wa_wait(ts, 3, WA_FIRST_COMPLETED, rnd(3), done, &nd, pending, &np);
        /* A task drawn twice is reported once (asyncio.wait takes a set). */
        size_t distinct = 1 + (ts[1] != ts[0]) + (ts[2] != ts[0] && ts[2] != ts[1]);
        if (rc == 0 && nd + np != distinct)
            STRESS_FAIL("wa_wait lost a task");
        break;
    }
    default: /* a group whose second child fails */
    {
        wa_group *grp = wa_group_new();
        wa_group_spawn(grp, tiny, (void *)1);
        wa_group_spawn(grp, tiny, (void *)2);
        wa_group_wait(grp);
        wa_group_free(grp);
    } break;
    }
}

static void *worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < STEPS; i++) {
        step(me);
        /* cancellations are delivered once; keep going to stress cleanup */
        wa_uncancel();
    }
    W.finished++;
    return NULL;
}

static void *stress_main(void *arg)
{
    W.lock = wa_lock_new();
    W.q = wa_queue_new(8);
    W.ev = wa_event_new();
    W.cond = wa_cond_new(NULL);
    W.barrier = wa_barrier_new(3);
    W.holder = -1;
    for (int i = 0; i < WORKERS; i++) {
        wa_task_opts o = {.stack_size = 64 * 1024};
        W.tasks[i] = wa_spawn_opts(worker, (void *)(intptr_t)i, &o);
        if (!W.tasks[i])
            STRESS_FAIL("spawn failed");
    }
    int errors[WORKERS];
    STRESS_CHECK_EQ(wa_gather(W.tasks, WORKERS, NULL, errors, WA_RETURN_ERRORS), 0);
    /* drain what is left in the queue */
    void *item;
    while (wa_queue_try_get(W.q, &item) == 0)
        take_item(item);
    for (int i = 0; i < ITEMS; i++)
        if (W.consumed[i] != W.produced[i])
            STRESS_FAIL("a queue item was lost or delivered twice");
    STRESS_CHECK_EQ(wa_lock_locked(W.lock), 0);
    STRESS_CHECK_EQ(W.holder, -1);
    STRESS_CHECK_EQ(wa_lock_free(W.lock), 0);
    STRESS_CHECK_EQ(wa_queue_free(W.q), 0);
    STRESS_CHECK_EQ(wa_event_free(W.ev), 0);
    STRESS_CHECK_EQ(wa_lock_locked(wa_cond_lock(W.cond)), 0);
    STRESS_CHECK_EQ(wa_cond_free(W.cond), 0);
    STRESS_CHECK_EQ(wa_barrier_n_waiting(W.barrier), 0);
    STRESS_CHECK_EQ(wa_barrier_free(W.barrier), 0); /* every task left it */
    return NULL;
}

static void stress_reset(uint64_t seed)
{
    memset(&W, 0, sizeof W);
    W.rng = seed;
}

#endif
