/* sc_run.c: scenario: the loop and the host operations every target has:
 * nested wa_run is WA_ENESTED, calls outside a task are WA_ENOLOOP,
 * to_thread returns its result (inline where there are no threads), fd
 * waits check their argument, reading a missing file fails cleanly, and
 * per-task stack / Asyncify sizes are accepted. */
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
    CHECK(rc < 0);
    CHECK(data == NULL);
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

static const wa_h_test tests[] = {
    WA_H_TEST(test_nested_run),   WA_H_TEST(test_to_thread),
    WA_H_TEST(test_fds),          WA_H_TEST(test_read_missing),
    WA_H_TEST(test_task_sizes),   WA_H_TEST(test_names_and_errors), {0},
};

int main(void)
{
    /* Outside a loop, before wa_run: */
    int outside = wa_sleep(1) == WA_ENOLOOP && wa_yield() == WA_ENOLOOP &&
                  wa_running() == 0;
    if (!outside)
        printf("FAIL outside-loop calls did not return WA_ENOLOOP\n");
    int rc = wa_h_main(tests);
    return outside ? rc : 1;
}
