/* read.c: the reading half of a stream (asyncio's StreamReader): read,
 * read_all, readexactly, readuntil, readline, at_eof. Each waits for bytes
 * with the same loop, and consumes nothing until it returns, so a cancelled
 * or timed-out read leaves the buffer as it was. */
#include <stdlib.h>
#include <string.h>

#include "stream/stream.h"

int wa__stream_check(const wa_stream *s)
{
    if (!s)
        return WA_EINVAL;
    return wa__require_task();
}

/* Nothing more can come: EOF, a loss, or our own close. */
static int ended(const wa_stream *s) { return s->eof || s->err || s->backend_closing || !s->conn; }

/* Wait for the buffer to change or the stream to end. */
static int wait_for_data(wa_stream *s)
{
    /* One task waits for bytes at a time (asyncio raises RuntimeError for a
     * second): two would share the lent buffer below and one would return
     * bytes it never got. Held until the woken reader runs again. */
    if (s->reader_inside)
        return WA_EBUSY;
    /* A reader waiting for more reads past 2 * limit (readexactly of more,
     * read_all), until the next bytes wake it. */
    s->reader_waiting = 1;
    s->reader_inside = 1;
    wa__stream_update_reading(s);
    int rc = wa__swait(&s->readers);
    s->reader_waiting = 0;
    s->reader_inside = 0;
    return rc;
}

/* Take n buffered bytes into buf. */
static void take(wa_stream *s, void *buf, size_t n)
{
    if (n)
        memcpy(buf, s->in.data + s->in.start, n);
    wa__sbuf_consume(&s->in, n);
    wa__stream_update_reading(s);
}

long wa_stream_read(wa_stream *s, void *buf, size_t n)
{
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    if (n == 0)
        return 0;
    if (!buf)
        return WA_EINVAL;
    for (;;) {
        size_t have = wa__sbuf_len(&s->in);
        if (have) {
            size_t k = have < n ? have : n;
            take(s, buf, k);
            return (long)k;
        }
        /* Bytes that came before a loss are read first; then its error. */
        if (s->err)
            return s->err;
        if (ended(s))
            return 0;
        s->direct = buf;
        s->direct_cap = n;
        s->direct_got = 0;
        rc = wait_for_data(s);
        s->direct = NULL;
        if (s->direct_got) /* the backend read into buf itself */
            return (long)s->direct_got;
        if (rc)
            return rc;
    }
}

int wa_stream_read_all(wa_stream *s, void **data, size_t *len, size_t max)
{
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    if (!data)
        return WA_EINVAL;
    for (;;) {
        size_t have = wa__sbuf_len(&s->in);
        if (max && have > max)
            return WA_ETOOBIG;
        if (s->err)
            return s->err;
        if (ended(s)) {
            char *p = malloc(have + 1);
            if (!p)
                return WA_ENOMEM;
            take(s, p, have);
            p[have] = 0;
            *data = p;
            if (len)
                *len = have;
            return 0;
        }
        if ((rc = wait_for_data(s)) != 0)
            return rc;
    }
}

int wa_stream_readexactly(wa_stream *s, void *buf, size_t n, size_t *got)
{
    if (got)
        *got = 0;
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    if (!buf && n)
        return WA_EINVAL;
    for (;;) {
        size_t have = wa__sbuf_len(&s->in);
        if (have >= n) {
            take(s, buf, n);
            if (got)
                *got = n;
            return 0;
        }
        if (s->err)
            return s->err;
        if (ended(s)) {
            take(s, buf, have);
            if (got)
                *got = have;
            return WA_EINCOMPLETE;
        }
        if ((rc = wait_for_data(s)) != 0)
            return rc;
    }
}

/* Where sep starts in the buffer at or after from, or -1. */
static long find_sep(const wa_stream *s, size_t from, const void *sep, size_t seplen)
{
    const char *p = s->in.data + s->in.start;
    size_t have = wa__sbuf_len(&s->in);
    if (have < seplen)
        return -1;
    const char first = *(const char *)sep;
    for (size_t i = from; i + seplen <= have;) {
        const char *hit = memchr(p + i, first, have - seplen + 1 - i);
        if (!hit)
            return -1;
        i = (size_t)(hit - p);
        if (memcmp(hit, sep, seplen) == 0)
            return (long)i;
        i++;
    }
    return -1;
}

/* readuntil's rules (asyncio's): 0 with a chunk, WA_ELIMIT with the bytes
 * kept (*sep_at: where sep starts, or -1), WA_EINCOMPLETE with the rest
 * handed back, or an error / interruption. */
static int read_until(wa_stream *s, const void *sep, size_t seplen, void *buf, size_t cap,
                      size_t *len, long *sep_at)
{
    size_t bound = s->limit < cap ? s->limit : cap;
    size_t from = 0; /* bytes already searched, as asyncio's offset */
    *sep_at = -1;
    for (;;) {
        long at = find_sep(s, from, sep, seplen);
        size_t have = wa__sbuf_len(&s->in);
        if (at >= 0) {
            *sep_at = at;
            size_t n = (size_t)at + seplen;
            if ((size_t)at > s->limit || n > cap)
                return WA_ELIMIT;
            take(s, buf, n);
            *len = n;
            if (n < cap)
                ((char *)buf)[n] = 0; /* a C string too, where room allows */
            return 0;
        }
        if (have >= seplen)
            from = have - seplen + 1;
        if (from > bound || have > cap)
            return WA_ELIMIT;
        if (s->err)
            return s->err;
        if (ended(s)) {
            take(s, buf, have);
            *len = have;
            if (have < cap)
                ((char *)buf)[have] = 0;
            return WA_EINCOMPLETE;
        }
        int rc = wait_for_data(s);
        if (rc)
            return rc;
    }
}

int wa_stream_readuntil(wa_stream *s, const void *sep, size_t seplen, void *buf, size_t cap,
                        size_t *len)
{
    if (len)
        *len = 0;
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    if (!sep || seplen == 0 || (!buf && cap) || !len)
        return WA_EINVAL;
    long at;
    return read_until(s, sep, seplen, buf, cap, len, &at);
}

long wa_stream_readline(wa_stream *s, void *buf, size_t cap)
{
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    if (!buf && cap)
        return WA_EINVAL;
    size_t len = 0;
    long at;
    rc = read_until(s, "\n", 1, buf, cap, &len, &at);
    if (rc == 0 || rc == WA_EINCOMPLETE)
        return (long)len;
    if (rc == WA_ELIMIT) {
        /* Drop the over-long line (asyncio's readline), so the next call
         * starts on fresh bytes and the buffer does not grow. */
        size_t drop = at >= 0 ? (size_t)at + 1 : wa__sbuf_len(&s->in);
        wa__sbuf_consume(&s->in, drop);
        wa__stream_update_reading(s);
    }
    return rc;
}

int wa_stream_at_eof(const wa_stream *s)
{
    if (!s)
        return WA_EINVAL;
    return (s->eof || s->closed) && wa__sbuf_len(&s->in) == 0;
}
