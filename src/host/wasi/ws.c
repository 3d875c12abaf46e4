/* ws.c (wasi host): the WebSocket half of the host contract (ws/host.h).
 * WASI preview1 has no sockets: every call returns WA_ENOTSUP. Servers cannot upgrade here. */
#include "ws/host.h"

int wa__ws_host_connect(const wa__ws_connect_req *req, wa_ws *ws)
{
    (void)req;
    (void)ws;
    return WA_ENOTSUP;
}

int wa__ws_host_upgrade(const wa_request *req, wa_reply *reply, const char *head, size_t head_len,
                        wa__ws_transport **out)
{
    (void)req;
    (void)reply;
    (void)head;
    (void)head_len;
    *out = NULL;
    return WA_ENOTSUP;
}
