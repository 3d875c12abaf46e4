/* server_conn.c: one connection of the native server: requests read by
 * h1_reader.c queue in order; their handlers run one after another, each in
 * a task; replies leave in order under a byte budget; and the connection's
 * one deadline follows what it waits for (head, body, send, keep-alive).
 * It reports to its server only through its conn_home (server_conn.h). */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/server_conn.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

#define MAX_QUEUED 16 /* requests read ahead per connection */
#define READ_BUF   (64 * 1024)

struct wreq {
    uv_write_t req;
    struct conn *c;
    size_t len;
    char *buf;
};

static _Thread_local char read_buf[READ_BUF];

static void conn_flush(struct conn *c);
static void conn_rearm(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void conn_parse(struct conn *c, const char *data, size_t n);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

/* ------------------------------------------------------------ slots */

static struct slot *slot_new(struct conn *c)
{
    struct slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = c;
    wa__reply_init(&s->reply);
    return s;
}

static void slot_free(struct slot *s)
{
    if (s->req) {
        wa__request_clear(s->req);
        free(s->req);
    }
    wa__reply_clear(&s->reply);
    free(s->out);
    free(s);
}

static void conn_unref(struct conn *c)
{
    if (--c->refs > 0)
        return;
    struct conn_home *home = c->home;
    wa__h1_free(&c->rd);
    free(c->held);
    free(c);
    home->nconns--;
    home->changed(home);
}

void wa__conn_release(struct conn *c) { conn_unref(c); }

static void enqueue(struct conn *c, struct slot *s)
{
    WA_LIST_APPEND(&c->q, s);
    c->nq++;
}

/* s, the oldest request, leaves the queue (answered, or its WebSocket
 * handler ended). */
static void dequeue(struct conn *c, struct slot *s)
{
    WA_LIST_UNLINK(&c->q, s);
    c->nq--;
}

static void stop_reading(struct conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

/* A finished response (error page or interim 100) queued after what came
 * before; close_after ends the connection once it is sent. */
static void enqueue_ready(struct conn *c, int status, int close_after)
{
    struct slot *s = slot_new(c);
    int bad = !s;
    if (s && status == 100) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        s->out = wa__strndup(cont, sizeof cont - 1);
        s->out_len = sizeof cont - 1;
        s->keep_alive = 1;
        bad = !s->out;
    } else if (s) {
        bad = wa__reply_error(&s->reply, status) < 0 ||
              wa__reply_serialize(&s->reply, 0, 0, &s->out, &s->out_len) < 0;
    }
    if (bad) {
        if (s)
            slot_free(s);
        wa__conn_close(c);
        return;
    }
    s->started = s->done = 1;
    s->close_after = close_after;
    enqueue(c, s);
    conn_flush(c);
}

/* ------------------------------------------------------------ handlers */

static void *handler_main(void *arg)
{
    struct slot *s = arg;
    s->entered = 1;
    if (s->c->peer_gone)
        wa_cancel(wa__self()); /* it runs until its first wait, which returns the cancel */
    wa__app_dispatch(s->c->home->app, s->req, &s->reply);
    s->ran = 1;
    return NULL;
}

/* The reply of s may close the connection when it is the last one owed
 * during a graceful shutdown. */
static int reply_keeps_alive(const struct conn *c, const struct slot *s)
{
    return c->draining && s->next == NULL ? 0 : s->keep_alive; /* may say so: 1.0 */
}

/* Runs when the handler task ends, whether it ran, failed, or was
 * cancelled before it started. */
static void handler_done(wa_task *t, void *data)
{
    struct slot *s = data;
    struct conn *c = s->c;
    struct conn_home *home = c->home;
    s->task = NULL;
    home->handlers--;
    c->running = 0;
    if (c->closing) {
        /* Nobody to answer; the slot was unlinked when the conn closed. */
        slot_free(s);
    } else if (c->upgraded) {
        /* A WebSocket handler ended: the connection was its, nothing more
         * is answered on it. A close still lingering ends it later. */
        dequeue(c, s);
        if (!c->upgraded->lingering(c->upgraded))
            wa__conn_close(c);
        slot_free(s);
    } else {
        int failure = wa_task_error(t); /* t has finished */
        /* A handler that answered before the cancel of a client that left
         * reached it keeps its answer: a half-closed client still reads. */
        if (s->ran && failure == WA_ECANCELED && c->peer_gone)
            failure = 0;
        if (!s->ran || failure)
            wa__reply_error(&s->reply, failure == WA_ECANCELED ? 503 : 500);
        s->keep_alive = reply_keeps_alive(c, s);
        if (wa__reply_serialize(&s->reply, s->keep_alive, s->head, &s->out, &s->out_len) < 0) {
            s->out = NULL;
            s->out_len = 0;
            s->close_after = 1;
        }
        s->done = 1;
        conn_flush(c);
    }
    conn_unref(c);
    home->changed(home);
}

/* Start the next request's handler: one at a time per connection, and only
 * while the unsent output is under budget, so a client that pipelines and
 * never reads pins at most one reply beyond the budget. */
static void start_next(struct conn *c)
{
    if (c->running || c->closing || c->write_queued >= c->home->opts.max_unsent_bytes)
        return;
    struct slot *s = c->q.head;
    while (s && s->started)
        s = s->next;
    if (!s)
        return;
    s->started = 1;
    c->queued_in -= s->footprint;
    wa_task_opts o = {.name = "http-handler"};
    wa_task *t = wa__spawn_hooked(handler_main, s, &o, handler_done, s);
    if (!t) {
        wa__reply_error(&s->reply, 503);
        s->keep_alive = 0;
        if (wa__reply_serialize(&s->reply, 0, s->head, &s->out, &s->out_len) < 0)
            s->out = NULL, s->out_len = 0;
        s->done = 1;
        s->close_after = 1;
        conn_flush(c);
        return;
    }
    s->task = t;
    c->running = 1;
    c->refs++;
    c->home->handlers++;
    wa_release(t); /* freed when it ends; handler_done clears s->task first */
}

/* ------------------------------------------------------------ reader events */

static int over_budget(const struct conn *c)
{
    size_t budget = c->home->opts.max_unsent_bytes;
    return c->nq >= MAX_QUEUED || c->write_queued >= budget ||
           c->queued_in >= c->home->opts.max_read_ahead_bytes;
}

static int ev_continue(void *ctx)
{
    struct conn *c = ctx;
    enqueue_ready(c, 100, 0);
    return c->closing ? -1 : 0;
}

static int ev_request(void *ctx, wa_request *req, const wa__h1_msg *m)
{
    struct conn *c = ctx;
    struct slot *s = slot_new(c);
    if (!s) {
        wa__request_clear(req);
        free(req);
        return -1;
    }
    s->req = req;
    s->keep_alive = m->keep_alive;
    s->head = m->head;
    enqueue(c, s);
    s->footprint = wa__request_footprint(req);
    c->queued_in += s->footprint;
    c->head_since = 0;
    start_next(c);
    return over_budget(c) || !s->keep_alive; /* 1: read no further for now */
}

static const wa__h1_events reader_events = {
    .expect_continue = ev_continue,
    .request = ev_request,
};

/* ------------------------------------------------------------ writing */

static void maybe_resume(struct conn *c)
{
    if (c->upgraded || /* a WebSocket reads for itself */
        c->reading || c->stopped || c->read_eof || c->closing || c->parsing || c->draining ||
        c->nq >= MAX_QUEUED / 2 || c->write_queued >= c->home->opts.max_unsent_bytes / 4 ||
        c->queued_in >= c->home->opts.max_read_ahead_bytes)
        return;
    if (c->held) {
        /* Requests that arrived while we were full: parse them first. */
        char *h = c->held;
        size_t hl = c->held_len;
        c->held = NULL;
        c->held_len = 0;
        wa__h1_resume(&c->rd);
        c->refs++;
        conn_parse(c, h, hl);
        free(h);
        int gone = c->closing || c->stopped || c->held || c->reading;
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
        wa__conn_close(c);
    else if (!c->closing && !c->stopped)
        conn_flush(c); /* progress: the send timeout starts again */
    else if (!c->closing)
        conn_rearm(c);
    conn_unref(c);
}

static void shutdown_done(uv_shutdown_t *req, int status)
{
    (void)status;
    struct conn *c = req->data;
    free(req);
    if (!c->closing)
        wa__conn_close(c);
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
    if (c->write_queued >= c->home->opts.max_unsent_bytes)
        stop_reading(c); /* the client is not keeping up: maybe_resume */
    return 0;
}

/* Finish sending, then close: the shutdown runs after the queued writes. */
static void conn_finish(struct conn *c)
{
    c->stopped = 1;
    stop_reading(c);
    uv_shutdown_t *sr = malloc(sizeof *sr);
    if (!sr || uv_shutdown(sr, (uv_stream_t *)&c->tcp, shutdown_done) < 0) {
        free(sr);
        wa__conn_close(c);
        return;
    }
    sr->data = c;
    c->refs++;
}

static void conn_flush(struct conn *c)
{
    while (!c->closing && !c->stopped && c->q.head && c->q.head->done) {
        struct slot *s = c->q.head;
        dequeue(c, s);
        int close_after = s->close_after || !s->keep_alive;
        int bad = s->out ? conn_send(c, s->out, s->out_len) < 0 : 1;
        if (s->req)
            c->served++;
        s->out = NULL;
        slot_free(s);
        if (bad) {
            wa__conn_close(c);
            return;
        }
        if (close_after) {
            conn_finish(c); /* later pipelined requests go with the connection */
            conn_rearm(c);
            return;
        }
    }
    if (c->closing || c->stopped)
        return;
    start_next(c);
    if ((c->read_eof || c->draining) && !c->q.head && c->write_queued == 0)
        conn_finish(c);
    else
        maybe_resume(c);
    conn_rearm(c);
}

/* ------------------------------------------------------------ timeouts */

/* A body must arrive within body_timeout_ms plus a second for each
 * min_body_rate bytes received (Apache mod_reqtimeout's MinRate): a drip
 * of a byte every few seconds no longer keeps it open forever. */
static uint64_t body_deadline(const struct conn *c)
{
    const wa_server_opts *o = &c->home->opts;
    uint64_t got = c->rd.cur ? c->rd.cur->body_len : 0;
    return c->body_since + o->body_timeout_ms + got * 1000 / o->min_body_rate;
}

/* What the connection waits for decides its deadline: the client reading
 * (send), a handler (none), the rest of a head (from its first byte, so a
 * byte every few seconds does not extend it), the rest of a body (from the
 * last read, and at the body's minimum rate), or the next request
 * (keep-alive). */
static void conn_rearm(struct conn *c)
{
    const wa_server_opts *o = &c->home->opts;
    uint64_t now = uv_now(wa__uv()), ms = 0, last = 0;
    enum deadline_kind kind = DL_QUIET;
    if (c->rd.phase != WA_H1_HEAD)
        c->head_since = 0;
    if (c->rd.phase != WA_H1_BODY)
        c->body_since = 0;
    if (c->closing || c->upgraded) {
        kind = DL_NONE;
    } else if (c->write_queued > 0 || c->stopped) {
        ms = o->send_timeout_ms;
    } else if (c->q.head) {
        kind = DL_NONE;
    } else if (c->rd.phase == WA_H1_HEAD) {
        if (!c->head_since)
            c->head_since = now;
        ms = o->head_timeout_ms;
        now = c->head_since;
        kind = DL_408;
    } else if (c->rd.phase == WA_H1_BODY) {
        if (!c->body_since)
            c->body_since = now;
        ms = o->body_timeout_ms;
        kind = DL_408;
        if (ms < WA_NO_TIMEOUT / 2)
            last = body_deadline(c);
    } else {
        ms = c->served ? o->keepalive_timeout_ms : o->head_timeout_ms;
    }
    if (kind == DL_NONE || ms >= WA_NO_TIMEOUT / 2) { /* off, or longer than ever */
        c->deadline = 0;
        c->dl_kind = DL_NONE;
    } else {
        c->deadline = last && last < now + ms ? last : now + ms;
        c->dl_kind = kind;
    }
}

int wa__conn_head_overdue(const struct conn *c, uint64_t now)
{
    uint64_t ms = c->home->opts.busy_head_timeout_ms, since = 0;
    if (ms >= WA_NO_TIMEOUT / 2 || c->closing || c->upgraded || c->stopped || c->q.head ||
        c->write_queued)
        return 0;
    if (c->rd.phase == WA_H1_HEAD)
        since = c->head_since;
    else if (c->rd.phase == WA_H1_IDLE && !c->served && !c->held)
        since = c->accepted_at; /* connected, and said nothing yet */
    return since && now >= since + ms;
}

/* A connection can be judged slow after half a second: a head normally
 * arrives in one round trip, and 500 bytes/s over that long is 250 bytes. */
#define SLOW_AFTER_MS 500

int wa__conn_evict_rank(const struct conn *c, uint64_t now)
{
    if (wa__conn_idle(c))
        return 2;
    if (c->closing || c->upgraded || c->stopped || c->q.head || c->write_queued)
        return 0;
    if (c->rd.phase == WA_H1_HEAD)
        return c->head_since && now - c->head_since >= SLOW_AFTER_MS;
    if (c->rd.phase == WA_H1_BODY && c->body_since && c->rd.cur &&
        now - c->body_since >= SLOW_AFTER_MS)
        return c->rd.cur->body_len * 1000 / (now - c->body_since) < c->home->opts.min_body_rate;
    return 0;
}

void wa__conn_evict(struct conn *c)
{
    static const char timeout[] = "HTTP/1.1 408 Request Timeout\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Length: 20\r\nConnection: close\r\n\r\n"
                                  "408: Request Timeout";
    if (c->write_queued == 0 && !c->stopped) {
        uv_buf_t b = uv_buf_init((char *)timeout, sizeof timeout - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    }
    wa__conn_close(c);
}

void wa__conn_expire(struct conn *c)
{
    if (c->dl_kind == DL_408 && !c->stopped && c->write_queued == 0) {
        c->deadline = 0;
        stop_reading(c); /* nothing more is read: the 408 is the last word */
        c->read_eof = 1;
        enqueue_ready(c, 408, 1);
    } else {
        wa__conn_close(c);
    }
}

/* ------------------------------------------------------------ reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    /* One buffer per thread is enough: it is parsed before the next read. */
    *buf = uv_buf_init(read_buf, sizeof read_buf);
}

/* The client closed its side (EOF): as aiohttp's handler_cancellation and
 * Go's request context do, its handlers are cancelled. One waiting now gets
 * WA_ECANCELED; one not yet running gets it at its first wait, so a handler
 * that answers without waiting still answers a client that only
 * half-closed. */
static void client_left(struct conn *c)
{
    c->peer_gone = 1;
    for (struct slot *s = c->q.head; s; s = s->next)
        if (s->task && s->entered)
            wa_cancel(s->task);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = st->data;
    if (c->closing || c->stopped)
        return;
    if (nread == 0)
        return;
    if (c->discarding) { /* the last request is in: this read only watches */
        if (nread > 0)
            return;
        stop_reading(c);
        c->discarding = 0;
        if (nread == UV_EOF)
            client_left(c);
        else
            wa__conn_close(c);
        return;
    }
    if (nread < 0) {
        stop_reading(c);
        if (nread != UV_EOF) {
            wa__conn_close(c);
            return;
        }
        c->read_eof = 1;
        client_left(c);
        /* A request cut short is dropped; answered requests still go out
         * first, then the connection closes. */
        conn_flush(c);
        if (!c->closing && !c->stopped && !c->q.head && c->write_queued == 0)
            wa__conn_close(c);
        return;
    }
    c->refs++; /* parsing may close c; keep it alive until we return */
    conn_parse(c, buf->base, (size_t)nread);
    if (!c->closing)
        conn_rearm(c);
    conn_unref(c);
}

/* Feed bytes to the reader; requests queue their handlers as they complete.
 * The caller holds a reference on c. */
static void conn_parse(struct conn *c, const char *data, size_t n)
{
    c->parsing = 1;
    size_t done = wa__h1_feed(&c->rd, data, n);
    c->parsing = 0;
    if (c->closing || c->stopped)
        return;
    if (c->rd.status) {
        /* Answer after what came before, then close; read nothing more. */
        stop_reading(c);
        c->read_eof = 1;
        enqueue_ready(c, c->rd.status, 1);
        return;
    }
    if (c->rd.paused) {
        /* Full (or the client asked to close): keep the rest, stop reading. */
        stop_reading(c);
        c->held = malloc(n - done + 1); /* non-NULL even when empty: resume */
        if (!c->held) {
            wa__conn_close(c);
            return;
        }
        memcpy(c->held, data + done, n - done);
        c->held_len = n - done;
        if (!c->q.tail || c->q.tail->keep_alive)
            return;
        /* The last request closes the connection: nothing more to read,
         * but reading on shows when the client leaves. */
        c->read_eof = 1;
        free(c->held);
        c->held = NULL;
        c->held_len = 0;
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = c->discarding = 1;
        return;
    }
    maybe_resume(c);
}

void wa__conn_closed(uv_handle_t *h) { conn_unref(h->data); }

void wa__conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    int upgraded = c->upgraded != NULL;
    if (upgraded)
        c->upgraded->gone(c->upgraded);
    struct conn_home *home = c->home;
    home->nopen--;
    WA_LIST_UNLINK(&home->conns, c);
    /* Unanswered requests: finished ones are freed now, running handlers
     * are cancelled and free their slot in handler_done. */
    struct slot *s = c->q.head;
    c->q.head = c->q.tail = NULL;
    c->nq = 0;
    while (s) {
        struct slot *next = s->next;
        if (s->task && !upgraded) /* a WebSocket handler goes on to its end */
            wa_cancel(s->task);
        else if (!s->task)
            slot_free(s);
        s = next;
    }
    uv_close((uv_handle_t *)&c->tcp, wa__conn_closed);
    home->changed(home);
}

/* ------------------------------------------------------------ start, drain */

void wa__conn_start(struct conn *c)
{
    uv_tcp_nodelay(&c->tcp, 1);
    c->accepted_at = uv_now(wa__uv());
    wa__h1_init(&c->rd, &c->home->opts, &reader_events, c);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = 1;
    else
        wa__conn_close(c);
    if (!c->closing)
        conn_rearm(c);
}

/* Shutting down: an idle connection (or one with a request only part-read)
 * closes now; one with requests in flight reads no more, and its last reply
 * says Connection: close. */
void wa__conn_drain(struct conn *c)
{
    c->draining = 1;
    if (c->upgraded) {
        /* A WebSocket has no request to finish: its handler is told to stop
         * now (its receive returns WA_ECANCELED) rather than at the grace's end. */
        if (c->q.head && c->q.head->task)
            wa_cancel(c->q.head->task);
        return;
    }
    if (!c->q.head && c->write_queued == 0) {
        wa__conn_close(c);
        return;
    }
    stop_reading(c);
    free(c->held); /* requests not yet read are not in flight */
    c->held = NULL;
    c->held_len = 0;
}

int wa__conn_idle(const struct conn *c)
{
    return !c->upgraded && !c->closing && !c->stopped && !c->read_eof &&
           c->rd.phase == WA_H1_IDLE && !c->q.head && c->write_queued == 0 && !c->held;
}
