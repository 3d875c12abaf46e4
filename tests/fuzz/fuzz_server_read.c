/* fuzz_server_read.c: libFuzzer harness for the native server's read path:
 * bytes in, through h1_reader (http_parser and every RFC 9112 check), the
 * router and a handler that reads everything a request offers, to the reply
 * serializer. The input is fed in pieces whose sizes come from its first
 * byte, as reads would split it. Aborts if a reply is not well framed, or
 * if a handler sees a Host that is not an authority. */
#define _GNU_SOURCE /* memmem */
#include "host/native/h1_reader.h"
#include "http/host.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wa_app *app;
static size_t replies;

static int h_echo(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    size_t len = 0;
    const char *body = wa_request_body(req, &len);
    const char *p = wa_request_param(req, "p"), *q = wa_request_query(req, "q");
    const char *host = wa_request_header(req, "host"), *t = wa_request_trailer(req, "x-t");
    /* What reaches a handler names a valid authority, whichever field or
     * target form it came from, and the two accessors agree. */
    if (host && (!wa__http_authority_ok(host, strlen(host)) || host != wa_request_host(req)))
        abort();
    wa_reply_header(reply, "X-Echo", p ? p : "-"); /* may refuse: CR/LF checks */
    return wa_reply_text(reply, "%s %s p=%s q=%s h=%s t=%s n=%zu %.*s", wa_request_method(req),
                         wa_request_path(req), p ? p : "-", q ? q : "-", host ? host : "-",
                         t ? t : "-", len, (int)(len > 64 ? 64 : len), body);
}

/* The serializer's output must be one framed HTTP/1.1 response. */
static void check_reply(const char *out, size_t n, int head)
{
    const char *end = memmem(out, n, "\r\n\r\n", 4);
    if (n < 12 || memcmp(out, "HTTP/1.1 ", 9) != 0 || !end)
        abort();
    size_t head_len = (size_t)(end - out) + 4;
    for (const char *c = out; c < end; c++) /* no bare CR or LF in the head */
        if ((*c == '\r' && c[1] != '\n') || (*c == '\n' && c[-1] != '\r'))
            abort();
    const char *cl = memmem(out, head_len, "\r\nContent-Length: ", 18);
    if (cl && !head && strtoull(cl + 18, NULL, 10) != n - head_len)
        abort();
}

static void answer(wa_reply *rep, int keep_alive, int head)
{
    char *out = NULL;
    size_t n = 0;
    if (wa__reply_serialize(rep, keep_alive, head, &out, &n) == 0) {
        check_reply(out, n, head);
        free(out);
    }
    replies++;
}

static int ev_continue(void *ctx)
{
    (void)ctx;
    return 0;
}

static int ev_request(void *ctx, wa_request *req, const wa__h1_msg *m)
{
    (void)ctx;
    wa_reply rep;
    wa__reply_init(&rep);
    wa__app_dispatch(app, req, &rep);
    answer(&rep, m->keep_alive, m->head);
    wa__reply_clear(&rep);
    wa__request_clear(req);
    free(req);
    return replies % 7 == 6; /* pause now and then, as a full connection does */
}

static const wa__h1_events events = {ev_continue, ev_request};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app) {
        app = wa_app_new();
        wa_app_route(app, "*", "/e", h_echo, NULL);
        wa_app_route(app, "GET", "/e/{p}", h_echo, NULL);
        wa_app_route(app, "POST", "/a/{p}/b", h_echo, NULL);
    }
    if (size == 0)
        return 0;
    /* Small limits so that the fuzzer reaches them. */
    wa_server_opts o = {.max_head_bytes = 512, .max_header_lines = 12, .max_body_bytes = 256};
    wa_server_opts opts;
    wa__server_opts_resolve(&o, 1024, &opts);
    size_t piece = (size_t)(data[0] % 32) + 1;
    data++;
    size--;
    wa__h1_reader r;
    wa__h1_init(&r, &opts, &events, NULL);
    size_t off = 0;
    while (off < size && !r.status) {
        size_t n = size - off < piece ? size - off : piece;
        size_t done = wa__h1_feed(&r, (const char *)data + off, n);
        if (done > n)
            abort();
        off += done;
        if (r.paused)
            wa__h1_resume(&r);
    }
    if (r.status) {
        wa_reply rep;
        wa__reply_init(&rep);
        if (r.status < 400 || r.status > 599)
            abort();
        wa__reply_error(&rep, r.status);
        answer(&rep, 0, 0);
        wa__reply_clear(&rep);
    }
    wa__h1_free(&r);
    return 0;
}
