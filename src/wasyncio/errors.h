/* wasyncio/errors.h: every wasyncio error code, its name and its message,
 * written once as an X-macro. <wasyncio.h> makes the enum from it,
 * src/core/errors.c wa_strerror() and wa_error_name(), and
 * js/wasyncio_errors.js.in the JavaScript table (build/web/wasyncio_errors.js).
 * Preprocessor only, so any file (C or the JS template) can include it. */
#ifndef WASYNCIO_ERRORS_H
#define WASYNCIO_ERRORS_H

/* X(NAME, code, message): the enum constant is WA_<NAME>. Codes are 0 or
 * negative; codes <= WA_EUSER are the application's own. */
#define WA_ERRORS(X)                                                                       \
    X(OK, 0, "success")                                                                    \
    /* NULL, out-of-range or malformed argument, or a handle already freed */              \
    X(EINVAL, -1, "invalid argument (NULL, out of range, malformed, or a freed handle)")   \
    /* out of memory (or stack/Asyncify buffer space) */                                   \
    X(ENOMEM, -2, "out of memory")                                                         \
    /* called outside a running loop or outside a task */                                  \
    X(ENOLOOP, -3, "no running event loop (call it from a task inside wa_run)")            \
    /* wa_run() called from inside a running loop */                                       \
    X(ENESTED, -4, "wa_run() cannot be called from a running event loop")                  \
    /* the task was cancelled */                                                           \
    X(ECANCELED, -5, "operation cancelled")                                                \
    /* a deadline (wa_timeout scope, wa_wait_for) expired */                               \
    X(ETIMEDOUT, -6, "deadline expired")                                                   \
    /* awaiting itself, an await cycle, or every task blocked forever */                   \
    X(EDEADLK, -7, "deadlock: awaiting itself, an await cycle, or every task blocked")     \
    /* the queue or generator is closed (also: closed twice) */                            \
    X(ECLOSED, -8, "closed")                                                               \
    /* the generator is exhausted */                                                       \
    X(EOF, -9, "generator exhausted")                                                      \
    /* the task has already finished (e.g. cancelling it) */                               \
    X(EDONE, -10, "task already finished")                                                 \
    /* object still in use (waiters present, generator running) */                         \
    X(EBUSY, -11, "resource busy")                                                         \
    /* releasing a lock the caller does not hold, sem over-release */                      \
    X(EPERM, -12, "operation not permitted (not the holder, or over-release)")             \
    /* not available on this target */                                                     \
    X(ENOTSUP, -13, "not supported on this target")                                        \
    /* a task failed with wa_raise() and no specific code */                               \
    X(EFAILED, -14, "task failed")                                                         \
    /* an operating-system I/O error */                                                    \
    X(EIO, -15, "I/O error")                                                               \
    /* stack or Asyncify buffer overflow */                                                \
    X(ESTACK, -16, "stack or Asyncify buffer overflow")                                    \
    /* a task group that is shutting down or finished refuses new children */              \
    X(ESHUTDOWN, -17, "task group is shutting down or finished")                           \
    /* a barrier was aborted, or reset while tasks waited on it */                         \
    X(EBROKEN, -18, "barrier broken (aborted, or reset while tasks waited)")               \
    /* WASI: the path is outside every preopened directory */                              \
    X(ENOTCAPABLE, -19,                                                                    \
      "path outside every preopened directory (grant one, e.g. wasmtime run --dir)")       \
    /* HTTP client: malformed URL */                                                       \
    X(EURL, -20, "malformed URL")                                                          \
    /* unsupported URL scheme */                                                           \
    X(ESCHEME, -21, "unsupported URL scheme")                                              \
    /* host name could not be resolved */                                                  \
    X(EDNS, -22, "host name not resolved")                                                 \
    /* connection refused */                                                               \
    X(ECONNREFUSED, -23, "connection refused")                                             \
    /* other network failure (reset, unreachable) */                                       \
    X(ENET, -24, "network error")                                                          \
    /* body over max_body, or a response head over 64 KiB or 500 lines */                  \
    X(ETOOBIG, -25, "body or response head over the size limit")                           \
    /* malformed HTTP response (framing, chunking, Content-Length) */                      \
    X(EPROTO, -26, "malformed HTTP response")                                              \
    /* non-2xx status, only with WA_FETCH_RAISE_FOR_STATUS */                              \
    X(EHTTP, -27, "HTTP error status")                                                     \
    /* a JavaScript promise rejected */                                                    \
    X(EJS, -28, "JavaScript promise rejected")                                             \
    /* TLS: certificate not trusted or unusable, or the handshake failed */                \
    X(ETLS, -29, "TLS failure (certificate not trusted or unusable, or handshake failed)") \
    /* a file or directory that does not exist */                                          \
    X(ENOENT, -30, "no such file or directory")                                            \
    /* the operating system refused access (file mode, socket permission) */               \
    X(EACCES, -31, "permission denied")                                                    \
    /* a server's address and port are taken by another socket */                          \
    X(EADDRINUSE, -32, "address already in use")                                           \
    /* the process (or system) is out of file descriptors */                               \
    X(EMFILE, -33, "too many open files")                                                  \
    /* the peer reset the connection */                                                    \
    X(ECONNRESET, -34, "connection reset by peer")                                         \
    /* writing to a connection the peer has closed */                                      \
    X(EPIPE, -35, "broken pipe (the peer closed the connection)")                          \
    /* the stream ended before the bytes asked for (the partial bytes are kept) */         \
    X(EINCOMPLETE, -36, "end of stream before the expected bytes")                         \
    /* a separator was not found within the stream's limit */                              \
    X(ELIMIT, -37, "separator not found within the limit")                                 \
    /* HTTP client: more redirects than max_redirects */                                   \
    X(EREDIRECTS, -38, "too many redirects")                                               \
    /* the address is not available (not a local address, port out of range) */            \
    X(EADDRNOTAVAIL, -39, "address not available")                                         \
    /* WebSocket: the connection ended without a close frame (close code 1006) */          \
    X(EWSABNORMAL, -40, "WebSocket closed abnormally (1006: no close frame)")              \
    /* WebSocket: the peer broke RFC 6455 (we closed with 1002, or 1007 for bad UTF-8) */  \
    X(EWSPROTO, -41, "WebSocket protocol violation by the peer")                           \
    /* WebSocket: the opening handshake was refused or malformed (not a valid 101) */      \
    X(EWSHANDSHAKE, -42, "WebSocket handshake failed (not a valid 101 upgrade)")           \
    /* codes -43..-49: WebSocket; -50..-59: database; -60..-69: threads, -70..-79: more */ \
    /* database and pools (-50..-59) */                                                    \
    /* wa_pool: acquire (or a waiting acquire) after wa_pool_close */                      \
    X(EPOOLCLOSED, -50, "pool closed")                                                     \
    /* database: a server error of a class without a code of its own (see the SQLSTATE) */ \
    X(EDB, -51, "database server error")                                                   \
    /* database: unique violation (SQLSTATE 23505) */                                      \
    X(EUNIQUE, -52, "unique violation")                                                    \
    /* database: other integrity violation (class 23: foreign key, not null, check) */     \
    X(EINTEGRITY, -53, "integrity constraint violation")                                   \
    /* database: serialization failure or deadlock (class 40: retry the transaction) */    \
    X(ESERIALIZE, -54, "serialization failure or deadlock (retry the transaction)")        \
    /* database: SQL syntax error, undefined table or column, access rule (class 42) */    \
    X(ESQL, -55, "SQL syntax error or access rule violation")                              \
    /* database: the connection to the server was lost (or it is shutting down) */         \
    X(ECONNLOST, -56, "database connection lost")                                          \
    /* database: connecting failed (refused, authentication, no such database) */          \
    X(EDBCONNECT, -57, "could not connect to the database")                                \
    /* database: a value read with a getter of another type */                             \
    X(ETYPE, -58, "value of another type than the getter reads")                           \
    /* database: the value is SQL NULL (or there is no row) */                             \
    X(ENULL, -59, "value is NULL")                                                         \
    /* threads: a target with one thread (WASI, web) has no other loop to hand over to */  \
    X(ENOTHREADS, -60, "no threads on this target (WASI and the web run one loop)")        \
    /* threads: a call that would block the very loop that must answer it */               \
    X(EWRONGLOOP, -61, "would block the loop that has to answer it (await it in a task)")  \
    /* codes <= WA_EUSER are the application's own */                                      \
    X(EUSER, -1000, "application error")

#endif /* WASYNCIO_ERRORS_H */
