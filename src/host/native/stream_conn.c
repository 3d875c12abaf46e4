/* stream_conn.c: one native stream connection (a libuv TCP or pipe handle):
 * bytes read straight into the portable buffer, writes, half-close, close
 * (with reset), names, and closing what is left when the loop ends. Name
 * lookup and connecting are stream_connect.c's; TLS is stream_tls.c's. */
#include <stdlib.h>
#include <string.h>

#include "host/native/native.h"
#include "host/native/stream_native.h"

/* Every connection whose handles are not all closed, for the loop's end. */
static _Thread_local struct {
    wa__sconn *head, *tail;
} open_conns;
static void close_all_at_loop_end(void);

wa__sconn *wa__sconn_new(int is_pipe, int *rc)
{
    wa__native_ignore_sigpipe();
    wa__sconn *c = calloc(1, sizeof *c);
    if (!c) {
        *rc = WA_ENOMEM;
        return NULL;
    }
    int r = is_pipe ? uv_pipe_init(wa__uv(), &c->u.pipe, 0) : uv_tcp_init(wa__uv(), &c->u.tcp);
    if (r < 0) {
        free(c);
        *rc = wa__uv_err(r);
        return NULL;
    }
    if (!is_pipe)
        uv_tcp_nodelay(&c->u.tcp, 1); /* asyncio sets TCP_NODELAY too */
    c->is_pipe = is_pipe;
    c->u.handle.data = c;
    c->handles_open = 1;
    WA_LIST_APPEND(&open_conns, c);
    wa__native_pending_add(1);
    wa__native_at_close(close_all_at_loop_end);
    return c;
}

static void handle_closed(uv_handle_t *h)
{
    wa__sconn *c = h->data;
    if (--c->handles_open > 0)
        return;
    WA_LIST_UNLINK(&open_conns, c);
    wa__native_pending_add(-1);
    wa_stream *s = c->s;
    wa__tls_free(c->tls);
    free(c->cipher_in);
    free(c);
    if (s)
        wa__stream_on_closed(s);
}

static void close_handles(wa__sconn *c, int reset)
{
    if (c->tls)
        uv_close((uv_handle_t *)&c->timer, handle_closed);
    if (reset && !c->is_pipe && uv_tcp_close_reset(&c->u.tcp, handle_closed) == 0)
        return;
    uv_close(&c->u.handle, handle_closed);
}

void wa__sconn_discard(wa__sconn *c)
{
    c->s = NULL;
    c->closing = 1;
    close_handles(c, 0);
}

void wa__sconn_close(wa__sconn *c, int reset)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->tls && !reset)
        wa__tls_close_notify(c);
    close_handles(c, reset);
}

/* The loop is ending (wa__host_close): close every connection still open
 * with our own callback, so each record is freed (and its stream told). */
static void close_all_at_loop_end(void)
{
    for (wa__sconn *c = open_conns.head; c; c = c->next)
        if (!c->closing) {
            c->closing = 1;
            close_handles(c, 0);
        }
}

/* ---------------------------------------------------------------- reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    wa__sconn *c = h->data;
    if (c->tls) {
        enum { CIPHER_IN = 64 * 1024 };
        if (!c->cipher_in)
            c->cipher_in = malloc(CIPHER_IN);
        *buf = uv_buf_init(c->cipher_in, c->cipher_in ? CIPHER_IN : 0);
        return;
    }
    size_t cap = 0;
    char *p = c->s && !c->closing ? wa__stream_rbuf(c->s, suggested, &cap) : NULL;
    *buf = uv_buf_init(p, p ? (unsigned)(cap > UINT32_MAX ? UINT32_MAX : cap) : 0);
}

static void report_lost(wa__sconn *c, int code)
{
    if (c->hs_op) {
        wa_op *op = c->hs_op;
        c->hs_op = NULL;
        wa__wake_op(op, code);
        return;
    }
    if (c->s && !c->closing)
        wa__stream_on_lost(c->s, code);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    wa__sconn *c = st->data;
    if (c->closing || n == 0)
        return;
    if (n == UV_EOF) {
        wa__sconn_uv_read(c, 0);
        if (c->hs_op) {
            report_lost(c, WA_ETLS); /* the peer hung up mid-handshake */
            return;
        }
        if (c->tls && wa__tls_pump(c) < 0)
            return;
        if (c->s && !c->closing)
            wa__stream_on_eof(c->s);
        return;
    }
    if (n < 0) {
        wa__sconn_uv_read(c, 0);
        report_lost(c, n == UV_ENOBUFS ? WA_ENOMEM : wa__uv_err((int)n));
        return;
    }
    if (!c->tls) {
        wa__stream_on_read(c->s, (size_t)n);
        return;
    }
    if (wa__tls_feed(c, buf->base, (size_t)n) < 0) {
        report_lost(c, WA_ENOMEM);
        return;
    }
    if (c->hs_op) {
        int r = wa__tls_handshake(c);
        if (r != 0) {
            wa_op *op = c->hs_op;
            c->hs_op = NULL;
            wa__wake_op(op, r < 0 ? r : 0);
        }
        return;
    }
    int r = wa__tls_pump(c);
    if (r == 1 && c->s && !c->closing) {
        wa__sconn_uv_read(c, 0);
        wa__stream_on_eof(c->s);
    }
}

void wa__sconn_uv_read(wa__sconn *c, int on)
{
    if (on && !c->uv_reading && !c->closing) {
        if (uv_read_start(&c->u.stream, on_alloc, on_read) == 0)
            c->uv_reading = 1;
    } else if (!on && c->uv_reading) {
        uv_read_stop(&c->u.stream);
        c->uv_reading = 0;
    }
}

static void on_tls_resume(uv_timer_t *t)
{
    wa__sconn *c = t->data;
    if (!c->closing && c->reading && wa__tls_pump(c) == 1 && c->s && !c->closing) {
        wa__sconn_uv_read(c, 0);
        wa__stream_on_eof(c->s);
    }
}

void wa__sconn_read_start(wa__sconn *c)
{
    c->reading = 1;
    wa__sconn_uv_read(c, 1);
    /* Bytes OpenSSL decrypted or holds from before a pause come out on the
     * next loop step, not from inside this call. */
    if (c->tls && !c->hs_op)
        uv_timer_start(&c->timer, on_tls_resume, 0, 0);
}

void wa__sconn_read_stop(wa__sconn *c)
{
    c->reading = 0;
    wa__sconn_uv_read(c, 0);
}

/* ---------------------------------------------------------------- writing */

long wa__sconn_try_write(wa__sconn *c, const void *data, size_t n)
{
    if (c->tls) /* ciphertext is sent in whole records: buffer instead */
        return 0;
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)(n > UINT32_MAX ? UINT32_MAX : n));
    int r = uv_try_write(&c->u.stream, &b, 1);
    if (r == UV_EAGAIN || r == UV_ENOSYS)
        return 0;
    return r < 0 ? wa__uv_err(r) : r;
}

static void on_written(uv_write_t *req, int status)
{
    wa__sconn *c = req->data;
    if (c->closing || !c->s)
        return;
    wa__stream_on_written(c->s, status < 0 ? wa__uv_err(status) : 0);
}

int wa__sconn_write(wa__sconn *c, const void *data, size_t n)
{
    if (c->tls)
        return wa__tls_send(c, data, n, 1);
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)n);
    c->wreq.data = c;
    int r = uv_write(&c->wreq, &c->u.stream, &b, 1, on_written);
    return r < 0 ? wa__uv_err(r) : 0;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    wa__sconn *c = req->data;
    if (status < 0 && status != UV_ECANCELED)
        report_lost(c, wa__uv_err(status));
}

int wa__sconn_shutdown(wa__sconn *c)
{
    if (c->tls)
        return WA_ENOTSUP;
    c->sreq.data = c;
    int r = uv_shutdown(&c->sreq, &c->u.stream, on_shutdown);
    return r < 0 ? wa__uv_err(r) : 0;
}

/* ---------------------------------------------------------------- names */

int wa__sconn_name(const wa__sconn *c, int peer, char *host, size_t cap, int *port)
{
    if (c->is_pipe) {
        char path[256];
        size_t len = sizeof path;
        int r = peer ? uv_pipe_getpeername(&c->u.pipe, path, &len)
                     : uv_pipe_getsockname(&c->u.pipe, path, &len);
        if (r < 0)
            return wa__uv_err(r);
        if (host && cap) {
            size_t k = len < cap - 1 ? len : cap - 1;
            memcpy(host, path, k);
            host[k] = 0;
        }
        return 0;
    }
    struct sockaddr_storage ss;
    int len = sizeof ss;
    int r = peer ? uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len)
                 : uv_tcp_getsockname(&c->u.tcp, (struct sockaddr *)&ss, &len);
    if (r < 0)
        return wa__uv_err(r);
    char ip[64] = "";
    int p = 0;
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, ip, sizeof ip);
        p = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        uv_ip4_name(a, ip, sizeof ip);
        p = ntohs(a->sin_port);
    }
    if (host && cap) {
        size_t k = strlen(ip) < cap - 1 ? strlen(ip) : cap - 1;
        memcpy(host, ip, k);
        host[k] = 0;
    }
    if (port)
        *port = p;
    return 0;
}
