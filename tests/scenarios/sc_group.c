/* sc_group.c: scenario: task groups: wait returns when every child is done;
 * the first failure cancels the siblings and every failure is kept, in
 * order, with its task name; cancelling the group cancels the children. */
#include "harness.h"

static void *nap(void *arg)
{
    int rc = wa_sleep((uint64_t)(uintptr_t)arg);
    if (rc < 0)
        return wa_raise(rc, "nap interrupted");
    return arg;
}

static void *fail_soon(void *arg)
{
    wa_sleep((uint64_t)(uintptr_t)arg);
    return wa_raise(WA_EUSER - 7, "child failed");
}

static void test_all_succeed(void)
{
    wa_group *g = wa_group_new();
    CHECK(g != NULL);
    wa_task *a = wa_group_spawn(g, nap, (void *)(uintptr_t)5);
    wa_task *b = wa_group_spawn(g, nap, (void *)(uintptr_t)1);
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_INT(wa_task_done(a), 1);
    CHECK_INT(wa_task_done(b), 1);
    CHECK_INT(wa_group_error_count(g), 0);
    CHECK_INT(wa_group_free(g), 0);
}

static void test_failure_cancels_siblings(void)
{
    wa_group *g = wa_group_new();
    wa_task_opts o = {.name = "failing-child"};
    wa_task *slow = wa_group_spawn(g, nap, (void *)(uintptr_t)10000);
    wa_group_spawn_opts(g, fail_soon, (void *)(uintptr_t)2, &o);
    CHECK_INT(wa_group_wait(g), WA_EUSER - 7);
    CHECK_INT(wa_task_done(slow), 1);
    CHECK_INT(wa_task_error(slow), WA_ECANCELED);
    CHECK(wa_group_error_count(g) >= 1);
    const char *msg = NULL, *name = NULL;
    CHECK_INT(wa_group_error(g, 0, &msg, &name), WA_EUSER - 7);
    CHECK_STR(msg, "child failed");
    CHECK_STR(name, "failing-child");
    CHECK_INT(wa_group_free(g), 0);
}

static void test_group_cancel(void)
{
    wa_group *g = wa_group_new();
    wa_task *a = wa_group_spawn(g, nap, (void *)(uintptr_t)10000);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_group_cancel(g), 0);
    wa_group_wait(g);
    CHECK_INT(wa_task_done(a), 1);
    CHECK_INT(wa_group_free(g), 0);
}

static void test_bad_args(void)
{
    CHECK(wa_group_spawn(NULL, nap, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    CHECK_INT(wa_group_wait(NULL), WA_EINVAL);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_all_succeed), WA_H_TEST(test_failure_cancels_siblings),
    WA_H_TEST(test_group_cancel), WA_H_TEST(test_bad_args), {0},
};

int main(void) { return wa_h_main(tests); }
