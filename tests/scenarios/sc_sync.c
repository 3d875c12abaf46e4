/* sc_sync.c: scenario: sync primitives: a FIFO-fair lock (EPERM/EDEADLK on
 * misuse, released by WA_WITH_LOCK on every exit), a bounded semaphore,
 * events waking every waiter, a bounded queue with close semantics, and
 * frees refused while tasks wait. */
#include "harness.h"

static wa_lock *lock;

static void *locker(void *arg)
{
    const char *name = arg;
    int rc;
    WA_WITH_LOCK(lock, rc)
    {
        char tok[8];
        snprintf(tok, sizeof tok, "%s+", name);
        wa_h_note(tok);
        wa_sleep(1);
        snprintf(tok, sizeof tok, "%s-", name);
        wa_h_note(tok);
    }
    return (void *)(intptr_t)rc;
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
    WA_WITH_SEM(sem, rc)
    {
        inside++;
        if (inside > max_inside)
            max_inside = inside;
        wa_sleep(1);
        inside--;
    }
    return NULL;
}

static void test_sem(void)
{
    sem = wa_sem_new(2);
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

static const wa_h_test tests[] = {
    WA_H_TEST(test_lock),  WA_H_TEST(test_sem),      WA_H_TEST(test_event),
    WA_H_TEST(test_queue), WA_H_TEST(test_deadlock), {0},
};

int main(void) { return wa_h_main(tests); }
