/* ws_echo_server.c: the WebSocket echo server of `make bench` (bench_ws.sh):
 * `ws_echo_server PORT` echoes every message on any path, with a 2 MiB
 * message limit (1 MiB messages are measured). */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>

static int echo(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    wa_ws_opts o = {.max_message = 2 << 20};
    wa_ws *ws;
    int rc = wa_ws_accept(req, reply, &o, &ws);
    if (rc < 0)
        return rc == WA_EWSHANDSHAKE ? 0 : rc;
    wa_ws_msg m;
    while (wa_ws_receive(ws, &m) == 0 && m.type != WA_WS_CLOSE) {
        if (m.type == WA_WS_TEXT)
            wa_ws_send_text_n(ws, m.data, m.len);
        else
            wa_ws_send_binary(ws, m.data, m.len);
        wa_ws_msg_free(&m);
    }
    wa_ws_msg_free(&m);
    wa_ws_free(ws);
    return 0;
}

static void *serve(void *arg)
{
    wa_app *app = wa_app_new();
    wa_app_get(app, "/", echo, NULL);
    wa_app_listen(app, "127.0.0.1", *(int *)arg);
    wa_app_free(app);
    return NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    return wa_run(serve, &port, NULL) == 0 ? 0 : 1;
}
