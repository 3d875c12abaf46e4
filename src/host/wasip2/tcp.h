/* tcp.h: TCP over wasi:sockets for the WASI 0.2 stream backend: name
 * lookup, connect, listen and accept, and the non-blocking reads and writes
 * of a connection's wasi:io streams, each wait a pollable in the loop's one
 * poll call (loop.c). tcp.c owns it; stream.c maps the stream contract
 * (src/stream/host.h) onto it.
 */
#ifndef WA_HOST_WASIP2_TCP_H
#define WA_HOST_WASIP2_TCP_H

#include <stddef.h>
#include <stdint.h>

/* An IP socket address as wasi:sockets spells it. */
typedef struct wa__p2_addr {
    int family; /* WA_P2_IPV4 or WA_P2_IPV6 */
    uint16_t port;
    uint8_t ip[16];       /* 4 bytes for IPv4, network order */
    uint32_t flow, scope; /* IPv6 only */
} wa__p2_addr;

/* One connection: a tcp-socket and its two streams. A handle is -1 when
 * absent; pollables are made on first wait and kept until close. */
typedef struct wa__p2_conn {
    int32_t sock, in, out;
    int32_t in_poll, out_poll;
    int read_end;  /* the input stream said closed (the peer's FIN), or failed */
    int write_end; /* the output stream was dropped (write_eof) or failed */
} wa__p2_conn;

/* Resolve host (a numeric address is parsed here, without the host) into
 * a malloc'd array *out of *n addresses with port set. 0, WA_EDNS (the name
 * does not resolve), WA_EINVAL (no such name can exist), WA_ENOMEM, or an
 * interruption (nothing left behind). */
int wa__p2_resolve(const char *host, int port, wa__p2_addr **out, size_t *n);

/* Connect to addr. 0 and *c set, or WA_ECONNREFUSED, WA_ENET, WA_ETIMEDOUT,
 * WA_EMFILE, WA_EACCES, or an interruption (the socket is dropped). */
int wa__p2_connect(const wa__p2_addr *addr, wa__p2_conn *c);

/* Read up to n bytes without waiting: the count, 0 if none is there yet,
 * WA_EOF at the end of the stream, or WA_ECONNRESET. */
long wa__p2_conn_read(wa__p2_conn *c, void *buf, size_t n);
/* Wait until a read would return something. 0 or an interruption. */
int wa__p2_conn_wait_readable(wa__p2_conn *c);

/* Write up to n bytes without waiting: the count the host took (0 when its
 * buffer is full), or WA_EPIPE / WA_ECONNRESET. */
long wa__p2_conn_write(wa__p2_conn *c, const void *data, size_t n);
/* Ask the host to hand what it holds to the OS: until it has, the
 * output's pollable (wa__p2_conn_wait_writable) is not ready. 0 or an
 * error. */
int wa__p2_conn_flush(wa__p2_conn *c);
/* Wait until the host takes more bytes (or its flush is done). */
int wa__p2_conn_wait_writable(wa__p2_conn *c);

/* Half-close: end the sending side (the output stream is dropped; jco ends
 * the Node socket, a FIN). Reading goes on. */
void wa__p2_conn_end_write(wa__p2_conn *c);
/* Drop every handle (pollables first, then the streams, then the socket). */
void wa__p2_conn_close(wa__p2_conn *c);

/* The connection's addresses. 0 or WA_ENOTSUP (the host cannot tell). */
int wa__p2_conn_addr(const wa__p2_conn *c, int peer, wa__p2_addr *a);
/* Format an address's IP as text ("127.0.0.1", "::1"). */
void wa__p2_addr_text(const wa__p2_addr *a, char *buf, size_t cap);

/* A listening socket, and the pollable that is ready when accept would
 * return something. */
typedef struct wa__p2_listener {
    int32_t sock, poll;
    wa__p2_addr bound; /* with the port the host chose for port 0 */
} wa__p2_listener;

/* Bind addr and listen. 0, WA_EADDRINUSE, WA_EADDRNOTAVAIL, WA_EACCES, ... */
int wa__p2_listen(const wa__p2_addr *addr, int backlog, wa__p2_listener *l);
/* Accept one connection without waiting: 1 and *c set, 0 when none is
 * waiting, WA_EMFILE (that client is refused; the listener goes on), or
 * another error (the listener failed). */
int wa__p2_accept(wa__p2_listener *l, wa__p2_conn *c);
void wa__p2_listener_close(wa__p2_listener *l);

#endif
