/* fuzz_ws.c: libFuzzer harness for the WebSocket engine (src/ws/): the
 * client's handshake check, the server's (on a raw request head), and the
 * frame parser, fragments, UTF-8, control frames and close rules of either
 * side. Input byte 0 picks the case (mod 4: a client's view of a response
 * head and frames, frames to a client engine, frames to a server engine, a
 * request head) and seeds how reads split the rest. Aborts if
 * a delivered message breaks an invariant (text not UTF-8, over the limit)
 * or a frame we send is malformed or wrongly masked. */
#include "ws/engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGE 4096

typedef struct mem_transport {
    wa__ws_transport base;
    const uint8_t *data;
    size_t len, at;
    uint32_t rng;
    int is_client;
    int closed;
} mem_transport;

static long mem_read(wa__ws_transport *t_, void *buf, size_t n)
{
    mem_transport *t = (mem_transport *)t_;
    if (t->at == t->len)
        return 0;
    t->rng = t->rng * 1103515245u + 12345u;
    size_t k = 1 + (t->rng >> 16) % 64;
    if (k > n)
        k = n;
    if (k > t->len - t->at)
        k = t->len - t->at;
    memcpy(buf, t->data + t->at, k);
    t->at += k;
    return (long)k;
}

/* What we send must be one well-formed frame, masked iff we are a client. */
static int mem_write(wa__ws_transport *t_, const void *const *bufs, const size_t *lens, size_t n)
{
    mem_transport *t = (mem_transport *)t_;
    if (t->closed)
        abort();
    uint8_t frame[WA_WS_MAX_HEADER + 200];
    size_t total = 0;
    if (n > 0 && lens[0] >= 4 && memcmp(bufs[0], "GET ", 4) == 0)
        return 0; /* the client's handshake request */
    for (size_t i = 0; i < n; i++) {
        if (total + lens[i] <= sizeof frame)
            memcpy(frame + total, bufs[i], lens[i]);
        total += lens[i];
    }
    if (total > sizeof frame)
        abort(); /* the engine itself only sends control frames */
    wa__ws_frame f;
    int h = wa__ws_frame_parse(frame, total, &f);
    if (h <= 0 || f.masked != t->is_client || f.header_len + f.len != total || f.rsv)
        abort();
    return 0;
}

static void mem_close(wa__ws_transport *t_) { ((mem_transport *)t_)->closed = 1; }

static const wa__ws_transport_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .close = mem_close,
};

static const uint8_t *in_data;
static size_t in_len;

static void drain(wa_ws *ws)
{
    for (int i = 0; i < 10000; i++) {
        wa_ws_msg m;
        int rc = wa_ws_receive(ws, &m);
        if (rc == 0 && m.type == WA_WS_TEXT && !wa__utf8_valid(m.data, m.len))
            abort();
        if (rc == 0 && m.type != WA_WS_CLOSE && m.len > MAX_MESSAGE)
            abort();
        if (rc == 0 && m.type == WA_WS_CLOSE && !wa__utf8_valid(m.data ? m.data : "", m.len))
            abort();
        wa_ws_msg_free(&m);
        if (rc != 0 || wa_ws_closed(ws))
            break;
    }
}

/* The server's handshake on a raw request head (wa_ws_accept_stream's):
 * whatever it accepts must yield a well-formed 101. */
static void server_head(void)
{
    char *buf = malloc(in_len + 5);
    memcpy(buf, in_data + 1, in_len - 1);
    memcpy(buf + in_len - 1, "\r\n\r\n", 5);
    const char *const protos[] = {"chat", "v2.chat", NULL};
    wa_ws_opts o = {.protocols = protos};
    char target[256], *resp = NULL, *proto = NULL;
    size_t resp_len = 0;
    int rc = wa__ws_server_head(buf, &o, target, sizeof target, &resp, &resp_len, &proto);
    if (rc == 0 && (resp_len < 40 || memcmp(resp, "HTTP/1.1 101 ", 13) != 0 ||
                    memcmp(resp + resp_len - 4, "\r\n\r\n", 4) != 0 || target[0] != '/'))
        abort();
    if (rc > 0 && rc != 400 && rc != 426)
        abort();
    free(resp);
    free(proto);
    free(buf);
}

static void *run(void *arg)
{
    (void)arg;
    uint8_t mode = in_data[0];
    if (mode % 4 == 3) {
        server_head();
        return NULL;
    }
    mem_transport *t = calloc(1, sizeof *t);
    t->base.ops = &mem_ops;
    t->data = in_data + 1;
    t->len = in_len - 1;
    t->rng = mode;
    wa_ws *ws = calloc(1, sizeof *ws);
    ws->max_message = MAX_MESSAGE;
    ws->close_timeout_ms = 1; /* the close-timeout path, without sitting out 10 ms per input */
    int rc;
    if (mode % 4 == 0) {
        /* The client's handshake: the response head can never carry the
         * right accept key, so this exercises the head parser and checks. */
        t->is_client = 1;
        const char *const protos[] = {"chat", NULL};
        wa__ws_connect_req req = {.url = "ws://h/",
                                  .host = "h",
                                  .port = 80,
                                  .host_header = "h",
                                  .resource = "/",
                                  .protocols = protos};
        rc = wa__ws_client_handshake(ws, &t->base, &req);
    } else {
        t->is_client = mode % 4 == 1;
        rc = wa__ws_engine_attach(ws, &t->base, t->is_client, NULL, 0);
    }
    if (rc == 0) {
        drain(ws);
        if (!wa_ws_closed(ws))
            wa_ws_close(ws, 1000, "fuzz");
    }
    wa_ws_free(ws);
    free(t);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    in_data = data;
    in_len = size;
    wa_run(run, NULL, NULL);
    return 0;
}
