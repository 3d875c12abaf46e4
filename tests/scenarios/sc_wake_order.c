/* sc_wake_order.c: scenario: every path that wakes several tasks at once
 * wakes them FIFO, in the documented order, so their cleanups run in that
 * order. The expected traces are what Python 3.11's asyncio prints for the
 * same programs (tests/scenarios/wake_order.py; where asyncio iterates a set,
 * TaskGroup's children and asyncio.run's leftovers, wasyncio documents spawn
 * order):
 *   cancelling a task in gather(C, A, B)       C A B  (argument order)
 *   the same under a deadline scope            C A B
 *   gather(X, Y) where X awaits Z              Z Y X  (depth first)
 *   wa_group_cancel, a cancelled group waiter,
 *   a group's first failure                    A B C  (oldest first)
 *   event set, condition notify_all, queue close  A B C
 *   barrier release                            C A B  (the last arrival goes on)
 *   wa_run's final cancel of its leftovers     A B C  (checked at exit) */
#include "harness.h"

static const char *const ABC[] = {"A", "B", "C"};

/* Sleeps until cancelled, then notes its name: its cleanup. */
static void *sleeper(void *arg)
{
    if (wa_sleep(100000) != 0)
        wa_h_note("%s", (const char *)arg);
    return NULL;
}

typedef struct gather_args {
    wa_task *const *tasks;
    size_t n;
    uint64_t deadline_ms; /* 0: no deadline scope */
} gather_args;

static void *gatherer(void *arg)
{
    gather_args *a = arg;
    if (a->deadline_ms) {
        int rc;
        WA_TIMEOUT_SCOPE(a->deadline_ms, rc);
        wa_gather(a->tasks, a->n, NULL, NULL, 0);
    } else {
        wa_gather(a->tasks, a->n, NULL, NULL, 0);
    }
    return NULL;
}

static void spawn_abc(wa_task *t[3])
{
    for (int i = 0; i < 3; i++)
        t[i] = spawn_named(ABC[i], sleeper, (void *)ABC[i]);
}

static void release_all(wa_task **t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wa_release(t[i]);
}

static void test_cancel_gather_in_argument_order(void)
{
    wa_task *t[3];
    spawn_abc(t);
    wa_task *order[3] = {t[2], t[0], t[1]}; /* gather(C, A, B) */
    gather_args ga = {order, 3, 0};
    wa_task *g = wa_spawn(gatherer, &ga);
    yield_n(2);
    CHECK_INT(wa_cancel(g), 0);
    CHECK_INT(wa_await(g, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "C A B");
    release_all(t, 3);
    wa_release(g);
}

static void test_deadline_gather_in_argument_order(void)
{
    wa_task *t[3];
    spawn_abc(t);
    wa_task *order[3] = {t[2], t[0], t[1]};
    gather_args ga = {order, 3, 5};
    wa_task *g = wa_spawn(gatherer, &ga);
    CHECK_INT(wa_await(g, NULL), 0);
    CHECK_STR(wa_h_trace, "C A B");
    release_all(t, 3);
    wa_release(g);
}

static void *await_arg(void *arg)
{
    if (wa_await(arg, NULL) != 0)
        wa_h_note("X");
    return NULL;
}

static void test_cancel_goes_depth_first(void)
{
    wa_task *z = spawn_named("Z", sleeper, "Z");
    wa_task *y = spawn_named("Y", sleeper, "Y");
    wa_task *x = wa_spawn(await_arg, z);
    wa_task *order[2] = {x, y};
    gather_args ga = {order, 2, 0};
    wa_task *g = wa_spawn(gatherer, &ga);
    yield_n(2);
    CHECK_INT(wa_cancel(g), 0);
    CHECK_INT(wa_await(g, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "Z Y X");
    wa_task *all[4] = {x, y, z, g};
    release_all(all, 4);
}

static wa_group *group_abc(void)
{
    wa_group *g = wa_group_new();
    for (int i = 0; i < 3; i++)
        wa_group_spawn(g, sleeper, (void *)ABC[i]);
    return g;
}

static void test_group_cancel_oldest_first(void)
{
    wa_group *g = group_abc();
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_group_cancel(g), 0);
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_STR(wa_h_trace, "A B C");
    CHECK_INT(wa_group_free(g), 0);
}

static void *group_waiter(void *arg)
{
    wa_group *g = group_abc();
    int rc = wa_group_wait(g);
    wa_group_free(g);
    return rc ? wa_raise(rc, NULL) : NULL;
}

static void test_cancelled_group_waiter_oldest_first(void)
{
    wa_task *w = wa_spawn(group_waiter, NULL);
    yield_n(2);
    CHECK_INT(wa_cancel(w), 0);
    CHECK_INT(wa_await(w, NULL), WA_ECANCELED);
    CHECK_STR(wa_h_trace, "A B C");
    wa_release(w);
}

static void *fail_at_once(void *arg)
{
    CHECK_INT(wa_yield(), 0);
    return wa_raise(WA_EUSER - 1, "boom");
}

static void test_group_failure_cancels_oldest_first(void)
{
    wa_group *g = group_abc();
    wa_group_spawn(g, fail_at_once, NULL);
    CHECK_INT(wa_group_wait(g), WA_EUSER - 1);
    CHECK_STR(wa_h_trace, "A B C");
    CHECK_INT(wa_group_free(g), 0);
}

static wa_event *event;
static void *event_waiter(void *arg)
{
    if (wa_event_wait(event) == 0)
        wa_h_note("%s", (const char *)arg);
    return NULL;
}

static void test_event_set_fifo(void)
{
    event = wa_event_new();
    wa_task *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = wa_spawn(event_waiter, (void *)ABC[i]);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_event_set(event), 0);
    CHECK_INT(wa_gather(t, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "A B C");
    release_all(t, 3);
    CHECK_INT(wa_event_free(event), 0);
}

static wa_barrier *barrier;
static void *barrier_party(void *arg)
{
    if (wa_barrier_wait(barrier) >= 0)
        wa_h_note("%s", (const char *)arg);
    return NULL;
}

static void test_barrier_release_fifo(void)
{
    barrier = wa_barrier_new(3);
    wa_task *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = wa_spawn(barrier_party, (void *)ABC[i]);
    CHECK_INT(wa_gather(t, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "C A B");
    release_all(t, 3);
    CHECK_INT(wa_barrier_free(barrier), 0);
}

static wa_cond *cond;
static void *cond_waiter(void *arg)
{
    int rc;
    WA_LOCK_SCOPE(wa_cond_lock(cond), rc);
    if (rc == 0 && wa_cond_wait(cond) == 0)
        wa_h_note("%s", (const char *)arg);
    return NULL;
}

static void test_cond_notify_all_fifo(void)
{
    cond = wa_cond_new(NULL);
    wa_task *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = wa_spawn(cond_waiter, (void *)ABC[i]);
    CHECK_INT(wa_yield(), 0);
    {
        int rc;
        WA_LOCK_SCOPE(wa_cond_lock(cond), rc);
        CHECK_INT(rc, 0);
        CHECK_INT(wa_cond_notify_all(cond), 3);
    }
    CHECK_INT(wa_gather(t, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "A B C");
    release_all(t, 3);
    CHECK_INT(wa_cond_free(cond), 0);
}

static wa_queue *queue;
static void *queue_getter(void *arg)
{
    void *item;
    if (wa_queue_get(queue, &item) == WA_ECLOSED)
        wa_h_note("%s", (const char *)arg);
    return NULL;
}

static void *queue_putter(void *arg)
{
    if (wa_queue_put(queue, arg) == WA_ECLOSED)
        wa_h_note("%s", (const char *)arg);
    return NULL;
}

static void test_queue_close_fifo(void)
{
    queue = wa_queue_new(0);
    wa_task *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = wa_spawn(queue_getter, (void *)ABC[i]);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_close(queue), 0);
    CHECK_INT(wa_gather(t, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "A B C");
    release_all(t, 3);
    CHECK_INT(wa_queue_free(queue), 0);

    /* Putters blocked on a full queue. */
    wa_h_trace_reset();
    queue = wa_queue_new(1);
    CHECK_INT(wa_queue_put(queue, "full"), 0);
    for (int i = 0; i < 3; i++)
        t[i] = wa_spawn(queue_putter, (void *)ABC[i]);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_close(queue), 0);
    CHECK_INT(wa_gather(t, 3, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "A B C");
    release_all(t, 3);
    CHECK_INT(wa_queue_free(queue), 0);
}

/* wa_run's final cancel: three sleepers are still pending when the tests
 * end. The last cleanup checks the order; a wrong one prints a FAIL line
 * (the last line a runner reads) and sets the flag main() returns. */
static int final_cleanups, final_order_wrong;
static char final_trace[16];
static void *leftover(void *arg)
{
    if (wa_sleep(100000000) == 0)
        return NULL;
    strcat(final_trace, arg);
    if (++final_cleanups == 3 && strcmp(final_trace, "ABC") != 0) {
        final_order_wrong = 1;
        printf("FAIL wa_run cancelled its leftovers as %s, want ABC\n", final_trace);
        fflush(stdout);
    }
    return NULL;
}

static void test_final_cancel_spawn_order(void)
{
    for (int i = 0; i < 3; i++)
        CHECK_INT(wa_release(wa_spawn(leftover, (void *)ABC[i])), 0);
    CHECK_INT(wa_yield(), 0); /* they start sleeping */
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_cancel_gather_in_argument_order),
    WA_H_TEST(test_deadline_gather_in_argument_order),
    WA_H_TEST(test_cancel_goes_depth_first),
    WA_H_TEST(test_group_cancel_oldest_first),
    WA_H_TEST(test_cancelled_group_waiter_oldest_first),
    WA_H_TEST(test_group_failure_cancels_oldest_first),
    WA_H_TEST(test_event_set_fifo),
    WA_H_TEST(test_barrier_release_fifo),
    WA_H_TEST(test_cond_notify_all_fifo),
    WA_H_TEST(test_queue_close_fifo),
    WA_H_TEST(test_final_cancel_spawn_order),
    {0},
};

int main(void)
{
    int rc = wa_h_main(tests);
    return final_order_wrong ? 1 : rc;
}
