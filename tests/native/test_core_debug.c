/* test_core_debug.c: debug mode: the slow-task warning names the task that
 * ran too long without suspending, pending tasks are listed when wa_run
 * ends, and WASYNCIO_DEBUG=1 in the environment turns it on. Each scenario
 * runs in a child process so its stderr can be read, which is why it is
 * native only (fork and stderr capture). */
#include "test_util.h"

#include <fcntl.h>

static void busy_ms(uint64_t ms)
{
    uint64_t end = wa_hrtime() + ms * 1000000u;
    while (wa_hrtime() < end) {
    }
}

static void *busy_bee(void *arg)
{
    busy_ms(150); /* the blocking-call pitfall */
    CHECK_EQ(wa_yield(), 0);
    return NULL;
}

static void *polite(void *arg)
{
    for (int i = 0; i < 3; i++)
        CHECK_EQ(wa_yield(), 0);
    return NULL;
}

static void *lingerer(void *arg)
{
    wa_sleep(100000);
    return NULL;
}

static void *debug_main(void *arg)
{
    wa_task *b = spawn_named("busy-bee", busy_bee, NULL);
    wa_task *p = spawn_named("polite-task", polite, NULL);
    spawn_named("lingerer", lingerer, NULL);
    CHECK_EQ(wa_await(b, NULL), 0);
    CHECK_EQ(wa_await(p, NULL), 0);
    return NULL; /* "lingerer" is still pending */
}

static int debug_child(void *arg)
{
    if (arg) {
        wa_set_debug(1);
        if (wa_debug() != 1)
            return 4;
    }
    int rc = wa_run(debug_main, NULL, NULL);
    if (tu_failures)
        fprintf(stderr, "\n[%s]\n", tu_fail);
    return rc == 0 && tu_failures == 0 ? 0 : 3;
}

static void test_debug_slow_task_and_pending(void **state)
{
    child_out co;
    run_child(debug_child, PTR(1), &co);
    assert_true(WIFEXITED(co.status));
    if (WEXITSTATUS(co.status) != 0)
        fail_msg("child exit %d:\n%s", WEXITSTATUS(co.status), co.err);
    expect_contains(co.err, "busy-bee");
    expect_not_contains(co.err, "polite-task");
    expect_contains(co.err, "lingerer");
}

static void test_debug_off_is_quiet(void **state)
{
    child_out co;
    run_child(debug_child, NULL, &co);
    assert_true(WIFEXITED(co.status));
    assert_int_equal(WEXITSTATUS(co.status), 0);
    expect_not_contains(co.err, "busy-bee");
    expect_not_contains(co.err, "lingerer");
}

static void test_debug_toggle(void **state)
{
    int old = wa_debug();
    wa_set_debug(1);
    assert_int_equal(wa_debug(), 1);
    wa_set_debug(0);
    assert_int_equal(wa_debug(), 0);
    wa_set_debug(old);
}

/* WASYNCIO_DEBUG=1: re-run this binary with the variable set, so the
 * library sees it from process start. */
static void test_debug_env_var(void **state)
{
    FILE *err = tmpfile();
    assert_non_null(err);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fileno(err), 2);
        int devnull = open("/dev/null", 1);
        if (devnull >= 0)
            dup2(devnull, 1);
        setenv("WASYNCIO_DEBUG", "1", 1);
        execl("/proc/self/exe", "test_core_debug", "--env-child", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    char buf[16384];
    tu_slurp(err, buf, sizeof buf);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("child exit %d:\n%s", WEXITSTATUS(status), buf);
    expect_contains(buf, "busy-bee");
    expect_contains(buf, "lingerer");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--env-child") == 0) {
        if (!wa_debug())
            fprintf(stderr, "[wa_debug() is 0 with WASYNCIO_DEBUG=1]\n");
        return debug_child(NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debug_slow_task_and_pending),
        cmocka_unit_test(test_debug_off_is_quiet),
        cmocka_unit_test(test_debug_toggle),
        cmocka_unit_test(test_debug_env_var),
    };
    return cmocka_run_group_tests_name("core_debug", tests, NULL, NULL);
}
