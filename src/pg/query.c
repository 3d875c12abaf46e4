/* query.c: running a query: the simple protocol without parameters, else
 * a prepared statement from the connection's cache (stmt.c), each sent and
 * read as one exchange (exchange.c) under the query's deadline; and what
 * happens when it is interrupted: a task of its own cancels it on the
 * server (cancel.c) and reads what is left of it, so the connection is
 * usable again; and first, the rollback of a transaction level that a
 * deadline kept from the server (tx.c). Also execute/fetch/fetchval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pg.h"

/* How long the cancel task waits for the server to finish the cancelled
 * query before it gives the connection up as lost. */
#define CANCEL_DRAIN_MS 10000

/* ================================================================ cancel */

static void *cancel_task(void *arg)
{
    wa_pg_conn *c = arg;
    int rc = wa__pg_flush(c);
    PGcancel *pc = rc == 0 ? PQgetCancel(c->pg) : NULL;
    if (pc)
        rc = wa__pg_send_cancel(pc);
    /* Closed meanwhile: the cancel was sent, the connection is not needed. */
    if (rc == 0 && !c->closed) {
        int trc;
        WA_TIMEOUT_SCOPE(CANCEL_DRAIN_MS, trc);
        rc = wa__pg_drain(c);
    }
    if (rc < 0 || !pc)
        c->lost = 1;
    c->cancelling = 0;
    wa_event_set(c->cancel_done);
    wa__pg_unref(c);
    return NULL;
}

/* The query was interrupted while the server runs it: cancel it there. */
static void start_cancel(wa_pg_conn *c)
{
    wa_task_opts o = {.name = "wa_pg cancel"};
    wa_event_clear(c->cancel_done);
    wa_task *t = wa_spawn_opts(cancel_task, c, &o);
    if (!t) {
        c->lost = 1; /* cannot clean it up: the pool drops it */
        return;
    }
    c->refs++;
    c->cancelling = 1;
    wa_release(t);
}

/* ================================================================ a query */

/* A statement the server no longer knows as prepared (DEALLOCATE ALL,
 * DISCARD ALL) or whose result columns changed (ALTER TABLE): prepare it
 * again, once, unless a transaction is open (its failure aborted it). */
static int stale_statement(wa_pg_conn *c, int rc)
{
    const char *s = wa_pg_last_error()->sqlstate;
    return rc < 0 && (!strcmp(s, "26000") || !strcmp(s, "0A000")) &&
           PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

static int send_and_collect(wa_pg_conn *c, const wa_pg_query *q, PGresult **out)
{
    /* Without parameters: the simple protocol, which takes several
     * statements in one text. */
    if (q->n_params == 0 && !q->formats)
        return wa__pg_roundtrip(c, PQsendQuery(c->pg, q->sql), out);
    if (!c->stmt_cap) /* no statement cache: parsed anew each time */
        return wa__pg_roundtrip(c,
                                PQsendQueryParams(c->pg, q->sql, q->n_params, NULL, q->params,
                                                  q->lengths, q->formats, 0),
                                out);
    for (int attempt = 0;; attempt++) {
        wa__pg_stmt *st;
        int rc = wa__pg_stmt_get(c, q->sql, q->n_params, &st);
        if (rc < 0)
            return rc;
        rc = wa__pg_roundtrip(c,
                              PQsendQueryPrepared(c->pg, wa__pg_stmt_name(st), q->n_params,
                                                  q->params, q->lengths, q->formats,
                                                  wa__pg_stmt_binary(st)),
                              out);
        if (attempt == 0 && stale_statement(c, rc)) {
            wa__pg_stmt_forget(c, st);
            continue;
        }
        return rc;
    }
}

static int run(wa_pg_conn *c, const wa_pg_query *q, PGresult **out)
{
    uint64_t ms = q->timeout_ms ? q->timeout_ms : c->query_timeout_ms;
    wa_timeout scope;
    int scoped = ms && ms != WA_NO_TIMEOUT;
    int rc = scoped ? wa_timeout_enter(&scope, ms) : 0;
    if (rc)
        return rc;
    rc = send_and_collect(c, q, out);
    if ((rc == WA_ECANCELED || rc == WA_ETIMEDOUT) && !c->lost) {
        start_cancel(c);
        wa__pg_fail(NULL, rc,
                    rc == WA_ETIMEDOUT ? "query timed out (cancelled on the server)"
                                       : "query cancelled (also on the server)");
    }
    if (scoped)
        wa_timeout_exit(&scope);
    return rc;
}

/* ================================================================ levels */

void wa__pg_level_sql(char *buf, size_t n, int level, int commit)
{
    if (level <= 1)
        snprintf(buf, n, commit ? "COMMIT" : "ROLLBACK");
    else if (commit)
        snprintf(buf, n, "RELEASE SAVEPOINT wa_pg_sp_%d", level);
    else /* the second is skipped when the first fails */
        snprintf(buf, n, "ROLLBACK TO SAVEPOINT wa_pg_sp_%d; RELEASE SAVEPOINT wa_pg_sp_%d", level,
                 level);
}

/* A scope left after its deadline could not roll its level back (every
 * wait in an expired deadline scope fails): tx.c counted the level as
 * ended and left it here, to be rolled back before anything else runs on
 * the connection, as asyncpg would have done on leaving the block. */
static int undo_level_left_open(wa_pg_conn *c)
{
    int level = c->tx_undo;
    if (!level)
        return 0;
    /* Ended meanwhile; or a savepoint's rollback, sent before, left the
     * server in no failed state: it ran (one its cancel cut short leaves
     * the transaction failed, and the savepoint there). */
    PGTransactionStatusType t = PQtransactionStatus(c->pg);
    if (t == PQTRANS_IDLE || (level > 1 && c->tx_undo_sent && t == PQTRANS_INTRANS)) {
        c->tx_undo = 0;
        return 0;
    }
    char sql[96];
    wa__pg_level_sql(sql, sizeof sql, level, 0);
    wa_pg_query q = {.sql = sql};
    PGresult *res = NULL;
    int rc = run(c, &q, &res);
    PQclear(res);
    /* Interrupted again: still to do. Else done, or failed for good (the
     * error is the caller's to see). */
    if (rc != WA_ECANCELED && rc != WA_ETIMEDOUT)
        c->tx_undo = 0;
    else
        c->tx_undo_sent = 1;
    return rc;
}

int wa_pg_query_run(wa_pg_conn *c, const wa_pg_query *q, wa_pg_result **out)
{
    if (out)
        *out = NULL;
    if (!c || !q || !q->sql || q->n_params < 0 || (q->n_params && !q->params))
        return WA_EINVAL;
    int rc = wa__pg_take(c);
    if (rc)
        return rc;
    PGresult *res = NULL;
    if ((rc = undo_level_left_open(c)) == 0)
        rc = run(c, q, &res);
    wa__pg_put(c);
    if (rc < 0)
        return rc;
    if (!out) {
        PQclear(res);
        return 0;
    }
    wa_pg_result *r = calloc(1, sizeof *r);
    if (!r) {
        PQclear(res);
        return WA_ENOMEM;
    }
    r->res = res;
    *out = r;
    return 0;
}

/* ================================================================ shorthands */

int wa_pg_fetch(wa_pg_conn *c, const char *sql, int n, const char *const *params,
                wa_pg_result **out)
{
    if (!out)
        return WA_EINVAL;
    wa_pg_query q = {.sql = sql, .n_params = n, .params = params};
    /* Extended protocol even without parameters: one statement, as asyncpg. */
    static const int text_only[1] = {0};
    if (n == 0)
        q.formats = text_only;
    return wa_pg_query_run(c, &q, out);
}

int wa_pg_execute(wa_pg_conn *c, const char *sql, int n, const char *const *params)
{
    wa_pg_result *r;
    wa_pg_query q = {.sql = sql, .n_params = n, .params = params};
    int rc = wa_pg_query_run(c, &q, &r);
    if (rc < 0)
        return rc;
    rc = wa_pg_affected(r);
    wa_pg_result_free(r);
    return rc;
}

static int first_value(wa_pg_result *r)
{
    if (wa_pg_nrows(r) < 1 || wa_pg_ncols(r) < 1)
        return WA_ENULL;
    return 0;
}

int wa_pg_fetchval_int(wa_pg_conn *c, const char *sql, int n, const char *const *params,
                       int64_t *out)
{
    if (!out)
        return WA_EINVAL;
    wa_pg_result *r;
    int rc = wa_pg_fetch(c, sql, n, params, &r);
    if (rc < 0)
        return rc;
    if ((rc = first_value(r)) == 0)
        rc = wa_pg_int(r, 0, 0, out);
    wa_pg_result_free(r);
    return rc;
}

int wa_pg_fetchval_text(wa_pg_conn *c, const char *sql, int n, const char *const *params,
                        char **out)
{
    if (!out)
        return WA_EINVAL;
    *out = NULL;
    wa_pg_result *r;
    int rc = wa_pg_fetch(c, sql, n, params, &r);
    if (rc < 0)
        return rc;
    if ((rc = first_value(r)) == 0) {
        const char *t = wa_pg_text(r, 0, 0);
        if (!t)
            rc = WA_ENULL;
        else if (!(*out = strdup(t)))
            rc = WA_ENOMEM;
    }
    wa_pg_result_free(r);
    return rc;
}
