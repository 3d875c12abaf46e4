/* pool.c: a pool of PostgreSQL connections (asyncpg's create_pool) on the
 * generic wa_pool: its callbacks open, reset and close a wa_pg_conn; and
 * the one-query shorthands that acquire and release around a query. */
#include <stdlib.h>
#include <string.h>
#include "pg.h"

typedef struct pool_ctx {
    wa_pg_opts opts;
    char *conninfo; /* our copy */
} pool_ctx;

static int pool_connect(void *ctx, void **res)
{
    return wa_pg_connect(&((pool_ctx *)ctx)->opts, (wa_pg_conn **)res);
}

static void pool_close(void *ctx, void *res) { wa_pg_close(res); }

/* Keep a connection only if it is usable and idle: one left in a
 * transaction (or with a cancelled query still draining) is rolled back
 * first, whatever its depth of savepoints, as asyncpg resets a released
 * connection. */
static int pool_reset(void *ctx, void *res)
{
    wa_pg_conn *c = res;
    if (!wa_pg_usable(c) || c->busy)
        return WA_ECONNLOST;
    int was = wa__pg_mute_errors(1);
    int rc = wa__pg_tx_reset(c); /* every level, savepoints or not */
    wa__pg_mute_errors(was);
    if (rc < 0)
        return rc;
    return wa_pg_usable(c) ? 0 : WA_ECONNLOST;
}

/* Before an idle connection is handed out: read what the server sent
 * meanwhile without waiting. A server that restarted or dropped it has sent
 * a FATAL and closed the socket: then it is replaced, not handed out. */
static int pool_check(void *ctx, void *res)
{
    wa_pg_conn *c = res;
    if (!wa_pg_usable(c))
        return WA_ECONNLOST;
    /* Twice: the first read may bring the server's FATAL, the second its
     * end of file. On a live connection each is one recv that would block. */
    for (int i = 0; i < 2 && !c->cancelling; i++)
        if (!PQconsumeInput(c->pg))
            return wa__pg_fail(c, WA_ECONNLOST, NULL);
    return wa_pg_usable(c) ? 0 : WA_ECONNLOST;
}

static void pool_free_ctx(void *ctx)
{
    pool_ctx *x = ctx;
    free(x->conninfo);
    free(x);
}

int wa_pg_pool_new(const wa_pg_pool_opts *o, wa_pool **out)
{
    if (!out)
        return WA_EINVAL;
    *out = NULL;
    wa_pg_pool_opts d = {0};
    if (!o)
        o = &d;
    pool_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return WA_ENOMEM;
    x->opts = o->conn;
    if (o->conn.conninfo && !(x->conninfo = strdup(o->conn.conninfo))) {
        free(x);
        return WA_ENOMEM;
    }
    x->opts.conninfo = x->conninfo;
    wa_pool_opts po = {
        .min_size = o->min_size,
        .max_size = o->max_size,
        .max_idle_ms = o->max_idle_ms,
        .max_lifetime_ms = o->max_lifetime_ms,
        .connect = pool_connect,
        .close = pool_close,
        .reset = pool_reset,
        .check = pool_check,
        .ctx = x,
        .free_ctx = pool_free_ctx,
    };
    if (!o->min_size && !o->max_size)
        po.min_size = po.max_size = 10; /* asyncpg's */
    if (!(*out = wa_pool_new(&po))) {
        pool_free_ctx(x);
        return wa_last_error();
    }
    return 0;
}

int wa_pg_pool_execute(wa_pool *p, const char *sql, int n, const char *const *params)
{
    wa_pg_conn *c;
    int rc;
    WA_POOL_SCOPE(p, c, rc);
    return rc < 0 ? rc : wa_pg_execute(c, sql, n, params);
}

int wa_pg_pool_fetch(wa_pool *p, const char *sql, int n, const char *const *params,
                     wa_pg_result **out)
{
    wa_pg_conn *c;
    int rc;
    WA_POOL_SCOPE(p, c, rc);
    return rc < 0 ? rc : wa_pg_fetch(c, sql, n, params, out);
}

int wa_pg_pool_fetchval_int(wa_pool *p, const char *sql, int n, const char *const *params,
                            int64_t *out)
{
    wa_pg_conn *c;
    int rc;
    WA_POOL_SCOPE(p, c, rc);
    return rc < 0 ? rc : wa_pg_fetchval_int(c, sql, n, params, out);
}
