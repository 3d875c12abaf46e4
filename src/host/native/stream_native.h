/* stream_native.h: the native stream backend's connection record, shared by
 * its files: stream_conn.c (bytes in and out, close, names), stream_connect.c
 * (name lookup, connect, TLS handshake), stream_listen.c (servers) and
 * stream_tls.c (OpenSSL over memory BIOs). */
#ifndef WA_HOST_NATIVE_STREAM_H
#define WA_HOST_NATIVE_STREAM_H

#include <string.h>
#include <sys/un.h>
#include <uv.h>

#include "stream/host.h"
#include "core/backend.h"

struct wa__tls;

struct wa__sconn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } u;
    wa_stream *s;                  /* reported to; NULL until bound */
    struct wa__sconn *prev, *next; /* in the thread's open connections */
    int is_pipe;
    int reading;      /* the portable layer wants bytes */
    int uv_reading;   /* libuv reads (also during the handshake) */
    int closing;      /* wa__sconn_close came: report nothing more */
    int handles_open; /* the socket, and the TLS timer */
    uv_write_t wreq;  /* the portable layer's one write (plain) */
    uv_shutdown_t sreq;
    /* TLS only */
    struct wa__tls *tls;
    uv_timer_t timer; /* handshake deadline, then resuming decryption */
    wa_op *hs_op;     /* the task waiting for the handshake */
    char *cipher_in;  /* libuv reads ciphertext here */
};

/* A new connection record with its handle initialised (tcp or pipe);
 * NULL with *rc set on failure. stream_conn.c. */
wa__sconn *wa__sconn_new(int is_pipe, int *rc);
/* Close a connection that was never bound to a stream (a failed connect
 * attempt, a refused accept): nothing is reported. */
void wa__sconn_discard(wa__sconn *c);
/* Start libuv reading (the handshake needs it before the stream does). */
void wa__sconn_uv_read(wa__sconn *c, int on);

/* A Unix socket path must fit sockaddr_un's sun_path with its NUL: libuv
 * would cut a longer one short and bind or connect to another path. */
static inline int wa__unix_path_fits(const char *path)
{
    return strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path);
}

/* ---- TLS (stream_tls.c) */

/* Set up TLS for c as a client of name (SNI and verification) with opts'
 * CAs, client certificate and insecure flag. 0 or WA_ETLS / WA_ENOMEM. */
int wa__tls_attach(wa__sconn *c, const char *name, const wa_stream_opts *o);
void wa__tls_free(struct wa__tls *t);
/* Run the handshake with what arrived: 1 done, 0 wants more, < 0 error. */
int wa__tls_handshake(wa__sconn *c);
/* Ciphertext arrived: give it to OpenSSL. */
int wa__tls_feed(wa__sconn *c, const char *data, size_t n);
/* Decrypt into the stream while it reads: 0, or 1 at close_notify (EOF),
 * or < 0 on error. */
int wa__tls_pump(wa__sconn *c);
/* Encrypt data and send it; with user, on_written follows when sent. */
int wa__tls_send(wa__sconn *c, const void *data, size_t n, int user);
/* Queue close_notify, best effort without waiting. */
void wa__tls_close_notify(wa__sconn *c);
/* Send ciphertext OpenSSL produced by itself (handshake, key updates). */
int wa__tls_flush(wa__sconn *c);

#endif
