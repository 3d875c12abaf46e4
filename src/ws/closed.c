/* closed.c: what every WebSocket part records or frees at the bottom: the
 * close a connection ended with (the first one wins), and a received
 * message's bytes. Both the API (ws.c) and the RFC 6455 engine (engine.c)
 * call these, so they sit below both. */
#include "ws/engine.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

void wa__ws_set_closed(wa_ws *ws, int code, const char *reason, size_t reason_len)
{
    ws->closed = 1;
    if (ws->close_code)
        return;
    ws->close_code = code;
    free(ws->close_reason);
    ws->close_reason = reason_len ? wa__strndup(reason, reason_len) : NULL;
}

void wa_ws_msg_free(wa_ws_msg *msg)
{
    if (!msg)
        return;
    free(msg->data);
    memset(msg, 0, sizeof *msg);
}
