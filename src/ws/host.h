/* host.h (src/ws/): the WebSocket half of the host contract. A target either
 * supplies its own WebSocket (the browser's, Node's) as a table of
 * operations, or hands the portable RFC 6455 engine of src/ws/ a byte
 * transport (a TCP or TLS connection: a wa_stream, or the native HTTP
 * server's upgraded connection). Exactly one backend is linked, and it
 * implements both functions at the end of this file (WA_ENOTSUP allowed).
 *
 * What src/ws/ does for every target, before a backend is called: URL
 * parsing, option defaults, argument checks (close codes, UTF-8 of text to
 * send, reason length), the one-receiver rule and the closed state. A host
 * WebSocket therefore only moves messages.
 */
#ifndef WA_WS_HOST_H
#define WA_WS_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "wasyncio.h"

/* ------------------------------------------------------------ transport */

/* A connected byte stream the RFC 6455 engine frames over. Every call is made
 * from a task and may suspend; one reader and one writer at a time. */
typedef struct wa__ws_transport wa__ws_transport;
typedef struct wa__ws_transport_ops {
    /* Read 1..n bytes: the count, 0 at end of stream, or an error code.
     * Interrupted (WA_ECANCELED, WA_ETIMEDOUT) it must lose no byte: what
     * arrives later is returned by the next read. */
    long (*read)(wa__ws_transport *t, void *buf, size_t n);
    /* Write every byte of n buffers; return when they are handed to the
     * network (that wait is the backpressure). 0 or an error code. An
     * interrupted write may have sent a prefix: the engine then closes. */
    int (*write)(wa__ws_transport *t, const void *const *bufs, const size_t *lens, size_t n);
    /* Send what is queued, then close the connection. Does not suspend. A
     * read or write in progress (another task's) returns WA_ECLOSED; t is
     * freed once none is left. No call on t after this. */
    void (*close)(wa__ws_transport *t);
    /* Optional: queue n buffers to be sent before the close, without
     * waiting (for the 1001 close of a connection freed while open). */
    int (*send_now)(wa__ws_transport *t, const void *const *bufs, const size_t *lens, size_t n);
} wa__ws_transport_ops;

struct wa__ws_transport {
    const wa__ws_transport_ops *ops;
};

/* ------------------------------------------------------------ connections */

/* A connection's operations: the engine's (src/ws/engine.c) or a host's
 * own WebSocket. ws.c has checked every argument and the state; close and
 * free are each called once. */
typedef struct wa__ws_ops {
    /* opcode: WA_WS_TEXT, WA_WS_BINARY or 9 (ping, len <= 125). */
    int (*send)(wa_ws *ws, int opcode, const void *data, size_t len);
    /* As wa_ws_receive (msg zeroed; fill a WA_WS_CLOSE with the code on
     * errors and on the peer's close, and set ws->close_code/close_reason). */
    int (*receive)(wa_ws *ws, wa_ws_msg *msg);
    /* As wa_ws_close, code and reason checked (reason_len <= 123). */
    int (*close)(wa_ws *ws, int code, const char *reason, size_t reason_len);
    size_t (*buffered)(const wa_ws *ws);
    /* Drop everything (abort an open connection without a handshake). */
    void (*free)(wa_ws *ws);
    /* Optional: wa_ws_free while other tasks are inside calls on ws: end
     * the connection now (1006) so each of those calls returns (WA_ECLOSED,
     * WA_EWSABNORMAL); free follows once the last one has. */
    void (*abort)(wa_ws *ws);
} wa__ws_ops;

/* The connection object: the fields ws.c keeps for every target, and the
 * implementation's own state. */
struct wa_ws {
    const wa__ws_ops *ops;
    void *impl;         /* the engine's or the host's state */
    char *protocol;     /* agreed subprotocol (malloc'd) or NULL */
    int close_code;     /* 0 while open */
    char *close_reason; /* malloc'd, or NULL for "" */
    int closed;         /* 1: no more sends */
    int receiving;      /* a task is inside wa_ws_receive */
    int is_client;
    size_t max_message;        /* resolved: never 0 */
    uint64_t close_timeout_ms; /* resolved: never 0 */
    char *resource;            /* the request target (path and query), malloc'd, or NULL */
    unsigned users;            /* tasks inside calls on ws (ws.c) */
    int free_pending;          /* wa_ws_free came while users > 0 */
};

/* Record the close code and reason once (the first one wins). */
void wa__ws_set_closed(wa_ws *ws, int code, const char *reason, size_t reason_len);

/* A task enters / leaves a call on ws that may suspend (ws.c): a
 * wa_ws_free meanwhile is carried out by the last one to leave. */
void wa__ws_enter(wa_ws *ws);
void wa__ws_leave(wa_ws *ws);

/* ------------------------------------------------------------ client */

/* What wa_ws_connect hands a backend: the URL taken apart, defaults applied. */
typedef struct wa__ws_connect_req {
    const char *url;         /* as given */
    int secure;              /* wss:// */
    const char *host;        /* name or address, without IPv6 brackets */
    int port;                /* 80 / 443 unless given */
    const char *host_header; /* the Host header's value ("host[:port]") */
    const char *resource;    /* path and query, at least "/" */
    const char *const *headers;
    const char *const *protocols;
    uint64_t handshake_timeout_ms; /* 0 = none (ws.c already runs a scope) */
    unsigned flags;
    const char *ca_file;
} wa__ws_connect_req;

/* Open a client connection: fill ws (ops, impl, protocol) and return 0, or
 * an error code. A target with a byte transport dials it and calls
 * wa__ws_client_handshake; a target with its own WebSocket sets its ops. */
int wa__ws_host_connect(const wa__ws_connect_req *req, wa_ws *ws);

/* The engine's client side (handshake.c): send the opening request over t,
 * check the 101 (Sec-WebSocket-Accept, Upgrade, the subprotocol), and make
 * ws an engine connection on t. On error t is closed. */
int wa__ws_client_handshake(wa_ws *ws, wa__ws_transport *t, const wa__ws_connect_req *req);

/* What wa_ws_connect_status reports next: a host WebSocket's refused
 * handshake status (0 when it cannot know, or before a new attempt). */
void wa__ws_set_connect_status(int status);

/* A transport over a wa_stream (wasyncio/stream.h, stream_transport.c):
 * the dial of every target whose streams layer connects (native wss://,
 * the WASI 0.2 client). TLS for req->secure, with req's options. */
int wa__ws_stream_dial(const wa__ws_connect_req *req, wa__ws_transport **out);

/* ------------------------------------------------------------ server */

/* Send the 101 head (head_len bytes, complete with the blank line) for the
 * request of reply's handler and hand over its connection: the HTTP server
 * reads and writes nothing more on it, its timeouts stop, and when the
 * handler ends the connection is closed (if *out was not). Bytes that came
 * after the request head are the transport's first reads. WA_ENOTSUP where
 * requests cannot be upgraded (wasi:http, the browser). */
int wa__ws_host_upgrade(const wa_request *req, wa_reply *reply, const char *head, size_t head_len,
                        wa__ws_transport **out);

#endif
