/* wasyncio/pool.h: wa_pool, an async pool of reusable resources (database
 * connections, sockets, anything with connect/close callbacks), on every
 * target. Included by <wasyncio.h>; include only that.
 *
 * The model is asyncpg's Pool: between min_size and max_size resources;
 * acquire hands out an idle one, opens a new one while under max_size, or
 * waits (FIFO) until one is released; release runs the health check and
 * keeps the resource for the next acquire; close waits for every acquired
 * resource to come back.
 */
#ifndef WASYNCIO_POOL_H
#define WASYNCIO_POOL_H

typedef struct wa_pool wa_pool;

/* The callbacks run inside the task that needs them and may suspend (do
 * I/O, sleep). ctx is wa_pool_opts.ctx. */
typedef struct wa_pool_opts {
    size_t min_size; /* opened by wa_pool_new; idle expiry keeps this many */
    size_t max_size; /* at most this many open at once; 0 means 10 */
    /* Close a resource idle (released, not acquired since) longer than this;
     * 0 = never (asyncpg's max_inactive_connection_lifetime). */
    uint64_t max_idle_ms;
    /* Close a resource once it is this old, when it is next released or
     * found idle; 0 = never (asyncpg's max_queries / psycopg's max_lifetime). */
    uint64_t max_lifetime_ms;
    /* Open one: 0 and *resource set, or a negative code (returned by the
     * acquire that asked for it). Required. */
    int (*connect)(void *ctx, void **resource);
    /* Close one for good. Required. */
    void (*close)(void *ctx, void *resource);
    /* On release: 0 to keep the resource, or a negative code to close it
     * (broken, or could not be reset). May be NULL (always keep). */
    int (*reset)(void *ctx, void *resource);
    /* Before an idle resource is handed out: 0 if it still works, else it
     * is closed and the next one tried (a connection the server closed
     * meanwhile). Should be cheap: no round trip. May be NULL. */
    int (*check)(void *ctx, void *resource);
    void *ctx;
    /* Called with ctx by wa_pool_free, so a pool can own its context (a
     * driver's pool); a wa_pool_new that fails leaves ctx to the caller.
     * May be NULL. */
    void (*free_ctx)(void *ctx);
} wa_pool_opts;

/* A pool (asyncpg.create_pool). Opens min_size resources first (then it
 * must be called in a task; with min_size 0 it may be made before wa_run);
 * if one fails to open, closes those opened and returns NULL with its code
 * (wa_last_error). WA_EINVAL without connect/close or min_size > max_size.
 * With max_idle_ms or max_lifetime_ms a small task of its own closes
 * expired idle resources while a loop runs (stopped by wa_pool_close). */
WA_EXTERN wa_pool *wa_pool_new(const wa_pool_opts *opts);

/* Take a resource: an idle one (the most recently released: expired ones,
 * and those the check callback refuses, are closed on the way), a new one while fewer than max_size are open, or
 * wait for a release, first come first served. Returns 0 and *resource set;
 * WA_ECANCELED / WA_ETIMEDOUT (a deadline scope) with nothing taken, and no
 * resource lost: one handed over in the same step as the interruption is
 * kept by the caller (as wa_sem_acquire); the connect callback's error;
 * WA_EPOOLCLOSED after wa_pool_close (also to tasks waiting then). */
WA_EXTERN int wa_pool_acquire(wa_pool *p, void **resource);
/* wa_pool_acquire with a deadline of ms (pool.acquire(timeout=...)):
 * WA_ETIMEDOUT when it passes first. */
WA_EXTERN int wa_pool_acquire_for(wa_pool *p, uint64_t ms, void **resource);

/* Give a resource back. The reset callback decides if it is kept; kept, it
 * goes straight to the first waiting acquire, else idle. A resource over
 * max_lifetime_ms, or released after wa_pool_close, is closed, and a waiter
 * then opens a new one. Returns 0 (also when the resource was closed);
 * WA_EINVAL if the pool did not hand it out. In a task if the callbacks
 * suspend; a reset cut short by the releasing task's own cancel or deadline
 * closes the resource (asyncpg shields its release; here the pool drops a
 * resource it could not reset). */
WA_EXTERN int wa_pool_release(wa_pool *p, void *resource);
/* Give back a resource known to be broken: it is closed, not reset, and its
 * place goes to the first waiter. */
WA_EXTERN int wa_pool_discard(wa_pool *p, void *resource);

/* Refuse new acquires (WA_EPOOLCLOSED, waiters woken FIFO), wait until
 * every acquired resource is released, then close them all. Returns 0;
 * WA_ECANCELED / WA_ETIMEDOUT if the wait was cut short (the pool stays
 * closed, and what comes back later is closed on release: call it again to
 * wait). A second close after a finished one returns 0. */
WA_EXTERN int wa_pool_close(wa_pool *p);
/* Free a pool (closing its idle resources if wa_pool_close was not
 * called). WA_EBUSY, freeing nothing, while resources are acquired or tasks
 * wait on it. */
WA_EXTERN int wa_pool_free(wa_pool *p);

/* Open resources (idle, acquired and being opened), idle ones, and the two
 * sizes the pool was made with (asyncpg's get_size, get_idle_size, ...). */
WA_EXTERN size_t wa_pool_size(const wa_pool *p);
WA_EXTERN size_t wa_pool_idle_size(const wa_pool *p);
WA_EXTERN size_t wa_pool_min_size(const wa_pool *p);
WA_EXTERN size_t wa_pool_max_size(const wa_pool *p);

/* `async with pool.acquire() as res:` as a declaration, like WA_LOCK_SCOPE:
 * WA_POOL_SCOPE(pool, res, rc); acquires into res (any object pointer
 * variable declared before) for the rest of the enclosing block, and
 * releases it on every way out: its end, break, continue, return, goto,
 * and the return that follows a cancel or a timeout. rc gets 0 or the
 * acquire's error; then res is NULL and nothing is held: test rc first.
 *     wa_pg_conn *con;
 *     int rc;
 *     WA_POOL_SCOPE(pool, con, rc);
 *     if (rc < 0) return rc;
 * The same jump rules as WA_LOCK_SCOPE apply. */
typedef struct wa__pool_guard {
    wa_pool *pool;
    void *resource;
} wa__pool_guard;
static inline wa__pool_guard wa__pool_guard_acquire(wa_pool *p, int *rc)
{
    wa__pool_guard g = {NULL, NULL};
    *rc = wa_pool_acquire(p, &g.resource);
    if (*rc == 0)
        g.pool = p;
    else
        g.resource = NULL;
    return g;
}
static inline void wa__pool_guard_exit(wa__pool_guard *g)
{
    if (g->pool)
        wa_pool_release(g->pool, g->resource);
    g->pool = NULL;
}
#define WA_POOL_SCOPE(pool, res, rc)                                                             \
    wa__pool_guard WA__CAT(wa__poolg_, __LINE__) __attribute__((cleanup(wa__pool_guard_exit))) = \
        wa__pool_guard_acquire((pool), &(rc));                                                   \
    char WA__CAT(wa__poolr_, __LINE__) __attribute__((unused)) =                                 \
        ((res) = WA__CAT(wa__poolg_, __LINE__).resource, 0)

#endif /* WASYNCIO_POOL_H */
