/* connect.c: opening a connection without blocking the loop. libpq's own
 * name lookup (getaddrinfo inside PQconnectPoll) would block, so host names
 * are looked up first on a worker thread and handed to libpq as hostaddr;
 * then PQconnectPoll runs on the socket's readable/writable waits, the
 * whole under one deadline. What follows an open connection is conn.c's. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "pg.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 60000 /* asyncpg's timeout=60 */

/* ================================================================ lookup */

/* A growing comma-separated list. */
typedef struct list {
    char *s;
    size_t len, cap;
    int n;
} list;

static int list_add(list *l, const char *item)
{
    size_t k = strlen(item);
    if (l->len + k + 2 > l->cap) {
        size_t cap = (l->cap + k + 2) * 2;
        char *s = realloc(l->s, cap);
        if (!s)
            return WA_ENOMEM;
        l->s = s;
        l->cap = cap;
    }
    if (l->n++)
        l->s[l->len++] = ',';
    memcpy(l->s + l->len, item, k + 1);
    l->len += k;
    return 0;
}

/* The lookup's job, run on a worker thread. A connect cancelled or timed
 * out returns at once while the lookup runs on to its end (wa_to_thread's
 * rule: once handed over, it runs), so the job belongs to whichever of the
 * two (connecting task, thread) lets go of it last. */
typedef struct lookup {
    atomic_int refs;
    char *hosts, *ports;   /* in: comma-separated lists (ports may be NULL) */
    list host, addr, port; /* out: one entry per address */
    int rc;                /* the thread's */
} lookup;

static void lookup_unref(lookup *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    free(j->hosts);
    free(j->ports);
    free(j->host.s);
    free(j->addr.s);
    free(j->port.s);
    free(j);
}

static int is_numeric_address(const char *h)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* Each host name becomes one entry per address (libpq tries them in
 * order, as it would have); socket paths and numeric addresses stay one. */
static int expand_host(lookup *j, const char *h, const char *port)
{
    int rc = 0;
    if (!*h || h[0] == '/' || h[0] == '@' || is_numeric_address(h)) {
        if ((rc = list_add(&j->host, h)) || (rc = list_add(&j->addr, "")) ||
            (rc = list_add(&j->port, port)))
            return rc;
        return 0;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(h, NULL, &hints, &res) != 0 || !res)
        return WA_EDNS;
    for (struct addrinfo *a = res; a && !rc; a = a->ai_next) {
        char num[INET6_ADDRSTRLEN];
        if (getnameinfo(a->ai_addr, a->ai_addrlen, num, sizeof num, NULL, 0, NI_NUMERICHOST))
            continue;
        if (!(rc = list_add(&j->host, h)) && !(rc = list_add(&j->addr, num)))
            rc = list_add(&j->port, port);
    }
    freeaddrinfo(res);
    return rc;
}

static void *lookup_on_thread(void *arg)
{
    lookup *j = arg;
    char *hs = j->hosts, *ps = j->ports;
    int n_ports = 0;
    for (char *p = ps; p; p = strchr(p, ','))
        n_ports++, p++;
    int rc = 0;
    for (int i = 0; !rc; i++) {
        char *hend = strchr(hs, ',');
        if (hend)
            *hend = '\0';
        char *port = "";
        if (ps) {
            char *pend = strchr(ps, ',');
            if (pend)
                *pend = '\0';
            port = ps;
            if (n_ports > 1 && pend)
                ps = pend + 1;
        }
        rc = expand_host(j, hs, port);
        if (!hend)
            break;
        hs = hend + 1;
    }
    j->rc = rc;
    lookup_unref(j);
    return NULL;
}

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
static int resolve(conn_params *p, lookup **out)
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
    lookup *j = calloc(1, sizeof *j);
    if (!j)
        return WA_ENOMEM;
    atomic_init(&j->refs, 2); /* ours and the thread's */
    j->hosts = strdup(host);
    j->ports = port ? strdup(port) : NULL;
    int rc = j->hosts && (!port || j->ports) ? wa_to_thread(lookup_on_thread, j, NULL) : WA_ENOMEM;
    if (rc == WA_ENOMEM || rc == WA_ENOLOOP)
        lookup_unref(j); /* refused: the thread's too */
    if (rc == 0)
        rc = j->rc;
    if (rc < 0) {
        lookup_unref(j);
        return rc;
    }
    set_param(p, "host", j->host.s);
    set_param(p, "hostaddr", j->addr.s);
    if (port)
        set_param(p, "port", j->port.s);
    *out = j;
    return 0;
}

static int open_conn(const wa_pg_opts *o, conn_params *p, PGconn **out)
{
    lookup *j = NULL;
    int rc = resolve(p, &j);
    if (rc < 0)
        return wa__pg_fail(NULL, rc,
                           rc == WA_EDNS ? "could not resolve the server's host name" : NULL);
    p->keys[p->n] = p->vals[p->n] = NULL;
    PGconn *pg = PQconnectStartParams(p->keys, p->vals, 0);
    if (j)
        lookup_unref(j);
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
