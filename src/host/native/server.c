/* server.c: wa_app_listen's native backend: libuv TCP plus
 * http_parser. Each parsed request becomes a handler task; responses leave
 * in request order (pipelining), connections stay open (keep-alive), and a
 * connection stops being read while too much output or too many requests
 * are queued (back-pressure). Malformed input gets 400/413/431 and a close.
 */
#include "host/host.h"
#include "core/backend.h"
#include "host/native/native.h"
#include "http/host.h"

#include <http_parser.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUEUED 16                /* requests in flight per connection */
#define WRITE_HIGH (1024 * 1024)     /* stop reading above this many unsent bytes */
#define WRITE_LOW (256 * 1024)
#define READ_BUF (64 * 1024)

struct server;
struct conn;

struct slot {                /* one request and its response */
    struct slot *next;       /* the connection's queue, in request order */
    struct conn *c;
    wa_task *task;           /* its handler, until the task has finished */
    wa_request req;
    wa_reply reply;
    int keep_alive, head, close_after;
    int ran;                 /* the handler ran to its end */
    int done;                /* out holds the serialized response */
    char *out;
    size_t out_len;
};

struct conn {
    uv_tcp_t tcp;
    struct server *srv;
    struct conn *prev, *next;
    http_parser parser;
    struct slot *cur;        /* being parsed */
    struct slot *q_head, *q_tail;
    unsigned nq;
    size_t header_bytes;
    char *hname, *hval;      /* header being assembled across reads */
    size_t hname_len, hval_len, hname_cap, hval_cap;
    char *url;
    size_t url_len, url_cap;
    char *held;              /* unparsed input kept while the parser waits */
    size_t held_len;
    int err_status;          /* 400/413/431 chosen by a callback */
    int reading, stopped, read_eof, closing;
    size_t write_queued;
    unsigned refs;           /* the handle + slots whose task still runs */
};

struct server {
    wa_app *app;
    uv_tcp_t listener;
    struct conn *conns;
    wa_op *op;               /* the listening task's wait */
    wa_task *waiter;         /* parked during shutdown */
    unsigned handlers;       /* handler tasks still running */
    unsigned nconns;         /* connections not yet freed */
    int listener_open;
    int stopping;
};

struct wreq {
    uv_write_t req;
    struct conn *c;
    size_t len;
    char *buf;
};

static _Thread_local char read_buf[READ_BUF];

static void conn_close(struct conn *c);
static void conn_flush(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void conn_parse(struct conn *c, const char *data, size_t n);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

/* ------------------------------------------------------------ shutdown */

static void server_poke(struct server *s)
{
    if (s->stopping && s->waiter && s->handlers == 0 && s->nconns == 0 && !s->listener_open)
        wa__ready(s->waiter);
}

/* ------------------------------------------------------------ slots */

static struct slot *slot_new(struct conn *c)
{
    struct slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = c;
    wa__request_init(&s->req);
    wa__reply_init(&s->reply);
    return s;
}

static void slot_free(struct slot *s)
{
    wa__request_clear(&s->req);
    wa__reply_clear(&s->reply);
    free(s->out);
    free(s);
}

static void conn_unref(struct conn *c)
{
    if (--c->refs > 0)
        return;
    struct server *srv = c->srv;
    if (c->cur)
        slot_free(c->cur);
    free(c->hname);
    free(c->hval);
    free(c->url);
    free(c->held);
    free(c);
    srv->nconns--;
    server_poke(srv);
}

static void enqueue(struct conn *c, struct slot *s)
{
    s->next = NULL;
    if (c->q_tail)
        c->q_tail->next = s;
    else
        c->q_head = s;
    c->q_tail = s;
    c->nq++;
}

/* An error response that ends the connection after what came before. */
static void enqueue_error(struct conn *c, int status)
{
    struct slot *s = slot_new(c);
    if (!s || wa__reply_error(&s->reply, status) < 0 ||
        wa__reply_serialize(&s->reply, 0, 0, &s->out, &s->out_len) < 0) {
        if (s)
            slot_free(s);
        conn_close(c);
        return;
    }
    s->done = 1;
    s->close_after = 1;
    enqueue(c, s);
    conn_flush(c);
}

/* ------------------------------------------------------------ handlers */

static void *handler_main(void *arg)
{
    struct slot *s = arg;
    wa__app_dispatch(s->c->srv->app, &s->req, &s->reply);
    s->ran = 1;
    return NULL;
}

/* Runs when the handler task ends, whether it ran, failed, or was
 * cancelled before it started. */
static void handler_done(wa_task *t, void *data)
{
    struct slot *s = data;
    struct conn *c = s->c;
    struct server *srv = c->srv;
    s->task = NULL;
    srv->handlers--;
    if (c->closing) {
        /* Nobody to answer; the slot was unlinked when the conn closed. */
        slot_free(s);
    } else {
        int failure = wa_task_error(t); /* t has finished */
        if (!s->ran || failure)
            wa__reply_error(&s->reply, failure == WA_ECANCELED ? 503 : 500);
        if (wa__reply_serialize(&s->reply, s->keep_alive, s->head, &s->out, &s->out_len) < 0) {
            s->out = NULL;
            s->out_len = 0;
            s->close_after = 1;
        }
        s->done = 1;
        conn_flush(c);
    }
    conn_unref(c);
    server_poke(srv);
}

static void start_handler(struct conn *c, struct slot *s)
{
    enqueue(c, s);
    wa_task_opts o = {.name = "http-handler"};
    wa_task *t = wa__spawn_hooked(handler_main, s, &o, handler_done, s);
    if (!t) {
        wa__reply_error(&s->reply, 503);
        s->keep_alive = 0;
        if (wa__reply_serialize(&s->reply, 0, s->head, &s->out, &s->out_len) < 0)
            s->out = NULL, s->out_len = 0;
        s->done = 1;
        s->close_after = 1;
        return;
    }
    s->task = t;
    c->refs++;
    c->srv->handlers++;
    wa_release(t); /* freed when it ends; handler_done clears s->task first */
}

/* ------------------------------------------------------------ writing */

static void maybe_resume(struct conn *c)
{
    if (c->reading || c->stopped || c->read_eof || c->closing ||
        c->nq >= MAX_QUEUED / 2 || c->write_queued >= WRITE_LOW)
        return;
    if (c->held) {
        /* Requests that arrived while we were full: parse them first. */
        char *h = c->held;
        size_t hl = c->held_len;
        c->held = NULL;
        c->held_len = 0;
        http_parser_pause(&c->parser, 0);
        c->refs++;
        if (hl > 0) /* a zero-length execute would mean EOF */
            conn_parse(c, h, hl);
        free(h);
        int gone = c->closing || c->stopped || c->held;
        conn_unref(c);
        if (gone)
            return;
    }
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = 1;
}

static void write_done(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct conn *c = w->c;
    c->write_queued -= w->len;
    free(w->buf);
    free(w);
    if (status < 0 && !c->closing)
        conn_close(c);
    else if (!c->closing)
        maybe_resume(c);
    conn_unref(c);
}

static void shutdown_done(uv_shutdown_t *req, int status)
{
    (void)status;
    struct conn *c = req->data;
    free(req);
    if (!c->closing)
        conn_close(c);
    conn_unref(c);
}

/* Send buf (taking ownership). uv_try_write first: most responses fit in
 * the socket buffer and need no request at all. */
static int conn_send(struct conn *c, char *buf, size_t len)
{
    size_t off = 0;
    if (c->write_queued == 0) {
        uv_buf_t b = uv_buf_init(buf, (unsigned)len);
        int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        if (n > 0)
            off = (size_t)n;
        else if (n < 0 && n != UV_EAGAIN) {
            free(buf);
            return -1;
        }
    }
    if (off == len) {
        free(buf);
        return 0;
    }
    struct wreq *w = malloc(sizeof *w);
    if (!w) {
        free(buf);
        return -1;
    }
    w->c = c;
    w->buf = buf;
    w->len = len - off;
    uv_buf_t b = uv_buf_init(buf + off, (unsigned)(len - off));
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) < 0) {
        free(buf);
        free(w);
        return -1;
    }
    c->refs++;
    c->write_queued += w->len;
    return 0;
}

static void conn_flush(struct conn *c)
{
    while (!c->closing && c->q_head && c->q_head->done) {
        struct slot *s = c->q_head;
        c->q_head = s->next;
        if (!c->q_head)
            c->q_tail = NULL;
        c->nq--;
        int close_after = s->close_after || !s->keep_alive;
        int bad = s->out ? conn_send(c, s->out, s->out_len) < 0 : 1;
        s->out = NULL;
        slot_free(s);
        if (bad) {
            conn_close(c);
            return;
        }
        if (close_after) {
            /* Finish sending, then close: shutdown runs after the writes. */
            c->stopped = 1;
            if (c->reading) {
                uv_read_stop((uv_stream_t *)&c->tcp);
                c->reading = 0;
            }
            uv_shutdown_t *sr = malloc(sizeof *sr);
            if (!sr || uv_shutdown(sr, (uv_stream_t *)&c->tcp, shutdown_done) < 0) {
                free(sr);
                conn_close(c);
                return;
            }
            sr->data = c;
            c->refs++;
            /* Later pipelined requests are dropped with the connection. */
            return;
        }
    }
    if (!c->closing && c->read_eof && !c->q_head && c->write_queued == 0)
        conn_close(c);
    else if (!c->closing)
        maybe_resume(c);
}

/* ------------------------------------------------------------ parsing */

static int header_budget(struct conn *c, size_t n)
{
    c->header_bytes += n;
    if (c->header_bytes > WA_HTTP_MAX_HEADER_BYTES) {
        c->err_status = 431;
        return -1;
    }
    return 0;
}

static int commit_header(struct conn *c)
{
    if (c->hname_len == 0)
        return 0;
    int rc = wa__hdrs_add(&c->cur->req.headers, c->hname, c->hname_len,
                          c->hval ? c->hval : "", c->hval_len);
    c->hname_len = c->hval_len = 0;
    if (rc < 0) {
        c->err_status = 500;
        return -1;
    }
    return 0;
}

static int on_begin(http_parser *p)
{
    struct conn *c = p->data;
    if (c->cur)
        slot_free(c->cur);
    c->cur = slot_new(c);
    c->header_bytes = 0;
    c->hname_len = c->hval_len = c->url_len = 0;
    if (!c->cur) {
        c->err_status = 503;
        return -1;
    }
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    if (header_budget(c, n) < 0) {
        c->err_status = 414;
        return -1;
    }
    return wa__bytes_append(&c->url, &c->url_len, &c->url_cap, 64, at, n) < 0 ? -1 : 0;
}

static int on_hfield(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    if (header_budget(c, n) < 0)
        return -1;
    if (c->hval_len > 0 && commit_header(c) < 0) /* a new field begins */
        return -1;
    return wa__bytes_append(&c->hname, &c->hname_len, &c->hname_cap, 64, at, n) < 0 ? -1 : 0;
}

static int on_hvalue(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    if (header_budget(c, n) < 0)
        return -1;
    return wa__bytes_append(&c->hval, &c->hval_len, &c->hval_cap, 64, at, n) < 0 ? -1 : 0;
}

static int on_headers_complete(http_parser *p)
{
    struct conn *c = p->data;
    if (commit_header(c) < 0)
        return -1;
    if (p->http_major != 1) {
        c->err_status = 505;
        return -1;
    }
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > WA_HTTP_MAX_REQ_BODY) {
        c->err_status = 413;
        return -1;
    }
    char *method = wa__strdup(http_method_str((enum http_method)p->method));
    char *target = wa__strdup(c->url ? c->url : "");
    if (!method || !target) {
        free(method);
        free(target);
        c->err_status = 503;
        return -1;
    }
    wa__request_set_line(&c->cur->req, method, target);
    if (!c->cur->req.path || c->cur->req.path[0] != '/') {
        c->err_status = 400; /* absolute-form or "*": not served here */
        return -1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    if (c->cur->req.body_len + n > WA_HTTP_MAX_REQ_BODY) {
        c->err_status = 413;
        return -1;
    }
    if (wa__request_body_append(&c->cur->req, at, n) < 0) {
        c->err_status = 503;
        return -1;
    }
    return 0;
}

/* A chunk announces its size first: refuse before receiving it. */
static int on_chunk_header(http_parser *p)
{
    struct conn *c = p->data;
    if (p->content_length > WA_HTTP_MAX_REQ_BODY - c->cur->req.body_len) {
        c->err_status = 413;
        return -1;
    }
    return 0;
}

static int on_complete(http_parser *p)
{
    struct conn *c = p->data;
    struct slot *s = c->cur;
    c->cur = NULL;
    s->keep_alive = http_should_keep_alive(p);
    s->head = p->method == HTTP_HEAD;
    start_handler(c, s);
    if (c->nq >= MAX_QUEUED)
        http_parser_pause(p, 1); /* the rest waits in c->held */
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_hfield,
    .on_header_value = on_hvalue,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
    .on_chunk_header = on_chunk_header,
};

/* ------------------------------------------------------------ reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    /* One buffer per thread is enough: it is parsed before the next read. */
    *buf = uv_buf_init(read_buf, sizeof read_buf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = st->data;
    if (c->closing || c->stopped)
        return;
    if (nread == 0)
        return;
    if (nread < 0) {
        uv_read_stop(st);
        c->reading = 0;
        if (nread != UV_EOF) {
            conn_close(c);
            return;
        }
        c->read_eof = 1;
        /* Nothing mid-message and nothing owed: just close. A request cut
         * short is dropped; answered requests still go out first. */
        conn_flush(c);
        if (!c->closing && !c->q_head && c->write_queued == 0)
            conn_close(c);
        return;
    }
    c->refs++; /* parsing may close c; keep it alive until we return */
    conn_parse(c, buf->base, (size_t)nread);
    conn_unref(c);
}

/* Feed bytes to the parser; requests start handlers as they complete. The
 * caller holds a reference on c. */
static void conn_parse(struct conn *c, const char *data, size_t n)
{
    uv_stream_t *st = (uv_stream_t *)&c->tcp;
    size_t done = http_parser_execute(&c->parser, &settings, data, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (c->closing || c->stopped)
        return;
    if (e == HPE_PAUSED) {
        /* Too many requests in flight: keep the rest, stop reading. */
        if (c->reading) {
            uv_read_stop(st);
            c->reading = 0;
        }
        if (done < n) {
            c->held = malloc(n - done);
            if (!c->held) {
                conn_close(c);
                return;
            }
            memcpy(c->held, data + done, n - done);
            c->held_len = n - done;
        } else {
            c->held = malloc(1); /* nothing left, but resume via maybe_resume */
            if (!c->held) {
                conn_close(c);
                return;
            }
            c->held_len = 0;
        }
        return;
    }
    if (c->parser.upgrade) {
        c->stopped = 1;
        if (c->reading) {
            uv_read_stop(st);
            c->reading = 0;
        }
        enqueue_error(c, 400); /* no protocol upgrades here */
    } else if (e != HPE_OK || done != n) {
        int status = c->err_status ? c->err_status : 400;
        if (e == HPE_HEADER_OVERFLOW)
            status = 431;
        c->stopped = 1;
        if (c->reading) {
            uv_read_stop(st);
            c->reading = 0;
        }
        enqueue_error(c, status);
    } else if (c->reading && (c->nq >= MAX_QUEUED || c->write_queued >= WRITE_HIGH)) {
        uv_read_stop(st);
        c->reading = 0;
    }
}

static void conn_closed(uv_handle_t *h)
{
    conn_unref(h->data);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    struct server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else if (srv->conns == c)
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    /* Unanswered requests: finished ones are freed now, running handlers
     * are cancelled and free their slot in handler_done. */
    struct slot *s = c->q_head;
    c->q_head = c->q_tail = NULL;
    c->nq = 0;
    while (s) {
        struct slot *next = s->next;
        if (s->task)
            wa_cancel(s->task);
        else
            slot_free(s);
        s = next;
    }
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct server *srv = server->data;
    if (status < 0 || srv->stopping)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    if (uv_tcp_init(wa__uv(), &c->tcp) < 0) {
        free(c);
        return;
    }
    c->tcp.data = c;
    c->srv = srv;
    c->refs = 1;
    srv->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
        return;
    }
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    uv_tcp_nodelay(&c->tcp, 1);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = 1;
    else
        conn_close(c);
}

/* ------------------------------------------------------------ listening */

static void listener_closed(uv_handle_t *h)
{
    struct server *srv = h->data;
    srv->listener_open = 0;
    server_poke(srv);
}

static void listen_cancel(wa_op *op)
{
    struct server *srv = op->data;
    srv->op = NULL;
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss)
{
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return WA_EINVAL;
}

/* libuv writes with write(2): a reply to a client that has hung up would
 * raise SIGPIPE and kill the process. A server must not die of that, so
 * ignore it, unless the program installed a handler of its own. */
static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
        !(old.sa_flags & SA_SIGINFO)) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
}

int wa__http_listen_backend(wa_app *app, const char *host, int port)
{
    uv_loop_t *loop = wa__uv();
    if (!loop)
        return WA_ENOLOOP;
    ignore_sigpipe();
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (resolve(host, port, &ss) < 0)
        return WA_EINVAL;
    struct server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return WA_ENOMEM;
    srv->app = app;
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    srv->listener_open = 1;
    int rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
    if (rc == 0) {
        struct sockaddr_storage bound;
        int len = sizeof bound;
        rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
        if (rc == 0)
            app->port = ntohs(bound.ss_family == AF_INET6
                                  ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                  : ((struct sockaddr_in *)&bound)->sin_port);
    }
    wa__native_pending_add(1);
    int result;
    if (rc < 0) {
        result = rc == UV_EADDRNOTAVAIL ? WA_EINVAL : WA_EIO;
    } else {
        wa_op op = {0};
        op.cancel = listen_cancel;
        op.data = srv;
        srv->op = &op;
        result = wa__op_wait(&op); /* only an interruption ends it */
        srv->op = NULL;
    }

    /* Shut down: stop accepting, close every connection (cancelling their
     * handlers), and wait, shielded, until nothing refers to srv. */
    srv->stopping = 1;
    uv_close((uv_handle_t *)&srv->listener, listener_closed);
    while (srv->conns)
        conn_close(srv->conns);
    srv->waiter = wa__self();
    while (srv->handlers > 0 || srv->nconns > 0 || srv->listener_open)
        wa__park(WA_NEVER, WA_PARK_SHIELD);
    wa__native_pending_add(-1);
    free(srv);
    return result;
}
