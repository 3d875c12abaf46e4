/* sc_threads.c: scenario: wasyncio/threads.h on every target. Natively a
 * loop is a handle other threads post to, and a task can await a future
 * and a shared queue of its own loop; on WASI and the web (one thread)
 * every call says so at once with WA_ENOTHREADS, never hangs. The
 * threaded cases proper are native-only: tests/native/test_threads*.c. */
#include "harness.h"

static int ran;
static void bump(void *arg) { ran += (int)(intptr_t)arg; }
static void *twice(void *arg) { return (void *)((intptr_t)arg * 2); }

static void test_one_thread_or_many(void)
{
    wa_loop *loop = wa_loop_current();
    if (!loop) {
        /* One thread: each call is refused by name, at once. */
        CHECK_INT(wa_last_error(), WA_ENOTHREADS);
        CHECK_INT(wa_call_soon_threadsafe((wa_loop *)&ran, bump, NULL), WA_ENOTHREADS);
        CHECK(wa_spawn_threadsafe((wa_loop *)&ran, twice, NULL) == NULL);
        CHECK_INT(wa_last_error(), WA_ENOTHREADS);
        CHECK(wa_shared_queue_new(0) == NULL);
        CHECK_INT(wa_last_error(), WA_ENOTHREADS);
        CHECK_INT(wa_future_result(NULL, 0, NULL), WA_ENOTHREADS);
        CHECK_INT(wa_future_done(NULL), WA_ENOTHREADS);
        return;
    }
    /* Threads: the same calls work within one loop too. */
    ran = 0;
    CHECK_INT(wa_call_soon_threadsafe(loop, bump, (void *)3), 0);
    CHECK_INT(wa_sleep(1), 0);
    CHECK_INT(ran, 3);
    wa_future *f = wa_spawn_threadsafe(loop, twice, (void *)21);
    CHECK(f != NULL);
    void *r = NULL;
    CHECK_INT(wa_future_result(f, WA_NO_TIMEOUT, &r), 0);
    CHECK_INT((int)(intptr_t)r, 42);
    wa_future_free(f);
    wa_shared_queue *q = wa_shared_queue_new(1);
    CHECK_INT(wa_shared_queue_put(q, (void *)5), 0);
    CHECK_INT(wa_shared_queue_get(q, &r), 0);
    CHECK_INT((int)(intptr_t)r, 5);
    CHECK_INT(wa_shared_queue_free(q), 0);
}

static void test_names(void)
{
    CHECK_STR(wa_error_name(WA_ENOTHREADS), "WA_ENOTHREADS");
    CHECK_STR(wa_error_name(WA_EWRONGLOOP), "WA_EWRONGLOOP");
    CHECK_INT(WA_ENOTHREADS, -60);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_one_thread_or_many),
    WA_H_TEST(test_names),
    {0},
};

int main(void) { return wa_h_main(tests); }
