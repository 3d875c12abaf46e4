/* stream.c: the WASI 0.2 stream backend (src/stream/host.h) on
 * wasi:sockets TCP (tcp.c). Connects and listens with a waiting task; after
 * that a connection's reads, writes and close, and a listener's accepts, go
 * on in the background as loop watches (wasip2.h), each a pollable in the
 * loop's one poll call, whose callbacks report to the portable layer.
 *
 * Unix-domain sockets and TLS do not exist in wasi:sockets 0.2: WA_ENOTSUP.
 *
 * How the jco host (preview2-shim on Node) behaves, which decides the close
 * sequence: dropping the output stream ends the Node socket (a FIN after the
 * queued bytes), while tcp-socket.shutdown and dropping the socket destroy
 * it at once, losing what Node still queues. So write_eof drops the output
 * stream, and close first flushes (the output's pollable is ready again
 * once the host handed every byte to the OS), then drops the streams and
 * the socket. Connections and listeners are freed from a wa__p2_defer, never
 * inside a callback, so a watch the loop is about to run stays valid.
 */
#include "stream/host.h"
#include "core/backend.h"
#include "core/host.h"
#include "host/wasip2/tcp.h"
#include "host/wasip2/wasip2.h"
#include "host/wasip2/bindings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wa__sconn {
    wa_stream *s;
    wa__p2_conn c;
    wa__p2_watch rd, wr; /* reading; a write in flight (or the close's flush) */
    wa__p2_due done;     /* frees the connection after close */
    const char *wdata;   /* the write in flight */
    size_t wlen, woff;
    int closing;
};

/* ------------------------------------------------------------ closing */

static void conn_free(wa__p2_due *d)
{
    wa__sconn *x = (wa__sconn *)((char *)d - offsetof(wa__sconn, done));
    wa_stream *s = x->s;
    wa__p2_conn_close(&x->c);
    free(x);
    if (s)
        wa__stream_on_closed(s);
}

/* The close's flush finished (or failed): drop everything. */
static void flushed(wa__p2_watch *w)
{
    wa__sconn *x = (wa__sconn *)((char *)w - offsetof(wa__sconn, wr));
    wa__p2_watch_stop(w);
    wa__p2_defer(&x->done);
}

void wa__sconn_close(wa__sconn *x, int reset)
{
    if (x->closing)
        return;
    x->closing = 1;
    wa__p2_watch_stop(&x->rd);
    wa__p2_watch_stop(&x->wr);
    x->wdata = NULL; /* a write in flight is abandoned */
    /* Hand the host's queued bytes to the OS before the drop destroys the
     * Node socket; a reset (or a dead output) skips that. */
    if (!reset && !x->c.write_end && wa__p2_conn_flush(&x->c) == 0 && x->c.out >= 0) {
        if (x->c.out_poll < 0)
            x->c.out_poll = wa__p2_out_subscribe(x->c.out);
        x->wr = (wa__p2_watch){.pollable = x->c.out_poll, .ready = flushed};
        wa__p2_watch_start(&x->wr);
        return;
    }
    wa__p2_defer(&x->done);
}

/* A connection the portable layer never took (accepted while the server
 * closes): close without any report. */
static void conn_discard(wa__sconn *x)
{
    x->s = NULL;
    x->closing = 1;
    wa__p2_defer(&x->done);
}

/* ------------------------------------------------------------ reading */

static void lost(wa__sconn *x, int code)
{
    wa__p2_watch_stop(&x->rd);
    wa__p2_watch_stop(&x->wr);
    wa__stream_on_lost(x->s, code);
}

static void readable(wa__p2_watch *w)
{
    wa__sconn *x = (wa__sconn *)((char *)w - offsetof(wa__sconn, rd));
    size_t cap;
    void *p = wa__stream_rbuf(x->s, 0, &cap);
    if (!p) {
        lost(x, WA_ENOMEM);
        return;
    }
    long n = wa__p2_conn_read(&x->c, p, cap);
    if (n > 0) {
        wa__stream_on_read(x->s, (size_t)n);
    } else if (n == WA_EOF) {
        wa__p2_watch_stop(w);
        wa__stream_on_eof(x->s);
    } else if (n < 0) {
        lost(x, (int)n);
    }
}

void wa__sconn_read_start(wa__sconn *x)
{
    if (x->closing || x->c.read_end || x->rd.active)
        return;
    if (x->c.in_poll < 0)
        x->c.in_poll = wa__p2_in_subscribe(x->c.in);
    x->rd = (wa__p2_watch){.pollable = x->c.in_poll, .ready = readable};
    wa__p2_watch_start(&x->rd);
}

void wa__sconn_read_stop(wa__sconn *x) { wa__p2_watch_stop(&x->rd); }

/* ------------------------------------------------------------ writing */

long wa__sconn_try_write(wa__sconn *x, const void *data, size_t n)
{
    if (x->closing)
        return WA_ECLOSED;
    return wa__p2_conn_write(&x->c, data, n);
}

/* Write what the host takes now; 1 when the whole write went, 0 if more
 * waits, or an error. */
static int write_more(wa__sconn *x)
{
    while (x->woff < x->wlen) {
        long k = wa__p2_conn_write(&x->c, x->wdata + x->woff, x->wlen - x->woff);
        if (k < 0)
            return (int)k;
        if (k == 0)
            return 0;
        x->woff += (size_t)k;
    }
    return 1;
}

static void writable(wa__p2_watch *w)
{
    wa__sconn *x = (wa__sconn *)((char *)w - offsetof(wa__sconn, wr));
    int rc = write_more(x);
    if (rc == 0)
        return;
    wa__p2_watch_stop(w);
    x->wdata = NULL;
    /* may start the next write, or close, from inside this callback */
    wa__stream_on_written(x->s, rc < 0 ? rc : 0);
}

int wa__sconn_write(wa__sconn *x, const void *data, size_t n)
{
    if (x->closing)
        return WA_ECLOSED;
    x->wdata = data;
    x->wlen = n;
    x->woff = 0;
    /* The report always comes from the loop, never from inside this call,
     * even when the host takes everything now. */
    int rc = write_more(x);
    if (rc < 0)
        return rc;
    if (x->c.out_poll < 0)
        x->c.out_poll = wa__p2_out_subscribe(x->c.out);
    x->wr = (wa__p2_watch){.pollable = x->c.out_poll, .ready = writable};
    wa__p2_watch_start(&x->wr);
    return 0;
}

int wa__sconn_shutdown(wa__sconn *x)
{
    if (x->closing)
        return WA_ECLOSED;
    if (x->c.write_end)
        return 0;
    /* flush, then drop the output stream: jco ends the socket after the
     * queued bytes (see the top of this file) */
    wa__p2_conn_flush(&x->c);
    wa__p2_conn_end_write(&x->c);
    return 0;
}

int wa__sconn_name(const wa__sconn *x, int peer, char *host, size_t cap, int *port)
{
    wa__p2_addr a;
    int rc = wa__p2_conn_addr(&x->c, peer, &a);
    if (rc < 0)
        return rc;
    wa__p2_addr_text(&a, host, cap);
    if (port)
        *port = a.port;
    return 0;
}

static wa__sconn *conn_new(wa_stream *s, const wa__p2_conn *c)
{
    wa__sconn *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->s = s;
    x->c = *c;
    x->done.run = conn_free;
    return x;
}

int wa__sconn_connect(wa_stream *s, const wa__stream_target *t, wa__sconn **out)
{
    *out = NULL;
    if (t->path || (t->opts->flags & WA_STREAM_TLS))
        return WA_ENOTSUP; /* no Unix sockets in wasi:sockets 0.2, no TLS here */
    wa__p2_addr *addrs;
    size_t n;
    int rc = wa__p2_resolve(t->host, t->port, &addrs, &n);
    if (rc < 0)
        return rc;
    wa__p2_conn c;
    for (size_t i = 0; i < n; i++) {
        rc = wa__p2_connect(&addrs[i], &c);
        if (rc == 0 || rc == WA_ECANCELED || rc == WA_ETIMEDOUT)
            break;
    }
    free(addrs);
    if (rc < 0)
        return rc;
    wa__sconn *x = conn_new(s, &c);
    if (!x) {
        wa__p2_conn_close(&c);
        return WA_ENOMEM;
    }
    *out = x;
    return 0;
}

/* ------------------------------------------------------------ servers */

#define MAX_LISTEN 8 /* addresses one server listens on */

/* One listening socket and its accept watch. */
typedef struct acceptor {
    wa__p2_watch w; /* first: the watch's callback finds the acceptor */
    wa__p2_listener l;
    struct wa__slisten *owner;
} acceptor;

struct wa__slisten {
    wa_stream_server *srv;
    size_t n;
    acceptor a[MAX_LISTEN];
    wa__p2_due done;
};

static void accept_ready(wa__p2_watch *w)
{
    acceptor *a = (acceptor *)w;
    wa__slisten *L = a->owner;
    /* Take every client waiting now (one poll each would cost a round trip
     * per client under jco). */
    while (w->active) {
        wa__p2_conn c;
        int rc = wa__p2_accept(&a->l, &c);
        if (rc == 0)
            return;
        if (rc == WA_EMFILE)
            continue; /* that client is refused; keep serving the others */
        if (rc < 0) {
            /* The listening socket failed: nothing more will come on it. */
            if (wa__debug_on())
                fprintf(stderr, "wasyncio: a listening socket failed: %s\n", wa_strerror(rc));
            wa__p2_watch_stop(w);
            return;
        }
        wa__sconn *x = conn_new(NULL, &c);
        if (!x) {
            wa__p2_conn_close(&c);
            continue;
        }
        wa_stream *s = wa__stream_accepted(L->srv, x);
        if (!s) {
            conn_discard(x);
            continue;
        }
        x->s = s;
    }
}

static void listener_free(wa__p2_due *d)
{
    wa__slisten *L = (wa__slisten *)((char *)d - offsetof(wa__slisten, done));
    wa_stream_server *srv = L->srv;
    for (size_t i = 0; i < L->n; i++)
        wa__p2_listener_close(&L->a[i].l);
    free(L);
    wa__stream_server_unlistened(srv);
}

void wa__slisten_close(wa__slisten *L)
{
    for (size_t i = 0; i < L->n; i++)
        wa__p2_watch_stop(&L->a[i].w);
    wa__p2_defer(&L->done);
}

static int add_listener(wa__slisten *L, const wa__p2_addr *addr, int backlog)
{
    acceptor *a = &L->a[L->n];
    int rc = wa__p2_listen(addr, backlog, &a->l);
    if (rc < 0)
        return rc;
    a->owner = L;
    a->w = (wa__p2_watch){.pollable = a->l.poll, .ready = accept_ready};
    L->n++;
    return 0;
}

int wa__slisten_open(wa_stream_server *srv, const wa__stream_target *t, wa__slisten **out,
                     int *port)
{
    *out = NULL;
    if (t->path || (t->opts->flags & WA_STREAM_TLS))
        return WA_ENOTSUP;
    wa__p2_addr *addrs = NULL;
    size_t n = 0;
    int rc;
    if (!t->host || !t->host[0]) {
        /* Every interface, as asyncio does for host None: IPv4 and IPv6
         * (jco binds IPv6 sockets v6-only, so both are needed). */
        rc = wa__p2_resolve("0.0.0.0", t->port, &addrs, &n);
        wa__p2_addr *g = rc == 0 ? realloc(addrs, 2 * sizeof *g) : NULL;
        if (rc == 0 && !g)
            rc = WA_ENOMEM;
        if (rc == 0) {
            addrs = g;
            memset(&addrs[1], 0, sizeof addrs[1]);
            addrs[1].family = 1; /* WA_P2_IPV6, "::" */
            addrs[1].port = (uint16_t)t->port;
            n = 2;
        }
    } else {
        rc = wa__p2_resolve(t->host, t->port, &addrs, &n);
    }
    if (rc < 0) {
        free(addrs);
        return rc;
    }
    wa__slisten *L = calloc(1, sizeof *L);
    if (!L) {
        free(addrs);
        return WA_ENOMEM;
    }
    L->srv = srv;
    L->done.run = listener_free;
    int bound = 0, wildcard = !t->host || !t->host[0];
    for (size_t i = 0; i < n && L->n < MAX_LISTEN; i++) {
        /* port 0: every address gets the port the first one was given */
        if (bound)
            addrs[i].port = (uint16_t)bound;
        rc = add_listener(L, &addrs[i], t->opts->backlog);
        if (rc == 0 && !bound)
            bound = L->a[0].l.bound.port;
        else if (rc < 0 && wildcard && L->n > 0)
            rc = 0; /* no IPv6 on this host: IPv4 alone serves */
        if (rc < 0)
            break;
    }
    free(addrs);
    if (rc < 0) {
        for (size_t i = 0; i < L->n; i++)
            wa__p2_listener_close(&L->a[i].l);
        free(L);
        return rc;
    }
    for (size_t i = 0; i < L->n; i++)
        wa__p2_watch_start(&L->a[i].w);
    *out = L;
    *port = bound;
    return 0;
}
