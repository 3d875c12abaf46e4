/* ws.c (web host): the WebSocket half of the host contract (ws/host.h) on
 * the JavaScript side's own WebSocket: the browser's in a page, the `ws`
 * package under Node (js/wasyncio_ws.js says how it is found). Whole
 * messages cross; the RFC 6455 engine of src/ws/ is not used here. A page
 * cannot accept connections, so there is no upgrade.
 *
 * Every wait is a wa_op completed by wa__web_ws_done. JS keeps each socket's
 * events in a queue, in arrival order; a receive takes one entry, at once
 * when one is queued. A cancelled wait only drops its op (JS keeps the
 * entry), so a cancelled receive loses nothing.
 *
 * Backpressure: a send hands the message to JS, which queues it in the
 * socket (bufferedAmount). A send that leaves more than WEB_WS_HIGH_WATER
 * bytes queued waits until no more than WEB_WS_LOW_WATER are.
 */
#include "core/host.h"
#include "core/backend.h"
#include "host/web/web.h"
#include "host/web/js_imports.h"
#include "ws/host.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#define WEB_WS_HIGH_WATER ((size_t)1 << 20)
#define WEB_WS_LOW_WATER  ((size_t)256 << 10)

/* One entry of JS's queue, as JS writes it (wasm32: kind @0, code @4,
 * data @8, len @12). Text and binary: data/len, data malloc'd by JS with a
 * NUL after it. Close: code, reason in data. Error: code is the WA_E* code,
 * len the close code our side sent for it. After an open: code is the HTTP
 * status, data/len the agreed subprotocol. */
enum { ENTRY_ERROR = 0, ENTRY_TEXT = 1, ENTRY_BINARY = 2, ENTRY_CLOSE = 8 };
struct web_ws_entry {
    int kind;
    int code;
    char *data;
    unsigned len;
};

typedef struct web_ws {
    int id;
    web_ws_entry entry; /* the receive's (and the open's) landing place */
} web_ws;

/* Each wait's op knows its socket, to forget it on cancel. */
typedef struct web_wait {
    wa_op op;
    int id;
} web_wait;

static void wait_cancel(wa_op *op)
{
    web_wait *w = op->data;
    wa__js_ws_forget(w->id, op);
    wa__web_pending_add(-1);
}

/* JS: the wait on op is over (code 0, or an error code). */
EMSCRIPTEN_KEEPALIVE void wa__web_ws_done(wa_op *op, int code)
{
    wa__web_pending_add(-1);
    wa__wake_op(op, code);
    wa__web_resume();
}

/* Start a wait JS registered (start returned 0): suspend until it is done. */
static int wait_js(web_wait *w)
{
    wa__web_pending_add(1);
    return wa__op_wait(&w->op);
}

static void wait_init(web_wait *w, int id)
{
    memset(w, 0, sizeof *w);
    w->op.cancel = wait_cancel;
    w->op.data = w;
    w->id = id;
}

/* ------------------------------------------------------------ receive */

/* Fill msg from a close or error entry and record the close: 0 for the
 * peer's close, WA_EWSABNORMAL for a lost connection, the entry's code for
 * an error our side closed for. */
static int take_end(wa_ws *ws, web_ws_entry *e, wa_ws_msg *msg)
{
    msg->type = WA_WS_CLOSE;
    if (e->kind == ENTRY_ERROR) {
        int sent = (int)e->len;
        free(e->data);
        msg->close_code = sent;
        wa__ws_set_closed(ws, sent, "", 0);
        /* WS_ERR_* of Node's ws other than size and UTF-8: the peer broke
         * the protocol. */
        return e->code == WA_EPROTO ? WA_EWSPROTO : e->code;
    }
    msg->close_code = e->code;
    msg->data = e->data;
    msg->len = e->data ? e->len : 0;
    wa__ws_set_closed(ws, e->code, e->data ? e->data : "", msg->len);
    return e->code == WA_WS_ABNORMAL ? WA_EWSABNORMAL : 0;
}

static int web_receive(wa_ws *ws, wa_ws_msg *msg)
{
    web_ws *s = ws->impl;
    web_wait w;
    wait_init(&w, s->id);
    memset(&s->entry, 0, sizeof s->entry);
    int rc = wa__js_ws_recv(s->id, &w.op, &s->entry);
    if (rc == 0)
        rc = wait_js(&w); /* interrupted: JS keeps the entry for the next one */
    if (rc < 0)
        return rc;
    web_ws_entry *e = &s->entry;
    if (e->kind == ENTRY_TEXT || e->kind == ENTRY_BINARY) {
        msg->type = e->kind;
        msg->data = e->data;
        msg->len = e->len;
        return 0;
    }
    return take_end(ws, e, msg);
}

/* ------------------------------------------------------------ send */

static int web_send(wa_ws *ws, int opcode, const void *data, size_t len)
{
    web_ws *s = ws->impl;
    if (opcode == 9)
        return wa__js_ws_ping(s->id, data, len);
    double left = wa__js_ws_send(s->id, opcode, data, len);
    if (left < 0)
        return (int)left;
    if (left <= (double)WEB_WS_HIGH_WATER)
        return 0;
    web_wait w;
    wait_init(&w, s->id);
    int rc = wa__js_ws_drain(s->id, &w.op, (double)WEB_WS_LOW_WATER);
    if (rc == 0)
        rc = wait_js(&w);
    /* The message is queued either way: an interrupted drain only stops
     * waiting for the buffer to empty. */
    return rc < 0 ? rc : 0;
}

static size_t web_buffered(const wa_ws *ws)
{
    const web_ws *s = ws->impl;
    return (size_t)wa__js_ws_buffered(s->id);
}

/* ------------------------------------------------------------ close */

/* Send our close and wait up to close_timeout_ms for the end. Messages
 * still queued stay for a receiver (one that takes them gets them in order,
 * then the close). */
static int web_close(wa_ws *ws, int code, const char *reason, size_t reason_len)
{
    web_ws *s = ws->impl;
    int first = wa__js_ws_close(s->id, code, reason, reason_len);
    if (first < 0)
        return first;
    if (first == 0) /* ours went first: ours is the connection's close */
        wa__ws_set_closed(ws, code, reason ? reason : "", reason_len);
    web_wait w;
    wait_init(&w, s->id);
    wa_timeout scope;
    int rc = wa_timeout_enter(&scope, ws->close_timeout_ms);
    if (rc == 0) {
        rc = wa__js_ws_wait_end(s->id, &w.op);
        if (rc == 0)
            rc = wait_js(&w);
        if (wa_timeout_exit(&scope) == WA_ETIMEDOUT)
            return WA_EWSABNORMAL; /* the peer never answered */
    }
    if (rc < 0)
        return rc;
    web_ws_entry e = {0};
    if (wa__js_ws_end(s->id, &e) < 0)
        return WA_EWSABNORMAL;
    wa__ws_set_closed(ws, e.code, e.data ? e.data : "", e.data ? e.len : 0);
    free(e.data);
    return e.code == WA_WS_ABNORMAL ? WA_EWSABNORMAL : 0;
}

static void web_free(wa_ws *ws)
{
    web_ws *s = ws->impl;
    if (!s)
        return;
    wa__js_ws_free(s->id);
    free(s);
    ws->impl = NULL;
}

static const wa__ws_ops web_ws_ops = {
    .send = web_send,
    .receive = web_receive,
    .close = web_close,
    .buffered = web_buffered,
    .free = web_free,
};

/* ------------------------------------------------------------ connect */

int wa__ws_host_connect(const wa__ws_connect_req *req, wa_ws *ws)
{
    wa__ws_set_connect_status(0);
    web_ws *s = calloc(1, sizeof *s);
    if (!s)
        return WA_ENOMEM;
    web_wait w;
    wait_init(&w, 0);
    int id = wa__js_ws_open(&w.op, &s->entry, req->url, req->protocols, req->headers,
                            (double)req->handshake_timeout_ms, (double)ws->max_message,
                            req->ca_file, (req->flags & WA_WS_INSECURE) != 0);
    if (id < 0) {
        free(s);
        return id;
    }
    s->id = w.id = id;
    int rc = wait_js(&w);
    if (rc == WA_EHTTP) { /* JS: the server answered, not with a 101 */
        wa__ws_set_connect_status(s->entry.code);
        rc = WA_EWSHANDSHAKE;
    }
    if (rc < 0) {
        wa__js_ws_free(id); /* a cancelled open is aborted here too */
        free(s);
        return rc;
    }
    ws->protocol = s->entry.data; /* malloc'd by JS, or NULL */
    memset(&s->entry, 0, sizeof s->entry);
    ws->ops = &web_ws_ops;
    ws->impl = s;
    return 0;
}

int wa__ws_host_upgrade(const wa_request *req, wa_reply *reply, const char *head, size_t head_len,
                        wa__ws_transport **out)
{
    (void)req;
    (void)reply;
    (void)head;
    (void)head_len;
    *out = NULL;
    return WA_ENOTSUP; /* a page cannot accept connections */
}
