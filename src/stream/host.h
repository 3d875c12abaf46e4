/* host.h (src/stream/): what each host backend implements for byte streams,
 * and what the portable stream layer (the .c files of src/stream/) offers it in return.
 *
 * The split follows asyncio's transport and protocol. A backend owns the
 * sockets: connect by name, listen and accept, read, write, half-close,
 * close, names. The portable layer owns everything else, once for every
 * target: the read buffer and readline/readuntil/readexactly, the limit, the
 * write buffer and drain's water marks, pausing reads when the buffer is full,
 * the close sequence, server handler tasks, cancellation and timeouts.
 *
 * Backends: native (src/host/native/stream*.c: libuv TCP and pipes, OpenSSL
 * TLS client), WASI 0.2 (src/host/wasip2/: wasi:sockets), web
 * (src/host/web/: node:net under Node; in a browser every call refuses with
 * wa__stream_unsupported), WASI preview1 (src/host/wasi/: refuses).
 *
 * Threading and re-entry: every function here runs on the loop's thread.
 * A backend calls the wa__stream_on_* callbacks from its completions (inside
 * wa__host_poll, or a JS callback that then runs the loop), never from inside
 * one of the wa__sconn_* calls below, except where a comment says so.
 */
#ifndef WA_STREAM_HOST_H
#define WA_STREAM_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "wasyncio.h"

/* A backend's connection and listener. Each backend defines the structs. */
typedef struct wa__sconn wa__sconn;
typedef struct wa__slisten wa__slisten;

/* Where to connect or listen, as wa_open_connection/wa_start_server were
 * given it, with opts normalised (never NULL, every default applied, flags
 * checked). TCP: host (NULL only for a server on every interface) and port
 * (1..65535 to connect, 0..65535 to listen); Unix: path, host NULL. */
typedef struct wa__stream_target {
    const char *host;
    int port;
    const char *path;
    const wa_stream_opts *opts;
} wa__stream_target;

/* =================================================== what a backend implements */

/* ---- connections */

/* Connect to t and bind the connection to s: from then on the backend reports
 * to s through the wa__stream_on_* callbacks. For a host name: resolve it
 * without blocking the loop and try each address in order until one accepts,
 * returning the last address's error if none does. Then, for
 * WA_STREAM_TLS (native only; others return WA_ENOTSUP before connecting),
 * the handshake, with t->opts->tls_handshake_timeout_ms.
 * Suspends the calling task (a wa_op, core/backend.h). Returns 0 with *out
 * set, reading NOT started yet; or an error code with nothing left behind:
 * when the task is interrupted (WA_ECANCELED, WA_ETIMEDOUT) the backend drops
 * the attempt, closes what it opened, and never touches s again.
 * Name lookup failure: WA_EDNS. Unix path missing: WA_ENOENT. */
int wa__sconn_connect(wa_stream *s, const wa__stream_target *t, wa__sconn **out);

/* Start / stop delivering bytes with wa__stream_rbuf + wa__stream_on_read
 * (flow control: the portable layer stops reading while its buffer is full).
 * Both are idempotent and cheap. After EOF or an error nothing more comes. */
void wa__sconn_read_start(wa__sconn *c);
void wa__sconn_read_stop(wa__sconn *c);

/* Send what the socket takes now, without waiting: returns the count taken
 * (0..n; 0 when it would block), or a connection error. Called only while no
 * wa__sconn_write is in flight, so bytes stay in order. A backend with no
 * cheap way to try may return 0 always. */
long wa__sconn_try_write(wa__sconn *c, const void *data, size_t n);

/* Start sending all n bytes (n > 0). data stays valid and unchanged until
 * the backend calls wa__stream_on_written(s, status); one write is in flight
 * at a time. Returns 0, or an error code (then no callback comes). */
int wa__sconn_write(wa__sconn *c, const void *data, size_t n);

/* End the sending side (write EOF). Called only with no write in flight.
 * Returns 0 or an error; a failure later is reported via on_lost. TLS
 * connections return WA_ENOTSUP. */
int wa__sconn_shutdown(wa__sconn *c);

/* Close the connection: reset != 0 resets it (TCP RST, SO_LINGER 0) where
 * the platform can. Called once. From this call on the backend calls no
 * callback on s except, exactly once and later (never from inside this call),
 * wa__stream_on_closed(s); after that it does not touch s. A write in flight
 * is abandoned (no on_written). A TLS connection sends its close_notify
 * first when reset is 0 and it can without waiting. */
void wa__sconn_close(wa__sconn *c, int reset);

/* The peer's (peer != 0) or our own address: numeric host (or a Unix
 * socket's path) into host[cap] and the port into *port (0 for Unix); either
 * may be NULL. 0, WA_ENOTSUP, or an error. */
int wa__sconn_name(const wa__sconn *c, int peer, char *host, size_t cap, int *port);

/* ---- servers */

/* Listen on t for srv: host NULL means every interface, a name is resolved
 * (without blocking the loop) and every address it names is listened on;
 * port 0 picks a free port, the same for every address where it can. Sets
 * *port to the bound port (0 for Unix). Unix: a stale socket file at the path
 * is replaced, another kind of file gives WA_EADDRINUSE, and the file is
 * removed when the listener closes. May suspend (name lookup); an interrupted
 * call leaves nothing behind. Accepted connections are handed to
 * wa__stream_accepted(srv, ...). A backend counts every open connection and
 * listener in wa__host_pending so a task waiting on one is not taken for a
 * deadlock. EMFILE while accepting: refuse that client (close it at once if
 * the platform already took it) and keep listening. */
int wa__slisten_open(wa_stream_server *srv, const wa__stream_target *t, wa__slisten **out,
                     int *port);

/* Stop accepting and close the listening sockets. Called once. Later (never
 * from inside this call) the backend calls wa__stream_server_unlistened(srv)
 * exactly once and does not touch srv or l after it. */
void wa__slisten_close(wa__slisten *l);

/* ============================================ what the portable layer offers */

/* Room for incoming bytes: a pointer into s's read buffer with *cap >= 1
 * free bytes (about `want` when 0 < want; the layer picks when 0). The next
 * call on s must be wa__stream_on_read (with n <= *cap) or nothing; the
 * pointer is invalid after any other call on s. NULL (out of memory): the
 * backend reports on_lost(s, WA_ENOMEM). */
void *wa__stream_rbuf(wa_stream *s, size_t want, size_t *cap);

/* n bytes (n >= 1) were put at the last wa__stream_rbuf pointer. */
void wa__stream_on_read(wa_stream *s, size_t n);

/* The peer ended its sending side: no more bytes will come. */
void wa__stream_on_eof(wa_stream *s);

/* The connection failed (code: WA_ECONNRESET, WA_EPIPE, WA_ETLS, ...): no
 * more reads, writes fail. The portable layer then closes the connection. */
void wa__stream_on_lost(wa_stream *s, int code);

/* The write started by wa__sconn_write finished: status 0, or its error
 * (followed by nothing else: the portable layer treats it as on_lost). */
void wa__stream_on_written(wa_stream *s, int status);

/* The connection is closed and the backend has forgotten s (see
 * wa__sconn_close). */
void wa__stream_on_closed(wa_stream *s);

/* A listener accepted c (open, reading not started). Returns the stream the
 * backend reports to from now on, with a handler task spawned for it; or NULL
 * (out of memory, server closing): the backend closes c itself and reports
 * nothing for it. */
wa_stream *wa__stream_accepted(wa_stream_server *srv, wa__sconn *c);

/* The listener passed to wa__slisten_close is fully closed (see there). */
void wa__stream_server_unlistened(wa_stream_server *srv);

/* For backends without sockets (a browser, WASI preview1): print once per
 * process on stderr why (what: "a browser", "WASI preview1") and return
 * WA_ENOTSUP. Every wa__sconn_connect / wa__slisten_open of such a backend
 * returns this at once, without suspending. */
int wa__stream_unsupported(const char *what);

#endif
