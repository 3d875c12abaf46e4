/* tcp.c: TCP over wasi:sockets 0.2 (see tcp.h): name lookup, connect,
 * listen/accept, and a connection's non-blocking reads and writes. Every
 * wait is a pollable that joins the loop's one poll (wa__p2_wait), so a
 * cancelled or timed-out task returns from any of them with nothing left
 * behind: the functions that create handles drop them on every exit path.
 *
 * Resource order matters as for wasi:http: a pollable is dropped before the
 * resource it watches, streams before their socket, or the host traps.
 * The instance-network capability is taken once and kept for the
 * component's life (every call needs it; dropping and taking it again per
 * connection would cost a host call each).
 */
#include "host/wasip2/tcp.h"
#include "core/backend.h"
#include "core/host.h"
#include "host/wasip2/sockets.h"
#include "host/wasip2/wasip2.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t network = -1;

static int32_t net(void)
{
    if (network < 0)
        network = wa__p2_instance_network();
    return network;
}

/* ------------------------------------------------------------- errors */

static int map_net_error(uint8_t code)
{
    switch (code) {
    case WA_P2_NET_ACCESS_DENIED: return WA_EACCES;
    case WA_P2_NET_NOT_SUPPORTED: return WA_ENOTSUP;
    case WA_P2_NET_INVALID_ARGUMENT: return WA_EINVAL;
    case WA_P2_NET_OUT_OF_MEMORY: return WA_ENOMEM;
    case WA_P2_NET_TIMEOUT: return WA_ETIMEDOUT;
    case WA_P2_NET_NEW_SOCKET_LIMIT: return WA_EMFILE;
    case WA_P2_NET_ADDRESS_NOT_BINDABLE: return WA_EADDRNOTAVAIL;
    case WA_P2_NET_ADDRESS_IN_USE: return WA_EADDRINUSE;
    case WA_P2_NET_CONNECTION_REFUSED: return WA_ECONNREFUSED;
    case WA_P2_NET_CONNECTION_RESET:
    case WA_P2_NET_CONNECTION_ABORTED: return WA_ECONNRESET;
    case WA_P2_NET_NAME_UNRESOLVABLE:
    case WA_P2_NET_TEMPORARY_RESOLVER_FAILURE:
    case WA_P2_NET_PERMANENT_RESOLVER_FAILURE: return WA_EDNS;
    default: return WA_ENET; /* unreachable, unknown, invalid state */
    }
}

/* A stream operation failed: wasi:io says only "last-operation-failed"
 * (mapping its error resource needs network-error-code, still unstable in
 * 0.2), which on a socket stream means the connection broke. */
static int take_stream_error(const wa__p2_ret *r, int broken)
{
    if (wa__p2_u8(r, 4) != WA_P2_STREAM_FAILED)
        return WA_EOF;
    wa__p2_error_drop(wa__p2_i32(r, 8));
    return broken;
}

/* ------------------------------------------------------------ addresses */

static void set_port(wa__p2_addr *a, int port) { a->port = (uint16_t)port; }

static void addr_flat(const wa__p2_addr *a, int32_t v[11])
{
    memset(v, 0, 11 * sizeof v[0]);
    v[0] = a->port;
    if (a->family == WA_P2_IPV4) {
        for (int i = 0; i < 4; i++)
            v[1 + i] = a->ip[i];
        return;
    }
    v[1] = (int32_t)a->flow;
    for (int i = 0; i < 8; i++)
        v[2 + i] = (a->ip[2 * i] << 8) | a->ip[2 * i + 1];
    v[10] = (int32_t)a->scope;
}

/* An ip-socket-address at p (its disc at p[0]) into a. */
static void addr_read(const uint8_t *p, wa__p2_addr *a)
{
    memset(a, 0, sizeof *a);
    a->family = p[0];
    a->port = *(const uint16_t *)(const void *)(p + 4);
    if (a->family == WA_P2_IPV4) {
        memcpy(a->ip, p + 6, 4);
        return;
    }
    a->flow = *(const uint32_t *)(const void *)(p + 8);
    for (int i = 0; i < 8; i++) {
        uint16_t h = *(const uint16_t *)(const void *)(p + 12 + 2 * i);
        a->ip[2 * i] = (uint8_t)(h >> 8);
        a->ip[2 * i + 1] = (uint8_t)h;
    }
    a->scope = *(const uint32_t *)(const void *)(p + 28);
}

void wa__p2_addr_text(const wa__p2_addr *a, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    char tmp[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family == WA_P2_IPV4 ? AF_INET : AF_INET6, a->ip, tmp, sizeof tmp))
        tmp[0] = '\0';
    snprintf(buf, cap, "%s", tmp);
}

static int parse_numeric(const char *host, wa__p2_addr *a)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, host, a->ip) == 1) {
        a->family = WA_P2_IPV4;
        return 1;
    }
    /* "[::1]" as well as "::1" */
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof tmp) {
        memcpy(tmp, host + 1, n - 2);
        tmp[n - 2] = '\0';
        host = tmp;
    }
    if (inet_pton(AF_INET6, host, a->ip) == 1) {
        a->family = WA_P2_IPV6;
        return 1;
    }
    return 0;
}

/* Wait on a fresh pollable and drop it. */
static int wait_once(int32_t pollable)
{
    int rc = wa__p2_wait(pollable);
    wa__p2_pollable_drop(pollable);
    return rc;
}

int wa__p2_resolve(const char *host, int port, wa__p2_addr **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    wa__p2_addr one;
    if (parse_numeric(host, &one)) {
        if (!(*out = malloc(sizeof one)))
            return WA_ENOMEM;
        set_port(&one, port);
        **out = one;
        *n = 1;
        return 0;
    }
    wa__p2_ret r;
    wa__p2_resolve_addresses(net(), host, (int32_t)strlen(host), &r);
    if (wa__p2_u8(&r, 0)) {
        uint8_t code = wa__p2_u8(&r, 4);
        /* invalid-argument: not a name at all ("a b", "x:80"): asyncio's
         * getaddrinfo says the same as for a name nobody knows. */
        return code == WA_P2_NET_INVALID_ARGUMENT ? WA_EDNS : map_net_error(code);
    }
    int32_t s = wa__p2_i32(&r, 4);
    int32_t poll = -1;
    wa__p2_addr *list = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        wa__p2_resolve_next(s, &r);
        if (wa__p2_u8(&r, 0)) {
            uint8_t code = wa__p2_u8(&r, 2);
            if (code != WA_P2_NET_WOULD_BLOCK) {
                rc = map_net_error(code);
                break;
            }
            if (poll < 0)
                poll = wa__p2_resolve_subscribe(s);
            if ((rc = wa__p2_wait(poll)) < 0)
                break;
            continue;
        }
        if (!wa__p2_u8(&r, 2))
            break; /* the end of the list */
        if (wa__grow(&list, &cap, len + 1, sizeof *list, 4)) {
            rc = WA_ENOMEM;
            break;
        }
        wa__p2_addr *a = &list[len++];
        memset(a, 0, sizeof *a);
        a->family = wa__p2_u8(&r, 4);
        if (a->family == WA_P2_IPV4) {
            memcpy(a->ip, r.b + 6, 4);
        } else {
            for (int i = 0; i < 8; i++) {
                uint16_t h = *(const uint16_t *)(const void *)(r.b + 6 + 2 * i);
                a->ip[2 * i] = (uint8_t)(h >> 8);
                a->ip[2 * i + 1] = (uint8_t)h;
            }
        }
        set_port(a, port);
    }
    if (poll >= 0)
        wa__p2_pollable_drop(poll);
    wa__p2_resolve_drop(s);
    if (rc == 0 && len == 0)
        rc = WA_EDNS;
    if (rc < 0) {
        free(list);
        return rc;
    }
    *out = list;
    *n = len;
    return 0;
}

/* ------------------------------------------------------------- sockets */

static int new_socket(int family, int32_t *sock)
{
    wa__p2_ret r;
    wa__p2_tcp_create(family, &r);
    if (wa__p2_u8(&r, 0))
        return map_net_error(wa__p2_u8(&r, 4));
    *sock = wa__p2_i32(&r, 4);
    return 0;
}

/* Finish a start-X / finish-X pair: r holds start-X's result<_,
 * error-code> (its code at 1); finish-X says would-block until the
 * socket's pollable is ready. r gets finish's successful result. */
static int finish(int32_t sock, void (*fin)(int32_t, wa__p2_ret *), wa__p2_ret *r, int err_at)
{
    if (wa__p2_u8(r, 0))
        return map_net_error(wa__p2_u8(r, 1)); /* start-X refused */
    for (;;) {
        fin(sock, r);
        if (!wa__p2_u8(r, 0))
            return 0;
        uint8_t code = wa__p2_u8(r, (size_t)err_at);
        if (code != WA_P2_NET_WOULD_BLOCK)
            return map_net_error(code);
        int rc = wait_once(wa__p2_tcp_subscribe(sock));
        if (rc < 0)
            return rc;
    }
}

static void conn_init(wa__p2_conn *c, int32_t sock, int32_t in, int32_t out)
{
    *c = (wa__p2_conn){.sock = sock, .in = in, .out = out, .in_poll = -1, .out_poll = -1};
}

int wa__p2_connect(const wa__p2_addr *addr, wa__p2_conn *c)
{
    int32_t sock;
    int rc = new_socket(addr->family, &sock);
    if (rc < 0)
        return rc;
    int32_t v[11];
    addr_flat(addr, v);
    wa__p2_ret r;
    wa__p2_tcp_start_connect(sock, net(), addr->family, v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                             v[7], v[8], v[9], v[10], &r);
    rc = finish(sock, wa__p2_tcp_finish_connect, &r, 4);
    if (rc < 0) {
        wa__p2_tcp_drop(sock);
        return rc;
    }
    conn_init(c, sock, wa__p2_i32(&r, 4), wa__p2_i32(&r, 8));
    return 0;
}

/* ------------------------------------------------------- a connection */

long wa__p2_conn_read(wa__p2_conn *c, void *buf, size_t n)
{
    if (c->read_end)
        return WA_EOF;
    wa__p2_ret r;
    wa__p2_in_read(c->in, (int64_t)n, &r);
    if (wa__p2_u8(&r, 0)) {
        c->read_end = 1;
        return take_stream_error(&r, WA_ECONNRESET);
    }
    void *p = wa__p2_ptr(&r, 4);
    size_t k = (size_t)(uint32_t)wa__p2_i32(&r, 8);
    if (k > n)
        k = n; /* a host never sends more; never copy past buf */
    memcpy(buf, p, k);
    wa__p2_free(p, k);
    return (long)k;
}

/* The output stream refused a call: nothing more is written on c. A closed
 * stream is the peer gone (WA_EPIPE), a failed one a reset. */
static int write_failed(wa__p2_conn *c, const wa__p2_ret *r)
{
    c->write_end = 1;
    int rc = take_stream_error(r, WA_ECONNRESET);
    return rc == WA_EOF ? WA_EPIPE : rc;
}

int wa__p2_conn_wait_readable(wa__p2_conn *c)
{
    if (c->read_end)
        return 0;
    if (c->in_poll < 0)
        c->in_poll = wa__p2_in_subscribe(c->in);
    return wa__p2_wait(c->in_poll);
}

long wa__p2_conn_write(wa__p2_conn *c, const void *data, size_t n)
{
    if (c->write_end)
        return WA_EPIPE;
    wa__p2_ret r;
    wa__p2_out_check_write(c->out, &r);
    if (wa__p2_u8(&r, 0))
        return write_failed(c, &r);
    uint64_t room = wa__p2_u64(&r, 8);
    size_t k = n < room ? n : (size_t)room;
    if (k == 0)
        return 0;
    wa__p2_out_write(c->out, data, (int32_t)k, &r);
    if (wa__p2_u8(&r, 0))
        return write_failed(c, &r);
    return (long)k;
}

int wa__p2_conn_flush(wa__p2_conn *c)
{
    if (c->write_end)
        return WA_EPIPE;
    wa__p2_ret r;
    wa__p2_out_flush(c->out, &r);
    if (wa__p2_u8(&r, 0))
        return write_failed(c, &r);
    return 0;
}

int wa__p2_conn_wait_writable(wa__p2_conn *c)
{
    if (c->write_end)
        return 0;
    if (c->out_poll < 0)
        c->out_poll = wa__p2_out_subscribe(c->out);
    return wa__p2_wait(c->out_poll);
}

void wa__p2_conn_end_write(wa__p2_conn *c)
{
    if (c->out_poll >= 0)
        wa__p2_pollable_drop(c->out_poll);
    if (c->out >= 0)
        wa__p2_out_drop(c->out);
    c->out_poll = c->out = -1;
    c->write_end = 1;
}

void wa__p2_conn_close(wa__p2_conn *c)
{
    if (c->in_poll >= 0)
        wa__p2_pollable_drop(c->in_poll);
    if (c->in >= 0)
        wa__p2_in_drop(c->in);
    wa__p2_conn_end_write(c);
    if (c->sock >= 0)
        wa__p2_tcp_drop(c->sock);
    c->in_poll = c->in = c->sock = -1;
    c->read_end = 1;
}

int wa__p2_conn_addr(const wa__p2_conn *c, int peer, wa__p2_addr *a)
{
    if (c->sock < 0)
        return WA_ECLOSED;
    wa__p2_ret r;
    if (peer)
        wa__p2_tcp_remote_address(c->sock, &r);
    else
        wa__p2_tcp_local_address(c->sock, &r);
    if (wa__p2_u8(&r, 0))
        return WA_ENOTSUP;
    addr_read(r.b + 4, a);
    return 0;
}

/* ------------------------------------------------------------ listening */

int wa__p2_listen(const wa__p2_addr *addr, int backlog, wa__p2_listener *l)
{
    *l = (wa__p2_listener){.sock = -1, .poll = -1};
    int32_t sock;
    int rc = new_socket(addr->family, &sock);
    if (rc < 0)
        return rc;
    int32_t v[11];
    addr_flat(addr, v);
    wa__p2_ret r;
    wa__p2_tcp_start_bind(sock, net(), addr->family, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                          v[8], v[9], v[10], &r);
    rc = finish(sock, wa__p2_tcp_finish_bind, &r, 1);
    if (rc == 0 && backlog > 0) {
        wa__p2_tcp_set_backlog(sock, backlog, &r); /* a hint: hosts may refuse it */
    }
    if (rc == 0) {
        wa__p2_tcp_start_listen(sock, &r);
        rc = finish(sock, wa__p2_tcp_finish_listen, &r, 1);
    }
    if (rc == 0) {
        wa__p2_tcp_local_address(sock, &r);
        if (wa__p2_u8(&r, 0))
            rc = map_net_error(wa__p2_u8(&r, 4));
        else
            addr_read(r.b + 4, &l->bound);
    }
    if (rc < 0) {
        wa__p2_tcp_drop(sock);
        return rc;
    }
    l->sock = sock;
    l->poll = wa__p2_tcp_subscribe(sock);
    return 0;
}

int wa__p2_accept(wa__p2_listener *l, wa__p2_conn *c)
{
    if (l->sock < 0)
        return WA_ECLOSED;
    wa__p2_ret r;
    wa__p2_tcp_accept(l->sock, &r);
    if (!wa__p2_u8(&r, 0)) {
        conn_init(c, wa__p2_i32(&r, 4), wa__p2_i32(&r, 8), wa__p2_i32(&r, 12));
        return 1;
    }
    uint8_t code = wa__p2_u8(&r, 4);
    if (code == WA_P2_NET_WOULD_BLOCK)
        return 0;
    if (code == WA_P2_NET_CONNECTION_ABORTED || code == WA_P2_NET_CONNECTION_RESET)
        return 0; /* that client left before we took it: wait for the next */
    return map_net_error(code);
}

void wa__p2_listener_close(wa__p2_listener *l)
{
    if (l->poll >= 0)
        wa__p2_pollable_drop(l->poll);
    if (l->sock >= 0)
        wa__p2_tcp_drop(l->sock);
    l->poll = l->sock = -1;
}
