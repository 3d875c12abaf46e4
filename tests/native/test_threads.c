/* test_threads.c: loops on several threads and the hand-over between them
 * (wasyncio/threads.h): wa_call_soon_threadsafe, wa_spawn_threadsafe and
 * its future (blocking from a plain thread, suspending from another loop,
 * cancellation crossing both ways, timeouts), wa_shared_queue, and a ring of
 * 4 loops passing items around while tasks are cancelled across threads.
 * Native only (threads); `make test-tsan` runs it under ThreadSanitizer.
 * WA_RING_ITEMS sets the ring's number of hand-overs (default 250,000: a
 * second under TSan, where every race in them is reported; more for a soak). */
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* CHECK from any thread: test_util's recorder is for one thread. */
static pthread_mutex_t check_mu = PTHREAD_MUTEX_INITIALIZER;
#define TCHECK_EQ(a, b)                                                                     \
    do {                                                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b);                                 \
        if (a_ != b_) {                                                                     \
            pthread_mutex_lock(&check_mu);                                                  \
            tu_record(__FILE__, __LINE__, "%s == %s: got %lld, want %lld", #a, #b, a_, b_); \
            pthread_mutex_unlock(&check_mu);                                                \
        }                                                                                   \
    } while (0)
#define TCHECK(c) TCHECK_EQ(!!(c), 1)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ loop threads */

/* A loop on a thread of its own: its main task publishes the loop, then
 * runs body(arg) (or, without one, waits on `stop` until told to end). */
typedef struct loop_thread {
    pthread_t th;
    wa_fn body;
    void *arg;
    wa_loop *loop; /* held once published */
    atomic_int ready;
    wa_event *stop;
    int rc;
} loop_thread;

static void set_stop(void *arg) { wa_event_set(((loop_thread *)arg)->stop); }

static void *loop_thread_main(void *arg)
{
    loop_thread *lt = arg;
    lt->loop = wa_loop_current();
    TCHECK(lt->loop != NULL);
    wa_loop_hold(lt->loop);
    lt->stop = wa_event_new();
    atomic_store(&lt->ready, 1);
    void *r = NULL;
    if (lt->body)
        r = lt->body(lt->arg);
    else
        TCHECK_EQ(wa_event_wait(lt->stop), 0);
    wa_event_free(lt->stop);
    return r;
}

static void *loop_thread_run(void *arg)
{
    loop_thread *lt = arg;
    lt->rc = wa_run(loop_thread_main, lt, NULL);
    return NULL;
}

static void loop_start(loop_thread *lt, wa_fn body, void *arg)
{
    memset(lt, 0, sizeof *lt);
    lt->body = body;
    lt->arg = arg;
    assert_int_equal(pthread_create(&lt->th, NULL, loop_thread_run, lt), 0);
    while (!atomic_load(&lt->ready))
        sched_yield();
}

/* End a loop started without a body, and join it. */
static void loop_stop(loop_thread *lt)
{
    if (!lt->body)
        assert_int_equal(wa_call_soon_threadsafe(lt->loop, set_stop, lt), 0);
    pthread_join(lt->th, NULL);
    assert_int_equal(lt->rc, 0);
    /* Held: the handle outlives the loop, and says so. */
    assert_int_equal(wa_call_soon_threadsafe(lt->loop, set_stop, lt), WA_ECLOSED);
    assert_null(wa_spawn_threadsafe(lt->loop, loop_thread_main, lt));
    assert_int_equal(wa_last_error(), WA_ECLOSED);
    wa_loop_release(lt->loop);
}

/* ------------------------------------------------------------ call_soon */

static char order[64];
static atomic_int order_len;
static void note(void *arg)
{
    int n = atomic_fetch_add(&order_len, 1);
    order[n] = (char)(intptr_t)arg;
    TCHECK(wa_current() == NULL); /* a callback runs outside any task */
}

static void test_call_soon_threadsafe(void **state)
{
    (void)state;
    tu_reset();
    atomic_store(&order_len, 0);
    loop_thread lt;
    loop_start(&lt, NULL, NULL);
    for (int i = 0; i < 26; i++)
        assert_int_equal(wa_call_soon_threadsafe(lt.loop, note, (void *)(intptr_t)('a' + i)), 0);
    assert_int_equal(wa_call_soon_threadsafe(NULL, note, NULL), WA_EINVAL);
    assert_int_equal(wa_call_soon_threadsafe(lt.loop, NULL, NULL), WA_EINVAL);
    loop_stop(&lt);
    order[atomic_load(&order_len)] = 0;
    assert_string_equal(order, "abcdefghijklmnopqrstuvwxyz"); /* in the order sent */
    expect_clean();
    assert_null(wa_loop_current()); /* no loop on this thread */
    assert_int_equal(wa_last_error(), WA_ENOLOOP);
}

/* A loop whose only task waits on an event that another thread will set
 * (through the mail) is not stalled while that thread holds it. */
static void test_held_loop_is_not_stalled(void **state)
{
    (void)state;
    tu_reset();
    loop_thread lt;
    loop_start(&lt, NULL, NULL); /* its main waits on `stop` */
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL); /* a stall would have ended it with WA_EDEADLK */
    loop_stop(&lt);
    expect_clean();
}

/* ------------------------------------------------------------ futures */

static void *add_one(void *arg) { return (void *)((intptr_t)arg + 1); }
static void *fails(void *arg)
{
    (void)arg;
    wa_sleep(1);
    return wa_raise(WA_EUSER - 7, "remote failure %d", 7);
}

static atomic_int remote_cancelled, remote_started;
static void *sleeps_long(void *arg)
{
    (void)arg;
    atomic_fetch_add(&remote_started, 1);
    int rc = wa_sleep(60000);
    if (rc == WA_ECANCELED)
        atomic_fetch_add(&remote_cancelled, 1);
    return NULL;
}
static void *swallows_cancel(void *arg)
{
    (void)arg;
    atomic_fetch_add(&remote_started, 1);
    if (wa_sleep(60000) == WA_ECANCELED) {
        atomic_fetch_add(&remote_cancelled, 1);
        wa_uncancel();
        return (void *)(intptr_t)42;
    }
    return NULL;
}

static void test_future_from_plain_thread(void **state)
{
    (void)state;
    tu_reset();
    atomic_store(&remote_cancelled, 0);
    atomic_store(&remote_started, 0);
    loop_thread lt;
    loop_start(&lt, NULL, NULL);
    void *r = NULL;
    wa_future *f = wa_spawn_threadsafe(lt.loop, add_one, (void *)41);
    assert_non_null(f);
    assert_int_equal(wa_future_result(f, WA_NO_TIMEOUT, &r), 0);
    assert_int_equal((intptr_t)r, 42);
    assert_true(wa_future_done(f));
    assert_int_equal(wa_future_cancel(f), WA_EDONE);
    assert_null(wa_future_message(f));
    wa_future_free(f);

    f = wa_spawn_threadsafe(lt.loop, fails, NULL);
    assert_int_equal(wa_future_result(f, WA_NO_TIMEOUT, &r), WA_EUSER - 7);
    assert_string_equal(wa_future_message(f), "remote failure 7");
    wa_future_free(f);

    /* A timeout from a plain thread leaves the task running... */
    f = wa_spawn_threadsafe(lt.loop, sleeps_long, NULL);
    assert_int_equal(wa_future_result(f, 50, &r), WA_ETIMEDOUT);
    assert_false(wa_future_done(f));
    /* ...and a cancel crosses over to it. */
    assert_int_equal(wa_future_cancel(f), 0);
    assert_int_equal(wa_future_result(f, WA_NO_TIMEOUT, &r), WA_ECANCELED);
    assert_int_equal(atomic_load(&remote_cancelled), 1);
    wa_future_free(f);

    /* Freed while running: it goes on and finishes on its own. */
    f = wa_spawn_threadsafe(lt.loop, add_one, (void *)1);
    wa_future_free(f);
    assert_null(wa_spawn_threadsafe(lt.loop, NULL, NULL));
    assert_int_equal(wa_last_error(), WA_EINVAL);
    assert_int_equal(wa_future_result(NULL, 0, &r), WA_EINVAL);
    assert_int_equal(wa_future_done(NULL), WA_EINVAL); /* not "still running" */
    loop_stop(&lt);
    expect_clean();
}

/* A future whose loop ends before the task starts reports WA_ECLOSED. */
static void *ends_at_once(void *arg)
{
    (void)arg;
    return NULL;
}
static void test_future_loop_gone(void **state)
{
    (void)state;
    tu_reset();
    loop_thread lt;
    loop_start(&lt, ends_at_once, NULL);
    pthread_join(lt.th, NULL);
    wa_future *f = wa_spawn_threadsafe(lt.loop, add_one, NULL);
    assert_null(f);
    assert_int_equal(wa_last_error(), WA_ECLOSED);
    wa_loop_release(lt.loop);
    expect_clean();
}

/* Another loop awaits: it suspends only the waiting task, and cancelling
 * the waiter cancels the remote task. */
static loop_thread *remote;
static atomic_int ticks;

static void *ticker(void *arg)
{
    (void)arg;
    for (;;) {
        if (wa_sleep(1) < 0)
            return NULL;
        atomic_fetch_add(&ticks, 1);
    }
}

static void *slow_double(void *arg)
{
    if (wa_sleep(100) < 0)
        return wa_raise(WA_ECANCELED, "cancelled");
    return (void *)((intptr_t)arg * 2);
}

static void *await_remote(void *arg)
{
    wa_future *f = arg;
    void *r = NULL;
    int rc = wa_future_result(f, WA_NO_TIMEOUT, &r);
    return (void *)(intptr_t)rc;
}

static void *await_remote_value(void *arg)
{
    void *r = NULL;
    return wa_future_result(arg, WA_NO_TIMEOUT, &r) == 0 ? r : NULL;
}

static void *cross_loop_main(void *arg)
{
    (void)arg;
    wa_task *tick = wa_spawn(ticker, NULL);
    /* 1. await: the loop keeps running meanwhile */
    atomic_store(&ticks, 0);
    wa_future *f = wa_spawn_threadsafe(remote->loop, slow_double, (void *)21);
    void *r = NULL;
    CHECK_EQ(wa_future_result(f, WA_NO_TIMEOUT, &r), 0);
    CHECK_EQ((intptr_t)r, 42);
    CHECK(atomic_load(&ticks) >= 20); /* ~100 ticks of 1 ms while waiting */
    wa_future_free(f);

    /* 2. the waiter is cancelled: the remote task is cancelled, and the
     * waiter returns once it has ended */
    atomic_store(&remote_cancelled, 0);
    atomic_store(&remote_started, 0);
    f = wa_spawn_threadsafe(remote->loop, sleeps_long, NULL);
    wa_task *w = wa_spawn(await_remote, f);
    while (atomic_load(&remote_started) == 0)
        wa_sleep(1);
    CHECK_EQ(wa_cancel(w), 0);
    CHECK_EQ(wa_await(w, &r), WA_ECANCELED);
    CHECK_EQ(atomic_load(&remote_cancelled), 1);
    CHECK(wa_future_done(f));
    wa_future_free(f);

    /* 3. a timeout cancels the remote task too (wa_wait_for) */
    f = wa_spawn_threadsafe(remote->loop, sleeps_long, NULL);
    CHECK_EQ(wa_future_result(f, 30, &r), WA_ETIMEDOUT);
    CHECK_EQ(atomic_load(&remote_cancelled), 2);
    wa_future_free(f);

    /* 4. the remote task swallows the cancel: its value wins */
    f = wa_spawn_threadsafe(remote->loop, swallows_cancel, NULL);
    r = NULL;
    CHECK_EQ(wa_future_result(f, 30, &r), 0);
    CHECK_EQ((intptr_t)r, 42);
    wa_future_free(f);

    /* 5. a task on this very loop, awaited through a future */
    f = wa_spawn_threadsafe(wa_loop_current(), add_one, (void *)9);
    CHECK_EQ(wa_future_result(f, WA_NO_TIMEOUT, &r), 0);
    CHECK_EQ((intptr_t)r, 10);
    wa_future_free(f);

    /* 6. several tasks await one future: each gets the outcome */
    f = wa_spawn_threadsafe(remote->loop, slow_double, (void *)4);
    wa_task *w1 = wa_spawn(await_remote_value, f), *w2 = wa_spawn(await_remote_value, f);
    void *r1 = NULL, *r2 = NULL;
    CHECK_EQ(wa_await(w1, &r1), 0);
    CHECK_EQ(wa_await(w2, &r2), 0);
    CHECK_EQ((intptr_t)r1, 8);
    CHECK_EQ((intptr_t)r2, 8);
    wa_future_free(f);

    wa_cancel(tick);
    wa_await(tick, NULL);
    return NULL;
}

static void test_future_across_loops(void **state)
{
    (void)state;
    loop_thread lt;
    loop_start(&lt, NULL, NULL);
    remote = &lt;
    run_main(cross_loop_main, NULL);
    loop_stop(&lt);
}

/* Blocking on a future from a callback would stop the loop. */
static atomic_int wrong_loop_rc;
static wa_future *pending_future;
static void block_in_callback(void *arg)
{
    (void)arg;
    atomic_store(&wrong_loop_rc, wa_future_result(pending_future, 10, NULL));
}

static void test_future_wrong_loop(void **state)
{
    (void)state;
    tu_reset();
    loop_thread lt;
    loop_start(&lt, NULL, NULL);
    pending_future = wa_spawn_threadsafe(lt.loop, sleeps_long, NULL);
    assert_int_equal(wa_call_soon_threadsafe(lt.loop, block_in_callback, NULL), 0);
    assert_int_equal(wa_future_cancel(pending_future), 0);
    wa_future_result(pending_future, WA_NO_TIMEOUT, NULL);
    loop_stop(&lt);
    assert_int_equal(atomic_load(&wrong_loop_rc), WA_EWRONGLOOP);
    wa_future_free(pending_future);
    expect_clean();
}

/* A loop that ends while a task of another loop waits on its future: the
 * remote task is cancelled with its loop's leftovers, and the waiter hears. */
static void *short_lived_loop(void *arg)
{
    (void)arg;
    wa_sleep(50);
    return NULL;
}
static void *await_dying_loop(void *arg)
{
    loop_thread *lt = arg;
    wa_future *f = wa_spawn_threadsafe(lt->loop, sleeps_long, NULL);
    CHECK(f != NULL);
    CHECK_EQ(wa_future_result(f, WA_NO_TIMEOUT, NULL), WA_ECANCELED);
    wa_future_free(f);
    return NULL;
}
static void test_future_remote_loop_ends(void **state)
{
    (void)state;
    loop_thread lt;
    loop_start(&lt, short_lived_loop, NULL);
    run_main(await_dying_loop, &lt);
    pthread_join(lt.th, NULL);
    wa_loop_release(lt.loop);
}

/* ------------------------------------------------------------ shared queue */

typedef struct producer {
    wa_shared_queue *q;
    int n;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 1; i <= p->n; i++)
        TCHECK_EQ(wa_shared_queue_put(p->q, (void *)(intptr_t)i), 0);
    TCHECK_EQ(wa_shared_queue_close(p->q), 0);
    return NULL;
}

static void *consume_main(void *arg)
{
    producer *p = arg;
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, produce, p), 0);
    wa_task *tick = wa_spawn(ticker, NULL);
    void *item;
    intptr_t want = 1;
    int rc;
    while ((rc = wa_shared_queue_get(p->q, &item)) == 0) {
        if ((intptr_t)item != want)
            break;
        want++;
    }
    CHECK_EQ(rc, WA_ECLOSED);
    CHECK_EQ(want, p->n + 1); /* every item, in order */
    pthread_join(th, NULL);
    wa_cancel(tick);
    wa_await(tick, NULL);
    return NULL;
}

static void test_shared_queue_thread_to_task(void **state)
{
    (void)state;
    producer p = {wa_shared_queue_new(8), 20000}; /* bounded: the thread blocks */
    run_main(consume_main, &p);
    assert_int_equal(wa_shared_queue_free(p.q), 0);
}

static void *queue_api_main(void *arg)
{
    (void)arg;
    wa_shared_queue *q = wa_shared_queue_new(2);
    void *item = NULL;
    CHECK_EQ(wa_shared_queue_try_get(q, &item), WA_EBUSY);
    CHECK_EQ(wa_shared_queue_try_put(q, (void *)1), 0);
    CHECK_EQ(wa_shared_queue_put(q, (void *)2), 0);
    CHECK_EQ(wa_shared_queue_try_put(q, (void *)3), WA_EBUSY);
    CHECK_EQ(wa_shared_queue_len(q), 2);
    /* A deadline ends a put that waits for room, and nothing is lost. */
    int rc;
    {
        WA_TIMEOUT_SCOPE(20, rc);
        CHECK_EQ(wa_shared_queue_put(q, (void *)3), WA_ETIMEDOUT);
    }
    CHECK_EQ(rc, WA_ETIMEDOUT);
    CHECK_EQ(wa_shared_queue_get(q, &item), 0);
    CHECK_EQ((intptr_t)item, 1);
    CHECK_EQ(wa_shared_queue_close(q), 0);
    CHECK_EQ(wa_shared_queue_put(q, (void *)4), WA_ECLOSED);
    CHECK_EQ(wa_shared_queue_get(q, &item), 0); /* drains after close */
    CHECK_EQ((intptr_t)item, 2);
    CHECK_EQ(wa_shared_queue_get(q, &item), WA_ECLOSED);
    CHECK_EQ(wa_shared_queue_free(q), 0);
    CHECK_EQ(wa_shared_queue_put(NULL, NULL), WA_EINVAL);
    return NULL;
}

static void test_shared_queue_api(void **state)
{
    (void)state;
    run_main(queue_api_main, NULL);
}

/* A getter cancelled while an item is on its way: the item stays in the
 * queue for the next getter. */
static wa_shared_queue *race_q;
static void *getter(void *arg)
{
    void *item;
    int rc = wa_shared_queue_get(race_q, &item);
    if (rc == 0)
        *(intptr_t *)arg = (intptr_t)item; /* even if it ends cancelled */
    return NULL;
}
static void put_from_callback(void *arg) { TCHECK_EQ(wa_shared_queue_put(race_q, arg), 0); }

static void *cancel_race_main(void *arg)
{
    loop_thread *other = arg;
    race_q = wa_shared_queue_new(0);
    for (int i = 0; i < 200; i++) {
        intptr_t got_a = 0, got_b = 0;
        wa_task *a = wa_spawn(getter, &got_a), *b = wa_spawn(getter, &got_b);
        wa_sleep(0);
        wa_sleep(0); /* both wait */
        /* the other loop puts one item while a is cancelled here */
        CHECK_EQ(wa_call_soon_threadsafe(other->loop, put_from_callback, (void *)7), 0);
        if (i % 2)
            wa_sleep(0);
        wa_cancel(a);
        wa_await(a, NULL);
        if (got_a == 7) /* a took it before the cancel landed: b needs one */
            CHECK_EQ(wa_shared_queue_put(race_q, (void *)7), 0);
        CHECK_EQ(wa_await(b, NULL), 0);
        CHECK_EQ(got_b, 7);
        wa_release(a);
        wa_release(b);
    }
    CHECK_EQ(wa_shared_queue_len(race_q), 0);
    CHECK_EQ(wa_shared_queue_free(race_q), 0);
    return NULL;
}

static void test_shared_queue_cancel_keeps_items(void **state)
{
    (void)state;
    loop_thread lt;
    loop_start(&lt, NULL, NULL);
    run_main(cancel_race_main, &lt);
    loop_stop(&lt);
}

/* ------------------------------------------------------------ the ring */

#define RING   4
#define TOKENS 64

typedef struct ring {
    wa_shared_queue *q[RING];
    loop_thread lt[RING];
    long hops_each;   /* hand-overs per token */
    atomic_long hops; /* hand-overs done */
    atomic_int tokens_done;
    atomic_int served[RING];    /* hops seen by each loop */
    atomic_int crossed_cancels; /* remote tasks that saw a cancel from afar */
    atomic_int sleepers_started;
    atomic_int cancels_sent;
    atomic_int stopping;
    atomic_int go;
} ring;

static ring R;

static void *ring_sleeper(void *arg)
{
    (void)arg;
    atomic_fetch_add(&R.sleepers_started, 1);
    if (wa_sleep(60000) == WA_ECANCELED)
        atomic_fetch_add(&R.crossed_cancels, 1);
    return NULL;
}

/* Cancellation across threads while the ring runs: start a task on the
 * next loop, await it from a task of ours, and cancel our waiter (half the
 * time), or time the wait out (the other half). */
static void *ring_canceller(void *arg)
{
    int me = (int)(intptr_t)arg;
    wa_loop *next = R.lt[(me + 1) % RING].loop;
    for (int i = 0; !atomic_load(&R.stopping); i++) {
        wa_future *f = wa_spawn_threadsafe(next, ring_sleeper, NULL);
        if (!f)
            break;
        atomic_fetch_add(&R.cancels_sent, 1);
        /* Near the end the next loop may end first, cancelling its
         * leftovers or refusing the task: only the outcome before counts. */
        if (i % 2) {
            int rc = wa_future_result(f, 2, NULL);
            TCHECK(rc == WA_ETIMEDOUT || atomic_load(&R.stopping));
        } else {
            wa_task *w = wa_spawn(await_remote, f);
            wa_sleep(1);
            wa_cancel(w);
            int rc = wa_await(w, NULL);
            TCHECK(rc == WA_ECANCELED || atomic_load(&R.stopping));
        }
        TCHECK(wa_future_done(f));
        wa_future_free(f);
    }
    return NULL;
}

static void *ring_body(void *arg)
{
    int me = (int)(intptr_t)arg;
    while (!atomic_load(&R.go)) /* every loop published */
        wa_sleep(1);
    wa_task *c = wa_spawn(ring_canceller, (void *)(intptr_t)me);
    wa_shared_queue *in = R.q[me], *out = R.q[(me + 1) % RING];
    void *item;
    while (wa_shared_queue_get(in, &item) == 0) {
        long left = (long)(intptr_t)item;
        atomic_fetch_add(&R.served[me], 1);
        if (left == 0) {
            if (atomic_fetch_add(&R.tokens_done, 1) + 1 == TOKENS) {
                atomic_store(&R.stopping, 1);
                for (int i = 0; i < RING; i++)
                    wa_shared_queue_close(R.q[i]);
            }
            continue;
        }
        atomic_fetch_add(&R.hops, 1);
        if (wa_shared_queue_put(out, (void *)(intptr_t)(left - 1)) != 0)
            break;
    }
    wa_await(c, NULL);
    return NULL;
}

static void test_ring_of_four_loops(void **state)
{
    (void)state;
    tu_reset();
    long items = 250000;
    if (getenv("WA_RING_ITEMS"))
        items = atol(getenv("WA_RING_ITEMS"));
    memset(&R, 0, sizeof R);
    R.hops_each = items / TOKENS;
    for (int i = 0; i < RING; i++)
        R.q[i] = wa_shared_queue_new(0);
    double t0 = now_s();
    for (int i = 0; i < RING; i++)
        loop_start(&R.lt[i], ring_body, (void *)(intptr_t)i);
    atomic_store(&R.go, 1);
    /* Tokens enter from this plain thread, spread over the loops. */
    for (int k = 0; k < TOKENS; k++)
        assert_int_equal(wa_shared_queue_put(R.q[k % RING], (void *)(intptr_t)R.hops_each), 0);
    for (int i = 0; i < RING; i++) {
        pthread_join(R.lt[i].th, NULL);
        assert_int_equal(R.lt[i].rc, 0);
    }
    double secs = now_s() - t0;
    expect_clean();
    assert_int_equal(atomic_load(&R.tokens_done), TOKENS);
    assert_int_equal(atomic_load(&R.hops), R.hops_each * TOKENS); /* nothing lost */
    for (int i = 0; i < RING; i++)
        assert_true(atomic_load(&R.served[i]) > 0);
    /* Every remote sleeper that started was cancelled from the other
     * thread (one cancelled before it started never runs). */
    assert_true(atomic_load(&R.crossed_cancels) > 0);
    assert_int_equal(atomic_load(&R.crossed_cancels), atomic_load(&R.sleepers_started));
    fprintf(stderr,
            "ring: %ld hand-overs over %d loops in %.2f s (%.0f/s), %d cancels across threads\n",
            R.hops_each * TOKENS, RING, secs, (double)(R.hops_each * TOKENS) / secs,
            atomic_load(&R.cancels_sent));
    for (int i = 0; i < RING; i++) {
        wa_loop_release(R.lt[i].loop);
        assert_int_equal(wa_shared_queue_free(R.q[i]), 0);
    }
}

int main(void)
{
    if (getenv("WA_TEST_FILTER"))
        cmocka_set_test_filter(getenv("WA_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_soon_threadsafe),
        cmocka_unit_test(test_held_loop_is_not_stalled),
        cmocka_unit_test(test_future_from_plain_thread),
        cmocka_unit_test(test_future_loop_gone),
        cmocka_unit_test(test_future_across_loops),
        cmocka_unit_test(test_future_wrong_loop),
        cmocka_unit_test(test_future_remote_loop_ends),
        cmocka_unit_test(test_shared_queue_thread_to_task),
        cmocka_unit_test(test_shared_queue_api),
        cmocka_unit_test(test_shared_queue_cancel_keeps_items),
        cmocka_unit_test(test_ring_of_four_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
