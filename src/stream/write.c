/* write.c: the writing and closing half of a stream (asyncio's
 * StreamWriter): write (the socket takes what it can at once, the rest is
 * buffered), drain with its water marks, write_eof, close, abort,
 * wait_closed, free, and the socket names. */
#include <stdlib.h>
#include <string.h>

#include "stream/stream.h"

static size_t unsent(const wa_stream *s)
{
    return wa__sbuf_len(&s->out) + wa__sbuf_len(&s->flight);
}

int wa_stream_write(wa_stream *s, const void *data, size_t n)
{
    if (!s || (!data && n))
        return WA_EINVAL;
    if (s->err)
        return s->err;
    if (s->closing || s->eof_wanted || !s->conn)
        return WA_ECLOSED;
    if (n == 0)
        return 0;
    if (!s->writing && wa__sbuf_len(&s->out) == 0) {
        /* Nothing queued: offer the bytes to the socket now (asyncio's
         * transport.write does the same send() first). */
        long k = wa__sconn_try_write(s->conn, data, n);
        if (k < 0) {
            wa__stream_on_lost(s, (int)k);
            return (int)k;
        }
        data = (const char *)data + k;
        n -= (size_t)k;
        if (n == 0)
            return 0;
    }
    if (wa__sbuf_append(&s->out, data, n) != 0)
        return WA_ENOMEM;
    wa__stream_flush(s);
    return s->err;
}

int wa_stream_drain(wa_stream *s)
{
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    if (s->err)
        return s->err;
    if (unsent(s) <= s->high_water)
        return 0;
    while (!s->err && s->conn && !s->backend_closing && unsent(s) > s->low_water) {
        if ((rc = wa__swait(&s->drainers)) != 0)
            return rc;
    }
    return s->err;
}

size_t wa_stream_write_buffer_size(const wa_stream *s) { return s ? unsent(s) : 0; }

int wa_stream_write_eof(wa_stream *s)
{
    if (!s)
        return WA_EINVAL;
    if (s->err)
        return s->err;
    if (s->tls)
        return WA_ENOTSUP;
    if (s->closing || !s->conn)
        return WA_ECLOSED;
    if (s->eof_wanted)
        return 0;
    s->eof_wanted = 1;
    wa__stream_flush(s); /* shuts down now if nothing is left to send */
    return s->err;
}

int wa_stream_close(wa_stream *s)
{
    if (!s)
        return WA_EINVAL;
    if (s->closing)
        return 0;
    s->closing = 1;
    wa__stream_flush(s); /* closes now if nothing is left to send */
    return 0;
}

int wa_stream_abort(wa_stream *s)
{
    if (!s)
        return WA_EINVAL;
    s->out.start = s->out.end = 0;
    wa__stream_begin_close(s, 1);
    return 0;
}

int wa_stream_wait_closed(wa_stream *s)
{
    int rc = wa__stream_check(s);
    if (rc)
        return rc;
    wa_stream_close(s);
    while (!s->closed && s->conn)
        if ((rc = wa__swait(&s->closers)) != 0)
            return rc;
    return s->err;
}

int wa_stream_is_closing(const wa_stream *s)
{
    if (!s)
        return WA_EINVAL;
    return s->closing || s->closed || !s->conn;
}

int wa_stream_free(wa_stream *s)
{
    if (!s)
        return 0;
    if (s->srv)
        return WA_EPERM;
    if (s->closed || !s->conn) {
        wa__stream_destroy(s);
        return 0;
    }
    s->free_wanted = 1; /* wa__stream_on_closed frees it */
    /* After wa_stream_close the queued bytes still go out, as asyncio's
     * close then drop of the writer sends them; otherwise close now. */
    if (!s->closing || s->err)
        wa__stream_begin_close(s, 0);
    return 0;
}

static int name(const wa_stream *s, int peer, char *host, size_t cap, int *port)
{
    if (host && cap)
        host[0] = 0;
    if (port)
        *port = 0;
    if (!s)
        return WA_EINVAL;
    if (!s->conn || s->backend_closing)
        return WA_ECLOSED;
    /* Into a buffer big enough for any name (an IPv6 address, a Unix path),
     * so a name that does not fit the caller's is refused, not cut short. */
    char whole[256] = "";
    int rc = wa__sconn_name(s->conn, peer, host ? whole : NULL, sizeof whole, port);
    if (rc < 0 || !host)
        return rc;
    size_t n = strlen(whole);
    if (n >= cap) {
        if (port)
            *port = 0;
        return WA_EINVAL;
    }
    memcpy(host, whole, n + 1);
    return 0;
}

int wa_stream_peername(const wa_stream *s, char *host, size_t cap, int *port)
{
    return name(s, 1, host, cap, port);
}

int wa_stream_sockname(const wa_stream *s, char *host, size_t cap, int *port)
{
    return name(s, 0, host, cap, port);
}
