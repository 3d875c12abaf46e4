/* ws_chat_server.c: the WebSocket twin, server side, of ws_chat_server.py
 * (aiohttp). `ws_chat_server PORT` serves ws://127.0.0.1:PORT/chat/{name}:
 * a text message goes to every client as "name: text" (wa_ws_broadcast), a
 * binary message comes back reversed to its sender, and "bye" closes with
 * 1000 "see you". Native only: a WASI 0.2 proxy component cannot upgrade a
 * request (see the README's WebSocket section). */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The room: every connection whose handler is running, like the Python
 * `clients` set. Tasks share one thread, so no lock is needed. */
static wa_ws **clients;
static size_t nclients, cap;

static int room_add(wa_ws *ws)
{
    if (nclients == cap) {
        size_t ncap = cap ? 2 * cap : 16;
        wa_ws **c = realloc(clients, ncap * sizeof *c);
        if (!c)
            return WA_ENOMEM;
        clients = c;
        cap = ncap;
    }
    clients[nclients++] = ws;
    return 0;
}

static void room_remove(wa_ws *ws)
{
    for (size_t i = 0; i < nclients; i++)
        if (clients[i] == ws) {
            clients[i] = clients[--nclients];
            return;
        }
}

static void on_message(wa_ws *ws, const char *name, wa_ws_msg *msg)
{
    if (msg->type == WA_WS_TEXT) {
        char *line = malloc(strlen(name) + 2 + msg->len + 1);
        if (!line)
            return;
        size_t n = (size_t)sprintf(line, "%s: ", name);
        memcpy(line + n, msg->data, msg->len);
        /* A snapshot, as Python's list(clients): handlers may leave meanwhile. */
        wa_ws **room = malloc(nclients * sizeof *room);
        size_t count = nclients;
        if (room) {
            memcpy(room, clients, count * sizeof *room);
            wa_ws_broadcast(room, count, WA_WS_TEXT, line, n + msg->len);
        }
        free(room);
        free(line);
    } else if (msg->type == WA_WS_BINARY) {
        for (size_t i = 0; i < msg->len / 2; i++) {
            char t = msg->data[i];
            msg->data[i] = msg->data[msg->len - 1 - i];
            msg->data[msg->len - 1 - i] = t;
        }
        wa_ws_send_binary(ws, msg->data, msg->len);
    }
}

static int chat(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    wa_ws *ws;
    int rc = wa_ws_accept(req, reply, NULL, &ws);
    if (rc == WA_EWSHANDSHAKE)
        return 0; /* not a WebSocket request: the reply already says 400 */
    if (rc < 0)
        return rc;
    const char *name = wa_request_param(req, "name");
    if (room_add(ws) < 0) {
        wa_ws_free(ws);
        return WA_ENOMEM;
    }
    wa_ws_msg msg;
    while (wa_ws_receive(ws, &msg) == 0 && msg.type != WA_WS_CLOSE) {
        int bye = msg.type == WA_WS_TEXT && strcmp(msg.data, "bye") == 0;
        if (bye) {
            wa_ws_msg_free(&msg);
            wa_ws_close(ws, 1000, "see you");
            break;
        }
        on_message(ws, name, &msg);
        wa_ws_msg_free(&msg);
    }
    wa_ws_msg_free(&msg);
    room_remove(ws);
    wa_ws_free(ws);
    return 0;
}

static void *serve(void *arg)
{
    int port = *(int *)arg;
    wa_app *app = wa_app_new();
    if (!app)
        return wa_raise(wa_last_error(), "cannot create the app");
    wa_app_get(app, "/chat/{name}", chat, NULL);
    int rc = wa_app_listen(app, "127.0.0.1", port);
    wa_app_free(app);
    free(clients);
    if (rc < 0 && rc != WA_ECANCELED)
        return wa_raise(rc, "cannot serve on 127.0.0.1:%d: %s", port, wa_strerror(rc));
    return NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : -1; /* required, as in the Python twin */
    if (argc != 2 || port < 0 || port > 65535) {
        fprintf(stderr, "usage: ws_chat_server PORT\n");
        return 2;
    }
    int rc = wa_run(serve, &port, NULL);
    if (rc < 0) {
        fprintf(stderr, "ws_chat_server: %s\n", wa_strerror(rc));
        return 1;
    }
    return 0;
}
