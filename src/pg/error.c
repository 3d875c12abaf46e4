/* error.c: what the server (or libpq) said about the last failure on this
 * thread, and the SQLSTATE classes that have a named code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pg.h"

static _Thread_local wa_pg_error last = {0, "", "", "", "", ""};
static _Thread_local char *owned[5]; /* message, detail, hint, constraint */

static const char *keep(int i, const char *s)
{
    free(owned[i]);
    owned[i] = NULL;
    if (!s || !*s)
        return "";
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        n--; /* libpq ends its messages with one */
    if (!(owned[i] = malloc(n + 1)))
        return "";
    memcpy(owned[i], s, n);
    owned[i][n] = '\0';
    return owned[i];
}

static _Thread_local int muted;

int wa__pg_mute_errors(int on)
{
    int was = muted;
    muted = on;
    return was;
}

static void record(int code, const char *sqlstate, const char *message, const char *detail,
                   const char *hint, const char *constraint)
{
    if (muted)
        return;
    last.code = code;
    snprintf(last.sqlstate, sizeof last.sqlstate, "%s", sqlstate ? sqlstate : "");
    last.message = keep(0, message);
    last.detail = keep(1, detail);
    last.hint = keep(2, hint);
    last.constraint = keep(3, constraint);
}

const wa_pg_error *wa_pg_last_error(void) { return &last; }

int wa__pg_code_of(const char *s)
{
    if (!s || strlen(s) != 5)
        return WA_EDB;
    if (!strcmp(s, "23505"))
        return WA_EUNIQUE;
    if (!strncmp(s, "23", 2))
        return WA_EINTEGRITY;
    if (!strncmp(s, "40", 2))
        return WA_ESERIALIZE; /* 40001, 40P01, ... */
    if (!strncmp(s, "42", 2))
        return WA_ESQL;
    if (!strncmp(s, "08", 2))
        return WA_ECONNLOST;
    /* admin_shutdown, crash_shutdown, cannot_connect_now: the server is
     * going away or not there yet */
    if (!strcmp(s, "57P01") || !strcmp(s, "57P02") || !strcmp(s, "57P03"))
        return WA_ECONNLOST;
    return WA_EDB;
}

int wa__pg_fail_result(wa_pg_conn *c, const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    int code = wa__pg_code_of(state);
    /* 08P01 on a connection that is still up: the server refused a message
     * of ours, which through libpq means parameters that do not match the
     * query ($2 with one passed). The caller's mistake, not a lost link. */
    if (code == WA_ECONNLOST && !strcmp(state, "08P01") && c && PQstatus(c->pg) == CONNECTION_OK)
        code = WA_EINVAL;
    if (c && PQstatus(c->pg) != CONNECTION_OK) {
        code = WA_ECONNLOST;
        c->lost = 1;
    }
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    record(code, state, msg ? msg : PQresultErrorMessage(r),
           PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL),
           PQresultErrorField(r, PG_DIAG_MESSAGE_HINT),
           PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME));
    return code;
}

int wa__pg_fail(wa_pg_conn *c, int code, const char *message)
{
    if (c && c->pg) {
        if (!message)
            message = PQerrorMessage(c->pg);
        if (code == WA_ECONNLOST)
            c->lost = 1;
    }
    record(code, "", message ? message : wa_strerror(code), NULL, NULL, NULL);
    return code;
}
