/* stmt.c: each connection's cache of prepared statements, as asyncpg
 * keeps one: a query with parameters (or a fetch) is parsed and described
 * by the server once, then only bound and executed. The description also
 * says which columns come back: when every one is of a type result.c reads
 * in binary (integers, floats, bool, text, bytea), the rows travel in
 * binary, which the server writes and we read faster than text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pg.h"

struct wa__pg_stmt {
    char *sql;
    uint64_t hash;
    uint64_t used; /* LRU stamp */
    char name[24]; /* wa_s<N>: never reused on the connection */
    int binary;    /* fetch the rows in binary */
};

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Column types whose binary form result.c decodes. */
static int binary_ok(Oid t)
{
    switch (t) {
    case 16:
    case 17:
    case 19:
    case 20:
    case 21:
    case 23:
    case 25:
    case 26:
    case 700:
    case 701:
    case 1042:
    case 1043: return 1;
    default: return 0;
    }
}

static wa__pg_stmt *find(wa_pg_conn *c, const char *sql, uint64_t h)
{
    for (int i = 0; i < c->n_stmts; i++) {
        wa__pg_stmt *s = c->stmts[i];
        if (s->hash == h && !strcmp(s->sql, sql))
            return s;
    }
    return NULL;
}

static void stmt_free(wa__pg_stmt *s)
{
    if (!s)
        return;
    free(s->sql);
    free(s);
}

void wa__pg_stmt_forget(wa_pg_conn *c, wa__pg_stmt *s)
{
    for (int i = 0; i < c->n_stmts; i++)
        if (c->stmts[i] == s) {
            c->stmts[i] = c->stmts[--c->n_stmts];
            stmt_free(s);
            return;
        }
}

void wa__pg_stmts_free(wa_pg_conn *c)
{
    for (int i = 0; i < c->n_stmts; i++)
        stmt_free(c->stmts[i]);
    free(c->stmts);
    c->stmts = NULL;
    c->n_stmts = 0;
}

/* Make room: the least recently used statement goes, and is deallocated on
 * the server (one round trip, only when the cache is full). Not inside a
 * transaction, where a failing DEALLOCATE (the server forgot it already:
 * DEALLOCATE ALL) would abort the caller's work: the server then keeps it
 * until the session ends. */
static int evict(wa_pg_conn *c)
{
    int lru = 0;
    for (int i = 1; i < c->n_stmts; i++)
        if (c->stmts[i]->used < c->stmts[lru]->used)
            lru = i;
    char sql[48];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", c->stmts[lru]->name);
    wa__pg_stmt_forget(c, c->stmts[lru]);
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        return 0;
    PGresult *r = NULL;
    int was = wa__pg_mute_errors(1);
    int rc = wa__pg_roundtrip(c, PQsendQuery(c->pg, sql), &r);
    wa__pg_mute_errors(was);
    PQclear(r);
    /* only what stops the connection matters here */
    return rc == WA_ECANCELED || rc == WA_ETIMEDOUT || rc == WA_ECONNLOST ? rc : 0;
}

int wa__pg_stmt_get(wa_pg_conn *c, const char *sql, int n_params, wa__pg_stmt **out)
{
    uint64_t h = hash_sql(sql);
    wa__pg_stmt *s = find(c, sql, h);
    if (s) {
        s->used = ++c->stmt_clock;
        *out = s;
        return 0;
    }
    if (!c->stmts && !(c->stmts = calloc((size_t)c->stmt_cap, sizeof *c->stmts)))
        return WA_ENOMEM;
    int rc;
    if (c->n_stmts == c->stmt_cap && (rc = evict(c)) < 0)
        return rc;
    if (!(s = calloc(1, sizeof *s)) || !(s->sql = strdup(sql))) {
        stmt_free(s);
        return WA_ENOMEM;
    }
    s->hash = h;
    snprintf(s->name, sizeof s->name, "wa_s%u", ++c->stmt_seq);
    PGresult *r = NULL;
    rc = wa__pg_roundtrip(c, PQsendPrepare(c->pg, s->name, sql, n_params, NULL), &r);
    PQclear(r);
    r = NULL;
    if (rc == 0)
        rc = wa__pg_roundtrip(c, PQsendDescribePrepared(c->pg, s->name), &r);
    if (rc < 0) {
        PQclear(r);
        stmt_free(s);
        return rc;
    }
    int cols = PQnfields(r);
    s->binary = cols > 0;
    for (int i = 0; i < cols; i++)
        if (!binary_ok(PQftype(r, i)))
            s->binary = 0;
    PQclear(r);
    s->used = ++c->stmt_clock;
    c->stmts[c->n_stmts++] = s;
    *out = s;
    return 0;
}

const char *wa__pg_stmt_name(const wa__pg_stmt *s) { return s->name; }
int wa__pg_stmt_binary(const wa__pg_stmt *s) { return s->binary; }
