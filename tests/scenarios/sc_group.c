/* sc_group.c: scenario: task groups: children never outlive wa_group_wait;
 * the first failure cancels the siblings and every failure is kept, in
 * order, with its task name; cancelling the waiter, the group or freeing a
 * running group cancels the children; NULL arguments; wait cycles
 * through a group are WA_EDEADLK, a shutting-down or finished group refuses
 * children (WA_ESHUTDOWN), the group owns child handles and frees handle-less
 * children at once (100k stay flat), an unwaited failure is returned by free,
 * and a child's failure interrupts the owner (asyncio TaskGroup);
 * freeing a group whose child awaits the freeing task (wa_group_wait said
 * WA_EDEADLK) cancels the child, breaks the cycle and frees everything,
 * without cancelling the task that frees it. */
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
    if (k->sleep_rc < 0)
        return NULL;
    if (k->fail)
        return wa_raise(k->fail, "kid %d failed", k->ms);
    return PTR(k->ms);
}

static void test_group_waits_for_all_children(void)
{
    kid ks[3] = {{.ms = 10}, {.ms = 1}, {.ms = 5}};
    wa_group *g = wa_group_new();
    CHECK(g != NULL);
    wa_task *ts[3];
    for (int i = 0; i < 3; i++)
        ts[i] = wa_group_spawn(g, kid_fn, &ks[i]);
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
    if (wa_yield() == WA_ECANCELED)
        wa_uncancel();
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

/* ------------------------------ cycles, shutdown, ownership, failures */

/* A child that awaits the task waiting on the group closes a cycle:
 * it gets WA_EDEADLK and the program goes on. */
static wa_task *cyc_owner;
static wa_group *cyc_group;
static int cyc_child_rc, cyc_wait_rc;

static void *await_owner(void *arg)
{
    if (arg)
        wa_yield(); /* let the owner reach wa_group_wait first */
    cyc_child_rc = wa_await(cyc_owner, NULL);
    return NULL;
}

static void *owner_waits_first(void *arg)
{
    cyc_group = wa_group_new();
    wa_group_spawn(cyc_group, await_owner, PTR(1));
    cyc_wait_rc = wa_group_wait(cyc_group);
    return PTR(8);
}

static void *owner_waits_second(void *arg)
{
    cyc_group = wa_group_new();
    wa_group_spawn(cyc_group, await_owner, NULL);
    CHECK_INT(wa_yield(), 0); /* the child now awaits us */
    cyc_wait_rc = wa_group_wait(cyc_group);
    return PTR(9);
}

static void test_group_wait_cycle_is_edeadlk(void)
{
    cyc_child_rc = cyc_wait_rc = 99;
    cyc_owner = wa_spawn(owner_waits_first, NULL);
    void *r = NULL;
    CHECK_INT(wa_await(cyc_owner, &r), 0);
    CHECK_PTR(r, PTR(8));
    CHECK_INT(cyc_child_rc, WA_EDEADLK); /* the child closed the cycle */
    CHECK_INT(cyc_wait_rc, 0);
    CHECK_INT(wa_group_free(cyc_group), 0);
    wa_release(cyc_owner);

    cyc_child_rc = cyc_wait_rc = 99;
    cyc_owner = wa_spawn(owner_waits_second, NULL);
    CHECK_INT(wa_await(cyc_owner, &r), 0);
    CHECK_PTR(r, PTR(9));
    CHECK_INT(cyc_wait_rc, WA_EDEADLK);     /* the owner closed it */
    CHECK_INT(wa_group_wait(cyc_group), 0); /* the child got our result */
    CHECK_INT(cyc_child_rc, 0);
    CHECK_INT(wa_group_free(cyc_group), 0);
    wa_release(cyc_owner);
}

/* A group refuses children while it shuts down and once finished. */
static void test_group_refuses_spawn_when_shutting_down(void)
{
    wa_group *g = wa_group_new();
    wa_task *a = wa_group_spawn(g, nap, PTR(100000));
    CHECK(a != NULL);
    CHECK_INT(wa_group_cancel(g), 0);
    CHECK(wa_group_spawn(g, nap, PTR(1)) == NULL);
    CHECK_INT(wa_last_error(), WA_ESHUTDOWN);
    CHECK_INT(wa_group_start(g, nap, PTR(1), NULL), WA_ESHUTDOWN);
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_INT(wa_group_free(g), 0);

    g = wa_group_new();
    CHECK(wa_group_spawn(g, nap, PTR(1)) != NULL);
    CHECK_INT(wa_group_wait(g), 0);
    CHECK(wa_group_spawn(g, nap, PTR(1)) == NULL); /* finished */
    CHECK_INT(wa_last_error(), WA_ESHUTDOWN);
    CHECK_INT(wa_group_free(g), 0);

    g = wa_group_new();
    wa_group_spawn(g, fail_soon, PTR(0));
    CHECK_INT(wa_group_wait(g), WA_EUSER - 7);
    CHECK(wa_group_spawn(g, nap, PTR(1)) == NULL);
    CHECK_INT(wa_last_error(), WA_ESHUTDOWN);
    CHECK_INT(wa_group_free(g), 0);
    CHECK(strcmp(wa_strerror(WA_ESHUTDOWN), wa_strerror(WA_ECANCELED)) != 0);
}

/* The group owns its children's handles: wa_release refuses them,
 * and they stay valid until wa_group_free. */
static void *quick_value(void *arg) { return arg; }

static void test_group_owns_child_handles(void)
{
    wa_group *g = wa_group_new();
    wa_task *c = wa_group_spawn(g, quick_value, PTR(12));
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_INT(wa_release(c), WA_EPERM);
    wa_task *other = wa_spawn(quick_value, PTR(13)); /* must not reuse c */
    CHECK(other != c);
    void *r = NULL;
    CHECK_INT(wa_await(c, &r), 0); /* still valid */
    CHECK_PTR(r, PTR(12));
    CHECK_INT(wa_group_free(g), 0);
    CHECK_INT(wa_await(other, &r), 0); /* an unrelated task was untouched */
    CHECK_PTR(r, PTR(13));
    CHECK_INT(wa_release(other), 0);
}

/* 100k short children through one long-lived group stay flat: each
 * finished child is freed, so the next ones reuse the same few task
 * structs. Counted through the children's own handles (wa_current), which
 * needs no allocator statistics. */
#define FLAT_SLOTS 4096
static const void *flat_seen[FLAT_SLOTS];
static size_t flat_distinct, flat_ran;

static void *note_self(void *arg)
{
    const void *me = wa_current();
    size_t h = ((uintptr_t)me >> 4) % FLAT_SLOTS;
    while (flat_seen[h] && flat_seen[h] != me)
        h = (h + 1) % FLAT_SLOTS;
    if (!flat_seen[h] && flat_distinct < FLAT_SLOTS - 1) {
        flat_seen[h] = me;
        flat_distinct++;
    }
    flat_ran++;
    return NULL;
}

static void test_group_100k_children_stay_flat(void)
{
    memset(flat_seen, 0, sizeof flat_seen);
    flat_distinct = flat_ran = 0;
    wa_group *g = wa_group_new();
    int refused = 0;
    for (int batch = 0; batch < 1000; batch++) {
        for (int i = 0; i < 100; i++)
            refused += wa_group_start(g, note_self, NULL, NULL) != 0;
        wa_yield(); /* the batch runs and finishes */
    }
    CHECK_INT(refused, 0);
    CHECK_INT(wa_group_wait(g), 0);
    CHECK_INT(flat_ran, 100000);
    if (flat_distinct > 1000)
        printf("note: %zu distinct task structs\n", flat_distinct);
    CHECK(flat_distinct <= 1000); /* about one batch's worth, not 100k */
    CHECK_INT(wa_group_free(g), 0);
    CHECK_INT(wa_group_start(NULL, note_self, NULL, NULL), WA_EINVAL);
}

/* A failure in a group freed without a wait is not lost: free
 * returns it (and reports it on stderr). */
static void test_group_free_reports_unwaited_failure(void)
{
    wa_group *g = wa_group_new();
    wa_task_opts o = {.name = "lost-child"};
    wa_group_spawn_opts(g, fail_soon, PTR(0), &o);
    CHECK_INT(wa_sleep(2), WA_ECANCELED); /* the failure reaches us */
    CHECK_INT(wa_group_free(g), WA_EUSER - 7);
    CHECK_INT(wa_sleep(1), 0); /* free took the group's cancel back */
    CHECK_INT(wa_task_cancelling(wa_current()), 0);
}

/* A child's failure interrupts the owner's own code at once (asyncio
 * TaskGroup, Trio nursery); wa_group_wait takes that cancel back and reports
 * the failure, and the owner goes on normally. */
typedef struct owner_log {
    int sleep_rc, wait_rc, after_rc, cancelling;
    uint64_t slept_ms;
} owner_log;

static void *group_owner(void *arg)
{
    owner_log *lg = arg;
    wa_group *g = wa_group_new();
    wa_group_spawn(g, fail_soon, PTR(1));
    uint64_t t0 = wa_now();
    lg->sleep_rc = wa_sleep(100000);
    lg->slept_ms = wa_now() - t0;
    lg->wait_rc = wa_group_wait(g);
    lg->cancelling = wa_task_cancelling(wa_current());
    lg->after_rc = wa_sleep(1);
    wa_group_free(g);
    return PTR(10);
}

static void test_child_failure_interrupts_owner(void)
{
    owner_log lg = {99, 99, 99, -1, 0};
    wa_task *t = wa_spawn(group_owner, &lg);
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0); /* the owner did not end cancelled */
    CHECK_PTR(r, PTR(10));
    CHECK_INT(lg.sleep_rc, WA_ECANCELED);
    CHECK(lg.slept_ms < 50000);
    CHECK_INT(lg.wait_rc, WA_EUSER - 7);
    CHECK_INT(lg.cancelling, 0);
    CHECK_INT(lg.after_rc, 0);
}

/* Someone else's cancel of the owner is not taken back by the wait. */
static void *owner_also_cancelled(void *arg)
{
    owner_log *lg = arg;
    wa_group *g = wa_group_new();
    wa_group_spawn(g, fail_soon, PTR(1));
    lg->sleep_rc = wa_sleep(100000);
    wa_cancel(wa_current()); /* a request of our own */
    lg->wait_rc = wa_group_wait(g);
    lg->cancelling = wa_task_cancelling(wa_current());
    lg->after_rc = wa_sleep(1);
    wa_group_free(g);
    return PTR(11);
}

static void test_foreign_cancel_survives_group_wait(void)
{
    owner_log lg = {99, 99, 99, -1, 0};
    wa_task *t = wa_spawn(owner_also_cancelled, &lg);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK_INT(lg.sleep_rc, WA_ECANCELED);
    CHECK_INT(lg.wait_rc, WA_EUSER - 7);
    CHECK_INT(lg.cancelling, 1);
    CHECK_INT(lg.after_rc, WA_ECANCELED);
}

/* Through a group: a child cancelled, then the task in wa_group_wait
 * cancelled (which cancels the children at once): one delivery. */
static int gk_first = 99, gk_cleanup = 99;
static void *gk_child(void *arg)
{
    gk_first = wa_sleep(100000);
    gk_cleanup = wa_sleep(1);
    return NULL;
}
static wa_task *gk_kid;
static void *gk_waiter(void *arg)
{
    wa_group *g = wa_group_new();
    gk_kid = wa_group_spawn(g, gk_child, NULL);
    int rc = wa_group_wait(g);
    wa_group_free(g);
    return PTR(rc);
}

static void test_child_then_group_waiter_cancelled_once(void)
{
    wa_task *w = wa_spawn(gk_waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_yield(), 0); /* the child sleeps, the waiter waits */
    CHECK_INT(wa_cancel(gk_kid), 0);
    CHECK_INT(wa_cancel(w), 0);
    CHECK_INT(wa_await(w, NULL), WA_ECANCELED);
    CHECK_INT(gk_first, WA_ECANCELED);
    CHECK_INT(gk_cleanup, 0);
}

static wa_task *cycle_parent;
static int cycle_child_rc;
static void *await_cycle_parent(void *arg)
{
    cycle_child_rc = wa_await(cycle_parent, NULL);
    return NULL;
}

static void *free_group_in_cycle(void *arg)
{
    wa_group *g = wa_group_new();
    wa_task *kid = wa_group_spawn(g, await_cycle_parent, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_group_wait(g), WA_EDEADLK);
    CHECK_INT(wa_group_free(g), 0);
    (void)kid;
    CHECK_INT(wa_task_cancelling(wa_current()), 0);
    CHECK_INT(wa_sleep(1), 0); /* the free did not cancel us */
    return PTR(7);
}

static void test_group_free_breaks_a_wait_cycle(void)
{
    cycle_child_rc = 1;
    cycle_parent = wa_spawn(free_group_in_cycle, NULL);
    void *r = NULL;
    CHECK_INT(wa_await(cycle_parent, &r), 0);
    CHECK_INT(INT(r), 7);
    CHECK_INT(cycle_child_rc, WA_ECANCELED);
    wa_release(cycle_parent);
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
    WA_H_TEST(test_group_wait_cycle_is_edeadlk),
    WA_H_TEST(test_group_refuses_spawn_when_shutting_down),
    WA_H_TEST(test_group_owns_child_handles),
    WA_H_TEST(test_group_100k_children_stay_flat),
    WA_H_TEST(test_group_free_reports_unwaited_failure),
    WA_H_TEST(test_child_failure_interrupts_owner),
    WA_H_TEST(test_foreign_cancel_survives_group_wait),
    WA_H_TEST(test_child_then_group_waiter_cancelled_once),
    WA_H_TEST(test_group_free_breaks_a_wait_cycle),
    {0},
};

int main(void) { return wa_h_main(tests); }
