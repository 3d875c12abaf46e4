/* transport.c: a stream's life as its backend reports it: bytes in (with
 * reads paused while the buffer is full, asyncio's 2 * limit), the write
 * buffer handed to the backend one batch at a time, EOF, loss and close.
 * Every wa__stream_on_* callback of stream/host.h is here. */
#include <stdlib.h>
#include <string.h>

#include "stream/stream.h"

wa_stream *wa__stream_new(const wa_stream_opts *opts)
{
    wa_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->limit = opts->limit;
    s->high_water = opts->high_water;
    s->low_water = opts->low_water;
    s->tls = (opts->flags & WA_STREAM_TLS) != 0;
    return s;
}

void wa__stream_destroy(wa_stream *s)
{
    wa__sbuf_free(&s->in);
    wa__sbuf_free(&s->out);
    wa__sbuf_free(&s->flight);
    free(s);
}

/* ---------------------------------------------------------------- reading */

void wa__stream_update_reading(wa_stream *s)
{
    if (!s->conn || s->backend_closing || s->eof || s->err)
        return;
    /* Keep reading while under 2 * limit, or while a reader waits for more
     * (readexactly of more than that, read_all). */
    int want = wa__sbuf_len(&s->in) < 2 * s->limit || s->reader_waiting;
    if (want && !s->reading) {
        s->reading = 1;
        wa__sconn_read_start(s->conn);
    } else if (!want && s->reading) {
        s->reading = 0;
        wa__sconn_read_stop(s->conn);
    }
}

void *wa__stream_rbuf(wa_stream *s, size_t want, size_t *cap)
{
    if (s->direct && wa__sbuf_len(&s->in) == 0) {
        s->direct_lent = 1;
        *cap = s->direct_cap;
        return s->direct;
    }
    s->direct_lent = 0; /* a lent buffer the backend did not fill */
    /* 64 KiB reads take a bulk transfer in few calls; the buffer is reused. */
    if (want == 0 || want > 65536)
        want = 65536;
    /* Room of at least a quarter of want, and never none: a never-allocated
     * buffer asked for 1..3 bytes must still get room (cap >= 1). */
    size_t least = want / 4 ? want / 4 : 1;
    if (s->in.cap - s->in.end < least && wa__sbuf_reserve(&s->in, want) != 0)
        return NULL;
    *cap = s->in.cap - s->in.end;
    return s->in.data + s->in.end;
}

void wa__stream_on_read(wa_stream *s, size_t n)
{
    if (s->direct_lent) {
        s->direct_lent = 0;
        s->direct = NULL; /* one read each: later bytes go to the buffer */
        s->direct_got = n;
    } else {
        s->in.end += n;
    }
    /* Woken readers look again before asking for more: until they do, the
     * 2 * limit pause holds (libuv reads up to 32 times per wake-up). */
    s->reader_waiting = 0;
    wa__swake_all(&s->readers, 0);
    wa__stream_update_reading(s);
}

void wa__stream_on_eof(wa_stream *s)
{
    s->eof = 1;
    s->reading = 0;
    wa__swake_all(&s->readers, 0);
}

/* ---------------------------------------------------------------- writing */

static void wake_drainers_if_low(wa_stream *s)
{
    if (s->drainers.head &&
        (s->err || wa__sbuf_len(&s->out) + wa__sbuf_len(&s->flight) <= s->low_water))
        wa__swake_all(&s->drainers, 0);
}

static void lost(wa_stream *s, int code)
{
    if (!s->err)
        s->err = code;
    s->closing = 1;
    s->reading = 0;
    wa__swake_all(&s->readers, 0);
    wa__swake_all(&s->drainers, 0);
    wa__stream_begin_close(s, 0);
}

/* Hand the backend the next batch, or, with nothing left to send, do what
 * waited for the buffer to empty: shut down the sending side, close. */
void wa__stream_flush(wa_stream *s)
{
    if (s->writing || !s->conn || s->backend_closing)
        return;
    if (wa__sbuf_len(&s->out)) {
        wa__sbuf t = s->flight;
        s->flight = s->out;
        s->out = t;
        s->out.start = s->out.end = 0;
        int rc =
            wa__sconn_write(s->conn, s->flight.data + s->flight.start, wa__sbuf_len(&s->flight));
        if (rc < 0) {
            lost(s, rc);
            return;
        }
        s->writing = 1;
        return;
    }
    if (s->eof_wanted && !s->eof_sent) {
        s->eof_sent = 1;
        int rc = wa__sconn_shutdown(s->conn);
        if (rc < 0) {
            lost(s, rc);
            return;
        }
    }
    if (s->closing)
        wa__stream_begin_close(s, 0);
}

void wa__stream_on_written(wa_stream *s, int status)
{
    s->writing = 0;
    s->flight.start = s->flight.end = 0;
    if (status < 0) {
        lost(s, status);
        return;
    }
    wa__stream_flush(s);
    wake_drainers_if_low(s);
}

/* ---------------------------------------------------------------- closing */

void wa__stream_on_lost(wa_stream *s, int code) { lost(s, code); }

void wa__stream_begin_close(wa_stream *s, int reset)
{
    s->closing = 1;
    if (!s->conn || s->backend_closing)
        return;
    s->backend_closing = 1;
    s->reading = 0;
    wa__sconn_close(s->conn, reset);
    wa__swake_all(&s->readers, 0);
    wa__swake_all(&s->drainers, 0);
}

void wa__stream_on_closed(wa_stream *s)
{
    s->closed = 1;
    s->conn = NULL;
    s->writing = 0;
    wa__swake_all(&s->readers, 0);
    wa__swake_all(&s->drainers, 0);
    wa__swake_all(&s->closers, 0);
    if (s->on_closed)
        s->on_closed(s);
    else if (s->free_wanted)
        wa__stream_destroy(s);
}
