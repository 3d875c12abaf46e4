/* exchange.c: one exchange with the server on libpq's non-blocking API
 * (PQflush, PQconsumeInput, PQisBusy, PQgetResult) on the socket's waits:
 * send what libpq buffers, then read every result. The floor that the
 * statement cache, queries, cancels and listeners stand on. */
#include "pg.h"

int wa__pg_wait(wa_pg_conn *c, int writable)
{
    int fd = PQsocket(c->pg);
    if (fd < 0)
        return wa__pg_fail(c, WA_ECONNLOST, NULL);
    int rc = writable ? wa_wait_writable(fd) : wa_wait_readable(fd);
    /* An error pending on the socket (a reset: POLLERR) wakes the wait
     * with WA_EINVAL or WA_EIO: libpq's next read finds out what it is.
     * Three in a row without progress mean the socket is gone. */
    if (rc == WA_EINVAL || rc == WA_EIO)
        return ++c->socket_errors < 3 ? 0 : wa__pg_fail(c, WA_ECONNLOST, NULL);
    if (rc == 0)
        c->socket_errors = 0;
    return rc;
}

int wa__pg_flush(wa_pg_conn *c)
{
    int f;
    while ((f = PQflush(c->pg)) == 1) {
        int rc = wa__pg_wait(c, 1);
        if (rc < 0)
            return rc;
    }
    return f < 0 ? wa__pg_fail(c, WA_ECONNLOST, NULL) : 0;
}

/* Wait until a whole result (or the end of them) can be read. */
static int await_result(wa_pg_conn *c)
{
    while (PQisBusy(c->pg)) {
        int rc = wa__pg_wait(c, 0);
        if (rc < 0)
            return rc;
        if (!PQconsumeInput(c->pg))
            return wa__pg_fail(c, WA_ECONNLOST, NULL);
    }
    return 0;
}

int wa__pg_drain(wa_pg_conn *c)
{
    PGresult *r;
    do {
        int rc = await_result(c);
        if (rc < 0)
            return rc;
        r = PQgetResult(c->pg);
        if (r && PQresultStatus(r) == PGRES_COPY_IN)
            PQputCopyEnd(c->pg, "cancelled");
        PQclear(r);
    } while (r);
    return 0;
}

/* What a PQsend* that returned 0 means. */
static int send_failed(wa_pg_conn *c)
{
    /* A server that went away shows when what it sent last is read. */
    if (PQstatus(c->pg) != CONNECTION_OK || !PQconsumeInput(c->pg) ||
        PQstatus(c->pg) != CONNECTION_OK)
        return wa__pg_fail(c, WA_ECONNLOST, NULL);
    return wa__pg_fail(c, WA_EINVAL, NULL); /* libpq refused it (too many parameters, ...) */
}

/* Read every result: the first error wins, else the last result is kept. */
static int collect(wa_pg_conn *c, PGresult **keep)
{
    int err = 0;
    for (;;) {
        int rc = await_result(c);
        if (rc < 0) {
            PQclear(*keep);
            *keep = NULL;
            return rc;
        }
        PGresult *r = PQgetResult(c->pg);
        if (!r)
            break;
        switch (PQresultStatus(r)) {
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
        case PGRES_EMPTY_QUERY:
            if (!err) {
                PQclear(*keep);
                *keep = r;
                continue;
            }
            break;
        case PGRES_COPY_IN:
            PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported by wasyncio-pg");
            break;
        case PGRES_COPY_OUT:
        case PGRES_COPY_BOTH:
            if (!err)
                err = wa__pg_fail(c, WA_ENOTSUP, "COPY TO STDOUT is not supported by wasyncio-pg");
            c->lost = 1; /* the stream cannot be read here: drop the connection */
            break;
        default:
            if (!err)
                err = wa__pg_fail_result(c, r);
            break;
        }
        PQclear(r);
        if (c->lost)
            break;
    }
    if (err) {
        PQclear(*keep);
        *keep = NULL;
    }
    return err;
}

int wa__pg_roundtrip(wa_pg_conn *c, int sent, PGresult **out)
{
    int rc = sent ? wa__pg_flush(c) : send_failed(c);
    return rc < 0 ? rc : collect(c, out);
}
