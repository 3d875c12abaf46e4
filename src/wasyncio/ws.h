/* wasyncio/ws.h: WebSocket (RFC 6455) client and server: wa_ws_connect,
 * wa_ws_accept, and one API for both ends afterwards (send, receive, ping,
 * close). Part of the public API: include <wasyncio.h>, which includes it.
 *
 * Targets. Native: ws:// and wss:// client, and a server that upgrades a
 * request of the HTTP server (wa_app). WASI 0.2 command: the client, RFC 6455
 * over wasi:sockets (the streams layer). Browser: the page's own WebSocket.
 * Node: see the README's WebSocket section. A wasi:http proxy component cannot
 * upgrade a request (the interface has no raw connection): wa_ws_accept
 * returns WA_ENOTSUP there, and on WASI preview1 everything does.
 *
 * Model (aiohttp's ws_connect / WebSocketResponse): one task may receive
 * while others send; sends are whole messages and never interleave. Pings
 * are answered for you. A close from the peer is answered for you and
 * handed to the receiver as a WA_WS_CLOSE message with its code and reason.
 */
#ifndef WASYNCIO_WS_H
#define WASYNCIO_WS_H

#ifndef WASYNCIO_H
#error "include <wasyncio.h>, not <wasyncio/ws.h>"
#endif

typedef struct wa_ws wa_ws;

/* Message types: the RFC 6455 opcodes of a data frame, and close. */
#define WA_WS_TEXT   1
#define WA_WS_BINARY 2
#define WA_WS_CLOSE  8

/* Close codes (RFC 6455 section 7.4.1) a program meets most often. */
#define WA_WS_NORMAL         1000 /* done */
#define WA_WS_GOING_AWAY     1001 /* server shutting down, page leaving */
#define WA_WS_PROTOCOL_ERROR 1002 /* the peer broke a framing rule */
#define WA_WS_UNSUPPORTED    1003 /* a message type the endpoint cannot take */
#define WA_WS_NO_STATUS      1005 /* a close frame without a code (never sent) */
#define WA_WS_ABNORMAL       1006 /* the connection ended without a close (never sent) */
#define WA_WS_INVALID_DATA   1007 /* text that is not UTF-8 */
#define WA_WS_POLICY         1008
#define WA_WS_TOO_BIG        1009 /* a message over max_message */
#define WA_WS_INTERNAL       1011

/* Defaults of wa_ws_opts. */
#define WA_WS_DEFAULT_MAX_MESSAGE          ((size_t)4 << 20) /* aiohttp's max_msg_size */
#define WA_WS_DEFAULT_HANDSHAKE_TIMEOUT_MS 30000u
#define WA_WS_DEFAULT_CLOSE_TIMEOUT_MS     10000u /* aiohttp's close timeout */

#define WA_WS_INSECURE 1u /* wss: skip certificate and host name checks (tests only) */

typedef struct wa_ws_opts {
    /* Client: extra request headers, NULL-terminated "Name: value" strings
     * (Origin, Authorization, cookies). Server: extra 101 response headers. */
    const char *const *headers;
    /* NULL-terminated subprotocol names. Client: offered in
     * Sec-WebSocket-Protocol, the server picks one (wa_ws_protocol).
     * Server: the ones supported, in preference order; the first one the
     * client also offered is selected. No match: no subprotocol (as aiohttp). */
    const char *const *protocols;
    size_t max_message;            /* 0 = 4 MiB; a bigger message closes with 1009 */
    uint64_t handshake_timeout_ms; /* client: connect + 101; 0 = 30 s, WA_NO_TIMEOUT = none */
    uint64_t close_timeout_ms;     /* wait for the peer's close reply; 0 = 10 s */
    unsigned flags;                /* WA_WS_* */
    const char *ca_file;           /* wss, native: PEM CA bundle instead of the system's */
} wa_ws_opts;

/* A received message. data is malloc'd and owned by the message until
 * wa_ws_msg_free; text is UTF-8 (validated) and NUL-terminated. For
 * WA_WS_CLOSE, close_code is the peer's code (1005 if it sent none, 1006 when
 * the connection was lost) and data/len its reason. */
typedef struct wa_ws_msg {
    int type; /* WA_WS_TEXT, WA_WS_BINARY or WA_WS_CLOSE */
    char *data;
    size_t len;
    int close_code; /* WA_WS_CLOSE only; else 0 */
} wa_ws_msg;

/* Open a client connection to ws:// or wss:// url and complete the opening
 * handshake. On 0, *out is the connection (free with wa_ws_free). Errors:
 * WA_EURL, WA_ESCHEME (not ws/wss), WA_EDNS, WA_ECONNREFUSED, WA_ETLS,
 * WA_ETIMEDOUT (handshake_timeout_ms), WA_EWSHANDSHAKE (the server answered
 * something other than a valid 101: wa_ws_connect_status in the message
 * below), WA_ENOTSUP (the target has no WebSocket). */
WA_EXTERN int wa_ws_connect(const char *url, const wa_ws_opts *opts, wa_ws **out);

/* The HTTP status of the last refused handshake on this thread (404 for a
 * route that does not exist), or 0. */
WA_EXTERN int wa_ws_connect_status(void);

/* Server, inside a route handler of wa_app: answer req with 101 Switching
 * Protocols and take the connection over. The handler then keeps running
 * and uses *out like a client's connection, as aiohttp's WebSocketResponse
 * lives in its handler: free *out before returning (if it is still open,
 * that sends 1001); the connection closes when the handler returns. The
 * HTTP server's timeouts stop at the 101; on its shutdown the handler is
 * cancelled at once. The handler's task must be the one that calls this.
 * A request that is not a valid upgrade gets 400 (426 for a wrong
 * Sec-WebSocket-Version) in reply and WA_EWSHANDSHAKE. Native only; WASI 0.2
 * proxy components: WA_ENOTSUP (wasi:http has no upgrade). */
WA_EXTERN int wa_ws_accept(const wa_request *req, wa_reply *reply, const wa_ws_opts *opts,
                           wa_ws **out);

/* Server over a byte stream, without wa_app: read the opening handshake
 * from s (a connection that wa_start_server accepted, wasyncio/stream.h),
 * answer 101 and take the stream over. For programs that serve only
 * WebSockets, and for targets whose streams listen but whose wa_app cannot
 * upgrade: a WASI 0.2 command (wasi:sockets). The head must arrive within
 * handshake_timeout_ms (30 s; a slowloris client gets WA_ETIMEDOUT). Not an
 * upgrade: 400 (426 for the version) is sent and WA_EWSHANDSHAKE returned.
 * The stream stays the server's: free *out before the handler returns. */
WA_EXTERN int wa_ws_accept_stream(wa_stream *s, const wa_ws_opts *opts, wa_ws **out);

/* The request target (path and query): the one a server accepted (route it
 * with wa_ws_accept_stream), or the one a client asked for. */
WA_EXTERN const char *wa_ws_path(const wa_ws *ws);

/* Send one message; returns when it is handed to the connection (natively:
 * written to the socket, so a peer that does not read holds the sender:
 * backpressure). wa_ws_send_text takes a NUL-terminated string,
 * wa_ws_send_text_n len bytes; text must be UTF-8 (WA_EINVAL otherwise, and
 * nothing is sent). After a close: WA_ECLOSED. */
WA_EXTERN int wa_ws_send_text(wa_ws *ws, const char *text);
WA_EXTERN int wa_ws_send_text_n(wa_ws *ws, const char *text, size_t len);
WA_EXTERN int wa_ws_send_binary(wa_ws *ws, const void *data, size_t len);

/* Send a ping (payload up to 125 bytes). Pongs are consumed silently. */
WA_EXTERN int wa_ws_ping(wa_ws *ws, const void *data, size_t len);

/* Wait for the next message (one await). Returns 0 with *msg filled (TEXT,
 * BINARY or the peer's CLOSE, which has been answered). Afterwards, or after
 * our own close: WA_ECLOSED. Errors fill msg as a WA_WS_CLOSE with the code
 * the program may want to see:
 *   WA_EWSABNORMAL  the connection ended without a close frame (1006);
 *   WA_EWSPROTO     the peer broke the protocol: we closed with 1002, or
 *                   1007 for text that is not UTF-8;
 *   WA_ETOOBIG      a message over max_message: we closed with 1009.
 * Cancelled or timed out (WA_ECANCELED, WA_ETIMEDOUT): nothing is lost; the
 * bytes read so far stay with the connection for the next wa_ws_receive.
 * One receiver at a time: WA_EBUSY for a second one. */
WA_EXTERN int wa_ws_receive(wa_ws *ws, wa_ws_msg *msg);

/* Free a message's data (msg is zeroed; NULL or an empty one is fine). */
WA_EXTERN void wa_ws_msg_free(wa_ws_msg *msg);

/* Start the closing handshake with code (1000 if 0; 1000..4999 but not
 * 1004..1006, 1015; else WA_EINVAL) and reason (NULL or up to 123 bytes of
 * UTF-8), wait up to close_timeout_ms for the peer's close, then close the
 * connection. Messages arriving meanwhile are dropped, as aiohttp does.
 * Returns 0, WA_ECLOSED if already closed, or WA_EWSABNORMAL if the peer
 * never answered (the timeout) or the connection broke. */
WA_EXTERN int wa_ws_close(wa_ws *ws, int code, const char *reason);

/* The close code once closed (received, or ours if we closed first; 1006
 * for an abnormal end), else 0; and its reason ("" when none). */
WA_EXTERN int wa_ws_close_code(const wa_ws *ws);
WA_EXTERN const char *wa_ws_close_reason(const wa_ws *ws);
/* 1 once closed (after the handshake or abnormal end), 0 if open, WA_EINVAL. */
WA_EXTERN int wa_ws_closed(const wa_ws *ws);

/* The subprotocol both sides agreed on, or NULL. */
WA_EXTERN const char *wa_ws_protocol(const wa_ws *ws);

/* Bytes queued by sends and not yet handed to the network (the browser's
 * bufferedAmount; natively 0 between sends, since a send waits). */
WA_EXTERN size_t wa_ws_buffered_amount(const wa_ws *ws);

/* Send the same message to n connections, framing it once; closed (or NULL)
 * ones are skipped. Each send runs in its own task, so one slow reader does
 * not hold the others back beyond its own socket. Returns how many
 * connections took it, or WA_EINVAL / WA_ENOMEM. */
WA_EXTERN int wa_ws_broadcast(wa_ws *const *conns, size_t n, int type, const void *data,
                              size_t len);

/* Free the connection. If it is still open, a close frame with 1001 (going
 * away) is queued and the connection closed without waiting for the answer.
 * If other tasks are inside calls on it, the connection ends at once (1006)
 * and they return; it is freed when the last one has. NULL is fine. */
WA_EXTERN void wa_ws_free(wa_ws *ws);

#endif /* WASYNCIO_WS_H */
