/* sc_sync.c: scenario: sync primitives: event, FIFO-fair lock (EPERM and
 * EDEADLK on misuse), bounded semaphore, bounded queue with close semantics,
 * cancelled waiters leaving every queue, frees refused while tasks wait,
 * NULL arguments, and WA_LOCK_SCOPE / WA_SEM_SCOPE on every exit path
 * (normal, break, continue, return, goto, cancel, timeout, failed acquire).
 * The home of every wa_event / wa_lock / wa_sem / wa_queue test. */
#include "harness.h"

static wa_lock *lock;

static void *locker(void *arg)
{
    const char *name = arg;
    int rc;
    WA_LOCK_SCOPE(lock, rc);
    if (rc < 0)
        return (void *)(intptr_t)rc;
    wa_h_note("%s+", name);
    wa_sleep(1);
    wa_h_note("%s-", name);
    return NULL;
}

static void test_lock(void)
{
    lock = wa_lock_new();
    wa_task *t[3] = {wa_spawn(locker, "a"), wa_spawn(locker, "b"), wa_spawn(locker, "c")};
    CHECK_INT(wa_gather(t, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "a+ a- b+ b- c+ c-");
    CHECK_INT(wa_lock_locked(lock), 0);
    CHECK_INT(wa_lock_release(lock), WA_EPERM);
    CHECK_INT(wa_lock_acquire(lock), 0);
    CHECK_INT(wa_lock_acquire(lock), WA_EDEADLK);
    CHECK_INT(wa_lock_release(lock), 0);
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
    CHECK_INT(wa_lock_free(lock), 0);
}

static wa_sem *sem;
static int inside, max_inside;

static void *sem_user(void *arg)
{
    (void)arg;
    int rc;
    WA_SEM_SCOPE(sem, rc);
    if (rc < 0)
        return NULL;
    inside++;
    if (inside > max_inside)
        max_inside = inside;
    wa_sleep(1);
    inside--;
    return NULL;
}

static void test_sem(void)
{
    sem = wa_sem_new_bounded(2);
    wa_task *t[5];
    for (int i = 0; i < 5; i++)
        t[i] = wa_spawn(sem_user, NULL);
    CHECK_INT(wa_gather(t, 5, NULL, NULL, 0), 0);
    CHECK_INT(max_inside, 2);
    CHECK_INT(wa_sem_value(sem), 2);
    CHECK_INT(wa_sem_release(sem), WA_EPERM);
    for (int i = 0; i < 5; i++)
        wa_release(t[i]);
    CHECK_INT(wa_sem_free(sem), 0);
}

static wa_event *ev;

static void *ev_waiter(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)wa_event_wait(ev);
}

static void test_event(void)
{
    ev = wa_event_new();
    wa_task *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = wa_spawn(ev_waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_event_free(ev), WA_EBUSY); /* tasks wait on it */
    CHECK_INT(wa_event_set(ev), 0);
    int e[3];
    CHECK_INT(wa_gather(t, 3, NULL, e, WA_RETURN_ERRORS), 0);
    CHECK_INT(e[0] | e[1] | e[2], 0);
    CHECK_INT(wa_event_is_set(ev), 1);
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
    CHECK_INT(wa_event_free(ev), 0);
}

static wa_queue *q;

static void *producer(void *arg)
{
    (void)arg;
    for (intptr_t i = 1; i <= 5; i++)
        wa_queue_put(q, (void *)i);
    wa_queue_close(q);
    return NULL;
}

static void test_queue(void)
{
    q = wa_queue_new(2);
    wa_task *p = wa_spawn(producer, NULL);
    void *item;
    intptr_t sum = 0;
    int n = 0, rc;
    while ((rc = wa_queue_get(q, &item)) == 0) {
        sum = sum * 10 + (intptr_t)item;
        n++;
    }
    CHECK_INT(rc, WA_ECLOSED);
    CHECK_INT(n, 5);
    CHECK_INT(sum, 12345);
    CHECK_INT(wa_queue_put(q, NULL), WA_ECLOSED);
    CHECK_INT(wa_await(p, NULL), 0);
    wa_release(p);
    CHECK_INT(wa_queue_free(q), 0);
    wa_queue *q2 = wa_queue_new(1);
    CHECK_INT(wa_queue_try_put(q2, (void *)1), 0);
    CHECK_INT(wa_queue_try_put(q2, (void *)2), WA_EBUSY);
    CHECK_INT(wa_queue_len(q2), 1);
    CHECK_INT(wa_queue_free(q2), 0);
}

static void test_deadlock(void)
{
    /* Nothing can ever set this event: the loop sees every task blocked. */
    wa_event *never = wa_event_new();
    CHECK_INT(wa_event_wait(never), WA_EDEADLK);
    CHECK_INT(wa_event_free(never), 0);
}

/* ------------------------------------------------------------ event */

static void *event_waiter(void *arg)
{
    CHECK_INT(wa_event_wait(arg), 0);
    wa_h_note("w%s", wa_task_name(wa_current()));
    return NULL;
}

static void test_event_wakes_all(void)
{
    wa_event *e = wa_event_new();
    CHECK(e != NULL);
    CHECK_INT(wa_event_is_set(e), 0);
    wa_task *ts[3] = {spawn_named("1", event_waiter, e), spawn_named("2", event_waiter, e),
                      spawn_named("3", event_waiter, e)};
    yield_n(3);
    wa_h_note("set");
    CHECK_INT(wa_event_free(e), WA_EBUSY); /* waiters present: nothing freed */
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_event_is_set(e), 1);
    CHECK_INT(wa_gather(ts, 3, NULL, NULL, 0), 0);
    /* a set event does not block */
    CHECK_INT(wa_event_wait(e), 0);
    CHECK_INT(wa_event_set(e), 0); /* setting twice is fine */
    CHECK_INT(wa_event_clear(e), 0);
    CHECK_INT(wa_event_is_set(e), 0);
    /* after clear, waiting blocks again: a timeout proves it */
    int rc = 99, w = 99;
    {
        WA_TIMEOUT_SCOPE(5, rc);
        w = wa_event_wait(e);
    }
    CHECK_INT(w, WA_ETIMEDOUT);
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(wa_event_free(e), 0);
    CHECK_STR(wa_h_trace, "set w1 w2 w3");
}

/* ------------------------------------------------------------- lock */

static void *lock_user(void *arg)
{
    wa_lock *l = arg;
    int rc = wa_lock_acquire(l);
    if (rc < 0) {
        wa_h_note("%s:%d", wa_task_name(wa_current()), rc);
        return NULL;
    }
    wa_h_note("%s", wa_task_name(wa_current()));
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_lock_release(l), 0);
    return NULL;
}

static void test_lock_fifo_fairness(void)
{
    wa_lock *l = wa_lock_new();
    CHECK(l != NULL);
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_lock_locked(l), 1);
    wa_task *ts[3] = {spawn_named("B", lock_user, l), spawn_named("C", lock_user, l),
                      spawn_named("D", lock_user, l)};
    yield_n(2); /* all three are queued on the lock now */
    wa_h_note("A");
    CHECK_INT(wa_lock_free(l), WA_EBUSY);
    CHECK_INT(wa_lock_release(l), 0);
    /* FIFO fairness: re-acquiring right away queues behind B, C, D */
    CHECK_INT(wa_lock_acquire(l), 0);
    wa_h_note("A2");
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_gather(ts, 3, NULL, NULL, 0), 0);
    CHECK_INT(wa_lock_locked(l), 0);
    CHECK_INT(wa_lock_free(l), 0);
    CHECK_STR(wa_h_trace, "A B C D A2");
}

static int foreign_release_rc;
static void *foreign_release(void *arg)
{
    foreign_release_rc = wa_lock_release(arg);
    return NULL;
}

static void test_lock_eperm_and_edeadlk(void)
{
    wa_lock *l = wa_lock_new();
    CHECK_INT(wa_lock_release(l), WA_EPERM); /* not held at all */
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_lock_acquire(l), WA_EDEADLK); /* not recursive */
    wa_task *t = wa_spawn(foreign_release, l);
    CHECK_INT(wa_await(t, NULL), 0);
    CHECK_INT(foreign_release_rc, WA_EPERM); /* not the holder */
    CHECK_INT(wa_lock_locked(l), 1);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_lock_locked(l), 0);
    CHECK_INT(wa_lock_free(l), 0);
}

/* A cancelled waiter leaves the queue; the lock passes to the next one. */
static void *lock_cancel_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    CHECK_INT(wa_lock_acquire(l), 0);
    wa_task *b = spawn_named("B", lock_user, l);
    wa_task *c = spawn_named("C", lock_user, l);
    yield_n(2);
    CHECK_INT(wa_cancel(b), 0);
    CHECK_INT(wa_await(b, NULL), WA_ECANCELED);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_await(c, NULL), 0);
    CHECK_INT(wa_lock_locked(l), 0);
    CHECK_INT(wa_lock_free(l), 0);
    return NULL;
}

static void test_lock_cancelled_waiter(void)
{
    lock_cancel_main(NULL);
    /* only C ever held the lock */
    CHECK_STR(wa_h_trace, "B:-5 C");
}

/* -------------------------------------------------------- semaphore */

/* Hold times are driven by events, not timers, so the order is fixed even
 * on a loaded machine: b holds until c has entered. */
typedef struct sem_arg {
    wa_sem *s;
    wa_event *hold_until; /* wait for this while holding (or just yield) */
    wa_event *on_enter;   /* set this once inside */
} sem_arg;

static void *sem_holder(void *arg)
{
    sem_arg *a = arg;
    wa_sem *s = a->s;
    CHECK_INT(wa_sem_acquire(s), 0);
    wa_h_note("+%s", wa_task_name(wa_current()));
    if (a->on_enter)
        CHECK_INT(wa_event_set(a->on_enter), 0);
    if (a->hold_until)
        CHECK_INT(wa_event_wait(a->hold_until), 0);
    else
        CHECK_INT(wa_yield(), 0);
    wa_h_note("-%s", wa_task_name(wa_current()));
    CHECK_INT(wa_sem_release(s), 0);
    return NULL;
}

static void *sem_main(void *arg)
{
    wa_sem *s = wa_sem_new_bounded(2);
    CHECK(s != NULL);
    CHECK_INT(wa_sem_value(s), 2);
    CHECK_INT(wa_sem_release(s), WA_EPERM); /* over-release */
    CHECK_INT(wa_sem_value(s), 2);
    wa_event *c_in = wa_event_new();
    sem_arg sa[3] = {{s, NULL, NULL}, {s, c_in, NULL}, {s, NULL, c_in}};
    wa_task *ts[3] = {spawn_named("a", sem_holder, &sa[0]), spawn_named("b", sem_holder, &sa[1]),
                      spawn_named("c", sem_holder, &sa[2])};
    yield_n(1); /* a and b are inside, c waits (a yields once first) */
    CHECK_INT(wa_sem_value(s), 0);
    CHECK_INT(wa_sem_free(s), WA_EBUSY); /* c waits on it */
    CHECK_INT(wa_gather(ts, 3, NULL, NULL, 0), 0);
    CHECK_INT(wa_sem_value(s), 2);
    CHECK_INT(wa_sem_free(s), 0);
    CHECK_INT(wa_event_free(c_in), 0);
    wa_sem *z = wa_sem_new_bounded(0);
    CHECK_INT(wa_sem_value(z), 0);
    CHECK_INT(wa_sem_release(z), WA_EPERM);
    CHECK_INT(wa_sem_free(z), 0);
    return NULL;
}

/* asyncio's Semaphore(0) signalling: the waiter blocks until a release,
 * releases add permits without bound, and each permit lets one wait pass. */
static void *sem_signal_waiter(void *arg)
{
    CHECK_INT(wa_sem_acquire(arg), 0);
    wa_h_note("woke");
    return NULL;
}

static void test_sem_unbounded_signalling(void)
{
    wa_sem *z = wa_sem_new(0);
    wa_task *t = wa_spawn(sem_signal_waiter, z);
    yield_n(3);
    CHECK_INT(wa_task_done(t), 0); /* no permit yet */
    wa_h_note("signal");
    CHECK_INT(wa_sem_release(z), 0);
    CHECK_INT(wa_await(t, NULL), 0);
    CHECK_STR(wa_h_trace, "signal woke");
    CHECK_INT(wa_sem_value(z), 0);
    /* no upper bound: three releases, three permits */
    for (int i = 0; i < 3; i++)
        CHECK_INT(wa_sem_release(z), 0);
    CHECK_INT(wa_sem_value(z), 3);
    for (int i = 0; i < 3; i++)
        CHECK_INT(wa_sem_acquire(z), 0);
    CHECK_INT(wa_sem_value(z), 0);
    wa_release(t);
    CHECK_INT(wa_sem_free(z), 0);
}

/* asyncio's Queue(0) is unbounded: put never waits. */
static void test_queue_unbounded(void)
{
    wa_queue *q = wa_queue_new(0);
    CHECK(q != NULL);
    for (intptr_t i = 1; i <= 1000; i++)
        CHECK_INT(wa_queue_try_put(q, PTR(i)), 0);
    CHECK_INT(wa_queue_put(q, PTR(1001)), 0);
    CHECK_INT(wa_queue_len(q), 1001);
    int in_order = 1;
    for (intptr_t i = 1; i <= 1001; i++) {
        void *item = NULL;
        CHECK_INT(wa_queue_get(q, &item), 0);
        if (item != PTR(i))
            in_order = 0;
    }
    CHECK_INT(in_order, 1);
    CHECK_INT(wa_queue_len(q), 0);
    CHECK_INT(wa_queue_free(q), 0);
}

/* The ring grows while it wraps (its items run from the middle of the
 * buffer round to the start), unbounded or bounded: FIFO order survives, and
 * a bounded queue still holds exactly its capacity. */
static void test_queue_grows_wrapped(void)
{
    const size_t caps[] = {0, 20};
    for (size_t c = 0; c < 2; c++) {
        wa_queue *q = wa_queue_new(caps[c]);
        CHECK(q != NULL);
        intptr_t in = 1, out = 1;
        void *item = NULL;
        for (int i = 0; i < 10; i++)
            CHECK_INT(wa_queue_try_put(q, PTR(in++)), 0);
        for (int i = 0; i < 7; i++) {
            CHECK_INT(wa_queue_try_get(q, &item), 0);
            CHECK(item == PTR(out++));
        }
        /* 3 items from the 8th slot; 13 more wrap round and fill 16 slots;
         * the next ones grow the ring while it wraps. */
        for (int i = 0; i < 17; i++)
            CHECK_INT(wa_queue_try_put(q, PTR(in++)), 0);
        if (caps[c])
            CHECK_INT(wa_queue_try_put(q, PTR(in)), WA_EBUSY);
        int in_order = 1;
        while (wa_queue_try_get(q, &item) == 0)
            if (item != PTR(out++))
                in_order = 0;
        CHECK_INT(in_order, 1);
        CHECK_INT(out, in);
        CHECK_INT(wa_queue_free(q), 0);
    }
}

static void test_sem_bounds(void)
{
    sem_main(NULL);
    /* at most two inside at once; c enters when a leaves */
    CHECK_STR(wa_h_trace, "+a +b -a +c -b -c");
}

/* ------------------------------------------------------------ queue */

static void *ordered_producer(void *arg)
{
    wa_queue *q = arg;
    for (int i = 1; i <= 4; i++) {
        CHECK_INT(wa_queue_put(q, PTR(i)), 0);
        wa_h_note("put%d", i);
    }
    CHECK_INT(wa_queue_close(q), 0);
    return NULL;
}

static void test_queue_bounded_put_get(void)
{
    wa_queue *q = wa_queue_new(2);
    CHECK(q != NULL);
    wa_task *p = wa_spawn(ordered_producer, q);
    yield_n(3); /* ordered_producer fills the queue and blocks on the third put */
    CHECK_INT(wa_queue_len(q), 2);
    CHECK_INT(wa_queue_try_put(q, PTR(9)), WA_EBUSY);
    CHECK_INT(wa_queue_free(q), WA_EBUSY); /* the ordered_producer waits */
    void *item = NULL;
    int rc;
    while ((rc = wa_queue_get(q, &item)) == 0) {
        wa_h_note("get%d", INT(item));
        yield_n(1);
    }
    CHECK_INT(rc, WA_ECLOSED);
    CHECK_INT(wa_queue_get(q, &item), WA_ECLOSED);
    CHECK_INT(wa_await(p, NULL), 0);
    CHECK_INT(wa_queue_free(q), 0);
    CHECK_STR(wa_h_trace, "put1 put2 get1 put3 get2 put4 get3 get4");
}

static void test_queue_close_semantics(void)
{
    wa_queue *q = wa_queue_new(4);
    void *item = NULL;
    CHECK_INT(wa_queue_try_get(q, &item), WA_EBUSY);
    CHECK_INT(wa_queue_try_put(q, PTR(1)), 0);
    CHECK_INT(wa_queue_put(q, PTR(2)), 0);
    CHECK_INT(wa_queue_len(q), 2);
    CHECK_INT(wa_queue_close(q), 0);
    CHECK_INT(wa_queue_put(q, PTR(3)), WA_ECLOSED);
    CHECK_INT(wa_queue_try_put(q, PTR(3)), WA_ECLOSED);
    /* get drains what is left, then says closed */
    CHECK_INT(wa_queue_try_get(q, &item), 0);
    CHECK_PTR(item, PTR(1));
    CHECK_INT(wa_queue_get(q, &item), 0);
    CHECK_PTR(item, PTR(2));
    CHECK_INT(wa_queue_get(q, &item), WA_ECLOSED);
    CHECK_INT(wa_queue_try_get(q, &item), WA_ECLOSED);
    CHECK_INT(wa_queue_free(q), 0);
}

static int blocked_get_rc = 99;
static void *blocked_getter(void *arg)
{
    void *item;
    blocked_get_rc = wa_queue_get(arg, &item);
    return NULL;
}

static void test_queue_close_wakes_getters(void)
{
    wa_queue *q = wa_queue_new(1);
    wa_task *g = wa_spawn(blocked_getter, q);
    yield_n(1);
    CHECK_INT(wa_queue_close(q), 0);
    CHECK_INT(wa_await(g, NULL), 0);
    CHECK_INT(blocked_get_rc, WA_ECLOSED);
    CHECK_INT(wa_queue_free(q), 0);
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

static void test_cancelled_waiters_leave(void)
{
    wa_queue *q = wa_queue_new(1);
    CHECK_INT(wa_queue_put(q, PTR(1)), 0);
    wa_task *p = wa_spawn(blocked_putter, q);
    wa_event *e = wa_event_new();
    wa_task *w = wa_spawn(blocked_event_waiter, e);
    yield_n(1);
    CHECK_INT(wa_cancel(p), 0);
    CHECK_INT(wa_cancel(w), 0);
    CHECK_INT(wa_await(p, NULL), WA_ECANCELED);
    CHECK_INT(wa_await(w, NULL), WA_ECANCELED);
    CHECK_INT(put_rc, WA_ECANCELED);
    CHECK_INT(ev_rc, WA_ECANCELED);
    CHECK_INT(wa_queue_len(q), 1);
    void *item = NULL;
    CHECK_INT(wa_queue_get(q, &item), 0);
    CHECK_PTR(item, PTR(1));
    CHECK_INT(wa_queue_try_get(q, &item), WA_EBUSY); /* item 2 never went in */
    CHECK_INT(wa_queue_free(q), 0);
    CHECK_INT(wa_event_free(e), 0);
}

/* --------------------------------------------------- WA_*_SCOPE */

static int with_return_helper(wa_lock *l)
{
    int rc;
    WA_LOCK_SCOPE(l, rc);
    if (rc < 0)
        return rc;
    CHECK_INT(wa_lock_locked(l), 1);
    return 7;
}

static void *with_paths_main(void *arg)
{
    wa_lock *l = wa_lock_new();
    int rc = 99, ran = 0;
    /* normal end of the block */
    {
        WA_LOCK_SCOPE(l, rc);
        ran++;
        CHECK_INT(wa_lock_locked(l), 1);
        CHECK_INT(wa_yield(), 0);
    }
    CHECK_INT(rc, 0);
    CHECK_INT(ran, 1);
    CHECK_INT(wa_lock_locked(l), 0);
    /* break leaves the caller's loop (Python: break inside `async with`) */
    int i;
    for (i = 0; i < 3; i++) {
        WA_LOCK_SCOPE(l, rc);
        ran++;
        if (i == 1)
            break;
    }
    CHECK_INT(i, 1);
    CHECK_INT(ran, 3);
    CHECK_INT(wa_lock_locked(l), 0);
    /* continue goes on with the caller's loop, releasing first */
    int after = 0;
    for (i = 0; i < 3; i++) {
        WA_LOCK_SCOPE(l, rc);
        CHECK_INT(wa_lock_locked(l), 1);
        if (i < 2)
            continue;
        after++;
    }
    CHECK_INT(after, 1);
    CHECK_INT(wa_lock_locked(l), 0);
    /* the same for a semaphore permit */
    wa_sem *s = wa_sem_new(1);
    for (i = 0; i < 3; i++) {
        WA_SEM_SCOPE(s, rc);
        CHECK_INT(wa_sem_value(s), 0);
        if (i == 0)
            continue;
        break;
    }
    CHECK_INT(i, 1);
    CHECK_INT(wa_sem_value(s), 1);
    CHECK_INT(wa_sem_free(s), 0);
    /* return from inside */
    CHECK_INT(with_return_helper(l), 7);
    CHECK_INT(wa_lock_locked(l), 0);
    /* goto out of the block */
    {
        WA_LOCK_SCOPE(l, rc);
        goto out;
    }
out:
    CHECK_INT(wa_lock_locked(l), 0);
    /* acquire fails: rc holds the code and nothing is released */
    CHECK_INT(wa_lock_acquire(l), 0);
    {
        WA_LOCK_SCOPE(l, rc);
        CHECK_INT(rc, WA_EDEADLK);
    }
    CHECK_INT(wa_lock_locked(l), 1); /* still ours, not released by the guard */
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_lock_free(l), 0);
    return NULL;
}

static void test_with_lock_exit_paths(void) { with_paths_main(NULL); }

static int with_sleep_rc = 99;
static void *with_lock_sleeper(void *arg)
{
    int rc;
    WA_LOCK_SCOPE((wa_lock *)arg, rc);
    CHECK_INT(rc, 0);
    with_sleep_rc = wa_sleep(100000);
    return NULL;
}

static void test_with_lock_released_on_cancel(void)
{
    wa_lock *l = wa_lock_new();
    wa_task *t = wa_spawn(with_lock_sleeper, l);
    CHECK_INT(wa_sleep(2), 0);
    CHECK_INT(wa_lock_locked(l), 1);
    CHECK_INT(wa_cancel(t), 0);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(with_sleep_rc, WA_ECANCELED);
    CHECK_INT(wa_lock_locked(l), 0);
    /* and the lock is usable */
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_lock_free(l), 0);
}

static void test_with_released_on_timeout(void)
{
    wa_lock *l = wa_lock_new();
    wa_sem *s = wa_sem_new(1);
    int trc = 99, lrc = 99, src = 99, slept = 99;
    {
        WA_TIMEOUT_SCOPE(5, trc);
        WA_LOCK_SCOPE(l, lrc);
        WA_SEM_SCOPE(s, src);
        CHECK_INT(wa_sem_value(s), 0);
        slept = wa_sleep(100000);
    }
    CHECK_INT(slept, WA_ETIMEDOUT);
    CHECK_INT(trc, WA_ETIMEDOUT);
    CHECK_INT(lrc, 0);
    CHECK_INT(src, 0);
    CHECK_INT(wa_lock_locked(l), 0);
    CHECK_INT(wa_sem_value(s), 1);
    CHECK_INT(wa_lock_free(l), 0);
    CHECK_INT(wa_sem_free(s), 0);
}

/* WA_SEM_SCOPE whose acquire times out: rc says so, nothing is released. */
static void test_with_sem_acquire_fails(void)
{
    wa_sem *s = wa_sem_new_bounded(1);
    CHECK_INT(wa_sem_acquire(s), 0);
    int trc = 99, src = 99, body = 0;
    {
        WA_TIMEOUT_SCOPE(5, trc);
        WA_SEM_SCOPE(s, src);
        if (src == 0)
            body = 1;
    }
    CHECK_INT(body, 0);
    CHECK_INT(src, WA_ETIMEDOUT);
    CHECK_INT(trc, WA_ETIMEDOUT);
    CHECK_INT(wa_sem_value(s), 0);
    CHECK_INT(wa_sem_release(s), 0);
    CHECK_INT(wa_sem_release(s), WA_EPERM); /* bounded: not above 1 */
    CHECK_INT(wa_sem_free(s), 0);
}

/* --------------------------------------------------------- NULL args */

static void test_sync_null_args(void)
{
    void *item;
    CHECK_INT(wa_event_set(NULL), WA_EINVAL);
    CHECK_INT(wa_event_clear(NULL), WA_EINVAL);
    CHECK_INT(wa_event_is_set(NULL), WA_EINVAL);
    CHECK_INT(wa_event_wait(NULL), WA_EINVAL);
    CHECK_INT(wa_event_free(NULL), WA_EINVAL);
    CHECK_INT(wa_lock_acquire(NULL), WA_EINVAL);
    CHECK_INT(wa_lock_release(NULL), WA_EINVAL);
    CHECK_INT(wa_lock_locked(NULL), WA_EINVAL);
    CHECK_INT(wa_lock_free(NULL), WA_EINVAL);
    CHECK_INT(wa_sem_acquire(NULL), WA_EINVAL);
    CHECK_INT(wa_sem_release(NULL), WA_EINVAL);
    CHECK_INT(wa_sem_value(NULL), WA_EINVAL);
    CHECK_INT(wa_sem_free(NULL), WA_EINVAL);
    CHECK_INT(wa_queue_put(NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_queue_get(NULL, &item), WA_EINVAL);
    CHECK_INT(wa_queue_try_put(NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_queue_try_get(NULL, &item), WA_EINVAL);
    CHECK_INT(wa_queue_close(NULL), WA_EINVAL);
    CHECK_INT(wa_queue_len(NULL), 0);
    CHECK_INT(wa_queue_free(NULL), WA_EINVAL);
    wa_queue *q = wa_queue_new(1);
    CHECK_INT(wa_queue_get(q, NULL), WA_EINVAL);
    CHECK_INT(wa_queue_try_get(q, NULL), WA_EINVAL);
    CHECK_INT(wa_queue_free(q), 0);
    int rc = 99;
    {
        WA_LOCK_SCOPE(NULL, rc);
        CHECK_INT(rc, WA_EINVAL);
    }
    rc = 99;
    {
        WA_SEM_SCOPE(NULL, rc);
        CHECK_INT(rc, WA_EINVAL);
    }
    CHECK(wa_sem_new_bounded((unsigned)INT32_MAX + 1u) == NULL);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_lock),
    WA_H_TEST(test_sem),
    WA_H_TEST(test_sem_unbounded_signalling),
    WA_H_TEST(test_queue_unbounded),
    WA_H_TEST(test_queue_grows_wrapped),
    WA_H_TEST(test_event),
    WA_H_TEST(test_queue),
    WA_H_TEST(test_deadlock),
    WA_H_TEST(test_event_wakes_all),
    WA_H_TEST(test_lock_fifo_fairness),
    WA_H_TEST(test_lock_eperm_and_edeadlk),
    WA_H_TEST(test_lock_cancelled_waiter),
    WA_H_TEST(test_sem_bounds),
    WA_H_TEST(test_queue_bounded_put_get),
    WA_H_TEST(test_queue_close_semantics),
    WA_H_TEST(test_queue_close_wakes_getters),
    WA_H_TEST(test_cancelled_waiters_leave),
    WA_H_TEST(test_with_lock_exit_paths),
    WA_H_TEST(test_with_lock_released_on_cancel),
    WA_H_TEST(test_with_released_on_timeout),
    WA_H_TEST(test_with_sem_acquire_fails),
    WA_H_TEST(test_sync_null_args),
    {0},
};

int main(void) { return wa_h_main(tests); }
