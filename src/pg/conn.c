/* conn.c: an open connection's lifetime: the references that keep it
 * (its owner, an operation under way, a cancel task), taking it for one
 * operation at a time, closing it under a running query, and what a caller
 * may ask of it. Opening is connect.c's. */
#include <stdlib.h>
#include <sys/socket.h>
#include "pg.h"

void wa__pg_unref(wa_pg_conn *c)
{
    if (--c->refs > 0)
        return;
    PQfinish(c->pg);
    wa_event_free(c->cancel_done);
    wa__pg_stmts_free(c);
    free(c->listening);
    free(c);
}

void wa_pg_close(wa_pg_conn *c)
{
    if (!c || c->closed)
        return;
    c->closed = 1;
    /* A cancel task under way holds a reference: it sends the cancel (so
     * the server stops the query) and then lets the connection go. A task
     * running a query on it holds one too: the query is cancelled on the
     * server (which would not notice the closed socket before the query
     * ends), shutting the socket down ends the task's wait (WA_ECONNLOST),
     * and the last reference closes. */
    if (c->busy && PQsocket(c->pg) >= 0) {
        if (PQtransactionStatus(c->pg) == PQTRANS_ACTIVE)
            wa__pg_cancel_detached(c);
        shutdown(PQsocket(c->pg), SHUT_RDWR);
    }
    wa__pg_unref(c);
}

int wa__pg_take(wa_pg_conn *c)
{
    if (!c)
        return WA_EINVAL;
    if (!wa_current())
        return WA_ENOLOOP;
    int rc;
    if (c->busy)
        return wa__pg_fail(NULL, WA_EBUSY, "another operation is in progress on the connection");
    if (c->closed)
        return wa__pg_fail(NULL, WA_ECLOSED, "the connection is closed");
    c->busy = 1;
    while (c->cancelling) {
        if ((rc = wa_event_wait(c->cancel_done)) < 0) {
            c->busy = 0;
            return rc;
        }
    }
    if (!wa_pg_usable(c)) {
        c->busy = 0;
        return wa__pg_fail(c, WA_ECONNLOST,
                           c->lost ? "the connection to the server was lost" : NULL);
    }
    c->refs++;
    return 0;
}

void wa__pg_put(wa_pg_conn *c)
{
    c->busy = 0;
    wa__pg_unref(c);
}

int wa_pg_usable(const wa_pg_conn *c)
{
    return c && !c->closed && !c->lost && PQstatus(c->pg) == CONNECTION_OK;
}

int wa_pg_backend_pid(const wa_pg_conn *c) { return c ? PQbackendPID(c->pg) : WA_EINVAL; }

int wa_pg_in_transaction(const wa_pg_conn *c)
{
    if (!c)
        return WA_EINVAL;
    PGTransactionStatusType t = PQtransactionStatus(c->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}
