/* sc_run.c: scenario: the loop, tasks and the host operations every target
 * has: spawned tasks start at the next suspension point in FIFO order,
 * await returns results (again and again), yield interleaves, sleeps end in
 * deadline order, clocks are monotonic, task names, handles released while
 * running, nested wa_run is WA_ENESTED, calls outside a task are
 * WA_ENOLOOP, to_thread returns its result (inline where there are no
 * threads), fd waits check their argument, reading a missing file fails
 * cleanly, and per-task stack / Asyncify sizes are accepted; a
 * task may take its own name, two tasks wait on one fd, and tasks spawned
 * while wa_run cancels its leftovers are cancelled too. */
#include "harness.h"

static void *nested_body(void *arg)
{
    (void)arg;
    return NULL;
}

static void test_nested_run(void)
{
    CHECK_INT(wa_running(), 1);
    CHECK_INT(wa_run(nested_body, NULL, NULL), WA_ENESTED);
}

static void *add_one(void *arg) { return (void *)((intptr_t)arg + 1); }

static void test_to_thread(void)
{
    void *r = NULL;
    CHECK_INT(wa_to_thread(add_one, (void *)(intptr_t)41, &r), 0);
    CHECK_INT((intptr_t)r, 42);
    CHECK_INT(wa_to_thread(NULL, NULL, &r), WA_EINVAL);
}

static void test_fds(void)
{
    CHECK_INT(wa_wait_readable(-1), WA_EINVAL);
    CHECK_INT(wa_wait_writable(-5), WA_EINVAL);
    CHECK_INT(wa_wait_writable(1), 0); /* stdout */
}

static void test_read_missing(void)
{
    char *data = (char *)1;
    size_t len = 7;
    int rc = wa_read_file("no/such/file.txt", &data, &len);
    CHECK_INT(rc, WA_ENOENT); /* named on every target, not WA_EIO */
    CHECK(data == NULL);
    CHECK_INT(wa_read_file("no-such-file.txt", &data, &len), WA_ENOENT);
    CHECK_INT(wa_read_file(NULL, &data, &len), WA_EINVAL);
}

static void *deep(void *arg)
{
    intptr_t n = (intptr_t)arg;
    if (n == 0) {
        wa_yield();
        return (void *)1;
    }
    volatile char pad[256];
    pad[0] = (char)n;
    intptr_t r = (intptr_t)deep((void *)(n - 1));
    return (void *)(r + pad[0] - (char)n);
}

static void test_task_sizes(void)
{
    wa_task_opts o = {.name = "big", .stack_size = 64 * 1024, .asyncify_size = 16 * 1024};
    wa_task *t = wa_spawn_opts(deep, (void *)(intptr_t)100, &o);
    CHECK(t != NULL);
    CHECK_STR(wa_task_name(t), "big");
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_INT((intptr_t)r, 1);
    wa_release(t);
}

static void test_names_and_errors(void)
{
    CHECK_STR(wa_task_name(NULL), "?");
    CHECK(wa_strerror(WA_ENOTSUP) != NULL);
    CHECK(wa_current() != NULL);
}

static void *child_sleeper(void *arg)
{
    CHECK_INT(wa_sleep(2), 0);
    return PTR(3);
}
static void *raise_user(void *arg) { return wa_raise(WA_EUSER - 7, "bad %d", 7); }

static void *tracer(void *arg)
{
    wa_h_note("%s", (const char *)arg);
    return arg;
}

static void test_spawn_starts_at_next_point_fifo(void)
{
    wa_task *a = wa_spawn(tracer, "A");
    wa_task *b = wa_spawn(tracer, "B");
    wa_task *c = wa_spawn(tracer, "C");
    wa_h_note("spawned");
    CHECK_INT(wa_task_done(a), 0);
    wa_yield();
    wa_h_note("main");
    CHECK_INT(wa_task_done(a), 1);
    CHECK_INT(wa_task_done(b), 1);
    CHECK_INT(wa_task_done(c), 1);
    CHECK_STR(wa_h_trace, "spawned A B C main");
}

static void test_await_result_and_again(void)
{
    wa_task *t = wa_spawn(child_sleeper, NULL);
    void *r1 = NULL, *r2 = NULL;
    CHECK_INT(wa_await(t, &r1), 0);
    CHECK_INT(wa_await(t, &r2), 0);
    CHECK_PTR(r1, PTR(3));
    CHECK_PTR(r2, PTR(3));
    CHECK_INT(wa_await(t, NULL), 0); /* result pointer is optional */
    CHECK_INT(wa_task_done(t), 1);
    CHECK_INT(wa_task_error(t), 0);
    CHECK_STR(wa_task_message(t), "");

    wa_task *f = wa_spawn(raise_user, NULL);
    CHECK_INT(wa_await(f, NULL), WA_EUSER - 7);
    CHECK_INT(wa_await(f, NULL), WA_EUSER - 7);
    CHECK_INT(wa_task_error(f), WA_EUSER - 7);
    CHECK_STR(wa_task_message(f), "bad 7");
}

static void *yielder(void *arg)
{
    for (int i = 0; i < 3; i++) {
        wa_h_note("%s%d", (const char *)arg, i);
        CHECK_INT(wa_yield(), 0);
    }
    return NULL;
}

static void test_yield_interleaves(void)
{
    wa_task *ts[2] = {wa_spawn(yielder, "a"), wa_spawn(yielder, "b")};
    CHECK_INT(wa_gather(ts, 2, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "a0 b0 a1 b1 a2 b2");
}

static void *sleeper(void *arg)
{
    int ms = INT(arg);
    CHECK_INT(wa_sleep((uint64_t)ms), 0);
    wa_h_note("%d", ms);
    return NULL;
}

/* Each sleep's deadline counts from when that task starts; the five start
 * in one turn, so deadlines 50 ms apart keep their order even when a loaded
 * machine preempts the loop between two starts (5 ms apart did not). */
static void test_sleep_orders_by_deadline(void)
{
    wa_task *ts[5] = {wa_spawn(sleeper, PTR(300)), wa_spawn(sleeper, PTR(100)),
                      wa_spawn(sleeper, PTR(200)), wa_spawn(sleeper, PTR(0)),
                      wa_spawn(sleeper, PTR(50))};
    CHECK_INT(wa_gather(ts, 5, NULL, NULL, 0), 0);
    CHECK_STR(wa_h_trace, "0 50 100 200 300");
}

static void test_clocks_monotonic(void)
{
    uint64_t m0 = wa_now(), h0 = wa_hrtime();
    CHECK_INT(wa_sleep(20), 0);
    uint64_t m1 = wa_now(), h1 = wa_hrtime();
    CHECK(m1 >= m0);
    CHECK(h1 > h0);
    /* a sleep lasts at least about its duration (ms clocks may round) */
    CHECK(h1 - h0 >= 15u * 1000000u);
    CHECK(m1 - m0 >= 15u);
    uint64_t prev = wa_hrtime();
    for (int i = 0; i < 1000; i++) {
        uint64_t h = wa_hrtime();
        CHECK(h >= prev);
        prev = h;
    }
}

/* ------------------------------------------------------------ names */

static void test_task_names(void)
{
    char buf[32];
    strcpy(buf, "worker");
    wa_task_opts o = {0};
    o.name = buf;
    wa_task *t = wa_spawn_opts(tracer, "x", &o);
    strcpy(buf, "clobbered"); /* the name was copied */
    CHECK_STR(wa_task_name(t), "worker");
    CHECK_INT(wa_task_set_name(t, "renamed"), 0);
    CHECK_STR(wa_task_name(t), "renamed");
    const char *longname = "a-rather-long-task-name-over-twenty-four-chars";
    CHECK_INT(wa_task_set_name(t, longname), 0);
    CHECK_STR(wa_task_name(t), longname);
    /* its own long name: set from a copy, not from the freed old one */
    CHECK_INT(wa_task_set_name(t, wa_task_name(t)), 0);
    CHECK_STR(wa_task_name(t), longname);
    CHECK_INT(wa_task_set_name(t, wa_task_name(t) + 30), 0); /* a tail of it */
    CHECK_STR(wa_task_name(t), longname + 30);
    CHECK_INT(wa_task_set_name(t, NULL), WA_EINVAL);
    CHECK_INT(wa_task_set_name(NULL, "x"), WA_EINVAL);
    CHECK_STR(wa_task_name(NULL), "?");

    wa_task *d = wa_spawn(tracer, "y"); /* default "task-N" */
    CHECK(strncmp(wa_task_name(d), "task-", 5) == 0);
    CHECK(strlen(wa_task_name(d)) > 5);
    wa_task *e = wa_spawn(tracer, "z");
    CHECK(strcmp(wa_task_name(d), wa_task_name(e)) != 0);

    /* opts with NULL name get the default */
    wa_task_opts none = {0};
    wa_task *f = wa_spawn_opts(tracer, "w", &none);
    CHECK(strncmp(wa_task_name(f), "task-", 5) == 0);

    CHECK(strlen(wa_task_name(wa_current())) > 0);
    CHECK_INT(wa_task_set_name(wa_current(), "main-renamed"), 0);
    CHECK_STR(wa_task_name(wa_current()), "main-renamed");
    wa_task *all[3] = {t, d, e};
    CHECK_INT(wa_gather(all, 3, NULL, NULL, 0), 0);
    CHECK_INT(wa_await(f, NULL), 0);
}

/* ------------------------------------------------------------ release */

static int released_done;
static void *slow_flag(void *arg)
{
    CHECK_INT(wa_sleep(5), 0);
    released_done = 1;
    return NULL;
}

static void *release_main(void *arg)
{
    wa_task *t = wa_spawn(slow_flag, NULL);
    wa_release(t); /* keeps running */
    wa_release(NULL);
    CHECK_INT(wa_sleep(30), 0);
    CHECK_INT(released_done, 1);
    wa_task *done = wa_spawn(tracer, "r");
    CHECK_INT(wa_await(done, NULL), 0);
    wa_release(done); /* freeing a finished task */
    return NULL;
}

static void test_release_keeps_running(void)
{
    released_done = 0;
    release_main(NULL);
    CHECK_INT(released_done, 1);
}

static void *big_frame(void *arg)
{
    volatile char buf[48 * 1024];
    for (size_t i = 0; i < sizeof buf; i += 512)
        buf[i] = (char)i;
    return PTR(buf[512]);
}

static void test_stack_size_per_task(void)
{
    wa_task_opts o = {0};
    o.name = "big-stack";
    o.stack_size = 256 * 1024;
    wa_task *t = wa_spawn_opts(big_frame, NULL, &o);
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR((char)512));
}

/* Two tasks waiting on the same fd both wake (never a
 * misleading WA_EIO). stdout is writable on every target. */
static void *wait_stdout(void *arg) { return PTR(wa_wait_writable(1)); }

static void test_two_waiters_same_fd(void)
{
    wa_task *ts[3] = {wa_spawn(wait_stdout, NULL), wa_spawn(wait_stdout, NULL),
                      wa_spawn(wait_stdout, NULL)};
    void *r[3] = {PTR(1), PTR(1), PTR(1)};
    CHECK_INT(wa_gather(ts, 3, r, NULL, 0), 0);
    for (int i = 0; i < 3; i++)
        CHECK_INT(INT(r[i]), 0);
}

/* A task spawned while wa_run cancels its leftovers is
 * cancelled too. The leftover below is still sleeping when the tests end;
 * its cleanup spawns a sleeper that, if it were not cancelled, would make
 * wa_run wait 2 s and then print a FAIL line (the last line a runner reads)
 * and set the flag main() returns. */
static int late_task_ran;
static void *late_sleeper(void *arg)
{
    if (wa_sleep(2000) == 0) {
        late_task_ran = 1;
        printf("FAIL a task spawned while wa_run cancelled its leftovers ran on\n");
        fflush(stdout);
    }
    return NULL;
}
static void *leftover(void *arg)
{
    wa_sleep(100000000); /* cancelled when wa_run ends */
    wa_release(wa_spawn(late_sleeper, NULL));
    return NULL;
}

static void test_leftover_spawns_are_cancelled(void)
{
    CHECK_INT(wa_release(wa_spawn(leftover, NULL)), 0);
    CHECK_INT(wa_yield(), 0); /* it starts sleeping */
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_nested_run),
    WA_H_TEST(test_to_thread),
    WA_H_TEST(test_fds),
    WA_H_TEST(test_read_missing),
    WA_H_TEST(test_task_sizes),
    WA_H_TEST(test_names_and_errors),
    WA_H_TEST(test_spawn_starts_at_next_point_fifo),
    WA_H_TEST(test_await_result_and_again),
    WA_H_TEST(test_yield_interleaves),
    WA_H_TEST(test_sleep_orders_by_deadline),
    WA_H_TEST(test_clocks_monotonic),
    WA_H_TEST(test_task_names),
    WA_H_TEST(test_release_keeps_running),
    WA_H_TEST(test_stack_size_per_task),
    WA_H_TEST(test_two_waiters_same_fd),
    WA_H_TEST(test_leftover_spawns_are_cancelled),
    {0},
};

int main(void)
{
    /* Outside a loop, before wa_run: */
    int outside = wa_sleep(1) == WA_ENOLOOP && wa_yield() == WA_ENOLOOP && wa_running() == 0;
    if (!outside)
        printf("FAIL outside-loop calls did not return WA_ENOLOOP\n");
    int rc = wa_h_main(tests);
    return outside && !late_task_ran ? rc : 1;
}
