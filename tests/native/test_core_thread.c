/* test_core_thread.c: wa_to_thread (runs on another thread while the loop
 * keeps going, cancellation of the caller), and the host file helpers
 * wa_read_file / wa_wait_readable / wa_wait_writable. Native only: it needs
 * real threads (libuv's pool), pipes and a temp file; the portable part
 * (inline to_thread, argument checks) is in tests/scenarios/sc_run.c. */
#include "test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

static pthread_t loop_thread;
static atomic_int ticks;
static atomic_int thread_started;

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Blocks until the loop's ticker has advanced three times; if the loop were
 * blocked by us, that never happens and we give up after 5 s (reported as a
 * failure rather than a hang). */
static void *blocking_fn(void *arg)
{
    atomic_store(&thread_started, 1);
    int other_thread = !pthread_equal(pthread_self(), loop_thread);
    int seen = atomic_load(&ticks);
    for (int i = 0; i < 5000 && atomic_load(&ticks) < seen + 3; i++)
        nap_ms(1);
    int progressed = atomic_load(&ticks) >= seen + 3;
    return PTR(other_thread * 10 + progressed + (INT(arg) << 8));
}

static int ticker_stop;
static void *ticker(void *arg)
{
    while (!ticker_stop) {
        if (wa_sleep(1) < 0)
            break;
        atomic_fetch_add(&ticks, 1);
    }
    return NULL;
}

static void *to_thread_main(void *arg)
{
    loop_thread = pthread_self();
    atomic_store(&ticks, 0);
    ticker_stop = 0;
    wa_task *t = wa_spawn(ticker, NULL);
    void *r = NULL;
    CHECK_EQ(wa_to_thread(blocking_fn, PTR(3), &r), 0);
    /* ran on another thread, and the ticker advanced while it blocked */
    CHECK_EQ(INT(r), (3 << 8) + 11);
    ticker_stop = 1;
    CHECK_EQ(wa_await(t, NULL), 0);
    return NULL;
}

static void test_to_thread_runs_concurrently(void **state) { run_main(to_thread_main, NULL); }

static void *raise_in_thread_ok(void *arg) { return arg; }

static void *many_threads_main(void *arg)
{
    void *r = NULL;
    CHECK_EQ(wa_to_thread(raise_in_thread_ok, NULL, &r), 0);
    CHECK_PTR(r, NULL);
    CHECK_EQ(wa_to_thread(raise_in_thread_ok, PTR(6), NULL), 0);
    CHECK_EQ(wa_to_thread(NULL, NULL, &r), WA_EINVAL);
    return NULL;
}

static void test_to_thread_results_and_null(void **state)
{
    run_main(many_threads_main, NULL);
    assert_int_equal(wa_to_thread(raise_in_thread_ok, NULL, NULL), WA_ENOLOOP);
}

/* Cancelling the caller returns at once; the thread finishes on its own. */
static atomic_int slow_thread_done, slow_thread_go;
static void *slow_thread(void *arg)
{
    atomic_store(&thread_started, 1);
    /* held until the test has checked that the caller did not wait */
    for (int i = 0; i < 5000 && !atomic_load(&slow_thread_go); i++)
        nap_ms(1);
    atomic_store(&slow_thread_done, 1);
    return PTR(1);
}

static int cancelled_call_rc = 99;
static void *thread_caller(void *arg)
{
    cancelled_call_rc = wa_to_thread(slow_thread, NULL, NULL);
    return NULL;
}

static void *cancel_to_thread_main(void *arg)
{
    atomic_store(&slow_thread_done, 0);
    atomic_store(&slow_thread_go, 0);
    atomic_store(&thread_started, 0);
    wa_task *t = wa_spawn(thread_caller, NULL);
    for (int i = 0; i < 5000 && !atomic_load(&thread_started); i++)
        CHECK_EQ(wa_sleep(1), 0);
    CHECK_EQ(wa_cancel(t), 0);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    CHECK_EQ(cancelled_call_rc, WA_ECANCELED);
    CHECK_EQ(atomic_load(&slow_thread_done), 0); /* did not wait for it */
    atomic_store(&slow_thread_go, 1);
    return NULL;
}

static void test_to_thread_cancel_returns_at_once(void **state)
{
    run_main(cancel_to_thread_main, NULL);
    /* wa_run waited for the pool job, or it finishes shortly */
    for (int i = 0; i < 5000 && !atomic_load(&slow_thread_done); i++)
        nap_ms(1);
    assert_int_equal(atomic_load(&slow_thread_done), 1);
}

/* The rule for an argument fn owns: a caller interrupted while its job
 * still waits for a free pool thread (cancelled, or its deadline scope
 * expired) returns at once, and fn still runs, exactly once, so it frees
 * arg. The pool (UV_THREADPOOL_SIZE, set in main) is saturated first by
 * blockers that each say when they run, so the jobs are queued, not
 * started, when their callers give up. Under ASan a job dropped unrun is a
 * leak, one run twice a double free. */
#define POOL_THREADS 4
static atomic_int blockers_running, blockers_go, owned_freed;

static void *blocker(void *arg)
{
    atomic_fetch_add(&blockers_running, 1);
    for (int i = 0; i < 10000 && !atomic_load(&blockers_go); i++)
        nap_ms(1);
    return NULL;
}

static void *block_a_pool_thread(void *arg) { return PTR(wa_to_thread(blocker, NULL, NULL)); }

static void *free_owned_arg(void *arg)
{
    free(arg);
    atomic_fetch_add(&owned_freed, 1);
    return PTR(7); /* dropped: its caller has gone */
}

/* arg: where to say what wa_to_thread returned */
static void *hand_over_owned(void *arg)
{
    void *r = NULL;
    *(int *)arg = wa_to_thread(free_owned_arg, malloc(64), &r);
    CHECK_PTR(r, NULL); /* an interrupted call does not write the result */
    return NULL;
}

static void *hand_over_owned_in_scope(void *arg)
{
    int scope_rc;
    {
        WA_TIMEOUT_SCOPE(20, scope_rc);
        hand_over_owned(arg);
    }
    CHECK_EQ(scope_rc, WA_ETIMEDOUT);
    return NULL;
}

static void *queued_job_main(void *arg)
{
    atomic_store(&blockers_running, 0);
    atomic_store(&blockers_go, 0);
    atomic_store(&owned_freed, 0);
    wa_task *blockers[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++)
        blockers[i] = wa_spawn(block_a_pool_thread, NULL);
    for (int i = 0; i < 5000 && atomic_load(&blockers_running) < POOL_THREADS; i++)
        CHECK_EQ(wa_sleep(1), 0);
    CHECK_EQ(atomic_load(&blockers_running), POOL_THREADS); /* every pool thread is busy */

    int cancelled_rc = 99, timed_out_rc = 99;
    wa_task *cancelled = wa_spawn(hand_over_owned, &cancelled_rc);
    wa_task *timed_out = wa_spawn(hand_over_owned_in_scope, &timed_out_rc);
    CHECK_EQ(wa_sleep(5), 0); /* both have queued their job and wait */
    CHECK_EQ(wa_cancel(cancelled), 0);
    wa_await(cancelled, NULL);
    CHECK_EQ(cancelled_rc, WA_ECANCELED);
    CHECK_EQ(wa_await(timed_out, NULL), 0);
    CHECK_EQ(timed_out_rc, WA_ETIMEDOUT);
    CHECK_EQ(atomic_load(&owned_freed), 0); /* not started: the pool is still full */
    void *r = NULL;

    atomic_store(&blockers_go, 1);
    for (int i = 0; i < POOL_THREADS; i++) {
        CHECK_EQ(wa_await(blockers[i], &r), 0);
        CHECK_EQ(INT(r), 0);
    }
    /* The orphaned jobs run at their turn; the loop's end waits for them. */
    return NULL;
}

static void test_to_thread_queued_job_runs_once(void **state)
{
    run_main(queued_job_main, NULL);
    assert_int_equal(atomic_load(&owned_freed), 2);
}

/* No loop on a worker thread: suspending calls say WA_ENOLOOP there. */
static wa_task *loop_task;
static void *off_loop(void *arg)
{
    int bad = 0;
    if (wa_running() != 0)
        bad |= 1;
    if (wa_current() != NULL)
        bad |= 2;
    if (wa_await(loop_task, NULL) != WA_ENOLOOP)
        bad |= 4;
    if (wa_sleep(1) != WA_ENOLOOP)
        bad |= 8;
    if (wa_yield() != WA_ENOLOOP)
        bad |= 16;
    if (wa_spawn(raise_in_thread_ok, NULL) != NULL || wa_last_error() != WA_ENOLOOP)
        bad |= 32;
    return PTR(bad);
}

static void *worker_noloop_main(void *arg)
{
    loop_task = wa_spawn(raise_in_thread_ok, NULL);
    void *r = PTR(-1);
    CHECK_EQ(wa_to_thread(off_loop, NULL, &r), 0);
    CHECK_EQ(INT(r), 0);
    CHECK_EQ(wa_await(loop_task, NULL), 0);
    return NULL;
}

static void test_worker_thread_has_no_loop(void **state) { run_main(worker_noloop_main, NULL); }

/* ---------------------------------------------------------------- files */

static char tmp_path[64];

static void *read_file_main(void *arg)
{
    char *data = NULL;
    size_t len = 0;
    CHECK_EQ(wa_read_file(tmp_path, &data, &len), 0);
    CHECK_EQ(len, 12);
    CHECK(data != NULL);
    if (data) {
        CHECK_STR(data, "hello\nworld\n");
        CHECK_EQ(data[len], 0);
    }
    free(data);
    data = (char *)1;
    int rc = wa_read_file("/nonexistent/wasyncio/nope.txt", &data, &len);
    CHECK(rc < 0);
    CHECK(rc != WA_EINVAL);
    CHECK_EQ(wa_read_file(NULL, &data, &len), WA_EINVAL);
    CHECK_EQ(wa_read_file(tmp_path, NULL, &len), WA_EINVAL);
    return NULL;
}

static void test_read_file(void **state)
{
    strcpy(tmp_path, "/tmp/wa_test_readXXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello\nworld\n", 12), 12);
    close(fd);
    run_main(read_file_main, NULL);
    unlink(tmp_path);
}

static int pipe_fds[2];
static void *pipe_writer(void *arg)
{
    CHECK_EQ(wa_event_wait(arg), 0); /* write only once the reader waits */
    trace("write");
    CHECK_EQ(write(pipe_fds[1], "x", 1), 1);
    return NULL;
}

static void *wait_fd_main(void *arg)
{
    CHECK_EQ(pipe(pipe_fds), 0);
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    wa_event *go = wa_event_new();
    wa_task *w = wa_spawn(pipe_writer, go);
    CHECK_EQ(wa_wait_writable(pipe_fds[1]), 0);
    trace("writable");
    CHECK_EQ(wa_event_set(go), 0);
    CHECK_EQ(wa_wait_readable(pipe_fds[0]), 0);
    trace("readable");
    char c = 0;
    CHECK_EQ(read(pipe_fds[0], &c, 1), 1);
    CHECK_EQ(c, 'x');
    CHECK_EQ(wa_await(w, NULL), 0);
    CHECK_EQ(wa_event_free(go), 0);
    /* a wait on an fd is a suspension point like any other */
    int rc = 99, r = 99;
    {
        WA_TIMEOUT_SCOPE(5, rc);
        r = wa_wait_readable(pipe_fds[0]);
    }
    CHECK_EQ(r, WA_ETIMEDOUT);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK(wa_wait_readable(-1) < 0);
    return NULL;
}

static void test_wait_fd(void **state)
{
    run_main(wait_fd_main, NULL);
    expect_trace("writable write readable");
}

/* Several tasks on one fd share libuv's single poll handle
 * for it: two readers both wake when it becomes readable, a writer on the
 * same fd wakes at once while the readers go on waiting, and a cancelled
 * reader leaves the others waiting. */
static int sp[2];
static void *read_waiter(void *arg)
{
    int rc = wa_wait_readable(sp[0]);
    trace("%s=%d", (const char *)arg, rc);
    return PTR(rc);
}

static void *same_fd_main(void *arg)
{
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    wa_task *a = wa_spawn(read_waiter, "a");
    wa_task *b = wa_spawn(read_waiter, "b");
    wa_task *c = wa_spawn(read_waiter, "c");
    CHECK_EQ(wa_yield(), 0); /* all three wait */
    CHECK_EQ(wa_wait_writable(sp[0]), 0);
    trace("writable");
    CHECK_EQ(wa_cancel(c), 0);
    CHECK_EQ(wa_await(c, NULL), WA_ECANCELED);
    CHECK_EQ(write(sp[1], "x", 1), 1);
    void *ra = PTR(1), *rb = PTR(1);
    CHECK_EQ(wa_await(a, &ra), 0);
    CHECK_EQ(wa_await(b, &rb), 0);
    CHECK_EQ(INT(ra), 0);
    CHECK_EQ(INT(rb), 0);
    close(sp[0]);
    close(sp[1]);
    return NULL;
}

static void test_wait_fd_shared(void **state)
{
    run_main(same_fd_main, NULL);
    expect_trace("writable c=-5 a=0 b=0");
}

int main(void)
{
    /* libuv's default, said here: test_to_thread_queued_job_runs_once
     * fills every pool thread. */
    setenv("UV_THREADPOOL_SIZE", "4", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_to_thread_runs_concurrently),
        cmocka_unit_test(test_to_thread_results_and_null),
        cmocka_unit_test(test_to_thread_cancel_returns_at_once),
        cmocka_unit_test(test_to_thread_queued_job_runs_once),
        cmocka_unit_test(test_worker_thread_has_no_loop),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_wait_fd),
        cmocka_unit_test(test_wait_fd_shared),
    };
    return cmocka_run_group_tests_name("core_thread", tests, NULL, NULL);
}
