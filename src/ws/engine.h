/* engine.h (src/ws/): the portable RFC 6455 connection (engine.c) and the
 * handshakes that start it (handshake.c), as ws.c and the backends'
 * helpers see them. */
#ifndef WA_WS_ENGINE_H
#define WA_WS_ENGINE_H

#include "ws/codec.h"
#include "ws/host.h"

/* Make ws an engine connection over t once a handshake is done; early holds
 * bytes that came after the handshake's head (the first frames). On error t
 * is closed. */
int wa__ws_engine_attach(wa_ws *ws, wa__ws_transport *t, int is_client, const void *early,
                         size_t early_len);

/* A request header's value by name (case-insensitive), or NULL. */
typedef const char *(*wa__ws_header_fn)(const void *ctx, const char *name);

/* Server side (handshake.c): check a request (its method and headers) as an
 * opening handshake (RFC 6455 4.2.1) and pick the subprotocol. On success 0,
 * the complete 101 head in *head (malloc'd) and the protocol chosen in
 * *protocol (malloc'd or NULL). On failure the HTTP status to answer (400, or
 * 426 for the version) is returned as a positive number. */
int wa__ws_server_handshake(const char *method, wa__ws_header_fn header, const void *ctx,
                            const wa_ws_opts *opts, char **head, size_t *head_len, char **protocol);

/* accept_stream.c: wa__ws_server_handshake on a raw request head (buf:
 * NUL-terminated, ending with the blank line; split in place); the request
 * target is copied to target. */
int wa__ws_server_head(char *buf, const wa_ws_opts *opts, char *target, size_t target_cap,
                       char **resp, size_t *resp_len, char **protocol);

/* ws.c: a new connection object with opts' limits resolved. */
wa_ws *wa__ws_new(const wa_ws_opts *opts, int is_client);

/* stream_transport.c: the transport over an accepted stream (not owned:
 * closing it closes the stream, the stream's server frees it). */
wa__ws_transport *wa__ws_stream_transport(wa_stream *s, int owned);

/* Every line is one "Name: value" line (no CR/LF: no header injection). */
int wa__ws_headers_ok(const char *const *headers);

/* Every name is an HTTP token (no spaces, commas, CR/LF...). */
int wa__ws_protocols_ok(const char *const *protocols);

/* An HTTP token list (Connection, Upgrade) holds tok, case-insensitively. */
int wa__ws_has_token(const char *list, const char *tok);

#endif
