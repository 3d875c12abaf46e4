/* js_imports.h: every function the Emscripten host imports from its
 * JavaScript half, in one place. Each is implemented in the js/ file its
 * comment names (passed to emcc with --js-library by js/wasyncio-emcc.sh;
 * a JS function is linked only when a linked object imports it). The calls
 * the other way, JS into C, are the EMSCRIPTEN_KEEPALIVE wa__web_* functions
 * of each C file. Ids are numbers JS chooses (> 0); functions returning int
 * give an id, 0, or a WA_E* code unless their comment says otherwise. */
#ifndef WA_HOST_WEB_JS_IMPORTS_H
#define WA_HOST_WEB_JS_IMPORTS_H

#include <stddef.h>

#include "core/backend.h"

/* Records JS reads or writes in wasm memory, owned by the C file named. */
typedef struct wa__sconn wa__sconn;       /* stream.c: a connection (src/stream/host.h) */
typedef struct wa__slisten wa__slisten;   /* stream.c: a listener (src/stream/host.h) */
typedef struct web_ws_entry web_ws_entry; /* ws.c: one entry of a socket's event queue */

/* ---- the loop (loop.c) */
/* js/wasyncio_loop.js: wake the loop after delay_ms (0: next macrotask, < 0: cancel). */
extern void wa__js_schedule(double delay_ms);
/* js/wasyncio_loop.js: hand a program's loop to JS callbacks (throws 'unwind'). */
extern void wa__js_unwind(void);
/* js/wasyncio_loop.js: the loop ended; returns 1 when C should exit() (a Node program). */
extern int wa__js_loop_ended(int code, int from_program);
/* js/wasyncio_loop.js: performance.now() (emscripten_get_now allocates in Node). */
extern double wa__js_now_ms(void);
/* js/wasyncio_loop.js: the module stops for good: waDone and every waCall settle with code. */
extern void wa__js_fatal(int code, int status);
/* js/wasyncio_loop.js: does nothing; missing from a plain emcc link, whose
 * error then names the command to use (it sorts first among undefined symbols). */
extern void WASYNCIO_LINK_WITH_wasyncio_emcc(void);

/* ---- JS promises C awaits (js.c) */
/* js/wasyncio_promise.js: call back op when promise `handle` settles; -1: unknown or taken. */
extern int wa__js_promise_watch(int handle, wa_op *op);
/* js/wasyncio_promise.js: drop a cancelled wait's callback. */
extern void wa__js_promise_forget(int handle);

/* ---- JS calls of C coroutines (call.c) */
/* js/wasyncio_call.js: settle waCall `id`: code 0 resolves with *v, else rejects with v->data. */
extern void wa__js_call_settled(int id, int code, const wa_js_value *v);
/* js/wasyncio_call.js: post one zero-delay macrotask that calls wa__web_linger_end. */
extern void wa__js_linger(void);
/* js/wasyncio_call.js: drop the macrotask wa__js_linger posted. */
extern void wa__js_linger_forget(void);

/* ---- fetch (fetch.c) */
/* js/wasyncio_fetch.js: start a request; returns its id or a WA_E* code. */
extern int wa__js_fetch_start(wa_op *op, const char *url, const char *method,
                              const char *const *headers, const void *body, size_t body_len,
                              double timeout_ms, int max_redirects, double max_body, int stream);
/* js/wasyncio_fetch.js: abort a request and forget it (no callback follows). */
extern void wa__js_fetch_abort(int id);
/* js/wasyncio_fetch.js: ask for a streamed body's next chunk; -1: unknown id. */
extern int wa__js_fetch_read(int id, wa_op *op);

/* ---- streams over node:net (stream.c) */
/* js/wasyncio_net.js: 1 under Node with node:net, 0 in a page. */
extern int wa__js_net_available(void);
/* js/wasyncio_net.js: connect to host:port or a Unix path; returns the socket's id. */
extern int wa__js_net_connect(wa_op *op, const char *host, int port, const char *path);
/* js/wasyncio_net.js: drop a socket or server C never bound (a cancelled connect or listen). */
extern void wa__js_net_forget(int id);
/* js/wasyncio_net.js: tie socket id to C's record x, which its events name. */
extern int wa__js_net_bind(int id, wa__sconn *x);
/* js/wasyncio_net.js: let bytes flow to C (on) or pause the socket. */
extern void wa__js_net_reading(int id, int on);
/* js/wasyncio_net.js: write all n bytes if they fit under the high-water mark; returns n or 0. */
extern int wa__js_net_try_write(int id, const void *data, int n);
/* js/wasyncio_net.js: queue n bytes; wa__web_net_written reports when they left. */
extern int wa__js_net_write(int id, const void *data, int n);
/* js/wasyncio_net.js: half-close (end our side). */
extern int wa__js_net_end(int id);
/* js/wasyncio_net.js: close, or reset; one closed event follows. */
extern void wa__js_net_close(int id, int reset);
/* js/wasyncio_net.js: the local or peer address into host (cap bytes); returns the port. */
extern int wa__js_net_name(int id, int peer, char *host, int cap);
/* js/wasyncio_net.js: listen for listener l; returns the server's id. */
extern int wa__js_net_listen(wa_op *op, wa__slisten *l, const char *host, int port,
                             const char *path, int backlog);
/* js/wasyncio_net.js: the port a listening server got. */
extern int wa__js_net_port(int id);
/* js/wasyncio_net.js: stop listening; wa__web_net_unlistened follows. */
extern void wa__js_net_unlisten(int id);

/* ---- WebSocket (ws.c) */
/* js/wasyncio_ws.js: open a client connection; the handshake's outcome lands in *out. */
extern int wa__js_ws_open(wa_op *op, web_ws_entry *out, const char *url,
                          const char *const *protocols, const char *const *headers,
                          double timeout_ms, double max_message, const char *ca_file, int insecure);
/* js/wasyncio_ws.js: 1: the next event is in *out; 0: op completes when one comes. */
extern int wa__js_ws_recv(int id, wa_op *op, web_ws_entry *out);
/* js/wasyncio_ws.js: drop a cancelled wait's op (the event stays queued). */
extern void wa__js_ws_forget(int id, wa_op *op);
/* js/wasyncio_ws.js: send a message; returns the bytes now buffered, or a WA_E* code. */
extern double wa__js_ws_send(int id, int kind, const void *data, size_t len);
/* js/wasyncio_ws.js: 1: at most low bytes are buffered; 0: op completes when so. */
extern int wa__js_ws_drain(int id, wa_op *op, double low);
/* js/wasyncio_ws.js: the bytes the socket has buffered. */
extern double wa__js_ws_buffered(int id);
/* js/wasyncio_ws.js: start the closing handshake (code 0: none); 1: the peer closed first. */
extern int wa__js_ws_close(int id, int code, const char *reason, size_t len);
/* js/wasyncio_ws.js: 1: the connection ended; 0: op completes when it does. */
extern int wa__js_ws_wait_end(int id, wa_op *op);
/* js/wasyncio_ws.js: how the connection ended (a close entry) into *out. */
extern int wa__js_ws_end(int id, web_ws_entry *out);
/* js/wasyncio_ws.js: send a ping (Node's ws only: WA_ENOTSUP in a page). */
extern int wa__js_ws_ping(int id, const void *data, size_t len);
/* js/wasyncio_ws.js: forget the socket, dropping it at once if still open. */
extern void wa__js_ws_free(int id);

#endif
