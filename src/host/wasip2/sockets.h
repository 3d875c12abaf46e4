/* sockets.h: hand-written canonical-ABI imports of the wasi:sockets 0.2
 * functions the TCP stream backend uses (tcp, tcp-create-socket,
 * ip-name-lookup, instance-network, network), and the byte layouts of their
 * return areas. Derived by hand, as bindings.h is, from the WIT jco ships
 * (lib/wit/builtin/0.2.12/wasi-sockets; every function used is
 * `@since(version = 0.2.0)`) and the Canonical ABI's flattening rules; the
 * component step type-checks each one against the world, so a wrong
 * signature fails the build.
 *
 * Layouts (size, alignment):
 *   error-code, ip-address-family, shutdown-type: enums, u8.
 *   ip-address: variant { ipv4(tuple<u8 x4>), ipv6(tuple<u16 x8>) }: disc
 *     u8 at 0, payload at 2 (18, 2).
 *   ip-socket-address: variant { ipv4({port u16, address}), ipv6({port u16,
 *     flow-info u32, address, scope-id u32}) }: disc u8 at 0, payload at 4;
 *     ipv4: port at 4, bytes at 6..9; ipv6: port at 4, flow-info at 8,
 *     u16s at 12..27, scope-id at 28 (32, 4).
 *   As a parameter it flattens to 12 i32: the disc, then the cases' fields
 *     joined: ipv4 (port, a, b, c, d) or ipv6 (port, flow-info, h0..h7,
 *     scope-id), zero-filled to 11.
 */
#ifndef WA_HOST_WASIP2_SOCKETS_H
#define WA_HOST_WASIP2_SOCKETS_H

#include "host/wasip2/bindings.h"

#define WA_P2_NET          "wasi:sockets/network"
#define WA_P2_INSTANCE_NET "wasi:sockets/instance-network"
#define WA_P2_TCP          "wasi:sockets/tcp"
#define WA_P2_TCP_CREATE   "wasi:sockets/tcp-create-socket"
#define WA_P2_LOOKUP       "wasi:sockets/ip-name-lookup"

/* network.error-code */
enum {
    WA_P2_NET_UNKNOWN,
    WA_P2_NET_ACCESS_DENIED,
    WA_P2_NET_NOT_SUPPORTED,
    WA_P2_NET_INVALID_ARGUMENT,
    WA_P2_NET_OUT_OF_MEMORY,
    WA_P2_NET_TIMEOUT,
    WA_P2_NET_CONCURRENCY_CONFLICT,
    WA_P2_NET_NOT_IN_PROGRESS,
    WA_P2_NET_WOULD_BLOCK,
    WA_P2_NET_INVALID_STATE,
    WA_P2_NET_NEW_SOCKET_LIMIT,
    WA_P2_NET_ADDRESS_NOT_BINDABLE,
    WA_P2_NET_ADDRESS_IN_USE,
    WA_P2_NET_REMOTE_UNREACHABLE,
    WA_P2_NET_CONNECTION_REFUSED,
    WA_P2_NET_CONNECTION_RESET,
    WA_P2_NET_CONNECTION_ABORTED,
    WA_P2_NET_DATAGRAM_TOO_LARGE,
    WA_P2_NET_NAME_UNRESOLVABLE,
    WA_P2_NET_TEMPORARY_RESOLVER_FAILURE,
    WA_P2_NET_PERMANENT_RESOLVER_FAILURE
};
enum { WA_P2_IPV4, WA_P2_IPV6 };                               /* ip-address-family */
enum { WA_P2_SHUT_RECEIVE, WA_P2_SHUT_SEND, WA_P2_SHUT_BOTH }; /* shutdown-type */

/* An ip-socket-address flattened for a parameter list. */
#define WA_P2_SOCKADDR_PARAMS                                                             \
    int32_t disc, int32_t v0, int32_t v1, int32_t v2, int32_t v3, int32_t v4, int32_t v5, \
        int32_t v6, int32_t v7, int32_t v8, int32_t v9, int32_t v10

/* ----------------------------------------------------- network, lookup */

WA_P2_IMPORT(WA_P2_INSTANCE_NET, "instance-network") int32_t wa__p2_instance_network(void);
WA_P2_IMPORT(WA_P2_NET, "[resource-drop]network") void wa__p2_network_drop(int32_t n);

/* result<own<resolve-address-stream>, error-code>: disc at 0, handle or
 * error-code at 4. */
WA_P2_IMPORT(WA_P2_LOOKUP, "resolve-addresses")
void wa__p2_resolve_addresses(int32_t net, const char *name, int32_t len, wa__p2_ret *ret);
/* result<option<ip-address>, error-code>: disc at 0; ok: option disc at 2,
 * ip-address at 4 (its disc at 4, bytes or u16s from 6); err: code at 2. */
WA_P2_IMPORT(WA_P2_LOOKUP, "[method]resolve-address-stream.resolve-next-address")
void wa__p2_resolve_next(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_LOOKUP, "[method]resolve-address-stream.subscribe")
int32_t wa__p2_resolve_subscribe(int32_t s);
WA_P2_IMPORT(WA_P2_LOOKUP, "[resource-drop]resolve-address-stream")
void wa__p2_resolve_drop(int32_t s);

/* ----------------------------------------------------------------- tcp */

/* result<own<tcp-socket>, error-code>: disc at 0, handle or code at 4. */
WA_P2_IMPORT(WA_P2_TCP_CREATE, "create-tcp-socket")
void wa__p2_tcp_create(int32_t family, wa__p2_ret *ret);

/* Every result<_, error-code> below: disc at 0, error-code at 1. */
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.start-bind")
void wa__p2_tcp_start_bind(int32_t s, int32_t net, WA_P2_SOCKADDR_PARAMS, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.finish-bind")
void wa__p2_tcp_finish_bind(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.start-connect")
void wa__p2_tcp_start_connect(int32_t s, int32_t net, WA_P2_SOCKADDR_PARAMS, wa__p2_ret *ret);
/* result<tuple<own<input-stream>, own<output-stream>>, error-code>: disc at
 * 0; ok: handles at 4, 8; err: code at 4. */
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.finish-connect")
void wa__p2_tcp_finish_connect(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.start-listen")
void wa__p2_tcp_start_listen(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.finish-listen")
void wa__p2_tcp_finish_listen(int32_t s, wa__p2_ret *ret);
/* result<tuple<own<tcp-socket>, own<input-stream>, own<output-stream>>,
 * error-code>: disc at 0; ok: handles at 4, 8, 12; err: code at 4. */
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.accept")
void wa__p2_tcp_accept(int32_t s, wa__p2_ret *ret);
/* result<ip-socket-address, error-code>: disc at 0; ok: the address at 4
 * (its disc at 4, port at 8, ipv4 bytes at 10..13 or ipv6 flow-info at
 * 12, u16s at 16..31, scope-id at 32); err: code at 4. */
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.local-address")
void wa__p2_tcp_local_address(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.remote-address")
void wa__p2_tcp_remote_address(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.set-listen-backlog-size")
void wa__p2_tcp_set_backlog(int32_t s, int64_t n, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.subscribe") int32_t wa__p2_tcp_subscribe(int32_t s);
WA_P2_IMPORT(WA_P2_TCP, "[method]tcp-socket.shutdown")
void wa__p2_tcp_shutdown(int32_t s, int32_t how, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TCP, "[resource-drop]tcp-socket") void wa__p2_tcp_drop(int32_t s);

#endif
