/* tx.c: transactions (asyncpg's con.transaction()) and the guard of
 * WA_PG_TRANSACTION_SCOPE, which rolls back what was not committed. */
#include <string.h>
#include "pg.h"

static int command(wa_pg_conn *c, const char *sql, wa_pg_result **out)
{
    wa_pg_query q = {.sql = sql};
    return wa_pg_query_run(c, &q, out);
}

int wa_pg_begin(wa_pg_conn *c) { return command(c, "BEGIN", NULL); }

int wa_pg_rollback(wa_pg_conn *c) { return command(c, "ROLLBACK", NULL); }

int wa_pg_commit(wa_pg_conn *c)
{
    wa_pg_result *r;
    int rc = command(c, "COMMIT", &r);
    if (rc < 0)
        return rc;
    /* The server answers COMMIT of a failed transaction with ROLLBACK. */
    if (!strcmp(wa_pg_status(r), "ROLLBACK"))
        rc = wa__pg_fail(NULL, WA_EDB, "the transaction had failed and was rolled back");
    wa_pg_result_free(r);
    return rc;
}

void wa_pg_transaction_end(wa_pg_conn *c)
{
    /* Committed (idle again), or closed: nothing to undo. A query cut
     * short is still being cancelled: wa_pg_rollback waits for that. */
    if (!c || c->closed || (PQtransactionStatus(c->pg) == PQTRANS_IDLE && !c->cancelling))
        return;
    /* The error that left the scope is the one to report: keep it. */
    int was = wa__pg_mute_errors(1);
    wa_pg_rollback(c);
    wa__pg_mute_errors(was);
}
