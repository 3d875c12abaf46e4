/* ws.c (wasip2 host): the WebSocket half of the host contract (ws/host.h)
 * for WASI 0.2 components. A command's client is the portable RFC 6455
 * engine (src/ws/) over a wa_stream, which this target's streams layer runs
 * on wasi:sockets (src/host/wasip2/stream.c); servers go through
 * wa_ws_accept_stream on a wa_start_server stream, also portable. What a
 * component cannot do: wss:// (the streams layer has no TLS on WASI 0.2:
 * WA_ENOTSUP), and upgrading a wasi:http request (the proxy world hands a
 * handler no connection: WA_ENOTSUP). A proxy component has no sockets at
 * all: its connect fails in the streams layer with WA_ENOTSUP. */
#include "ws/host.h"

int wa__ws_host_connect(const wa__ws_connect_req *req, wa_ws *ws)
{
    if (req->secure)
        return WA_ENOTSUP; /* no TLS over wasi:sockets here (README, Streams on WASI 0.2) */
    wa__ws_transport *t = NULL;
    int rc = wa__ws_stream_dial(req, &t);
    if (rc < 0)
        return rc;
    return wa__ws_client_handshake(ws, t, req); /* closes t on error */
}

int wa__ws_host_upgrade(const wa_request *req, wa_reply *reply, const char *head, size_t head_len,
                        wa__ws_transport **out)
{
    (void)req;
    (void)reply;
    (void)head;
    (void)head_len;
    *out = NULL;
    return WA_ENOTSUP; /* wasi:http/incoming-handler has no raw connection */
}
