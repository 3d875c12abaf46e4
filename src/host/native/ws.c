/* ws.c (native): the WebSocket half of the host contract (ws/host.h): a
 * byte transport over a libuv stream for the RFC 6455 engine, used by the
 * client (a TCP connection it dials) and by the server (the HTTP server's
 * connection, taken over after the 101). */
#include "ws/host.h"
#include "ws/engine.h"
#include "core/backend.h"
#include "host/native/native.h"
#include "host/native/server_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RBUF      (64 * 1024) /* read ahead; full: stop reading (TCP pushes back) */
#define LINGER_MS 1000

struct wa__ws_uvt {
    wa__ws_transport base;
    uv_stream_t *stream; /* NULL once the connection is gone */
    uv_tcp_t own;        /* the client's handle */
    int owns_handle;
    struct conn *conn;       /* server: the HTTP connection, while it is ours */
    struct conn_taker taker; /* server: how that connection tells us it closes */
    char *buf;               /* read ahead: buf[off .. off + len) */
    size_t off, len;
    int reading;
    int eof;          /* 0, UV_EOF or a libuv error */
    wa_op *rop, *wop; /* the reader and the writer waiting, if any */
    size_t wqueued;   /* bytes in uv_write requests */
    int werr;         /* the first write error */
    int closed;       /* close() was called */
    unsigned refs;    /* the owner until close, tasks inside, writes, the handle */
    /* Lingering close: FIN after our last frame, then read and drop what
     * the peer still sends until it closes too or LINGER_MS pass, so a
     * close with unread input does not reset the connection (and lose our
     * close frame at the peer) -- nginx's lingering_close. */
    uv_shutdown_t sreq;
    uv_timer_t linger;
    int linger_timer_open, finished;
    struct wa__ws_uvt *prev, *next; /* in the thread's lingering transports */
};
typedef struct wa__ws_uvt uvt;

static const wa__ws_transport_ops uvt_ops;

static void uvt_unref(uvt *t)
{
    if (--t->refs > 0)
        return;
    free(t->buf);
    free(t);
}

static void wake(wa_op **opp, int status)
{
    wa_op *op = *opp;
    if (op) {
        *opp = NULL;
        wa__native_pending_add(-1);
        wa__wake_op(op, status);
    }
}

static void op_cancel(wa_op *op)
{
    uvt *t = op->data;
    if (t->rop == op)
        t->rop = NULL;
    else if (t->wop == op)
        t->wop = NULL;
    wa__native_pending_add(-1);
}

/* Wait on *slot; the task holds a reference meanwhile. */
static int wait_on(uvt *t, wa_op **slot)
{
    wa_op op = {.cancel = op_cancel, .data = t};
    *slot = &op;
    wa__native_pending_add(1);
    t->refs++;
    int rc = wa__op_wait(&op);
    if (rc == 0)
        rc = op.status;
    int closed = t->closed;
    uvt_unref(t);
    return closed ? WA_ECLOSED : rc;
}

/* ------------------------------------------------------------ reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)suggested;
    uvt *t = h->data;
    if (t->off > 0) {
        memmove(t->buf, t->buf + t->off, t->len);
        t->off = 0;
    }
    *b = uv_buf_init(t->buf + t->len, (unsigned)(RBUF - t->len));
}

static void stop_reading(uvt *t)
{
    if (t->reading && t->stream)
        uv_read_stop(t->stream);
    t->reading = 0;
}

static void finish_close(uvt *t);

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    uvt *t = s->data;
    if (n == 0)
        return;
    if (t->closed) { /* lingering: drop it, until the peer's end */
        t->off = t->len = 0;
        if (n < 0)
            finish_close(t);
        return;
    }
    if (n < 0) {
        t->eof = (int)n;
        stop_reading(t);
    } else {
        t->len += (size_t)n;
        if (t->len == RBUF)
            stop_reading(t);
    }
    wake(&t->rop, 0);
}

static long uvt_read(wa__ws_transport *base, void *buf, size_t n)
{
    uvt *t = (uvt *)base;
    for (;;) {
        if (t->closed)
            return WA_ECLOSED;
        if (t->len > 0) {
            size_t k = n < t->len ? n : t->len;
            memcpy(buf, t->buf + t->off, k);
            t->off += k;
            t->len -= k;
            if (t->len == 0)
                t->off = 0;
            if (!t->reading && !t->eof && t->stream && t->len < RBUF &&
                uv_read_start(t->stream, on_alloc, on_read) == 0)
                t->reading = 1;
            return (long)k;
        }
        if (t->eof)
            return t->eof == UV_EOF ? 0 : wa__uv_err(t->eof);
        if (!t->stream)
            return 0;
        if (!t->reading) {
            int rc = uv_read_start(t->stream, on_alloc, on_read);
            if (rc < 0)
                return wa__uv_err(rc);
            t->reading = 1;
        }
        int rc = wait_on(t, &t->rop);
        if (rc < 0)
            return rc;
    }
}

/* ------------------------------------------------------------ writing */

struct wreq {
    uv_write_t req;
    uvt *t;
    size_t len;
    char data[];
};

static void write_done(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    uvt *t = w->t;
    t->wqueued -= w->len;
    if (status < 0 && !t->werr)
        t->werr = status;
    free(w);
    if (t->wqueued == 0 || status < 0)
        wake(&t->wop, 0);
    uvt_unref(t);
}

/* Send what the socket takes now and queue a copy of the rest (so a
 * cancelled sender still completes its frame). */
static int uvt_queue(uvt *t, const void *const *bufs, const size_t *lens, size_t n)
{
    if (t->closed)
        return WA_ECLOSED;
    if (t->werr)
        return wa__uv_err(t->werr);
    if (!t->stream)
        return WA_EPIPE;
    size_t total = 0, sent = 0;
    uv_buf_t ub[4];
    if (n > 4)
        return WA_EINVAL;
    for (size_t i = 0; i < n; i++) {
        ub[i] = uv_buf_init((char *)bufs[i], (unsigned)lens[i]);
        total += lens[i];
    }
    /* Most frames fit in the socket buffer: no request, no copy. */
    int conn_quiet = !t->conn || t->conn->write_queued == 0;
    if (t->wqueued == 0 && conn_quiet) {
        int k = uv_try_write(t->stream, ub, (unsigned)n);
        if (k > 0)
            sent = (size_t)k;
        else if (k < 0 && k != UV_EAGAIN)
            return wa__uv_err(k);
    }
    if (sent == total)
        return 0;
    size_t rest = total - sent;
    struct wreq *w = malloc(sizeof *w + rest);
    if (!w)
        return WA_ENOMEM;
    size_t at = 0, skip = sent;
    for (size_t i = 0; i < n; i++) {
        size_t l = lens[i];
        if (skip >= l) {
            skip -= l;
            continue;
        }
        memcpy(w->data + at, (const char *)bufs[i] + skip, l - skip);
        at += l - skip;
        skip = 0;
    }
    w->t = t;
    w->len = rest;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)rest);
    int rc = uv_write(&w->req, t->stream, &b, 1, write_done);
    if (rc < 0) {
        free(w);
        return wa__uv_err(rc);
    }
    t->refs++;
    t->wqueued += rest;
    return 0;
}

static int uvt_write(wa__ws_transport *base, const void *const *bufs, const size_t *lens, size_t n)
{
    uvt *t = (uvt *)base;
    int rc = uvt_queue(t, bufs, lens, n);
    /* Backpressure: wait until the socket took everything. */
    while (rc == 0 && t->wqueued > 0 && !t->werr)
        rc = wait_on(t, &t->wop);
    if (rc < 0)
        return rc;
    return t->werr ? wa__uv_err(t->werr) : 0;
}

static int uvt_send_now(wa__ws_transport *base, const void *const *bufs, const size_t *lens,
                        size_t n)
{
    return uvt_queue((uvt *)base, bufs, lens, n);
}

/* ------------------------------------------------------------ closing */

static void handle_closed(uv_handle_t *h) { uvt_unref(h->data); }

static uvt *taker_uvt(const struct conn_taker *k)
{
    return (uvt *)((char *)k - offsetof(uvt, taker));
}

/* conn_taker.gone: the server closed the connection (its handler ended,
 * shutdown, an error): the stream is no longer ours. */
static void conn_gone(struct conn_taker *k)
{
    uvt *t = taker_uvt(k);
    struct conn *c = t->conn;
    if (!c)
        return;
    stop_reading(t);
    c->tcp.data = c; /* the server's close callback reads it */
    t->stream = NULL;
    t->conn = NULL;
    if (!t->eof)
        t->eof = UV_ECONNRESET;
    c->upgraded = NULL;
    wake(&t->rop, 0);
    wake(&t->wop, 0);
    wa__conn_release(c);
    if (t->closed && t->linger_timer_open)
        finish_close(t); /* lingering on a connection that is gone */
    uvt_unref(t);        /* the connection's reference */
}

static _Thread_local struct {
    uvt *head, *tail;
} lingering_closes;
static _Thread_local int linger_hook;

static void timer_closed(uv_handle_t *h) { uvt_unref(h->data); }

/* The end of a close: the handle (or the server's connection) closes now. */
static void finish_close(uvt *t)
{
    if (t->finished)
        return;
    t->finished = 1;
    WA_LIST_UNLINK(&lingering_closes, t); /* linked by its close, which came first */
    if (t->linger_timer_open && !uv_is_closing((uv_handle_t *)&t->linger)) {
        uv_close((uv_handle_t *)&t->linger, timer_closed);
        t->linger_timer_open = 0;
    }
    stop_reading(t);
    if (t->conn)
        wa__conn_close(t->conn); /* calls conn_gone */
    else if (t->owns_handle && !uv_is_closing((uv_handle_t *)&t->own))
        uv_close((uv_handle_t *)&t->own, handle_closed);
    uvt_unref(t); /* the close's own reference */
}

static void linger_timeout(uv_timer_t *tm) { finish_close(tm->data); }

/* The loop is closing: end every linger first, so the handles close with
 * our callbacks and the transports are freed. */
static void linger_at_close(void)
{
    while (lingering_closes.head)
        finish_close(lingering_closes.head);
    linger_hook = 0;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    uvt *t = req->data;
    if (status < 0 || !t->stream || t->finished || uv_timer_init(wa__uv(), &t->linger) < 0) {
        finish_close(t);
        return;
    }
    t->linger.data = t;
    t->linger_timer_open = 1;
    t->refs++; /* the timer handle's */
    uv_timer_start(&t->linger, linger_timeout, LINGER_MS, 0);
    t->off = t->len = 0;
    if (uv_read_start(t->stream, on_alloc, on_read) == 0)
        t->reading = 1;
    else
        finish_close(t);
}

/* conn_taker.lingering */
static int conn_lingering(const struct conn_taker *k)
{
    const uvt *t = taker_uvt(k);
    return t->closed && !t->finished;
}

static void uvt_close(wa__ws_transport *base)
{
    uvt *t = (uvt *)base;
    if (t->closed)
        return;
    t->closed = 1;
    stop_reading(t);
    wake(&t->rop, WA_ECLOSED);
    wake(&t->wop, WA_ECLOSED);
    t->refs++; /* the close's, dropped by finish_close */
    if (!linger_hook && wa__native_at_close(linger_at_close) == 0)
        linger_hook = 1;
    WA_LIST_APPEND(&lingering_closes, t);
    t->sreq.data = t;
    if (!t->stream || !linger_hook || uv_shutdown(&t->sreq, t->stream, on_shutdown) < 0)
        finish_close(t);
    uvt_unref(t); /* the owner's */
}

static const wa__ws_transport_ops uvt_ops = {
    .read = uvt_read,
    .write = uvt_write,
    .close = uvt_close,
    .send_now = uvt_send_now,
};

static uvt *uvt_new(void)
{
    uvt *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->buf = malloc(RBUF);
    if (!t->buf) {
        free(t);
        return NULL;
    }
    t->base.ops = &uvt_ops;
    t->refs = 1;
    return t;
}

/* ------------------------------------------------------------ server */

int wa__ws_host_upgrade(const wa_request *req, wa_reply *reply, const char *head, size_t head_len,
                        wa__ws_transport **out)
{
    (void)req;
    *out = NULL;
    struct slot *s = (struct slot *)((char *)reply - offsetof(struct slot, reply));
    struct conn *c = s->c;
    if (!c || c->closing || c->upgraded || c->q.head != s || s->task != wa_current())
        return c && c->closing ? WA_ECLOSED : WA_EBUSY;
    uvt *t = uvt_new();
    if (!t)
        return WA_ENOMEM;
    /* The connection stops being HTTP: no reading, no deadlines. */
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
    t->taker = (struct conn_taker){.gone = conn_gone, .lingering = conn_lingering};
    c->upgraded = &t->taker;
    c->deadline = 0;
    c->dl_kind = DL_NONE;
    c->refs++;
    t->refs++; /* the connection's, dropped in conn_gone */
    t->conn = c;
    t->stream = (uv_stream_t *)&c->tcp;
    c->tcp.data = t; /* our read callbacks; conn_gone gives it back */
    if (c->held && c->held_len) {
        size_t k = c->held_len < RBUF ? c->held_len : RBUF;
        memcpy(t->buf, c->held, k);
        t->len = k;
    }
    free(c->held);
    c->held = NULL;
    c->held_len = 0;
    const void *bufs[1] = {head};
    int rc = uvt_write(&t->base, bufs, &head_len, 1);
    if (rc < 0) {
        uvt_close(&t->base);
        return rc;
    }
    *out = &t->base;
    return 0;
}

/* ------------------------------------------------------------ client */

struct resolve {
    uv_getaddrinfo_t req;
    wa_op *op;
    struct addrinfo *res;
    int status;
};

static void resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct resolve *r = req->data;
    if (!r->op) { /* the caller gave up */
        uv_freeaddrinfo(res);
        free(r);
        return;
    }
    r->res = res;
    r->status = status;
    wa_op *op = r->op;
    r->op = NULL;
    wa__native_pending_add(-1);
    wa__wake_op(op, 0);
}

static void resolve_cancel(wa_op *op)
{
    struct resolve *r = op->data;
    r->op = NULL; /* resolved() frees r */
    wa__native_pending_add(-1);
}

static int resolve(const char *host, int port, struct addrinfo **res)
{
    struct resolve *r = calloc(1, sizeof *r);
    if (!r)
        return WA_ENOMEM;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    wa_op op = {.cancel = resolve_cancel, .data = r};
    r->req.data = r;
    r->op = &op;
    int rc = uv_getaddrinfo(wa__uv(), &r->req, resolved, host, service, &hints);
    if (rc < 0) {
        free(r);
        return wa__uv_err(rc);
    }
    wa__native_pending_add(1);
    rc = wa__op_wait(&op);
    if (rc < 0)
        return rc;
    rc = r->status < 0 ? wa__uv_err(r->status) : 0;
    *res = r->res;
    free(r);
    return rc;
}

struct connecting {
    uv_connect_t req;
    uvt *t;
    wa_op *op;
};

static void connected(uv_connect_t *req, int status)
{
    struct connecting *k = req->data;
    wa_op *op = k->op;
    uvt_unref(k->t);
    free(k);
    if (op) {
        wa__native_pending_add(-1);
        wa__wake_op(op, status < 0 ? wa__uv_err(status) : 0);
    }
}

static void connect_cancel(wa_op *op)
{
    struct connecting *k = op->data;
    k->op = NULL; /* the handle's close (by the caller) calls connected() */
    wa__native_pending_add(-1);
}

/* Connect t's own handle to addr. */
static int tcp_connect(uvt *t, const struct sockaddr *addr)
{
    struct connecting *k = calloc(1, sizeof *k);
    if (!k)
        return WA_ENOMEM;
    wa_op op = {.cancel = connect_cancel, .data = k};
    k->t = t;
    k->op = &op;
    k->req.data = k;
    int rc = uv_tcp_connect(&k->req, &t->own, addr, connected);
    if (rc < 0) {
        free(k);
        return wa__uv_err(rc);
    }
    t->refs++;
    wa__native_pending_add(1);
    rc = wa__op_wait(&op);
    return rc < 0 ? rc : op.status;
}

int wa__ws_host_connect(const wa__ws_connect_req *req, wa_ws *ws)
{
    if (req->secure) {
        /* TLS is the streams layer's (OpenSSL, wa_fetch's verification). */
        wa__ws_transport *st;
        int rc = wa__ws_stream_dial(req, &st);
        return rc < 0 ? rc : wa__ws_client_handshake(ws, st, req);
    }
    struct addrinfo *res = NULL;
    int rc = resolve(req->host, req->port, &res);
    if (rc < 0)
        return rc;
    rc = WA_ECONNREFUSED;
    uvt *t = NULL;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        t = uvt_new();
        if (!t) {
            rc = WA_ENOMEM;
            break;
        }
        int r = uv_tcp_init(wa__uv(), &t->own);
        if (r < 0) {
            uvt_unref(t);
            t = NULL;
            rc = wa__uv_err(r);
            break;
        }
        t->own.data = t;
        t->owns_handle = 1;
        t->refs++; /* the handle's, dropped when it has closed */
        t->stream = (uv_stream_t *)&t->own;
        rc = tcp_connect(t, a->ai_addr);
        if (rc == 0)
            break;
        uvt_close(&t->base);
        t = NULL;
        if (rc == WA_ECANCELED || rc == WA_ETIMEDOUT)
            break;
    }
    uv_freeaddrinfo(res);
    if (rc < 0)
        return rc;
    uv_tcp_nodelay(&t->own, 1);
    return wa__ws_client_handshake(ws, &t->base, req);
}
