/* connect.c: opening a connection without blocking the loop: host names
 * are looked up first on a worker thread (lookup.c) and handed to libpq as
 * hostaddr, then PQconnectPoll runs on the socket's readable/writable
 * waits, the whole under one deadline. What follows an open connection is
 * conn.c's. */
#include <stdlib.h>
#include <string.h>
#include "pg.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 60000 /* asyncpg's timeout=60 */

/* ================================================================ connect */

typedef struct conn_params {
    const char *keys[64];
    const char *vals[64];
    int n;
} conn_params;

static void set_param(conn_params *p, const char *key, const char *val)
{
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->keys[i], key)) {
            p->vals[i] = val;
            return;
        }
    if (p->n < 63) {
        p->keys[p->n] = key;
        p->vals[p->n++] = val;
    }
}

static const char *get_param(const conn_params *p, const char *key)
{
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->keys[i], key))
            return p->vals[i];
    return NULL;
}

static uint64_t connect_timeout(const wa_pg_opts *o, const conn_params *p)
{
    if (o && o->connect_timeout_ms)
        return o->connect_timeout_ms;
    const char *s = get_param(p, "connect_timeout");
    if (!s)
        s = getenv("PGCONNECT_TIMEOUT");
    long secs = s ? atol(s) : 0;
    /* libpq: 0 or negative waits forever; 1 is raised to 2 */
    if (s && secs <= 0)
        return WA_NO_TIMEOUT;
    if (secs == 1)
        secs = 2;
    return secs ? (uint64_t)secs * 1000 : DEFAULT_CONNECT_TIMEOUT_MS;
}

static void ignore_notice(void *arg, const char *message) { (void)arg, (void)message; }

/* Drive PQconnectPoll on the socket until it is done. */
static int poll_connect(PGconn *pg)
{
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    for (int errors = 0;;) {
        if (st == PGRES_POLLING_OK)
            return 0;
        if (st == PGRES_POLLING_FAILED)
            return WA_EDBCONNECT;
        int fd = PQsocket(pg);
        /* No socket yet, or the last address failed at once: libpq moves
         * on to the next one when polled. */
        int rc = fd < 0                        ? 0
                 : st == PGRES_POLLING_READING ? wa_wait_readable(fd)
                                               : wa_wait_writable(fd);
        /* An error pending on the socket (refused: POLLERR) ends the wait
         * with WA_EINVAL or WA_EIO; PQconnectPoll reads it and moves on. */
        if ((rc == WA_EINVAL || rc == WA_EIO) && ++errors < 100)
            rc = 0;
        if (rc < 0)
            return rc;
        st = PQconnectPoll(pg);
    }
}

/* Look the host names up on a thread; fill p's host, hostaddr, port. */
static int resolve(conn_params *p, wa__pg_lookup **out)
{
    const char *host = get_param(p, "host");
    if (!host)
        host = getenv("PGHOST");
    const char *addr = get_param(p, "hostaddr");
    if (!addr)
        addr = getenv("PGHOSTADDR");
    if (!host || !*host || (addr && *addr))
        return 0; /* socket default, or given */
    const char *port = get_param(p, "port");
    if (!port)
        port = getenv("PGPORT");
    int rc = wa__pg_look_up(host, port, out);
    if (rc < 0)
        return rc;
    set_param(p, "host", wa__pg_lookup_list(*out, "host"));
    set_param(p, "hostaddr", wa__pg_lookup_list(*out, "hostaddr"));
    if (port)
        set_param(p, "port", wa__pg_lookup_list(*out, "port"));
    return 0;
}

static int open_conn(const wa_pg_opts *o, conn_params *p, PGconn **out)
{
    wa__pg_lookup *j = NULL;
    int rc = resolve(p, &j);
    if (rc < 0)
        return wa__pg_fail(NULL, rc,
                           rc == WA_EDNS ? "could not resolve the server's host name" : NULL);
    p->keys[p->n] = p->vals[p->n] = NULL;
    PGconn *pg = PQconnectStartParams(p->keys, p->vals, 0);
    if (j)
        wa__pg_lookup_release(j);
    if (!pg)
        return wa__pg_fail(NULL, WA_ENOMEM, NULL);
    if (PQstatus(pg) == CONNECTION_BAD)
        rc = WA_EDBCONNECT;
    else
        rc = poll_connect(pg);
    if (rc < 0) {
        /* libpq's message names the server and the reason */
        wa__pg_fail(NULL, rc, rc == WA_EDBCONNECT ? PQerrorMessage(pg) : NULL);
        PQfinish(pg);
        return rc;
    }
    *out = pg;
    return 0;
}

int wa_pg_connect(const wa_pg_opts *o, wa_pg_conn **out)
{
    if (!out)
        return WA_EINVAL;
    *out = NULL;
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(o && o->conninfo ? o->conninfo : "", &err);
    if (!opts) {
        int rc = wa__pg_fail(NULL, err ? WA_EINVAL : WA_ENOMEM, err);
        PQfreemem(err);
        return rc;
    }
    conn_params p = {.n = 0};
    for (PQconninfoOption *x = opts; x->keyword; x++)
        if (x->val)
            set_param(&p, x->keyword, x->val);
    /* Our deadline covers the lookup and the whole handshake. */
    wa_timeout scope;
    int rc = wa_timeout_enter(&scope, connect_timeout(o, &p));
    PGconn *pg = NULL;
    if (rc == 0) {
        rc = open_conn(o, &p, &pg);
        wa_timeout_exit(&scope);
        if (rc == WA_ETIMEDOUT)
            wa__pg_fail(NULL, rc, "timed out connecting to the server");
    }
    PQconninfoFree(opts);
    if (rc < 0)
        return rc;
    wa_pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        PQfinish(pg);
        return wa__pg_fail(NULL, WA_ENOMEM, NULL);
    }
    c->pg = pg;
    c->refs = 1;
    if (!(c->cancel_done = wa_event_new())) {
        PQfinish(pg);
        free(c);
        return wa__pg_fail(NULL, WA_ENOMEM, NULL);
    }
    c->query_timeout_ms = o ? o->query_timeout_ms : 0;
    c->stmt_cap = !o || !o->statement_cache_size ? WA__PG_STMT_CACHE
                  : o->statement_cache_size < 0  ? 0
                                                 : o->statement_cache_size;
    /* Sends never block; notices (a ROLLBACK outside a transaction) are
     * not printed on stderr. */
    PQsetnonblocking(pg, 1);
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    *out = c;
    return 0;
}
