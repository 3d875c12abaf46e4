/* engine.c: one RFC 6455 connection over a byte transport, the same on
 * every target that has one (native client and server, WASI 0.2): frames in
 * and out, masking, fragments, control frames between fragments, UTF-8
 * across fragments, the limits, automatic pongs, and the closing handshake
 * with its timeout. Every piece of a message being read lives here, not in
 * a task's frame, so a cancelled receive loses nothing. */
#include "ws/engine.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

#define IN_CAP     (16 * 1024)       /* frame bytes read ahead (big payloads bypass it) */
#define DIRECT_MIN 4096              /* payload left at least this: read into the message */
#define DIRECT_MAX ((size_t)1 << 20) /* room made per direct read */

typedef struct engine {
    wa__ws_transport *t;
    int is_client;
    wa_lock *send_lock;
    /* input: in[in_off .. in_off + in_len) not yet parsed */
    uint8_t *in;
    size_t in_off, in_len;
    int have_header;
    wa__ws_frame fr;
    uint64_t fr_done; /* payload bytes of fr consumed */
    /* the data message being assembled (its first frame's opcode) */
    int msg_op;
    char *msg;
    size_t msg_len, msg_cap;
    wa__utf8 utf8;
    uint8_t ctrl[125];
    /* the other direction */
    uint8_t *scratch; /* client: masked copy of a payload */
    size_t scratch_cap;
    int pong_owed;
    uint8_t pong[125];
    size_t pong_len;
    /* closing */
    int sent_close, got_close, t_closed, failed;
    wa_event *peer_done; /* the peer's close arrived, or the stream ended */
} engine;

static void shut_transport(engine *e)
{
    if (!e->t_closed) {
        e->t_closed = 1;
        e->t->ops->close(e->t);
    }
}

/* ------------------------------------------------------------ sending */

/* Frame and write one message; now: queue it without waiting (the
 * transport's send_now), for a close sent while the connection is freed. */
static int write_frame_how(wa_ws *ws, int opcode, const void *data, size_t len, int now)
{
    engine *e = ws->impl;
    uint8_t hdr[WA_WS_MAX_HEADER];
    const void *bufs[2];
    size_t lens[2];
    const uint8_t *payload = data;
    uint8_t mask[4];
    if (e->is_client) {
        /* RFC 6455 5.3: every client frame masked with a fresh key. */
        wa__ws_random(mask, 4);
        if (len > e->scratch_cap) {
            size_t cap = len < 4096 ? 4096 : len;
            uint8_t *s = realloc(e->scratch, cap);
            if (!s)
                return WA_ENOMEM;
            e->scratch = s;
            e->scratch_cap = cap;
        }
        wa__ws_mask_copy(e->scratch, data, len, mask, 0);
        payload = e->scratch;
    }
    bufs[0] = hdr;
    lens[0] = wa__ws_frame_header(hdr, 1, opcode, len, e->is_client ? mask : NULL);
    bufs[1] = payload;
    lens[1] = len;
    if (e->t_closed)
        return WA_ECLOSED;
    if (now)
        return e->t->ops->send_now ? e->t->ops->send_now(e->t, bufs, lens, len ? 2 : 1)
                                   : WA_ENOTSUP;
    int rc = e->t->ops->write(e->t, bufs, lens, len ? 2 : 1);
    if (rc < 0 && rc != WA_ECANCELED && rc != WA_ETIMEDOUT)
        e->failed = 1;
    return rc;
}

static int write_frame(wa_ws *ws, int opcode, const void *data, size_t len)
{
    return write_frame_how(ws, opcode, data, len, 0);
}

/* Send one frame under the send lock, so messages never interleave. */
static int send_locked(wa_ws *ws, int opcode, const void *data, size_t len)
{
    engine *e = ws->impl;
    int rc = wa_lock_acquire(e->send_lock);
    if (rc < 0)
        return rc;
    if (e->sent_close || e->failed || e->t_closed)
        rc = WA_ECLOSED;
    else
        rc = write_frame(ws, opcode, data, len);
    wa_lock_release(e->send_lock);
    return rc;
}

static int send_close_frame(wa_ws *ws, int code, const char *reason, size_t rlen)
{
    engine *e = ws->impl;
    int rc = wa_lock_acquire(e->send_lock);
    if (rc < 0)
        return rc;
    if (e->sent_close || e->failed || e->t_closed) {
        wa_lock_release(e->send_lock);
        return WA_ECLOSED;
    }
    uint8_t body[125];
    size_t n = 0;
    if (code) {
        body[0] = (uint8_t)(code >> 8);
        body[1] = (uint8_t)code;
        memcpy(body + 2, reason, rlen);
        n = 2 + rlen;
    }
    e->sent_close = 1; /* even if the write fails: nothing may follow */
    rc = write_frame(ws, WA_WS_OP_CLOSE, body, n);
    wa_lock_release(e->send_lock);
    return rc;
}

static int engine_send(wa_ws *ws, int opcode, const void *data, size_t len)
{
    return send_locked(ws, opcode, data, len);
}

/* ------------------------------------------------------------ failing */

/* The peer broke a rule: close with code (1002, 1007, 1009) and drop the
 * connection (RFC 6455 7.1.7: "Fail the WebSocket Connection"). */
static int fail(wa_ws *ws, wa_ws_msg *msg, int code, const char *why)
{
    engine *e = ws->impl;
    if (!e->sent_close && !e->failed && !e->t_closed)
        send_close_frame(ws, code, why, strlen(why));
    e->failed = 1;
    shut_transport(e);
    wa__ws_set_closed(ws, code, why, strlen(why));
    wa_event_set(e->peer_done);
    msg->type = WA_WS_CLOSE;
    msg->close_code = code;
    return code == WA_WS_TOO_BIG ? WA_ETOOBIG : WA_EWSPROTO;
}

/* The stream ended (or broke) without a close frame: 1006. */
static int abnormal(wa_ws *ws, wa_ws_msg *msg)
{
    engine *e = ws->impl;
    e->failed = 1;
    shut_transport(e);
    wa__ws_set_closed(ws, WA_WS_ABNORMAL, NULL, 0);
    wa_event_set(e->peer_done);
    msg->type = WA_WS_CLOSE;
    msg->close_code = WA_WS_ABNORMAL;
    return WA_EWSABNORMAL;
}

/* ------------------------------------------------------------ reading */

/* Read more frame bytes after what is buffered: >0, or 0 / an error. */
static long fill(engine *e)
{
    if (e->t_closed)
        return WA_ECLOSED;
    if (e->in_off > 0) {
        memmove(e->in, e->in + e->in_off, e->in_len);
        e->in_off = 0;
    }
    return e->t->ops->read(e->t, e->in + e->in_len, IN_CAP - e->in_len);
}

/* Frame-level rules checked as soon as the header is in (RFC 6455 5.1-5.5). */
static int check_header(wa_ws *ws, wa_ws_msg *msg)
{
    engine *e = ws->impl;
    wa__ws_frame *f = &e->fr;
    if (f->rsv)
        return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "reserved bits set"); /* 5.2: no extension */
    if (f->masked == e->is_client)
        return fail(ws, msg, WA_WS_PROTOCOL_ERROR,
                    e->is_client ? "masked server frame" : "unmasked client frame"); /* 5.1 */
    switch (f->opcode) {
    case WA_WS_OP_CLOSE:
    case WA_WS_OP_PING:
    case WA_WS_OP_PONG:
        if (!f->fin || f->len > 125) /* 5.5 */
            return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "bad control frame");
        return 0;
    case WA_WS_OP_CONT:
        if (!e->msg_op) /* 5.4 */
            return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "continuation without a message");
        break;
    case WA_WS_OP_TEXT:
    case WA_WS_OP_BINARY:
        if (e->msg_op) /* 5.4: fragments of one message are not interleaved */
            return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "new message inside a fragmented one");
        e->msg_op = f->opcode;
        e->msg_len = 0;
        memset(&e->utf8, 0, sizeof e->utf8);
        break;
    default: /* 5.2: reserved opcodes */
        return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "reserved opcode");
    }
    if (f->len > ws->max_message - e->msg_len) /* 10.4 */
        return fail(ws, msg, WA_WS_TOO_BIG, "message too big");
    /* Room for the payload is made as it arrives (reserve), so a frame
     * that announces much and sends little costs little. */
    return 0;
}

/* Room for need bytes of message and its NUL. */
static int reserve(engine *e, size_t need) { return wa__grow(&e->msg, &e->msg_cap, need, 1, 256); }

/* Take n payload bytes at p (already in place) into the current frame. */
static int take_payload(wa_ws *ws, wa_ws_msg *msg, uint8_t *p, size_t n)
{
    engine *e = ws->impl;
    if (e->fr.masked)
        wa__ws_mask(p, n, e->fr.mask, e->fr_done);
    e->fr_done += n;
    if (e->fr.opcode >= 8)
        return 0;
    if (e->msg_op == WA_WS_OP_TEXT && !wa__utf8_feed(&e->utf8, p, n)) /* 8.1: fail fast */
        return fail(ws, msg, WA_WS_INVALID_DATA, "invalid UTF-8");
    e->msg_len += n;
    return 0;
}

/* A whole control frame is in e->ctrl: answer it. 1 when it is a close to
 * hand to the caller, 0 to go on, or an error. */
static int on_control(wa_ws *ws, wa_ws_msg *msg)
{
    engine *e = ws->impl;
    size_t n = (size_t)e->fr.len;
    if (e->fr.opcode == WA_WS_OP_PONG)
        return 0;
    if (e->fr.opcode == WA_WS_OP_PING) {
        if (e->sent_close)
            return 0;
        /* 5.5.3: answer with the same payload; only the latest is owed. */
        memcpy(e->pong, e->ctrl, n);
        e->pong_len = n;
        e->pong_owed = 1;
        return 0;
    }
    /* Close (5.5.1, 7.4). */
    int code = WA_WS_NO_STATUS;
    const char *reason = "";
    size_t rlen = 0;
    if (n == 1)
        return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "close frame of one byte");
    if (n >= 2) {
        code = e->ctrl[0] << 8 | e->ctrl[1];
        if (!wa__ws_close_code_ok(code))
            return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "invalid close code");
        reason = (const char *)e->ctrl + 2;
        rlen = n - 2;
        if (!wa__utf8_valid(reason, rlen))
            return fail(ws, msg, WA_WS_INVALID_DATA, "invalid UTF-8 in close reason");
    }
    e->got_close = 1;
    if (!e->sent_close) {
        /* Echo the code (5.5.1); a close without one is answered without one. */
        send_close_frame(ws, code == WA_WS_NO_STATUS ? 0 : code, "", 0);
    }
    wa__ws_set_closed(ws, code, reason, rlen);
    shut_transport(e);
    wa_event_set(e->peer_done);
    msg->type = WA_WS_CLOSE;
    msg->close_code = code;
    msg->data = wa__strndup(reason, rlen);
    msg->len = msg->data ? rlen : 0;
    return 1;
}

/* A data message is complete: move it into msg. */
static int deliver(wa_ws *ws, wa_ws_msg *msg)
{
    engine *e = ws->impl;
    if (e->msg_op == WA_WS_OP_TEXT && !wa__utf8_complete(&e->utf8))
        return fail(ws, msg, WA_WS_INVALID_DATA, "text ends inside a character");
    msg->type = e->msg_op;
    msg->len = e->msg_len;
    if (!e->msg) {
        e->msg = malloc(1);
        if (!e->msg)
            return fail(ws, msg, WA_WS_INTERNAL, "out of memory");
    }
    e->msg[e->msg_len] = '\0';
    /* Hand over the buffer when it is not much larger than the message; a
     * small message copies, so the buffer's capacity is reused. */
    if (e->msg_cap <= 2 * (e->msg_len + 1) || e->msg_len >= 64 * 1024) {
        msg->data = e->msg;
        e->msg = NULL;
        e->msg_cap = 0;
    } else {
        msg->data = wa__strndup(e->msg, e->msg_len);
        if (!msg->data)
            return fail(ws, msg, WA_WS_INTERNAL, "out of memory");
    }
    e->msg_op = 0;
    e->msg_len = 0;
    return 0;
}

static int flush_pong(wa_ws *ws)
{
    engine *e = ws->impl;
    int rc = wa_lock_acquire(e->send_lock);
    if (rc < 0)
        return rc;
    if (e->pong_owed && !e->sent_close && !e->failed && !e->t_closed) {
        e->pong_owed = 0;
        rc = write_frame(ws, WA_WS_OP_PONG, e->pong, e->pong_len);
    }
    e->pong_owed = 0;
    wa_lock_release(e->send_lock);
    return rc == WA_ECANCELED || rc == WA_ETIMEDOUT ? rc : 0;
}

static int engine_receive(wa_ws *ws, wa_ws_msg *msg)
{
    engine *e = ws->impl;
    for (;;) {
        if (e->pong_owed) {
            int rc = flush_pong(ws);
            if (rc < 0)
                return rc;
        }
        if (e->got_close || e->failed || e->t_closed)
            return WA_ECLOSED;
        if (!e->have_header) {
            int h = wa__ws_frame_parse(e->in + e->in_off, e->in_len, &e->fr);
            if (h < 0)
                return fail(ws, msg, WA_WS_PROTOCOL_ERROR, "64-bit length with the top bit set");
            if (h == 0) {
                long n = fill(e);
                if (n == WA_ECANCELED || n == WA_ETIMEDOUT)
                    return (int)n;
                if (n <= 0)
                    return abnormal(ws, msg);
                e->in_len += (size_t)n;
                continue;
            }
            e->in_off += (size_t)h;
            e->in_len -= (size_t)h;
            e->have_header = 1;
            e->fr_done = 0;
            int rc = check_header(ws, msg);
            if (rc < 0)
                return rc;
        }
        /* The payload: from the buffer first, then straight from the stream
         * into the message when much is left. */
        uint64_t left = e->fr.len - e->fr_done;
        if (left > 0 && e->in_len > 0) {
            size_t n = e->in_len < left ? e->in_len : (size_t)left;
            if (e->fr.opcode < 8 && reserve(e, e->msg_len + n + 1) < 0)
                return fail(ws, msg, WA_WS_INTERNAL, "out of memory");
            uint8_t *dst =
                e->fr.opcode >= 8 ? e->ctrl + e->fr_done : (uint8_t *)e->msg + e->msg_len;
            memcpy(dst, e->in + e->in_off, n);
            e->in_off += n;
            e->in_len -= n;
            int rc = take_payload(ws, msg, dst, n);
            if (rc < 0)
                return rc;
            left -= n;
        }
        if (left > 0) {
            long n;
            if (e->fr.opcode < 8 && left >= DIRECT_MIN) {
                size_t want = left < DIRECT_MAX ? (size_t)left : DIRECT_MAX;
                if (reserve(e, e->msg_len + want + 1) < 0)
                    return fail(ws, msg, WA_WS_INTERNAL, "out of memory");
                uint8_t *dst = (uint8_t *)e->msg + e->msg_len;
                n = e->t_closed ? WA_ECLOSED : e->t->ops->read(e->t, dst, want);
                if (n > 0) {
                    int rc = take_payload(ws, msg, dst, (size_t)n);
                    if (rc < 0)
                        return rc;
                    continue;
                }
            } else {
                n = fill(e);
                if (n > 0) {
                    e->in_len += (size_t)n;
                    continue;
                }
            }
            if (n == WA_ECANCELED || n == WA_ETIMEDOUT)
                return (int)n;
            return abnormal(ws, msg);
        }
        /* The frame is complete. */
        e->have_header = 0;
        if (e->fr.opcode >= 8) {
            int rc = on_control(ws, msg);
            if (rc != 0)
                return rc < 0 ? rc : 0;
            continue;
        }
        if (e->fr.fin)
            return deliver(ws, msg);
    }
}

/* ------------------------------------------------------------ closing */

static int engine_close(wa_ws *ws, int code, const char *reason, size_t rlen)
{
    engine *e = ws->impl;
    if (e->sent_close)
        return WA_ECLOSED; /* another task is closing */
    int rc = send_close_frame(ws, code, reason, rlen);
    if (rc == WA_ECANCELED || rc == WA_ETIMEDOUT)
        return rc;
    if (rc == WA_ECLOSED && e->sent_close && !e->failed && !e->t_closed)
        return WA_ECLOSED; /* another task sent it while this one waited */
    int first = ws->close_code == 0;
    wa__ws_set_closed(ws, code, reason, rlen);
    if (rc < 0) {
        /* Our close never left: the connection was already broken. */
        shut_transport(e);
        if (first)
            ws->close_code = WA_WS_ABNORMAL;
        return WA_EWSABNORMAL;
    }
    /* Wait for the peer's close (7.1.2), dropping data meanwhile; if another
     * task is receiving, it reads the close and this waits for it. */
    wa_timeout scope;
    wa_timeout_enter(&scope, ws->close_timeout_ms);
    int got = 0;
    if (ws->receiving) {
        rc = wa_event_wait(e->peer_done);
        got = rc == 0 && e->got_close;
    } else {
        ws->receiving = 1;
        for (;;) {
            wa_ws_msg m = {0};
            rc = engine_receive(ws, &m);
            int type = m.type;
            wa_ws_msg_free(&m);
            if (rc == 0 && type == WA_WS_CLOSE) {
                got = 1;
                break;
            }
            if (rc < 0)
                break;
        }
        ws->receiving = 0;
    }
    int timed_out = wa_timeout_exit(&scope) == WA_ETIMEDOUT;
    shut_transport(e);
    if (rc == WA_ECANCELED)
        return rc;
    if (!got) {
        (void)timed_out;
        ws->close_code = WA_WS_ABNORMAL;
        return WA_EWSABNORMAL;
    }
    return 0;
}

static size_t engine_buffered(const wa_ws *ws)
{
    (void)ws;
    return 0; /* a send returns once its bytes are with the network */
}

static void engine_free(wa_ws *ws)
{
    engine *e = ws->impl;
    if (!e)
        return;
    if (!e->sent_close && !e->failed && !e->t_closed) {
        /* Freed while open (a handler cancelled by the server's shutdown,
         * a program leaving): say so with 1001 rather than a bare 1006.
         * Nobody is inside a call on ws now, so no frame is half-sent. */
        static const uint8_t going_away[] = {WA_WS_GOING_AWAY >> 8, WA_WS_GOING_AWAY & 0xFF};
        e->sent_close = 1;
        write_frame_how(ws, WA_WS_OP_CLOSE, going_away, sizeof going_away, 1);
    }
    shut_transport(e);
    wa_lock_free(e->send_lock);
    wa_event_free(e->peer_done);
    free(e->in);
    free(e->msg);
    free(e->scratch);
    free(e);
    ws->impl = NULL;
}

/* wa_ws_free while other tasks are inside: the connection ends now. */
static void engine_abort(wa_ws *ws)
{
    engine *e = ws->impl;
    e->failed = 1;
    wa__ws_set_closed(ws, WA_WS_ABNORMAL, NULL, 0);
    shut_transport(e);
    wa_event_set(e->peer_done);
}

static const wa__ws_ops engine_ops = {
    .send = engine_send,
    .receive = engine_receive,
    .close = engine_close,
    .buffered = engine_buffered,
    .free = engine_free,
    .abort = engine_abort,
};

int wa__ws_engine_attach(wa_ws *ws, wa__ws_transport *t, int is_client, const void *early,
                         size_t early_len)
{
    engine *e = calloc(1, sizeof *e);
    if (e) {
        e->in = malloc(IN_CAP);
        e->send_lock = wa_lock_new();
        e->peer_done = wa_event_new();
    }
    if (!e || !e->in || !e->send_lock || !e->peer_done || early_len > IN_CAP) {
        if (e) {
            free(e->in);
            if (e->send_lock)
                wa_lock_free(e->send_lock);
            if (e->peer_done)
                wa_event_free(e->peer_done);
            free(e);
        }
        t->ops->close(t);
        return WA_ENOMEM;
    }
    e->t = t;
    e->is_client = is_client;
    if (early_len)
        memcpy(e->in, early, early_len);
    e->in_len = early_len;
    ws->impl = e;
    ws->ops = &engine_ops;
    ws->is_client = is_client;
    return 0;
}
