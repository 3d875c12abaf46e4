/* sc_gather.c: scenario: gather collects results in argument order whatever
 * the finishing order; the first failure returns at once (others go on);
 * WA_RETURN_ERRORS reports every code; bad arguments are refused. */
#include "harness.h"

static void *sleeper(void *arg)
{
    const char *name = arg;
    uint64_t ms = name[0] == 'A' ? 20 : name[0] == 'B' ? 10 : 30;
    char tok[16];
    snprintf(tok, sizeof tok, "%s+", name);
    wa_h_note(tok);
    wa_sleep(ms);
    snprintf(tok, sizeof tok, "%s-", name);
    wa_h_note(tok);
    return arg;
}

static void *failer(void *arg)
{
    wa_sleep((uint64_t)(uintptr_t)arg);
    return wa_raise(WA_EUSER - 1, "boom after %d ms", (int)(uintptr_t)arg);
}

static void test_order(void)
{
    wa_task *t[3] = {wa_spawn(sleeper, "A"), wa_spawn(sleeper, "B"), wa_spawn(sleeper, "C")};
    void *r[3] = {0};
    CHECK_INT(wa_gather(t, 3, r, NULL, 0), 0);
    CHECK_STR(r[0], "A");
    CHECK_STR(r[1], "B");
    CHECK_STR(r[2], "C");
    /* all start before any sleep ends; they end by delay */
    CHECK_STR(wa_h_trace, "A+ B+ C+ B- A- C-");
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
}

static void test_first_error(void)
{
    wa_task *t[2] = {wa_spawn(sleeper, "C"), wa_spawn(failer, (void *)(uintptr_t)5)};
    void *r[2] = {0};
    CHECK_INT(wa_gather(t, 2, r, NULL, 0), WA_EUSER - 1);
    /* the slow one was not cancelled: it is still running */
    CHECK_INT(wa_task_done(t[0]), 0);
    CHECK_INT(wa_await(t[0], &r[0]), 0);
    CHECK_STR(r[0], "C");
    CHECK_STR(wa_task_message(t[1]), "boom after 5 ms");
    wa_release(t[0]);
    wa_release(t[1]);
}

static void test_return_errors(void)
{
    wa_task *t[3] = {wa_spawn(sleeper, "B"), wa_spawn(failer, (void *)(uintptr_t)1),
                     wa_spawn(sleeper, "A")};
    void *r[3] = {0};
    int e[3] = {99, 99, 99};
    CHECK_INT(wa_gather(t, 3, r, e, WA_RETURN_ERRORS), 0);
    CHECK_INT(e[0], 0);
    CHECK_INT(e[1], WA_EUSER - 1);
    CHECK_INT(e[2], 0);
    CHECK_STR(r[0], "B");
    CHECK_STR(r[2], "A");
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
}

static void test_bad_args(void)
{
    CHECK_INT(wa_gather(NULL, 2, NULL, NULL, 0), WA_EINVAL);
    wa_task *t[1] = {NULL};
    CHECK_INT(wa_gather(t, 1, NULL, NULL, 0), WA_EINVAL);
    CHECK_INT(wa_gather(t, 0, NULL, NULL, 0), 0);
}

static void *spin(void *arg)
{
    int *n = arg;
    for (int i = 0; i < 50; i++) {
        (*n)++;
        wa_yield();
    }
    return NULL;
}

static void test_many_yielding(void)
{
    enum { N = 200 };
    static wa_task *t[N];
    static int counts[N];
    for (int i = 0; i < N; i++)
        t[i] = wa_spawn(spin, &counts[i]);
    CHECK_INT(wa_gather(t, N, NULL, NULL, 0), 0);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        ok &= counts[i] == 50;
        wa_release(t[i]);
    }
    CHECK(ok);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_order),        WA_H_TEST(test_first_error),
    WA_H_TEST(test_return_errors), WA_H_TEST(test_bad_args),
    WA_H_TEST(test_many_yielding), {0},
};

int main(void) { return wa_h_main(tests); }
