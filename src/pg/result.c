/* result.c: a query's rows, read by row and column (index or name) into C
 * types. Values arrive in PostgreSQL's text form, or in binary when the
 * statement cache found every column readable so (stmt.c); each getter
 * reads both, and checks the column's type OID, so reading a text column
 * as an int is WA_ETYPE, not a silent 0, and SQL NULL is WA_ENULL, never
 * confused with "". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pg.h"

/* Type OIDs (pg_type.oid; fixed for the built-in types). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184
};

/* Big-endian integers of the binary form. */
static uint64_t be(const char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

static int binary(const wa_pg_result *r, int col) { return PQfformat(r->res, col) == 1; }

typedef struct bytea_buf {
    struct bytea_buf *next;
    int row, col;
    size_t len;
    unsigned char *data; /* PQunescapeBytea's */
} bytea_buf;

void wa_pg_result_free(wa_pg_result *r)
{
    if (!r)
        return;
    if (r->texts) {
        for (size_t i = 0, n = (size_t)PQntuples(r->res) * PQnfields(r->res); i < n; i++)
            free(r->texts[i]);
        free(r->texts);
    }
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
    if (!r)
        return WA_EINVAL;
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
    if (!r || !name)
        return WA_EINVAL;
    /* Exact match (PQfnumber would fold case and take quotes). */
    for (int i = 0, n = PQnfields(r->res); i < n; i++)
        if (!strcmp(PQfname(r->res, i), name))
            return i;
    return WA_EINVAL;
}

/* 0 and the text of a non-NULL value; WA_EINVAL / WA_ENULL otherwise. */
static int cell(const wa_pg_result *r, int row, int col, const char **text)
{
    if (!r || row < 0 || col < 0 || row >= PQntuples(r->res) || col >= PQnfields(r->res))
        return WA_EINVAL;
    if (PQgetisnull(r->res, row, col))
        return WA_ENULL;
    *text = PQgetvalue(r->res, row, col);
    return 0;
}

int wa_pg_is_null(const wa_pg_result *r, int row, int col)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    return rc == WA_ENULL ? 1 : rc;
}

/* The text form of a value that came in binary, as the server would have
 * written it; kept with the result. */
static const char *text_of_binary(const wa_pg_result *r, int row, int col, const char *t)
{
    Oid ty = PQftype(r->res, col);
    if (ty != OID_BOOL && ty != OID_BYTEA && ty != OID_INT8 && ty != OID_INT2 && ty != OID_INT4 &&
        ty != OID_OID && ty != OID_FLOAT4 && ty != OID_FLOAT8)
        return t; /* text, varchar, name, bpchar: the bytes are the text */
    wa_pg_result *m = (wa_pg_result *)r;
    size_t ncols = (size_t)PQnfields(r->res), at = (size_t)row * ncols + (size_t)col;
    if (!m->texts && !(m->texts = calloc((size_t)PQntuples(r->res) * ncols, sizeof *m->texts)))
        return NULL;
    if (m->texts[at])
        return m->texts[at];
    size_t len = (size_t)PQgetlength(r->res, row, col);
    char *s = malloc(ty == OID_BYTEA ? 2 * len + 3 : 32);
    if (!s)
        return NULL;
    if (ty == OID_BYTEA) {
        static const char hex[] = "0123456789abcdef";
        char *p = s;
        *p++ = '\\';
        *p++ = 'x';
        for (size_t i = 0; i < len; i++) {
            *p++ = hex[(unsigned char)t[i] >> 4];
            *p++ = hex[(unsigned char)t[i] & 15];
        }
        *p = '\0';
    } else if (ty == OID_BOOL) {
        strcpy(s, t[0] ? "t" : "f");
    } else if (ty == OID_FLOAT4 || ty == OID_FLOAT8) {
        double d;
        wa_pg_double(r, row, col, &d);
        if (isnan(d))
            strcpy(s, "NaN");
        else if (isinf(d))
            strcpy(s, d > 0 ? "Infinity" : "-Infinity");
        else /* the shortest that reads back the same, as float8out */
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(s, 32, "%.*g", prec, d);
                if ((ty == OID_FLOAT4 ? (double)strtof(s, NULL) : strtod(s, NULL)) == d)
                    break;
            }
    } else {
        int64_t v;
        wa_pg_int(r, row, col, &v);
        snprintf(s, 32, "%lld", (long long)v); /* an oid is read unsigned */
    }
    return m->texts[at] = s;
}

const char *wa_pg_text(const wa_pg_result *r, int row, int col)
{
    const char *t;
    if (cell(r, row, col, &t) != 0)
        return NULL;
    return binary(r, col) ? text_of_binary(r, row, col, t) : t;
}

int wa_pg_int(const wa_pg_result *r, int row, int col, int64_t *out)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc)
        return rc;
    Oid ty = PQftype(r->res, col);
    if (ty != OID_INT2 && ty != OID_INT4 && ty != OID_INT8 && ty != OID_OID)
        return WA_ETYPE;
    if (!out)
        return WA_EINVAL;
    if (!binary(r, col)) {
        *out = strtoll(t, NULL, 10);
        return 0;
    }
    int n = PQgetlength(r->res, row, col);
    uint64_t v = be(t, n);
    *out = n == 2 ? (int16_t)v : n == 4 && ty != OID_OID ? (int32_t)v : (int64_t)v;
    return 0;
}

int wa_pg_double(const wa_pg_result *r, int row, int col, double *out)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc)
        return rc;
    Oid ty = PQftype(r->res, col);
    if (ty != OID_FLOAT4 && ty != OID_FLOAT8)
        return WA_ETYPE;
    if (!out)
        return WA_EINVAL;
    if (!binary(r, col)) {
        *out = strtod(t, NULL); /* reads "NaN", "Infinity", "-Infinity" too */
        return 0;
    }
    if (ty == OID_FLOAT4) {
        uint32_t bits = (uint32_t)be(t, 4);
        float f;
        memcpy(&f, &bits, sizeof f);
        *out = f;
    } else {
        uint64_t bits = be(t, 8);
        memcpy(out, &bits, sizeof *out);
    }
    return 0;
}

int wa_pg_bool(const wa_pg_result *r, int row, int col, int *out)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc)
        return rc;
    if (PQftype(r->res, col) != OID_BOOL)
        return WA_ETYPE;
    if (!out)
        return WA_EINVAL;
    *out = binary(r, col) ? t[0] != 0 : t[0] == 't';
    return 0;
}

int wa_pg_bytea(const wa_pg_result *r, int row, int col, const uint8_t **data, size_t *len)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc)
        return rc;
    if (PQftype(r->res, col) != OID_BYTEA)
        return WA_ETYPE;
    if (!data || !len)
        return WA_EINVAL;
    if (binary(r, col)) { /* the bytes themselves */
        *data = (const uint8_t *)t;
        *len = (size_t)PQgetlength(r->res, row, col);
        return 0;
    }
    wa_pg_result *m = (wa_pg_result *)r; /* the decoded copy is a cache */
    bytea_buf *b = m->bytea;
    while (b && (b->row != row || b->col != col))
        b = b->next;
    if (!b) {
        if (!(b = calloc(1, sizeof *b)))
            return WA_ENOMEM;
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
    while (n < max && **p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0'), n++;
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
        while (n++ < 6)
            frac *= 10;
    }
    int sign = 0;
    if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        digits(&p, 2, &oh);
        if (*p == ':')
            p++, digits(&p, 2, &om);
        if (*p == ':')
            p++, digits(&p, 2, &os);
    }
    if (!strcmp(p, " BC"))
        y = 1 - y;
    else if (*p)
        return WA_ETYPE;
    int64_t secs = days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + sec;
    secs -= sign * (oh * 3600 + om * 60 + os);
    *us = secs * 1000000 + frac;
    return 0;
}

int wa_pg_timestamp(const wa_pg_result *r, int row, int col, int64_t *us)
{
    const char *t;
    int rc = cell(r, row, col, &t);
    if (rc)
        return rc;
    Oid ty = PQftype(r->res, col);
    if (ty != OID_TIMESTAMPTZ && ty != OID_TIMESTAMP)
        return WA_ETYPE;
    if (!us)
        return WA_EINVAL;
    if (!strcmp(t, "infinity"))
        *us = INT64_MAX;
    else if (!strcmp(t, "-infinity"))
        *us = INT64_MIN;
    else
        return parse_iso(t, us);
    return 0;
}
