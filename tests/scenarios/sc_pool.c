/* sc_pool.c: scenario: wa_pool with a fake resource on every target: sizes,
 * reuse, FIFO waiters, cancels and deadlines that lose no place (also in the
 * same step as a hand-over), reset on release, connect failures, idle and
 * lifetime expiry, close (waits for what is acquired, wakes waiters FIFO,
 * refuses later acquires), WA_POOL_SCOPE on every way out, bad arguments.
 * The home of every wa_pool test; the PostgreSQL pool is tests/pg/. */
#include <stdlib.h>
#include "harness.h"

/* ------------------------------------------------------------ the fake */

typedef struct fake {
    int id;
    int broken; /* reset refuses it */
    int dead;   /* check refuses it (went bad while idle) */
} fake;

typedef struct fake_ctx {
    int opened, closed;  /* counts */
    int fail_next;       /* connects left to fail */
    uint64_t connect_ms; /* each connect sleeps this long */
    int resets;
} fake_ctx;

static fake_ctx fx;

static int fake_connect(void *ctx, void **out)
{
    fake_ctx *c = ctx;
    if (c->connect_ms) {
        int rc = wa_sleep(c->connect_ms);
        if (rc < 0)
            return rc;
    }
    if (c->fail_next > 0) {
        c->fail_next--;
        return WA_ECONNREFUSED;
    }
    fake *f = calloc(1, sizeof *f);
    if (!f)
        return WA_ENOMEM;
    f->id = ++c->opened;
    *out = f;
    return 0;
}

static void fake_close(void *ctx, void *r)
{
    ((fake_ctx *)ctx)->closed++;
    free(r);
}

static int fake_reset(void *ctx, void *r)
{
    ((fake_ctx *)ctx)->resets++;
    return ((fake *)r)->broken ? WA_EIO : 0;
}

static int fake_check(void *ctx, void *r)
{
    (void)ctx;
    return ((fake *)r)->dead ? WA_ECONNRESET : 0;
}

static wa_pool *new_pool(size_t min, size_t max)
{
    memset(&fx, 0, sizeof fx);
    wa_pool_opts o = {0};
    o.min_size = min;
    o.max_size = max;
    o.connect = fake_connect;
    o.close = fake_close;
    o.reset = fake_reset;
    o.check = fake_check;
    o.ctx = &fx;
    return wa_pool_new(&o);
}

static int fake_id(void *r) { return r ? ((fake *)r)->id : 0; }

/* Everything closed that was opened, and the pool freed. */
static void close_and_free(wa_pool *p)
{
    CHECK_INT(wa_pool_close(p), 0);
    CHECK_INT(wa_pool_size(p), 0);
    CHECK_INT(fx.closed, fx.opened);
    CHECK_INT(wa_pool_free(p), 0);
}

/* -------------------------------------------------------------- basics */

static void test_pool_sizes_and_reuse(void)
{
    wa_pool *p = new_pool(2, 3);
    CHECK(p != NULL);
    CHECK_INT(fx.opened, 2);
    CHECK_INT(wa_pool_size(p), 2);
    CHECK_INT(wa_pool_idle_size(p), 2);
    CHECK_INT(wa_pool_min_size(p), 2);
    CHECK_INT(wa_pool_max_size(p), 3);
    void *a, *b, *c;
    CHECK_INT(wa_pool_acquire(p, &a), 0);
    CHECK_INT(wa_pool_acquire(p, &b), 0);
    CHECK_INT(wa_pool_idle_size(p), 0);
    CHECK_INT(wa_pool_acquire(p, &c), 0); /* a third is opened */
    CHECK_INT(fx.opened, 3);
    CHECK_INT(fake_id(c), 3);
    CHECK_INT(wa_pool_size(p), 3);
    CHECK_INT(wa_pool_release(p, b), 0);
    CHECK_INT(fx.resets, 1);
    void *again;
    CHECK_INT(wa_pool_acquire(p, &again), 0); /* the one just released */
    CHECK_PTR(again, b);
    CHECK_INT(wa_pool_release(p, again), 0);
    CHECK_INT(wa_pool_release(p, again), WA_EINVAL); /* not acquired now */
    CHECK_INT(wa_pool_release(p, a), 0);
    CHECK_INT(wa_pool_release(p, c), 0);
    CHECK_INT(fx.opened, 3);
    CHECK_INT(wa_pool_idle_size(p), 3);
    close_and_free(p);
}

static wa_pool *shared;

static void *hold_a_while(void *arg)
{
    void *r;
    int rc = wa_pool_acquire(shared, &r);
    if (rc < 0) {
        wa_h_note("%s:%s", (char *)arg, wa_error_name(rc));
        return PTR(rc);
    }
    wa_h_note("%s+", (char *)arg);
    wa_sleep(5);
    wa_pool_release(shared, r);
    return NULL;
}

static void test_pool_waiters_fifo(void)
{
    shared = new_pool(0, 2);
    const char *names[] = {"a", "b", "c", "d", "e"};
    wa_task *t[5];
    for (int i = 0; i < 5; i++)
        t[i] = wa_spawn(hold_a_while, (void *)names[i]);
    CHECK_INT(wa_gather(t, 5, NULL, NULL, 0), 0);
    /* two open; c, d, e wait and get them in arrival order */
    CHECK_STR(wa_h_trace, "a+ b+ c+ d+ e+");
    CHECK_INT(fx.opened, 2);
    for (int i = 0; i < 5; i++)
        wa_release(t[i]);
    close_and_free(shared);
}

/* ------------------------------------------------ cancels and deadlines */

static void *acquire_and_keep(void *arg)
{
    void **slot = arg;
    return PTR(wa_pool_acquire(shared, slot));
}

static void test_pool_cancelled_waiter_loses_no_place(void)
{
    shared = new_pool(0, 1);
    void *held;
    CHECK_INT(wa_pool_acquire(shared, &held), 0);
    void *got_b = NULL, *got_c = NULL;
    wa_task *b = wa_spawn(acquire_and_keep, &got_b);
    wa_task *c = wa_spawn(acquire_and_keep, &got_c);
    yield_n(2);
    CHECK_INT(wa_cancel(b), 0);
    void *rb;
    CHECK_INT(wa_await(b, &rb), WA_ECANCELED);
    CHECK_INT(wa_pool_release(shared, held), 0);
    void *rc;
    CHECK_INT(wa_await(c, &rc), 0);
    CHECK_INT(INT(rc), 0);
    CHECK_PTR(got_c, held); /* c, not the cancelled b, got it */
    CHECK_INT(wa_pool_release(shared, got_c), 0);
    CHECK_INT(fx.opened, 1);
    wa_release(b);
    wa_release(c);
    close_and_free(shared);
}

static void test_pool_handover_and_cancel_same_step(void)
{
    shared = new_pool(0, 1);
    void *held;
    CHECK_INT(wa_pool_acquire(shared, &held), 0);
    void *got = NULL;
    wa_task *w = wa_spawn(acquire_and_keep, &got);
    yield_n(2);
    /* the release hands it over first; the cancel then finds w ready */
    CHECK_INT(wa_pool_release(shared, held), 0);
    wa_cancel(w);
    void *r;
    wa_await(w, &r);
    /* w either kept the resource (and must give it back) or never took it:
     * either way the place is not lost */
    if (got)
        CHECK_INT(wa_pool_release(shared, got), 0);
    CHECK_PTR(got, held);
    void *again;
    CHECK_INT(wa_pool_acquire_for(shared, 50, &again), 0);
    CHECK_INT(wa_pool_release(shared, again), 0);
    CHECK_INT(fx.opened, 1);
    wa_release(w);
    close_and_free(shared);
}

static void test_pool_acquire_deadline(void)
{
    shared = new_pool(0, 1);
    void *held, *r = (void *)1;
    CHECK_INT(wa_pool_acquire(shared, &held), 0);
    uint64_t t0 = wa_now();
    CHECK_INT(wa_pool_acquire_for(shared, 20, &r), WA_ETIMEDOUT);
    CHECK(wa_now() - t0 >= 15);
    CHECK_PTR(r, NULL);
    int trc;
    {
        WA_TIMEOUT_SCOPE(10, trc);
        CHECK_INT(wa_pool_acquire(shared, &r), WA_ETIMEDOUT);
    }
    CHECK_INT(trc, WA_ETIMEDOUT);
    CHECK_INT(wa_pool_release(shared, held), 0);
    CHECK_INT(wa_pool_acquire_for(shared, 20, &r), 0); /* the place is still there */
    CHECK_PTR(r, held);
    CHECK_INT(wa_pool_release(shared, r), 0);
    close_and_free(shared);
}

static void *storm_user(void *arg)
{
    (void)arg;
    void *r;
    int rc = wa_pool_acquire(shared, &r);
    if (rc < 0)
        return PTR(rc);
    wa_sleep(1 + (uint64_t)(rand() % 3));
    wa_pool_release(shared, r);
    return NULL;
}

static void test_pool_cancel_storm(void)
{
    shared = new_pool(0, 3);
    enum { N = 200 };
    static wa_task *t[N];
    for (int i = 0; i < N; i++)
        t[i] = wa_spawn(storm_user, NULL);
    for (int round = 0; round < 10; round++) {
        wa_sleep(1);
        for (int i = round; i < N; i += 7)
            wa_cancel(t[i]);
    }
    wa_gather(t, N, NULL, NULL, WA_RETURN_ERRORS);
    for (int i = 0; i < N; i++)
        wa_release(t[i]);
    CHECK(wa_pool_size(shared) <= 3);
    CHECK_INT(wa_pool_idle_size(shared), wa_pool_size(shared));
    void *a, *b, *c;
    CHECK_INT(wa_pool_acquire_for(shared, 50, &a), 0);
    CHECK_INT(wa_pool_acquire_for(shared, 50, &b), 0);
    CHECK_INT(wa_pool_acquire_for(shared, 50, &c), 0);
    wa_pool_release(shared, a);
    wa_pool_release(shared, b);
    wa_pool_release(shared, c);
    close_and_free(shared);
}

/* --------------------------------------------- health, failures, expiry */

static void test_pool_broken_on_release_is_replaced(void)
{
    shared = new_pool(0, 1);
    void *held;
    CHECK_INT(wa_pool_acquire(shared, &held), 0);
    void *got = NULL;
    wa_task *w = wa_spawn(acquire_and_keep, &got);
    yield_n(2);
    ((fake *)held)->broken = 1;
    CHECK_INT(wa_pool_release(shared, held), 0); /* closed, place to w */
    CHECK_INT(fx.closed, 1);
    CHECK_INT(wa_await(w, NULL), 0);
    CHECK_INT(fake_id(got), 2);                 /* w opened a new one */
    CHECK_INT(wa_pool_discard(shared, got), 0); /* closed without reset */
    CHECK_INT(fx.closed, 2);
    CHECK_INT(wa_pool_size(shared), 0);
    wa_release(w);
    close_and_free(shared);
}

static void test_pool_idle_gone_bad_is_replaced(void)
{
    wa_pool *p = new_pool(2, 2);
    void *a, *b;
    CHECK_INT(wa_pool_acquire(p, &a), 0);
    CHECK_INT(wa_pool_acquire(p, &b), 0);
    wa_pool_release(p, a);
    wa_pool_release(p, b);
    ((fake *)b)->dead = 1; /* the server dropped it while idle */
    void *got;
    CHECK_INT(wa_pool_acquire(p, &got), 0); /* b refused, closed, a new one opened */
    CHECK_INT(fake_id(got), 3);
    CHECK_INT(fx.closed, 1);
    CHECK_INT(wa_pool_size(p), 2);
    CHECK_INT(wa_pool_release(p, got), 0);
    close_and_free(p);
}

static void test_pool_connect_failure(void)
{
    memset(&fx, 0, sizeof fx);
    fx.fail_next = 1;
    wa_pool_opts o = {
        .min_size = 1, .max_size = 2, .connect = fake_connect, .close = fake_close, .ctx = &fx};
    CHECK_PTR(wa_pool_new(&o), NULL); /* min_size could not be opened */
    CHECK_INT(wa_last_error(), WA_ECONNREFUSED);
    o.min_size = 0;
    o.max_size = 1;
    shared = wa_pool_new(&o);
    void *r;
    fx.fail_next = 1;
    CHECK_INT(wa_pool_acquire(shared, &r), WA_ECONNREFUSED);
    CHECK_INT(wa_pool_size(shared), 0); /* the place came back */
    CHECK_INT(wa_pool_acquire(shared, &r), 0);
    /* a waiter handed a place whose connect fails passes it on */
    void *g1 = NULL, *g2 = NULL;
    wa_task *w1 = wa_spawn(acquire_and_keep, &g1);
    wa_task *w2 = wa_spawn(acquire_and_keep, &g2);
    yield_n(2);
    fx.fail_next = 1;
    CHECK_INT(wa_pool_discard(shared, r), 0);
    void *res;
    CHECK_INT(wa_await(w1, &res), 0);
    CHECK_INT(INT(res), WA_ECONNREFUSED);
    CHECK_INT(wa_await(w2, &res), 0);
    CHECK_INT(INT(res), 0);
    CHECK(g2 != NULL);
    CHECK_INT(wa_pool_release(shared, g2), 0);
    wa_release(w1);
    wa_release(w2);
    CHECK_INT(wa_pool_close(shared), 0);
    CHECK_INT(fx.closed, fx.opened);
    CHECK_INT(wa_pool_free(shared), 0);
}

static void test_pool_max_idle(void)
{
    memset(&fx, 0, sizeof fx);
    wa_pool_opts o = {.min_size = 1,
                      .max_size = 3,
                      .max_idle_ms = 20,
                      .connect = fake_connect,
                      .close = fake_close,
                      .ctx = &fx};
    wa_pool *p = wa_pool_new(&o);
    void *a, *b, *c;
    CHECK_INT(wa_pool_acquire(p, &a), 0);
    CHECK_INT(wa_pool_acquire(p, &b), 0);
    CHECK_INT(wa_pool_acquire(p, &c), 0);
    wa_pool_release(p, a);
    wa_pool_release(p, b);
    wa_pool_release(p, c);
    CHECK_INT(wa_pool_idle_size(p), 3);
    wa_sleep(80);
    /* closed while idle, down to min_size */
    CHECK_INT(wa_pool_size(p), 1);
    CHECK_INT(fx.closed, 2);
    close_and_free(p);
}

static void test_pool_max_lifetime(void)
{
    memset(&fx, 0, sizeof fx);
    wa_pool_opts o = {.max_size = 2,
                      .max_lifetime_ms = 30,
                      .connect = fake_connect,
                      .close = fake_close,
                      .ctx = &fx};
    wa_pool *p = wa_pool_new(&o);
    void *a;
    CHECK_INT(wa_pool_acquire(p, &a), 0);
    wa_sleep(40);
    CHECK_INT(wa_pool_release(p, a), 0); /* too old: closed */
    CHECK_INT(fx.closed, 1);
    CHECK_INT(wa_pool_acquire(p, &a), 0);
    CHECK_INT(fake_id(a), 2);
    CHECK_INT(wa_pool_release(p, a), 0);
    wa_sleep(60); /* the reaper closes it while idle */
    CHECK_INT(wa_pool_size(p), 0);
    close_and_free(p);
}

/* ---------------------------------------------------------------- close */

static void *release_later(void *arg)
{
    wa_sleep(10);
    wa_h_note("released");
    wa_pool_release(shared, arg);
    return NULL;
}

static void test_pool_close_waits_and_wakes_fifo(void)
{
    shared = new_pool(0, 1);
    void *held;
    CHECK_INT(wa_pool_acquire(shared, &held), 0);
    const char *names[] = {"a", "b", "c"};
    wa_task *w[3];
    for (int i = 0; i < 3; i++)
        w[i] = wa_spawn(hold_a_while, (void *)names[i]);
    yield_n(2);
    wa_task *rel = wa_spawn(release_later, held);
    CHECK_INT(wa_pool_close(shared), 0);
    wa_h_note("closed");
    CHECK_STR(wa_h_trace, "a:WA_EPOOLCLOSED b:WA_EPOOLCLOSED c:WA_EPOOLCLOSED released closed");
    void *r;
    CHECK_INT(wa_pool_acquire(shared, &r), WA_EPOOLCLOSED);
    CHECK_INT(wa_pool_close(shared), 0); /* again: nothing to do */
    CHECK_INT(fx.closed, 1);
    CHECK_INT(wa_gather(w, 3, NULL, NULL, WA_RETURN_ERRORS), 0);
    for (int i = 0; i < 3; i++)
        wa_release(w[i]);
    wa_await(rel, NULL);
    wa_release(rel);
    CHECK_INT(wa_pool_free(shared), 0);
}

static void *closer(void *arg) { return PTR(wa_pool_close(arg)); }

static void test_pool_close_cancelled_then_again(void)
{
    shared = new_pool(1, 2);
    void *held;
    CHECK_INT(wa_pool_acquire(shared, &held), 0);
    wa_task *c = wa_spawn(closer, shared);
    yield_n(2);
    CHECK_INT(wa_pool_free(shared), WA_EBUSY);
    wa_cancel(c);
    CHECK_INT(wa_await(c, NULL), WA_ECANCELED);
    wa_release(c);
    CHECK_INT(wa_pool_release(shared, held), 0); /* closed: not kept */
    CHECK_INT(fx.closed, 1);
    close_and_free(shared);
}

/* ---------------------------------------------------------- the scope */

static int scope_body(wa_pool *p, int how)
{
    for (int i = 0; i < 3; i++) {
        fake *f;
        int rc;
        WA_POOL_SCOPE(p, f, rc);
        if (rc < 0)
            return rc;
        CHECK(f != NULL);
        CHECK_INT(wa_pool_idle_size(p), 0);
        if (how == 0)
            break;
        if (how == 1)
            return f->id;
        if (how == 2)
            continue;
    }
    return 0;
}

static void *scope_sleeper(void *arg)
{
    fake *f;
    int rc;
    WA_POOL_SCOPE((wa_pool *)arg, f, rc);
    (void)f;
    if (rc < 0)
        return PTR(rc);
    return PTR(wa_sleep(1000));
}

static void test_pool_scope(void)
{
    wa_pool *p = new_pool(1, 1);
    for (int how = 0; how < 3; how++) {
        scope_body(p, how);
        CHECK_INT(wa_pool_idle_size(p), 1);
    }
    wa_task *t = wa_spawn(scope_sleeper, p);
    yield_n(2);
    CHECK_INT(wa_pool_idle_size(p), 0);
    wa_cancel(t);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    wa_release(t);
    CHECK_INT(wa_pool_idle_size(p), 1);
    /* a failed acquire holds nothing and sets res to NULL */
    void *held;
    CHECK_INT(wa_pool_acquire(p, &held), 0);
    {
        int trc, rc;
        fake *f = (fake *)&trc;
        WA_TIMEOUT_SCOPE(5, trc);
        WA_POOL_SCOPE(p, f, rc);
        CHECK_INT(rc, WA_ETIMEDOUT);
        CHECK_PTR(f, NULL);
        (void)f;
    }
    CHECK_INT(wa_pool_release(p, held), 0);
    CHECK_INT(fx.opened, 1);
    close_and_free(p);
}

/* Made in main(), before wa_run: an empty pool needs no task. Its reaper
 * starts with the first release. */
static wa_pool *early;
static fake_ctx early_fx;

static void test_pool_made_before_the_loop(void)
{
    CHECK(early != NULL);
    void *a, *b;
    CHECK_INT(wa_pool_acquire(early, &a), 0);
    CHECK_INT(wa_pool_acquire(early, &b), 0);
    CHECK_INT(wa_pool_release(early, a), 0);
    CHECK_INT(wa_pool_release(early, b), 0);
    CHECK_INT(wa_pool_idle_size(early), 2);
    wa_sleep(60); /* max_idle_ms 15: closed while idle */
    CHECK_INT(wa_pool_size(early), 0);
    CHECK_INT(early_fx.closed, 2);
    CHECK_INT(wa_pool_close(early), 0);
    CHECK_INT(wa_pool_free(early), 0);
}

/* --------------------------------------------------------- bad inputs */

static void test_pool_bad_args(void)
{
    void *r;
    CHECK_PTR(wa_pool_new(NULL), NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    wa_pool_opts o = {.connect = fake_connect};
    CHECK_PTR(wa_pool_new(&o), NULL); /* no close */
    o.close = fake_close;
    o.min_size = 3;
    o.max_size = 2;
    CHECK_PTR(wa_pool_new(&o), NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    CHECK_INT(wa_pool_acquire(NULL, &r), WA_EINVAL);
    CHECK_INT(wa_pool_release(NULL, r), WA_EINVAL);
    CHECK_INT(wa_pool_close(NULL), WA_EINVAL);
    CHECK_INT(wa_pool_free(NULL), WA_EINVAL);
    wa_pool *p = new_pool(0, 0);
    CHECK_INT(wa_pool_max_size(p), 10); /* asyncpg's default */
    CHECK_INT(wa_pool_acquire(p, NULL), WA_EINVAL);
    int x;
    CHECK_INT(wa_pool_release(p, &x), WA_EINVAL); /* not the pool's */
    CHECK_STR(wa_error_name(WA_EPOOLCLOSED), "WA_EPOOLCLOSED");
    close_and_free(p);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_pool_sizes_and_reuse),
    WA_H_TEST(test_pool_waiters_fifo),
    WA_H_TEST(test_pool_cancelled_waiter_loses_no_place),
    WA_H_TEST(test_pool_handover_and_cancel_same_step),
    WA_H_TEST(test_pool_acquire_deadline),
    WA_H_TEST(test_pool_cancel_storm),
    WA_H_TEST(test_pool_broken_on_release_is_replaced),
    WA_H_TEST(test_pool_idle_gone_bad_is_replaced),
    WA_H_TEST(test_pool_connect_failure),
    WA_H_TEST(test_pool_max_idle),
    WA_H_TEST(test_pool_max_lifetime),
    WA_H_TEST(test_pool_close_waits_and_wakes_fifo),
    WA_H_TEST(test_pool_close_cancelled_then_again),
    WA_H_TEST(test_pool_scope),
    WA_H_TEST(test_pool_made_before_the_loop),
    WA_H_TEST(test_pool_bad_args),
    {0},
};

int main(void)
{
    wa_pool_opts o = {.max_size = 2,
                      .max_idle_ms = 15,
                      .connect = fake_connect,
                      .close = fake_close,
                      .ctx = &early_fx};
    early = wa_pool_new(&o);
    o.min_size = 1; /* opening one needs a task */
    if (wa_pool_new(&o) != NULL || wa_last_error() != WA_ENOLOOP) {
        printf("FAIL: wa_pool_new with min_size outside a task\n");
        return 1;
    }
    o.min_size = 3; /* over max_size: the bad sizes are named first, anywhere */
    if (wa_pool_new(&o) != NULL || wa_last_error() != WA_EINVAL) {
        printf("FAIL: wa_pool_new with min_size > max_size outside a task: %s\n",
               wa_error_name(wa_last_error()));
        return 1;
    }
    return wa_h_main(tests);
}
