/* stream_echo_server.c: a WebSocket echo server on the streams layer alone
 * (wa_start_server + wa_ws_accept_stream, no wa_app): the program that
 * tests/ws/wasip2_server.sh builds as a WASI 0.2 command, to show that a
 * command serves WebSockets over wasi:sockets. `stream_echo_server PORT`
 * prints "listening PORT" once it accepts. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>

static int echo(wa_stream *s, void *arg)
{
    (void)arg;
    wa_ws *ws;
    if (wa_ws_accept_stream(s, NULL, &ws) < 0)
        return 0;
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
    wa_stream_server *srv;
    int rc = wa_start_server(echo, NULL, "127.0.0.1", atoi(arg), NULL, &srv);
    if (rc < 0)
        return wa_raise(rc, "start_server: %s", wa_strerror(rc));
    printf("listening %d\n", wa_stream_server_port(srv));
    fflush(stdout);
    wa_stream_server_serve_forever(srv);
    wa_stream_server_free(srv);
    return NULL;
}

int main(int argc, char **argv)
{
    return wa_run(serve, argc > 1 ? argv[1] : "0", NULL) == 0 ? 0 : 1;
}
