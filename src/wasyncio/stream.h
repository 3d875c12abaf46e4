/* wasyncio/stream.h: byte streams over TCP and Unix-domain sockets, the twin
 * of asyncio's streams (open_connection / start_server, StreamReader /
 * StreamWriter), with TLS client streams natively.
 * Part of the public API: include <wasyncio.h>, which includes this file.
 *
 * One wa_stream is one connection: asyncio's reader and writer pair in one
 * handle. Reads come out of the stream's own buffer, refilled from the
 * socket; writes go into a buffer that the socket empties in the background,
 * and wa_stream_drain waits while it is over its high-water mark.
 *
 * Every call that waits (connect, the reads, drain, wait_closed, start_server)
 * is a suspension point like any other: it can return WA_ECANCELED, or
 * WA_ETIMEDOUT inside a WA_TIMEOUT_SCOPE, and then:
 *   - a read consumes nothing: the bytes already buffered stay there for the
 *     next read (asyncio's rule);
 *   - a drain leaves the written bytes queued: they are still sent;
 *   - a connect (TCP, name lookup, TLS handshake) leaves nothing behind: no
 *     descriptor, no handle, no callback.
 *
 * Targets: native (libuv TCP and pipes; TLS client with OpenSSL), WASI 0.2
 * components (wasi:sockets, TCP only) and Node (Emscripten, node:net; TCP,
 * and Unix sockets). The browser and WASI preview1 have no sockets: every call
 * returns WA_ENOTSUP at once. TLS (WA_STREAM_TLS) is native only; elsewhere it
 * returns WA_ENOTSUP, as do the Unix-domain calls on WASI 0.2.
 */
#ifndef WASYNCIO_STREAM_H
#define WASYNCIO_STREAM_H

#ifndef WASYNCIO_H
#error "include <wasyncio.h>, not <wasyncio/stream.h>"
#endif

typedef struct wa_stream wa_stream;
typedef struct wa_stream_server wa_stream_server;

/* ---------------------------------------------------------------- options */

#define WA_STREAM_TLS      1u /* connect: TLS client over the TCP connection */
#define WA_STREAM_INSECURE 2u /* TLS: skip certificate and host name checks (tests only) */

/* asyncio's defaults: a 64 KiB limit for readline/readuntil (the reader also
 * stops reading from the socket while 2 * limit bytes wait unread), and a
 * write buffer that drain lets grow to 64 KiB and waits on until it is back
 * to a quarter of that. */
#define WA_STREAM_DEFAULT_LIMIT                    ((size_t)64 * 1024)
#define WA_STREAM_DEFAULT_HIGH_WATER               ((size_t)64 * 1024)
#define WA_STREAM_DEFAULT_BACKLOG                  100    /* start_server's listen backlog */
#define WA_STREAM_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS 60000u /* asyncio's ssl_handshake_timeout */

/* Every field's 0 (or NULL) means its default; a NULL opts is all defaults.
 * The same struct serves connections and servers (whose connections get the
 * limit and water marks). */
typedef struct wa_stream_opts {
    size_t limit;      /* 0 = 64 KiB: readline/readuntil's bound; WA_ELIMIT past it */
    size_t high_water; /* 0 = 64 KiB: drain waits while more bytes are unsent */
    size_t low_water;  /* 0 = high_water / 4: ... until no more than this is */
    int backlog;       /* servers: 0 = 100 */
    size_t stack_size; /* servers: each handler task's stack (0 = the default) */
    unsigned flags;    /* WA_STREAM_* */
    /* TLS client, native only (WA_STREAM_TLS). Verification follows wa_fetch:
     * the system's CA store unless ca_file or ca_dir is given, the host name
     * (or IP address) checked against the certificate, WA_ETLS on failure.
     * A file or directory below that is missing or holds no PEM block is
     * WA_ENOENT / WA_EACCES / WA_EINVAL before connecting (named on stderr). */
    const char *server_hostname;       /* name to send (SNI) and verify; default: host */
    const char *ca_file;               /* PEM CA bundle to trust instead of the system's */
    const char *ca_dir;                /* directory of hashed PEM CAs (openssl rehash), ditto */
    const char *client_cert;           /* PEM client certificate, for servers that ask for one */
    const char *client_key;            /* its PEM private key (default: read from client_cert) */
    uint64_t tls_handshake_timeout_ms; /* 0 = 60 s; WA_NO_TIMEOUT = none: WA_ETIMEDOUT */
} wa_stream_opts;

/* ------------------------------------------------------------- connecting */

/* asyncio.open_connection: resolve host without blocking the loop, try each
 * of its addresses in turn until one connects, then (WA_STREAM_TLS) do the TLS
 * handshake. On 0, *out is an open stream to close and free. Errors (and *out
 * NULL): WA_EDNS (the name does not resolve), WA_ECONNREFUSED, WA_ENET
 * (unreachable), WA_ETIMEDOUT (the OS gave up), WA_EMFILE, WA_ETLS,
 * WA_EINVAL (NULL host, port outside 1..65535), WA_ENOTSUP. */
WA_EXTERN int wa_open_connection(const char *host, int port, const wa_stream_opts *opts,
                                 wa_stream **out);
/* asyncio.open_unix_connection: connect to the Unix-domain socket at path.
 * WA_ENOENT if nothing is there, WA_ECONNREFUSED if nobody listens. */
WA_EXTERN int wa_open_unix_connection(const char *path, const wa_stream_opts *opts,
                                      wa_stream **out);

/* ---------------------------------------------------------------- reading */

/* One task reads at a time: a read that would wait while another task
 * waits in a read returns WA_EBUSY at once (asyncio's RuntimeError). */

/* Up to n bytes (asyncio's read(n)): waits until at least one byte is
 * buffered, or the end. Returns the count, 0 at the end of the stream (also
 * for n == 0), or an error (WA_ECONNRESET, ...). */
WA_EXTERN long wa_stream_read(wa_stream *s, void *buf, size_t n);

/* Everything up to the end of the stream (asyncio's read(-1)), in a malloc'd
 * buffer (*data, NUL-terminated for convenience; free it). max bounds it
 * (0 = no bound): past max, WA_ETOOBIG with nothing consumed. */
WA_EXTERN int wa_stream_read_all(wa_stream *s, void **data, size_t *len, size_t max);

/* Exactly n bytes into buf (asyncio's readexactly). If the stream ends first:
 * WA_EINCOMPLETE, with the partial bytes in buf and their count in *got
 * (asyncio's IncompleteReadError.partial); they are consumed. got may be NULL.
 * A cancelled call consumes nothing. */
WA_EXTERN int wa_stream_readexactly(wa_stream *s, void *buf, size_t n, size_t *got);

/* Bytes up to and including sep (asyncio's readuntil), copied into buf;
 * *len gets the count. The bound is the stream's limit, or cap if smaller:
 *   - sep found but ending past the bound, or not found with more bytes than
 *     the bound buffered: WA_ELIMIT, and the bytes stay buffered (asyncio's
 *     LimitOverrunError; read them with wa_stream_read);
 *   - the stream ends before sep: WA_EINCOMPLETE, the remaining bytes are
 *     handed back in buf and *len (consumed), as IncompleteReadError.
 * seplen must be at least 1. When cap leaves room, a NUL follows the bytes
 * (not counted), so a text line is a C string too. */
WA_EXTERN int wa_stream_readuntil(wa_stream *s, const void *sep, size_t seplen, void *buf,
                                  size_t cap, size_t *len);

/* One line, "\n" included (asyncio's readline): returns its length; at the
 * end of the stream the last partial line without "\n", then 0. A line over
 * the bound (limit, or cap if smaller) returns WA_ELIMIT and is discarded,
 * up to and including its "\n" if that was buffered, else everything
 * buffered (asyncio's rule: the next readline starts on fresh bytes).
 * A NUL follows the line when cap leaves room. */
WA_EXTERN long wa_stream_readline(wa_stream *s, void *buf, size_t cap);

/* 1 when the peer ended the stream and every byte was read (asyncio's
 * at_eof), 0 if not, WA_EINVAL for NULL. */
WA_EXTERN int wa_stream_at_eof(const wa_stream *s);

/* ---------------------------------------------------------------- writing */

/* Queue n bytes to send (asyncio's write): never waits. What the socket does
 * not take at once is copied into the write buffer; follow a series of writes
 * with wa_stream_drain. Returns 0; WA_ECLOSED after close or write_eof; the
 * connection's error once it is lost (WA_EPIPE, WA_ECONNRESET). */
WA_EXTERN int wa_stream_write(wa_stream *s, const void *data, size_t n);

/* Flow control (asyncio's drain): if more than high_water bytes are unsent,
 * wait until no more than low_water are. Returns 0, or the connection's error
 * once it is lost (WA_ECONNRESET, WA_EPIPE), even if nothing waits. */
WA_EXTERN int wa_stream_drain(wa_stream *s);

/* Bytes written but not yet taken by the socket
 * (transport.get_write_buffer_size). */
WA_EXTERN size_t wa_stream_write_buffer_size(const wa_stream *s);

/* Half-close (asyncio's write_eof): send what is buffered, then end the
 * sending side; reading goes on. TLS streams: WA_ENOTSUP, as asyncio's SSL
 * transport refuses it. */
WA_EXTERN int wa_stream_write_eof(wa_stream *s);

/* ---------------------------------------------------------------- closing */

/* Start closing (asyncio's close): the buffered bytes are still sent (a TLS
 * stream then sends its close_notify), then the connection closes. Never
 * waits; later writes return WA_ECLOSED, reads return what was buffered, then
 * 0. A second close does nothing. */
WA_EXTERN int wa_stream_close(wa_stream *s);

/* Close at once, dropping the unsent bytes, and reset the TCP connection
 * (transport.abort; the peer sees WA_ECONNRESET). */
WA_EXTERN int wa_stream_abort(wa_stream *s);

/* Wait until the connection is closed (closing it if nobody did). Returns 0,
 * or the error the connection was lost with. A cancelled wait leaves the close
 * going on. */
WA_EXTERN int wa_stream_wait_closed(wa_stream *s);

/* 1 once close or abort was called or the connection was lost, else 0. */
WA_EXTERN int wa_stream_is_closing(const wa_stream *s);

/* Free a stream from wa_open_connection, without waiting. After
 * wa_stream_close the bytes still queued are sent first (the record goes
 * once the connection has closed); a stream still open is closed at once,
 * dropping them. A handler's stream belongs to its server: free returns
 * WA_EPERM for it. Freeing NULL does nothing. */
WA_EXTERN int wa_stream_free(wa_stream *s);

/* ---------------------------------------------------------------- names */

/* The peer's address (getpeername) and our own (getsockname): host is the
 * numeric IP address ("127.0.0.1", "::1") or, for a Unix-domain socket, the
 * path ("" if unnamed) with *port 0. host (cap bytes, 64 is enough for IP)
 * and port may be NULL. WA_EINVAL (host "", port 0) when the name and its
 * NUL do not fit in cap bytes. WA_ENOTSUP where the target cannot tell. */
WA_EXTERN int wa_stream_peername(const wa_stream *s, char *host, size_t cap, int *port);
WA_EXTERN int wa_stream_sockname(const wa_stream *s, char *host, size_t cap, int *port);

/* ---------------------------------------------------------------- servers */

/* A connection handler (asyncio's client_connected_cb). It runs in a task of
 * its own for each accepted connection. The stream is the server's: when the
 * handler returns, the server closes it (sending what is still buffered) and
 * frees it, so the handler must not keep it. The return value (0 or an error
 * code) is not used; a failing handler is reported on stderr in debug mode. */
typedef int (*wa_stream_handler)(wa_stream *s, void *arg);

/* asyncio.start_server: listen on host:port and start serving at once
 * (start_serving=True). host NULL or "" listens on every interface;
 * otherwise it is resolved and every address it names is listened on. port 0
 * picks a free port (the same one for every address): wa_stream_server_port.
 * Errors: WA_EADDRINUSE, WA_EACCES, WA_EADDRNOTAVAIL, WA_EDNS, WA_EINVAL,
 * WA_ENOTSUP (also for WA_STREAM_TLS: no TLS servers yet).
 * Running out of descriptors while accepting (EMFILE) refuses that one
 * client and the server goes on serving the others. */
WA_EXTERN int wa_start_server(wa_stream_handler handler, void *arg, const char *host, int port,
                              const wa_stream_opts *opts, wa_stream_server **out);
/* asyncio.start_unix_server: listen on a Unix-domain socket at path. A stale
 * socket file left there is replaced (a file of another kind: WA_EADDRINUSE);
 * the file is removed when the server closes. */
WA_EXTERN int wa_start_unix_server(wa_stream_handler handler, void *arg, const char *path,
                                   const wa_stream_opts *opts, wa_stream_server **out);

/* The port the server listens on (its first address's); 0 for Unix;
 * WA_EINVAL for NULL. */
WA_EXTERN int wa_stream_server_port(const wa_stream_server *srv);

/* Stop accepting and close the listening sockets (Server.close); the
 * connections being handled go on. Never waits. */
WA_EXTERN int wa_stream_server_close(wa_stream_server *srv);

/* Wait until the server is closed and every handler has returned
 * (Server.wait_closed). Without a close it waits for one. A cancelled wait
 * changes nothing. */
WA_EXTERN int wa_stream_server_wait_closed(wa_stream_server *srv);

/* Serve until the calling task is interrupted (Server.serve_forever), then
 * close the server and return the interruption (WA_ECANCELED or
 * WA_ETIMEDOUT); 0 if another task closed the server first. Handlers keep
 * running: wa_stream_server_wait_closed waits for them. */
WA_EXTERN int wa_stream_server_serve_forever(wa_stream_server *srv);

/* Number of connections whose handlers are running. */
WA_EXTERN int wa_stream_server_connections(const wa_stream_server *srv);

/* Close the server, cancel the handlers still running (asyncio 3.13's
 * close_clients), drop connections still sending after their handler ended
 * (abort_clients), and free it once all have ended. Freeing NULL does
 * nothing. */
WA_EXTERN int wa_stream_server_free(wa_stream_server *srv);

#endif /* WASYNCIO_STREAM_H */
