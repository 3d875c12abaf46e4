/* stream_resolve.h: turning a host and port into socket addresses for the
 * native stream backend (stream_connect.c owns
 * it; stream_listen.c uses it). */
#ifndef WA_HOST_NATIVE_STREAM_RESOLVE_H
#define WA_HOST_NATIVE_STREAM_RESOLVE_H

#include <uv.h>

/* 1 and *ss filled when host is a numeric IPv4 or IPv6 address (no lookup
 * needed), else 0. */
int wa__stream_numeric(const char *host, int port, struct sockaddr_storage *ss);

/* Look host up on libuv's thread pool: one cancellable wait. 0 with *out to
 * free with uv_freeaddrinfo, WA_EDNS, or the interruption. passive: for a
 * server (host may be NULL: every interface). */
int wa__stream_resolve(const char *host, int port, int passive, struct addrinfo **out);

#endif
