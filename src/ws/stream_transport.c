/* stream_transport.c: the engine's byte transport over a wa_stream (the
 * streams layer), for every target whose streams can connect: the native
 * wss:// client (TLS in the streams layer) and the WASI 0.2 client
 * (wasi:sockets). Portable: it uses only the public stream API. */
#include "ws/engine.h"
#include "core/backend.h"

#include <stdlib.h>

typedef struct stream_transport {
    wa__ws_transport base;
    wa_stream *s;
    int owned;      /* ours to free (a dialled stream), or its server's */
    unsigned users; /* tasks inside read or write */
    int closed;
} stream_transport;

static void maybe_free(stream_transport *t)
{
    if (t->closed && t->users == 0) {
        if (t->owned)
            wa_stream_free(t->s);
        free(t);
    }
}

static long st_read(wa__ws_transport *base, void *buf, size_t n)
{
    stream_transport *t = (stream_transport *)base;
    if (t->closed)
        return WA_ECLOSED;
    t->users++;
    long rc = wa_stream_read(t->s, buf, n);
    t->users--;
    if (t->closed) {
        maybe_free(t);
        return WA_ECLOSED;
    }
    return rc;
}

static int st_write(wa__ws_transport *base, const void *const *bufs, const size_t *lens, size_t n)
{
    stream_transport *t = (stream_transport *)base;
    if (t->closed)
        return WA_ECLOSED;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (lens[i])
            rc = wa_stream_write(t->s, bufs[i], lens[i]);
    if (rc < 0)
        return rc;
    /* The stream buffers what the socket does not take; drain is the
     * backpressure (it waits while more than its high-water mark is unsent). */
    t->users++;
    rc = wa_stream_drain(t->s);
    t->users--;
    if (t->closed) {
        maybe_free(t);
        return WA_ECLOSED;
    }
    return rc;
}

static int st_send_now(wa__ws_transport *base, const void *const *bufs, const size_t *lens,
                       size_t n)
{
    stream_transport *t = (stream_transport *)base;
    int rc = t->closed ? WA_ECLOSED : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (lens[i])
            rc = wa_stream_write(t->s, bufs[i], lens[i]); /* never waits */
    return rc;
}

static void st_close(wa__ws_transport *base)
{
    stream_transport *t = (stream_transport *)base;
    if (t->closed)
        return;
    t->closed = 1;
    /* Every write drains, so bytes still buffered belong to a write that
     * was interrupted (a peer that does not read): the frame is cut anyway,
     * and a close would wait for a flush that never comes (WASI 0.2 closes
     * flush first). Drop the connection instead. */
    if (wa_stream_write_buffer_size(t->s) > 0)
        wa_stream_abort(t->s);
    else
        wa_stream_close(t->s); /* what is queued in the OS (our close frame) still leaves */
    maybe_free(t);
}

static const wa__ws_transport_ops stream_ops = {
    .read = st_read,
    .write = st_write,
    .close = st_close,
    .send_now = st_send_now,
};

int wa__ws_stream_dial(const wa__ws_connect_req *req, wa__ws_transport **out)
{
    *out = NULL;
    wa_stream_opts so = {0};
    if (req->secure) {
        so.flags = WA_STREAM_TLS;
        if (req->flags & WA_WS_INSECURE)
            so.flags |= WA_STREAM_INSECURE;
        so.ca_file = req->ca_file;
        so.server_hostname = req->host;
    }
    stream_transport *t = calloc(1, sizeof *t);
    if (!t)
        return WA_ENOMEM;
    int rc = wa_open_connection(req->host, req->port, &so, &t->s);
    if (rc < 0) {
        free(t);
        return rc;
    }
    t->base.ops = &stream_ops;
    t->owned = 1;
    *out = &t->base;
    return 0;
}

wa__ws_transport *wa__ws_stream_transport(wa_stream *s, int owned)
{
    stream_transport *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->base.ops = &stream_ops;
    t->s = s;
    t->owned = owned;
    return &t->base;
}
