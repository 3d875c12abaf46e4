/* sc_group.c: scenario: task groups: children never outlive wa_group_wait;
 * the first failure cancels the siblings and every failure is kept, in
 * order, with its task name; cancelling the waiter, the group or freeing a
 * running group cancels the children; NULL arguments. */
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

typedef struct kid {
    int ms, fail, sleep_rc, done;
} kid;

static void *kid_fn(void *arg)
{
    kid *k = arg;
    k->sleep_rc = wa_sleep((uint64_t)k->ms);
    k->done = 1;
    if (k->sleep_rc < 0) return NULL;
    if (k->fail) return wa_raise(k->fail, "kid %d failed", k->ms);
    return PTR(k->ms);
}

static void test_group_waits_for_all_children(void)
{
    kid ks[3] = {{.ms = 10}, {.ms = 1}, {.ms = 5}};
    wa_group *g = wa_group_new();
    CHECK(g != NULL);
    wa_task *ts[3];
    for (int i = 0; i < 3; i++) ts[i] = wa_group_spawn(g, kid_fn, &ks[i]);
    CHECK_INT(wa_group_wait(g), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(ks[i].done, 1);
        CHECK_INT(wa_task_done(ts[i]), 1);
    }
    void *r = NULL;
    CHECK_INT(wa_await(ts[2], &r), 0); /* handles still valid */
    CHECK_PTR(r, PTR(5));
    CHECK_INT(wa_group_error_count(g), 0);
    CHECK_INT(wa_group_free(g), 0);
}

static void test_group_first_failure_cancels_siblings(void)
{
    kid ks[3] = {{.ms = 100000}, {.ms = 2, .fail = WA_EUSER - 3}, {.ms = 100000}};
    wa_group *g = wa_group_new();
    wa_task_opts o = {0};
    const char *names[3] = {"sib-a", "breaker", "sib-c"};
    for (int i = 0; i < 3; i++) {
        o.name = names[i];
        CHECK(wa_group_spawn_opts(g, kid_fn, &ks[i], &o) != NULL);
    }
    CHECK_INT(wa_group_wait(g), WA_EUSER - 3);
    CHECK_INT(ks[0].sleep_rc, WA_ECANCELED);
    CHECK_INT(ks[2].sleep_rc, WA_ECANCELED);
    CHECK_INT(ks[0].done, 1);
    CHECK_INT(ks[2].done, 1);
    CHECK_INT(wa_group_error_count(g), 1);
    const char *msg = NULL, *name = NULL;
    CHECK_INT(wa_group_error(g, 0, &msg, &name), WA_EUSER - 3);
    CHECK_STR(msg, "kid 2 failed");
    CHECK_STR(name, "breaker");
    CHECK_INT(wa_group_error(g, 1, &msg, &name), WA_EINVAL);
    CHECK_INT(wa_group_error(g, 0, NULL, NULL), WA_EUSER - 3);
    CHECK_INT(wa_group_free(g), 0);
}

/* Two children fail: both errors are kept, in the order they happened. B
 * fails even if the group's cancellation reaches it first. */
static void *fail_a(void *arg)
{
    wa_yield();
    wa_h_note("a-fails");
    return wa_raise(WA_EUSER - 10, "A failed");
}
static void *fail_b(void *arg)
{
    wa_yield();
    if (wa_yield() == WA_ECANCELED) wa_uncancel();
    wa_h_note("b-fails");
    return wa_raise(WA_EUSER - 11, "B failed");
}

static void test_group_keeps_every_error(void)
{
    wa_group *g = wa_group_new();
    wa_task_opts o = {0};
    o.name = "A";
    wa_group_spawn_opts(g, fail_a, NULL, &o);
    o.name = "B";
    wa_group_spawn_opts(g, fail_b, NULL, &o);
    CHECK_INT(wa_group_wait(g), WA_EUSER - 10);
    CHECK_INT(wa_group_error_count(g), 2);
    const char *msg = NULL, *name = NULL;
    CHECK_INT(wa_group_error(g, 0, &msg, &name), WA_EUSER - 10);
    CHECK_STR(msg, "A failed");
    CHECK_STR(name, "A");
    CHECK_INT(wa_group_error(g, 1, &msg, &name), WA_EUSER - 11);
    CHECK_STR(msg, "B failed");
    CHECK_STR(name, "B");
    CHECK_INT(wa_group_free(g), 0);
    CHECK_STR(wa_h_trace, "a-fails b-fails");
}

/* Cancelling the task in wa_group_wait cancels the children and still waits
 * for them. */
static kid wk[2];
static int group_wait_rc;
static void *group_waiter(void *arg)
{
    wa_group *g = wa_group_new();
    wk[0] = (kid){.ms = 100000};
    wk[1] = (kid){.ms = 100000};
    wa_group_spawn(g, kid_fn, &wk[0]);
    wa_group_spawn(g, kid_fn, &wk[1]);
    group_wait_rc = wa_group_wait(g);
    /* no child outlived the wait */
    CHECK_INT(wk[0].done, 1);
    CHECK_INT(wk[1].done, 1);
    CHECK_INT(wa_group_free(g), 0);
    return NULL;
}

static void test_group_cancel_waiter(void)
{
    wa_task *w = wa_spawn(group_waiter, NULL);
    CHECK_INT(wa_sleep(2), 0);
    CHECK_INT(wa_cancel(w), 0);
    CHECK_INT(wa_await(w, NULL), WA_ECANCELED);
    CHECK_INT(group_wait_rc, WA_ECANCELED);
    CHECK_INT(wk[0].sleep_rc, WA_ECANCELED);
    CHECK_INT(wk[1].sleep_rc, WA_ECANCELED);
}

/* wa_group_cancel: cancelled children are not failures (asyncio). */
static void test_group_cancel_children(void)
{
    kid ks[2] = {{.ms = 100000}, {.ms = 100000}};
    wa_group *g = wa_group_new();
    wa_group_spawn(g, kid_fn, &ks[0]);
    wa_group_spawn(g, kid_fn, &ks[1]);
    CHECK_INT(wa_sleep(1), 0);
    CHECK_INT(wa_group_cancel(g), 0);
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_INT(ks[0].sleep_rc, WA_ECANCELED);
    CHECK_INT(ks[1].sleep_rc, WA_ECANCELED);
    CHECK_INT(wa_group_error_count(g), 0);
    CHECK_INT(wa_group_free(g), 0);
}

/* Freeing a group with running children cancels and waits for them. */
static void test_group_free_cancels_running(void)
{
    kid k = {.ms = 100000};
    wa_group *g = wa_group_new();
    wa_group_spawn(g, kid_fn, &k);
    CHECK_INT(wa_sleep(1), 0);
    CHECK_INT(wa_group_free(g), 0);
    CHECK_INT(k.done, 1);
    CHECK_INT(k.sleep_rc, WA_ECANCELED);
}

static void test_group_null_args(void)
{
    CHECK(wa_group_spawn(NULL, kid_fn, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    wa_group *g = wa_group_new();
    CHECK(wa_group_spawn(g, NULL, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    CHECK(wa_group_spawn_opts(NULL, kid_fn, NULL, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    CHECK_INT(wa_group_wait(NULL), WA_EINVAL);
    CHECK_INT(wa_group_cancel(NULL), WA_EINVAL);
    CHECK_INT(wa_group_error_count(NULL), 0);
    CHECK_INT(wa_group_error(NULL, 0, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_group_free(NULL), WA_EINVAL);
    /* an empty group waits for nothing */
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_INT(wa_group_free(g), 0);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_all_succeed),
    WA_H_TEST(test_failure_cancels_siblings),
    WA_H_TEST(test_group_cancel),
    WA_H_TEST(test_bad_args),
    WA_H_TEST(test_group_waits_for_all_children),
    WA_H_TEST(test_group_first_failure_cancels_siblings),
    WA_H_TEST(test_group_keeps_every_error),
    WA_H_TEST(test_group_cancel_waiter),
    WA_H_TEST(test_group_cancel_children),
    WA_H_TEST(test_group_free_cancels_running),
    WA_H_TEST(test_group_null_args),
    {0},
};

int main(void) { return wa_h_main(tests); }
