/* pool.c: wa_pool, asyncpg's Pool for any resource with connect/close
 * callbacks. Places are counted like a semaphore's permits: a release hands
 * its resource (or, when the resource was closed, its place, for the waiter
 * to open a new one) straight to the first waiting acquire, so nothing is
 * lost to a cancelled waiter nor taken by a later arrival. */
#include "internal.h"
#include "wait_here.h"

typedef struct slot {
    struct slot *prev, *next; /* on idle or used (core/list.h) */
    void *resource;
    uint64_t born_ms, idle_since_ms;
} slot;

typedef struct slot_list {
    slot *head, *tail;
} slot_list;

struct wa_pool {
    wa_pool_opts o;
    slot_list idle; /* a stack: the most recently released is the tail */
    slot_list used; /* acquired, the most recent the tail */
    size_t n_open;  /* places taken: idle + acquired + in transit */
    size_t n_idle;
    size_t n_busy;    /* acquired or in transit (being opened, reset or
                         closed): wa_pool_close waits for 0 */
    wa_wlist waiters; /* acquires, first come first served */
    wa_wlist closers; /* wa_pool_close calls waiting for n_busy == 0 */
    wa_task *reaper;  /* closes expired idle resources, when limits are set */
    int closing;      /* wa_pool_close was called: acquires refused */
};

/* ================================================================ places */

static void wake_closers(wa_pool *p)
{
    if (p->n_busy > 0)
        return;
    while (!wa__wlist_empty(&p->closers))
        wa__wake(&p->closers, p->closers.head, 0);
}

/* A place in transit became free (its resource closed, or opening one
 * failed): the first waiter takes it over to open a new resource. */
static void give_place(wa_pool *p)
{
    if (!p->closing && !wa__wlist_empty(&p->waiters)) {
        p->waiters.head->data = NULL;
        wa__wake(&p->waiters, p->waiters.head, 0);
        return;
    }
    p->n_open--;
    p->n_busy--;
    wake_closers(p);
}

/* Take the most recently released idle resource off the idle stack, or
 * NULL. */
static slot *pop_idle(wa_pool *p)
{
    slot *s = p->idle.tail;
    if (s) {
        WA_LIST_UNLINK(&p->idle, s);
        p->n_idle--;
    }
    return s;
}

/* A kept resource in transit: to the first waiter, else idle. */
static void hand_out(wa_pool *p, slot *s)
{
    if (!wa__wlist_empty(&p->waiters)) {
        WA_LIST_APPEND(&p->used, s);
        p->waiters.head->data = s;
        wa__wake(&p->waiters, p->waiters.head, 0);
        return;
    }
    s->idle_since_ms = wa_now();
    WA_LIST_APPEND(&p->idle, s);
    p->n_idle++;
    p->n_busy--;
    wake_closers(p);
}

/* Close a resource in transit and free its place. */
static void close_slot(wa_pool *p, slot *s)
{
    p->o.close(p->o.ctx, s->resource);
    free(s);
    give_place(p);
}

static int too_old(const wa_pool *p, const slot *s, uint64_t now)
{
    return p->o.max_lifetime_ms && now - s->born_ms >= p->o.max_lifetime_ms;
}

static int idle_too_long(const wa_pool *p, const slot *s, uint64_t now)
{
    return p->o.max_idle_ms && now - s->idle_since_ms >= p->o.max_idle_ms;
}

/* Open a resource on a place the caller holds (in transit). */
static int open_slot(wa_pool *p, slot **out)
{
    void *r = NULL;
    int rc = p->o.connect(p->o.ctx, &r);
    if (rc == 0 && p->closing) {
        p->o.close(p->o.ctx, r);
        rc = WA_EPOOLCLOSED;
    }
    slot *s = NULL;
    if (rc == 0 && !(s = calloc(1, sizeof *s))) {
        p->o.close(p->o.ctx, r);
        rc = WA_ENOMEM;
    }
    if (rc < 0) {
        give_place(p);
        return rc;
    }
    s->resource = r;
    s->born_ms = s->idle_since_ms = wa_now();
    *out = s;
    return 0;
}

/* ================================================================ reaper */

/* How long the reaper sleeps: until the first idle resource expires, or a
 * whole limit when none is idle. */
static uint64_t next_expiry_ms(const wa_pool *p, uint64_t now)
{
    uint64_t lim = p->o.max_idle_ms;
    if (!lim || (p->o.max_lifetime_ms && p->o.max_lifetime_ms < lim))
        lim = p->o.max_lifetime_ms;
    uint64_t wait = lim;
    for (const slot *s = p->idle.head; s; s = s->next) {
        uint64_t at = UINT64_MAX;
        if (p->o.max_idle_ms)
            at = s->idle_since_ms + p->o.max_idle_ms;
        if (p->o.max_lifetime_ms && s->born_ms + p->o.max_lifetime_ms < at)
            at = s->born_ms + p->o.max_lifetime_ms;
        uint64_t in = at > now ? at - now : 0;
        if (in < wait)
            wait = in;
    }
    return wait ? wait : 1;
}

/* Take the first expired idle resource, from the top of the idle stack, off
 * it (in transit), or NULL. Idle expiry keeps min_size open; lifetime expiry
 * does not. */
static slot *take_expired(wa_pool *p, uint64_t now)
{
    for (slot *s = p->idle.tail; s; s = s->prev) {
        if (too_old(p, s, now) || (idle_too_long(p, s, now) && p->n_open > p->o.min_size)) {
            WA_LIST_UNLINK(&p->idle, s);
            p->n_idle--;
            p->n_busy++;
            return s;
        }
    }
    return NULL;
}

static void *reap(void *arg)
{
    wa_pool *p = arg;
    while (!p->closing) {
        if (wa_sleep(next_expiry_ms(p, wa_now())) < 0)
            break;
        slot *s;
        while (!p->closing && (s = take_expired(p, wa_now())))
            close_slot(p, s);
    }
    /* Also when its loop ends: the handle goes with the loop, and the
     * next loop that uses the pool starts a new reaper. */
    p->reaper = NULL;
    return NULL;
}

/* With limits set, a reaper runs while the pool is used: started by the
 * first release or wa_pool_new inside a task (a pool may be made before
 * wa_run). Without one, expired resources are still closed when found. */
static void ensure_reaper(wa_pool *p)
{
    if (p->reaper || p->closing || !(p->o.max_idle_ms || p->o.max_lifetime_ms) || !wa__self())
        return;
    wa_task_opts to = {.name = "wa_pool reaper"};
    p->reaper = wa_spawn_opts(reap, p, &to);
}

/* ================================================================ the API */

wa_pool *wa_pool_new(const wa_pool_opts *opts)
{
    if (!opts || !opts->connect || !opts->close)
        return wa__set_last_error(WA_EINVAL);
    size_t max_size = opts->max_size ? opts->max_size : 10;
    if (opts->min_size > max_size)
        return wa__set_last_error(WA_EINVAL);
    /* Opening resources needs a task; an empty pool can be made anywhere. */
    int rc = opts->min_size ? wa__require_task() : 0;
    if (rc)
        return wa__set_last_error(rc);
    wa_pool *p = calloc(1, sizeof *p);
    if (!p)
        return wa__set_last_error(WA_ENOMEM);
    p->o = *opts;
    p->o.max_size = max_size;
    /* Open min_size, then put them all in the idle stack at once, the first
     * opened on top. */
    for (size_t i = 0; i < p->o.min_size; i++) {
        slot *s;
        p->n_open++;
        p->n_busy++;
        if ((rc = open_slot(p, &s)) < 0)
            break;
        WA_LIST_APPEND(&p->used, s);
    }
    while (p->used.tail) {
        slot *s = p->used.tail;
        WA_LIST_UNLINK(&p->used, s);
        if (rc < 0)
            close_slot(p, s);
        else
            hand_out(p, s);
    }
    if (rc < 0) {
        free(p);
        return wa__set_last_error(rc);
    }
    ensure_reaper(p);
    return p;
}

int wa_pool_acquire(wa_pool *p, void **resource)
{
    if (!p || !resource)
        return WA_EINVAL;
    *resource = NULL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (p->closing)
        return WA_EPOOLCLOSED;
    slot *s = NULL;
    int have_place = 0;
    if (wa__wlist_empty(&p->waiters)) {
        if ((s = pop_idle(p)) != NULL) {
            /* The most recently released: if it expired or went bad, its
             * place is kept and a fresh one opened on it. */
            p->n_busy++;
            uint64_t now = wa_now();
            if (too_old(p, s, now) || idle_too_long(p, s, now) ||
                (p->o.check && p->o.check(p->o.ctx, s->resource) != 0)) {
                p->o.close(p->o.ctx, s->resource);
                free(s);
                s = NULL;
                have_place = 1;
            } else {
                WA_LIST_APPEND(&p->used, s);
            }
        } else if (p->n_open < p->o.max_size) {
            p->n_open++;
            p->n_busy++;
            have_place = 1;
        }
    }
    if (!s && !have_place) {
        wa__waited turn = wa__wait_here(&p->waiters, NULL, 0);
        if (turn.rc < 0)
            return turn.rc;
        /* Handed a resource (already linked as used), or a place. */
        s = turn.data;
        have_place = !s;
    }
    if (have_place) {
        if (p->closing) {
            give_place(p);
            return WA_EPOOLCLOSED;
        }
        if ((rc = open_slot(p, &s)) < 0)
            return rc;
        WA_LIST_APPEND(&p->used, s);
    }
    *resource = s->resource;
    return 0;
}

int wa_pool_acquire_for(wa_pool *p, uint64_t ms, void **resource)
{
    wa_timeout scope;
    if (!p || !resource)
        return WA_EINVAL;
    int rc = wa_timeout_enter(&scope, ms);
    if (rc)
        return rc;
    rc = wa_pool_acquire(p, resource);
    wa_timeout_exit(&scope);
    return rc;
}

static int give_back(wa_pool *p, void *resource, int keep)
{
    if (!p)
        return WA_EINVAL;
    /* The most recently acquired first: usually the one given back. */
    slot *s = p->used.tail;
    while (s && s->resource != resource)
        s = s->prev;
    if (!s)
        return WA_EINVAL;
    WA_LIST_UNLINK(&p->used, s); /* in transit: still counted in n_busy */
    keep = keep && !p->closing && !too_old(p, s, wa_now());
    if (keep && p->o.reset)
        keep = p->o.reset(p->o.ctx, resource) == 0;
    if (keep && !p->closing)
        hand_out(p, s);
    else
        close_slot(p, s);
    ensure_reaper(p);
    return 0;
}

int wa_pool_release(wa_pool *p, void *resource) { return give_back(p, resource, 1); }

int wa_pool_discard(wa_pool *p, void *resource) { return give_back(p, resource, 0); }

static void stop_reaper(wa_pool *p)
{
    wa_task *r = p->reaper; /* set only while it runs: it clears it */
    if (!r || !wa__self())
        return;
    wa_cancel(r);
    wa__join_shielded(r, 0);
    wa_release(r);
    p->reaper = NULL;
}

static void close_idle(wa_pool *p)
{
    slot *s;
    while ((s = pop_idle(p)) != NULL) {
        p->n_open--;
        p->o.close(p->o.ctx, s->resource);
        free(s);
    }
}

int wa_pool_close(wa_pool *p)
{
    if (!p)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!p->closing) {
        p->closing = 1;
        /* Every waiting acquire learns it, in the order they came. */
        while (!wa__wlist_empty(&p->waiters))
            wa__wake(&p->waiters, p->waiters.head, WA_EPOOLCLOSED);
        stop_reaper(p);
    }
    while (p->n_busy > 0) {
        if ((rc = wa__wait_here(&p->closers, NULL, 0).rc) < 0)
            return rc;
    }
    close_idle(p);
    return 0;
}

int wa_pool_free(wa_pool *p)
{
    if (!p)
        return WA_EINVAL;
    if (p->n_busy > 0 || !wa__wlist_empty(&p->waiters) || !wa__wlist_empty(&p->closers))
        return WA_EBUSY;
    p->closing = 1;
    stop_reaper(p);
    close_idle(p);
    if (p->o.free_ctx)
        p->o.free_ctx(p->o.ctx);
    free(p);
    return 0;
}

size_t wa_pool_size(const wa_pool *p) { return p ? p->n_open : 0; }
size_t wa_pool_idle_size(const wa_pool *p) { return p ? p->n_idle : 0; }
size_t wa_pool_min_size(const wa_pool *p) { return p ? p->o.min_size : 0; }
size_t wa_pool_max_size(const wa_pool *p) { return p ? p->o.max_size : 0; }
