/* stream_echo_uv.c: the raw libuv peer of stream_echo.c: the same line-echo
 * server and clients in one process on one loop, written directly on
 * libuv's callbacks (the practical limit for a C program on libuv).
 *   stream_echo_uv rt|bulk N SECS   prints round trips/s or MB/s */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char MSG[] = "012345678901234567890123456789012345678901234567890123456789012\n";
static int bulk;
static uint64_t deadline;
static unsigned long long count;
static uv_loop_t *loop;
static uv_tcp_t server;
static int clients_left;

struct conn {
    uv_tcp_t tcp;
    char buf[65536];
    size_t len;
    int is_client;
};

struct wreq {
    uv_write_t req;
    char data[];
};

static void on_close(uv_handle_t *h) { free(h->data); }

static void on_alloc(uv_handle_t *h, size_t sug, uv_buf_t *b)
{
    (void)sug;
    struct conn *c = h->data;
    if (bulk) { /* the server drops the bytes: one large buffer for all */
        static char sink[256 * 1024];
        *b = uv_buf_init(sink, sizeof sink);
        return;
    }
    *b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof c->buf - c->len));
}

static void on_copy_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

/* Send now if the socket takes it, else copy and queue (what a careful
 * libuv program does; wasyncio's write does the same). */
static void send_bytes(struct conn *c, const char *p, size_t n)
{
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (r == (int)n)
        return;
    if (r < 0)
        r = 0;
    struct wreq *w = malloc(sizeof *w + n - (size_t)r);
    memcpy(w->data, p + r, n - (size_t)r);
    b = uv_buf_init(w->data, (unsigned)(n - (size_t)r));
    uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_copy_written);
}

static void client_done(struct conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_close);
    if (--clients_left == 0)
        uv_close((uv_handle_t *)&server, NULL);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    struct conn *c = st->data;
    if (n < 0) {
        if (c->is_client)
            client_done(c);
        else
            uv_close((uv_handle_t *)st, on_close);
        return;
    }
    if (bulk) /* the server drops what it reads */
        return;
    c->len += (size_t)n;
    char *p = c->buf, *end = c->buf + c->len, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        if (c->is_client) {
            count++;
            if (uv_now(loop) < deadline) {
                send_bytes(c, MSG, sizeof MSG - 1);
            } else {
                uv_read_stop(st);
                client_done(c);
                return;
            }
        } else {
            send_bytes(c, p, (size_t)(nl + 1 - p));
        }
        p = nl + 1;
    }
    c->len = (size_t)(end - p);
    memmove(c->buf, p, c->len);
}

static char chunk[65536];
static void pump(struct conn *c);
static void on_chunk_written(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    free(req);
    if (status == 0)
        pump(c);
}

/* Keep up to 64 KiB queued, as drain's high-water mark does. */
static void pump(struct conn *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    while (c->tcp.write_queue_size <= 65536) {
        if (uv_now(loop) >= deadline) {
            client_done(c);
            return;
        }
        count += sizeof chunk;
        uv_buf_t b = uv_buf_init(chunk, sizeof chunk);
        int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        if (r == (int)sizeof chunk)
            continue;
        if (r < 0)
            r = 0;
        uv_write_t *w = malloc(sizeof *w);
        w->data = c;
        b = uv_buf_init(chunk + r, (unsigned)(sizeof chunk - (size_t)r));
        uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_chunk_written);
        return;
    }
}

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    free(req);
    if (status < 0) {
        client_done(c);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (bulk)
        pump(c);
    else
        send_bytes(c, MSG, sizeof MSG - 1);
}

static void on_connection(uv_stream_t *srv, int status)
{
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof *c);
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(srv, (uv_stream_t *)&c->tcp) < 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    bulk = strcmp(argv[1], "bulk") == 0;
    int n = atoi(argv[2]);
    double secs = atof(argv[3]);
    loop = uv_default_loop();
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_init(loop, &server);
    uv_tcp_bind(&server, (struct sockaddr *)&a, 0);
    uv_listen((uv_stream_t *)&server, 128, on_connection);
    int len = sizeof a;
    uv_tcp_getsockname(&server, (struct sockaddr *)&a, &len);
    uint64_t t0 = uv_hrtime();
    deadline = uv_now(loop) + (uint64_t)(secs * 1000);
    clients_left = n;
    for (int i = 0; i < n; i++) {
        struct conn *c = calloc(1, sizeof *c);
        c->is_client = 1;
        uv_tcp_init(loop, &c->tcp);
        uv_tcp_nodelay(&c->tcp, 1);
        c->tcp.data = c;
        uv_connect_t *req = malloc(sizeof *req);
        req->data = c;
        uv_tcp_connect(req, &c->tcp, (struct sockaddr *)&a, on_connect);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    double el = (double)(uv_hrtime() - t0) / 1e9;
    printf("%.0f\n", bulk ? (double)count / el / 1e6 : (double)count / el);
    return 0;
}
