/* listen.c: LISTEN/NOTIFY as an async iterator: a generator that waits on
 * the connection's socket and yields each notification libpq parsed. */
#include <stdlib.h>
#include <string.h>
#include "pg.h"

static int quoted(wa_pg_conn *c, const char *verb, char **sql)
{
    char *id = PQescapeIdentifier(c->pg, c->listening, strlen(c->listening));
    if (!id)
        return wa__pg_fail(c, WA_ENOMEM, NULL);
    size_t n = strlen(verb) + strlen(id) + 2;
    *sql = malloc(n);
    if (*sql)
        snprintf(*sql, n, "%s %s", verb, id);
    PQfreemem(id);
    return *sql ? 0 : WA_ENOMEM;
}

/* The next notification already parsed, or wait for the socket. */
static int next_notify(wa_pg_conn *c, PGnotify **out)
{
    for (;;) {
        if ((*out = PQnotifies(c->pg)))
            return 0;
        int rc = wa__pg_take(c);
        if (rc < 0)
            return rc;
        if ((rc = wa__pg_wait(c, 0)) == 0 && !PQconsumeInput(c->pg))
            rc = wa__pg_fail(c, WA_ECONNLOST, NULL);
        wa__pg_put(c);
        if (rc < 0)
            return rc;
    }
}

static void *listen_body(void *arg)
{
    wa_pg_conn *c = arg;
    wa_pg_notify out;
    int rc = 0;
    c->refs++; /* the body's, dropped when it ends */
    for (;;) {
        PGnotify *n;
        if ((rc = next_notify(c, &n)) < 0)
            break;
        out.channel = n->relname;
        out.payload = n->extra;
        out.pid = n->be_pid;
        rc = wa_gen_yield(&out);
        PQfreemem(n);
        if (rc < 0)
            break;
    }
    /* Closed by the consumer (or failed): stop listening if we still can. */
    char *sql;
    if (wa_pg_usable(c) && quoted(c, "UNLISTEN", &sql) == 0) {
        int was = wa__pg_mute_errors(1);
        wa_pg_execute(c, sql, 0, NULL);
        wa__pg_mute_errors(was);
        free(sql);
    }
    free(c->listening);
    c->listening = NULL;
    wa__pg_unref(c);
    if (rc == WA_ECLOSED)
        return NULL;
    return wa_raise(rc, "%s", wa_pg_last_error()->message);
}

int wa_pg_listen(wa_pg_conn *c, const char *channel, wa_gen **out)
{
    if (!c || !channel || !out)
        return WA_EINVAL;
    *out = NULL;
    if (c->listening)
        return WA_EBUSY;
    if (!(c->listening = strdup(channel)))
        return WA_ENOMEM;
    /* LISTEN now, as asyncpg's add_listener: nothing sent from here on is
     * missed, even before the first step. */
    char *sql;
    int rc = quoted(c, "LISTEN", &sql);
    if (rc == 0) {
        rc = wa_pg_execute(c, sql, 0, NULL);
        free(sql);
    }
    if (rc >= 0 && !(*out = wa_gen_new(listen_body, c)))
        rc = wa_last_error();
    if (rc < 0) {
        free(c->listening);
        c->listening = NULL;
        return rc;
    }
    return 0;
}
