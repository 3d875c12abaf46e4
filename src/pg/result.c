/* result.c: a query's rows, read by row and column (index or name) into C
 * types. Values arrive in PostgreSQL's text form; each getter checks the
 * column's type OID, so reading a text column as an int is WA_ETYPE, not
 * a silent 0, and SQL NULL is WA_ENULL, never confused with "". */
#include <stdlib.h>
#include <string.h>
#include "pg.h"

/* Type OIDs (pg_type.oid; fixed for the built-in types). */
enum {
    OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
    OID_OID = 26, OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184
};

typedef struct bytea_buf {
    struct bytea_buf *next;
    int row, col;
    size_t len;
    unsigned char *data; /* PQunescapeBytea's */
} bytea_buf;

void wa_pg_result_free(wa_pg_result *r)
{
    if (!r) return;
    for (bytea_buf *b = r->bytea, *next; b; b = next) {
        next = b->next;
        PQfreemem(b->data);
        free(b);
    }
    PQclear(r->res);
    free(r);
}

int wa_pg_nrows(const wa_pg_result *r) { return r ? PQntuples(r->res) : WA_EINVAL; }
int wa_pg_ncols(const wa_pg_result *r) { return r ? PQnfields(r->res) : WA_EINVAL; }

int wa_pg_affected(const wa_pg_result *r)
{
    if (!r) return WA_EINVAL;
    const char *n = PQcmdTuples(r->res);
    return *n ? atoi(n) : 0;
}

const char *wa_pg_status(const wa_pg_result *r) { return r ? PQcmdStatus(r->res) : ""; }

const char *wa_pg_colname(const wa_pg_result *r, int col)
{
    return r ? PQfname(r->res, col) : NULL;
}

unsigned wa_pg_coltype(const wa_pg_result *r, int col)
{
    return r ? (unsigned)PQftype(r->res, col) : 0;
}

int wa_pg_column(const wa_pg_result *r, const char *name)
{
    if (!r || !name) return WA_EINVAL;
    /* Exact match (PQfnumber would fold case and take quotes). */
    for (int i = 0, n = PQnfields(r->res); i < n; i++)
        if (!strcmp(PQfname(r->res, i), name)) return i;
    return WA_EINVAL;
}

/* 0 and the text of a non-NULL value; WA_EINVAL / WA_ENULL otherwise. */
static int cell(const wa_pg_result *r, int row, int col, const char **text)
{
    if (!r || row < 0 || col < 0 || row >= PQntuples(r->res) || col >= PQnfields(r->res))
        return WA_EINVAL;
    if (PQgetisnull(r->res, row, col)) return WA_ENULL;
    *text = PQgetvalue(r->res, row, col);
    return 0;
}

int wa_pg_is_null(const wa_pg_result *r, int row, int col)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    return rc == WA_ENULL ? 1 : rc;
}

const char *wa_pg_text(const wa_pg_result *r, int row, int col)
{
    const char *t;
    return cell(r, row, col, &t) == 0 ? t : NULL;
}

int wa_pg_int(const wa_pg_result *r, int row, int col, int64_t *out)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc) return rc;
    Oid ty = PQftype(r->res, col);
    if (ty != OID_INT2 && ty != OID_INT4 && ty != OID_INT8 && ty != OID_OID) return WA_ETYPE;
    if (!out) return WA_EINVAL;
    *out = strtoll(t, NULL, 10);
    return 0;
}

int wa_pg_double(const wa_pg_result *r, int row, int col, double *out)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc) return rc;
    Oid ty = PQftype(r->res, col);
    if (ty != OID_FLOAT4 && ty != OID_FLOAT8) return WA_ETYPE;
    if (!out) return WA_EINVAL;
    *out = strtod(t, NULL); /* reads "NaN", "Infinity", "-Infinity" too */
    return 0;
}

int wa_pg_bool(const wa_pg_result *r, int row, int col, int *out)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc) return rc;
    if (PQftype(r->res, col) != OID_BOOL) return WA_ETYPE;
    if (!out) return WA_EINVAL;
    *out = t[0] == 't';
    return 0;
}

int wa_pg_bytea(const wa_pg_result *r, int row, int col, const uint8_t **data, size_t *len)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc) return rc;
    if (PQftype(r->res, col) != OID_BYTEA) return WA_ETYPE;
    if (!data || !len) return WA_EINVAL;
    wa_pg_result *m = (wa_pg_result *)r; /* the decoded copy is a cache */
    bytea_buf *b = m->bytea;
    while (b && (b->row != row || b->col != col)) b = b->next;
    if (!b) {
        if (!(b = calloc(1, sizeof *b))) return WA_ENOMEM;
        if (!(b->data = PQunescapeBytea((const unsigned char *)t, &b->len))) {
            free(b);
            return WA_ENOMEM;
        }
        b->row = row;
        b->col = col;
        b->next = m->bytea;
        m->bytea = b;
    }
    *data = b->data;
    *len = b->len;
    return 0;
}

/* ================================================================ time */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char **p, int max, int64_t *out)
{
    int n = 0;
    int64_t v = 0;
    while (n < max && **p >= '0' && **p <= '9') v = v * 10 + (*(*p)++ - '0'), n++;
    *out = v;
    return n;
}

/* ISO DateStyle: "2024-01-02 03:04:05.123456+01:30" (offset absent for a
 * timestamp without time zone), " BC" after it for years before 1. */
static int parse_iso(const char *s, int64_t *us)
{
    const char *p = s;
    int64_t y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0, os = 0;
    if (digits(&p, 9, &y) < 4 || *p++ != '-' || digits(&p, 2, &mo) != 2 || *p++ != '-' ||
        digits(&p, 2, &d) != 2 || *p++ != ' ' || digits(&p, 2, &h) != 2 || *p++ != ':' ||
        digits(&p, 2, &mi) != 2 || *p++ != ':' || digits(&p, 2, &sec) != 2)
        return WA_ETYPE;
    if (*p == '.') {
        p++;
        int n = digits(&p, 6, &frac);
        while (n++ < 6) frac *= 10;
    }
    int sign = 0;
    if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        digits(&p, 2, &oh);
        if (*p == ':') p++, digits(&p, 2, &om);
        if (*p == ':') p++, digits(&p, 2, &os);
    }
    if (!strcmp(p, " BC")) y = 1 - y;
    else if (*p) return WA_ETYPE;
    int64_t secs = days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + sec;
    secs -= sign * (oh * 3600 + om * 60 + os);
    *us = secs * 1000000 + frac;
    return 0;
}

int wa_pg_timestamp(const wa_pg_result *r, int row, int col, int64_t *us)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc) return rc;
    Oid ty = PQftype(r->res, col);
    if (ty != OID_TIMESTAMPTZ && ty != OID_TIMESTAMP) return WA_ETYPE;
    if (!us) return WA_EINVAL;
    if (!strcmp(t, "infinity")) *us = INT64_MAX;
    else if (!strcmp(t, "-infinity")) *us = INT64_MIN;
    else return parse_iso(t, us);
    return 0;
}
