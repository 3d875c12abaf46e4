/* tx.c: transactions (asyncpg's con.transaction()): wa_pg_begin opens the
 * transaction, or inside one a savepoint; commit and rollback end the
 * innermost level and refuse (WA_EPERM) when none is open; the guard of
 * WA_PG_TRANSACTION_SCOPE rolls its own level back if it is still open. */
#include <stdio.h>
#include <string.h>
#include "pg.h"

static int command(wa_pg_conn *c, const char *sql, wa_pg_result **out)
{
    wa_pg_query q = {.sql = sql};
    return wa_pg_query_run(c, &q, out);
}

/* The levels open, as far as the server can tell: none once it is idle
 * (a COMMIT or ROLLBACK sent through wa_pg_execute ended them all); a
 * transaction begun by hand is level 1. Else (a query under way) as
 * counted. */
static int levels(const wa_pg_conn *c)
{
    switch (PQtransactionStatus(c->pg)) {
    case PQTRANS_IDLE: return 0;
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR: return c->tx_depth || c->tx_undo ? c->tx_depth : 1;
    default: return c->tx_depth;
    }
}

/* The levels open once the connection is free (a cancel under way
 * finished), or why it is not: the errors a query would get (WA_EBUSY,
 * WA_ECONNLOST, ...). */
static int open_levels(wa_pg_conn *c)
{
    int rc = wa__pg_take(c);
    if (rc)
        return rc;
    wa__pg_put(c);
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        c->tx_undo = 0;
    return c->tx_depth = levels(c);
}

int wa_pg_transaction_depth(const wa_pg_conn *c)
{
    if (!c)
        return WA_EINVAL;
    return wa_pg_usable(c) ? levels(c) : 0;
}

int wa_pg_begin(wa_pg_conn *c)
{
    int depth = open_levels(c);
    if (depth < 0)
        return depth;
    char sql[48];
    if (depth == 0)
        strcpy(sql, "BEGIN");
    else
        snprintf(sql, sizeof sql, "SAVEPOINT wa_pg_sp_%d", depth + 1);
    int rc = command(c, sql, NULL);
    if (rc == 0)
        c->tx_depth = depth + 1;
    /* A BEGIN cut short may have run: roll it back before the next query
     * (nothing is sent if the server is idle then). A savepoint that may
     * have been made is harmless: its level's end releases it. */
    else if (depth == 0 && (rc == WA_ECANCELED || rc == WA_ETIMEDOUT) && wa_pg_usable(c)) {
        c->tx_undo = 1;
        c->tx_undo_sent = 0;
    }
    return rc;
}

static int end_level(wa_pg_conn *c, int commit)
{
    int depth = open_levels(c);
    if (depth < 0)
        return depth;
    if (depth == 0)
        return wa__pg_fail(NULL, WA_EPERM,
                           commit ? "cannot commit: no transaction is in progress (never begun, "
                                    "or already committed or rolled back)"
                                  : "cannot roll back: no transaction is in progress (never "
                                    "begun, or already committed or rolled back)");
    /* A failed savepoint cannot be released: its commit rolls it back, as
     * the server answers a failed transaction's COMMIT. (A level left open
     * by a deadline is what failed, and goes first: not this one.) */
    int failed = depth > 1 && !c->tx_undo && PQtransactionStatus(c->pg) == PQTRANS_INERROR;
    char sql[96];
    wa__pg_level_sql(sql, sizeof sql, depth, commit && !failed);
    wa_pg_result *r;
    int rc = command(c, sql, &r);
    if (rc < 0)
        return rc;
    c->tx_depth = depth - 1;
    if (commit && (failed || !strcmp(wa_pg_status(r), "ROLLBACK")))
        rc = wa__pg_fail(NULL, WA_EDB,
                         failed ? "the transaction had failed: the savepoint's work was rolled back"
                                : "the transaction had failed and was rolled back");
    wa_pg_result_free(r);
    return rc;
}

int wa_pg_commit(wa_pg_conn *c) { return end_level(c, 1); }

int wa_pg_rollback(wa_pg_conn *c) { return end_level(c, 0); }

/* The rollback of level was not sent, or was cut short once sent (sent):
 * count the level as ended and leave the rollback to the connection's next
 * query (query.c), which skips it if it ran. */
static void leave_for_next_query(wa_pg_conn *c, int level, int sent)
{
    if (!wa_pg_usable(c) || levels(c) < level)
        return;
    c->tx_depth = level - 1;
    if (!c->tx_undo || c->tx_undo >= level) {
        c->tx_undo = level;
        c->tx_undo_sent = sent;
    }
}

void wa_pg_transaction_end(wa_pg_conn *c, int level)
{
    /* Committed or rolled back already (the usual way out): no wait. */
    if (!c || c->closed || level < 1 || !wa_pg_usable(c) || levels(c) < level)
        return;
    /* The error that left the scope is the one to report: keep it. */
    int was = wa__pg_mute_errors(1);
    /* Past its deadline every wait of the scope fails at once: rather than
     * send a rollback to be cut short (done or not?), leave it to the next
     * query. A cancel not yet delivered lands here, and the rollback runs. */
    int rc = wa_yield(), sent = 0;
    if (rc != WA_ETIMEDOUT)
        rc = open_levels(c);
    if (rc >= level) {
        char sql[96];
        wa__pg_level_sql(sql, sizeof sql, level, 0);
        sent = !c->tx_undo; /* else the undo before it may be what is cut short */
        if ((rc = command(c, sql, NULL)) == 0)
            c->tx_depth = level - 1;
    }
    if (rc == WA_ETIMEDOUT || rc == WA_ECANCELED)
        leave_for_next_query(c, level, sent);
    wa__pg_mute_errors(was);
}

int wa__pg_tx_reset(wa_pg_conn *c)
{
    int rc = open_levels(c);
    if (rc < 0)
        return rc;
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        return 0;
    c->tx_undo = 0; /* the ROLLBACK covers it */
    if ((rc = command(c, "ROLLBACK", NULL)) == 0)
        c->tx_depth = 0;
    return rc;
}
