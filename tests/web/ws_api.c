/* ws_api.c: C coroutines the web WebSocket tests call from JS
 * (tests/web/ws_cases.mjs, in Node and in each browser) against the peer of
 * tests/web/ws_peer.mjs. Each takes the URL as a JSON string and returns a
 * JSON object of what it saw; the JS side judges it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasyncio.h>

#ifndef __EMSCRIPTEN__
/* A command build: the WA_JS_EXPORT getters are unused there. */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

static char *unquote(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        return s + 1;
    }
    return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* Connect; on failure the result names the error and the status. */
static void *connect_only(void *arg)
{
    wa_ws *ws = NULL;
    int rc = wa_ws_connect(unquote(arg), NULL, &ws);
    int status = wa_ws_connect_status();
    wa_ws_free(ws);
    return fmt("{\"rc\":%d,\"name\":\"%s\",\"status\":%d}", rc, wa_error_name(rc), status);
}
WA_JS_EXPORT(connect_only)

/* A server that accepts and never answers: WA_ETIMEDOUT after
 * handshake_timeout_ms (300), and the time it took. */
static void *connect_timeout(void *arg)
{
    wa_ws *ws = NULL;
    wa_ws_opts o = {.handshake_timeout_ms = 300};
    uint64_t t0 = wa_now(); /* ms */
    int rc = wa_ws_connect(unquote(arg), &o, &ws);
    uint64_t ms = wa_now() - t0;
    wa_ws_free(ws);
    return fmt("{\"rc\":%d,\"name\":\"%s\",\"ms\":%llu}", rc, wa_error_name(rc),
               (unsigned long long)ms);
}
WA_JS_EXPORT(connect_timeout)

/* wss:// to a server with a self-signed certificate; the URL's fragment
 * says how: "#" the default trust store, "#ca=PATH" that PEM file instead,
 * "#insecure" no checks. An echo of "tls" tells the connection works. */
static void *tls_connect(void *arg)
{
    char *url = unquote(arg);
    char *hash = strchr(url, '#');
    wa_ws_opts o = {0};
    if (hash) {
        *hash++ = '\0';
        if (!strncmp(hash, "ca=", 3))
            o.ca_file = hash + 3;
        else if (!strcmp(hash, "insecure"))
            o.flags = WA_WS_INSECURE;
    }
    wa_ws *ws = NULL;
    int rc = wa_ws_connect(url, &o, &ws);
    if (rc)
        return fmt("{\"rc\":%d,\"name\":\"%s\"}", rc, wa_error_name(rc));
    wa_ws_msg m;
    rc = wa_ws_send_text(ws, "tls");
    if (rc == 0)
        rc = wa_ws_receive(ws, &m);
    char *out = fmt("{\"rc\":%d,\"name\":\"%s\",\"echo\":\"%s\"}", rc, wa_error_name(rc),
                    rc == 0 && m.type == WA_WS_TEXT ? m.data : "");
    if (rc == 0)
        wa_ws_msg_free(&m);
    wa_ws_close(ws, 1000, NULL);
    wa_ws_free(ws);
    return out;
}
WA_JS_EXPORT(tls_connect)

/* /abort: "x", then the connection drops: WA_EWSABNORMAL with 1006. */
static void *abnormal(void *arg)
{
    wa_ws *ws = NULL;
    int rc = wa_ws_connect(unquote(arg), NULL, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    wa_ws_msg m;
    int r1 = wa_ws_receive(ws, &m);
    int got_x = r1 == 0 && m.type == WA_WS_TEXT && m.len == 1 && m.data[0] == 'x';
    wa_ws_msg_free(&m);
    int r2 = wa_ws_receive(ws, &m);
    int type = m.type, code = m.close_code;
    wa_ws_msg_free(&m);
    int after = wa_ws_receive(ws, &m);
    int send = wa_ws_send_text(ws, "late");
    char *out = fmt("{\"rc\":0,\"gotX\":%d,\"rc2\":%d,\"name\":\"%s\",\"type\":%d,\"code\":%d,"
                    "\"closeCode\":%d,\"closed\":%d,\"after\":\"%s\",\"send\":\"%s\"}",
                    got_x, r2, wa_error_name(r2), type, code, wa_ws_close_code(ws),
                    wa_ws_closed(ws), wa_error_name(after), wa_error_name(send));
    wa_ws_free(ws);
    return out;
}
WA_JS_EXPORT(abnormal)

/* /burst: receives interrupted over and over, by 1 ms deadlines and by
 * cancelling the receiving task: every message arrives once, in order. */
typedef struct burst {
    wa_ws *ws;
    int next, bad, done;
} burst;

static void *burst_receiver(void *arg)
{
    burst *b = arg;
    for (;;) {
        wa_ws_msg m;
        int rc = wa_ws_receive(b->ws, &m);
        if (rc < 0) {
            wa_ws_msg_free(&m);
            return NULL; /* cancelled (or the end): the next receiver goes on */
        }
        if (m.type == WA_WS_TEXT) {
            if (atoi(m.data) != b->next)
                b->bad++;
            b->next = atoi(m.data) + 1;
        } else {
            b->done = 1;
        }
        wa_ws_msg_free(&m);
        if (b->done)
            return NULL;
    }
}

static void *cancel_loses_nothing(void *arg)
{
    burst b = {0};
    int n = 200;
    int rc = wa_ws_connect(unquote(arg), NULL, &b.ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    int timeouts = 0, cancels = 0;
    /* Half of the messages: deadlines of 1 ms around each receive. */
    while (b.next < n / 2) {
        wa_ws_msg m;
        int trc;
        {
            WA_TIMEOUT_SCOPE(1, trc);
            rc = wa_ws_receive(b.ws, &m);
        }
        if (rc == WA_ETIMEDOUT) {
            timeouts++;
            continue;
        }
        if (rc < 0)
            break;
        if (atoi(m.data) != b.next)
            b.bad++;
        b.next = atoi(m.data) + 1;
        wa_ws_msg_free(&m);
    }
    /* The rest: a receiving task cancelled every 3 ms, then replaced. */
    while (rc >= 0 && b.next < n) {
        wa_task *t = wa_spawn(burst_receiver, &b);
        wa_sleep(3);
        if (!wa_task_done(t)) {
            wa_cancel(t);
            cancels++;
        }
        wa_await(t, NULL);
    }
    wa_ws_close(b.ws, 1000, NULL);
    wa_ws_free(b.ws);
    return fmt("{\"rc\":%d,\"got\":%d,\"bad\":%d,\"timeouts\":%d,\"cancels\":%d}", rc, b.next,
               b.bad, timeouts, cancels);
}
WA_JS_EXPORT(cancel_loses_nothing)

/* /big with max_message 1000: 500 bytes pass, 2000 are WA_ETOOBIG with 1009. */
static void *max_message(void *arg)
{
    wa_ws *ws = NULL;
    wa_ws_opts o = {.max_message = 1000};
    int rc = wa_ws_connect(unquote(arg), &o, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    wa_ws_msg m;
    int r1 = wa_ws_receive(ws, &m);
    size_t len1 = m.len;
    wa_ws_msg_free(&m);
    int r2 = wa_ws_receive(ws, &m);
    int type = m.type, code = m.close_code;
    wa_ws_msg_free(&m);
    char *out = fmt("{\"rc\":0,\"r1\":%d,\"len1\":%zu,\"r2\":%d,\"name\":\"%s\",\"type\":%d,"
                    "\"code\":%d,\"closeCode\":%d}",
                    r1, len1, r2, wa_error_name(r2), type, code, wa_ws_close_code(ws));
    wa_ws_free(ws);
    return out;
}
WA_JS_EXPORT(max_message)

/* /proto offered chat.v2 and chat.v1: the agreed one, and what the peer saw. */
static void *subprotocol(void *arg)
{
    wa_ws *ws = NULL;
    const char *protos[] = {"chat.v2", "chat.v1", NULL};
    wa_ws_opts o = {.protocols = protos};
    int rc = wa_ws_connect(unquote(arg), &o, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    wa_ws_msg m;
    rc = wa_ws_receive(ws, &m);
    const char *p = wa_ws_protocol(ws);
    char *out = fmt("{\"rc\":%d,\"protocol\":\"%s\",\"peer\":\"%s\"}", rc, p ? p : "(null)",
                    rc == 0 ? m.data : "");
    wa_ws_msg_free(&m);
    wa_ws_close(ws, 1000, NULL);
    wa_ws_free(ws);
    return out;
}
WA_JS_EXPORT(subprotocol)

/* /headers with X-Test: a page must refuse (WA_ENOTSUP), Node sends it. */
static void *extra_header(void *arg)
{
    wa_ws *ws = NULL;
    const char *hdrs[] = {"X-Test: hello", NULL};
    wa_ws_opts o = {.headers = hdrs};
    int rc = wa_ws_connect(unquote(arg), &o, &ws);
    if (rc)
        return fmt("{\"rc\":%d,\"name\":\"%s\"}", rc, wa_error_name(rc));
    wa_ws_msg m;
    rc = wa_ws_receive(ws, &m);
    char *out = fmt("{\"rc\":%d,\"peer\":\"%s\"}", rc, rc == 0 ? m.data : "");
    wa_ws_msg_free(&m);
    wa_ws_close(ws, 1000, NULL);
    wa_ws_free(ws);
    return out;
}
WA_JS_EXPORT(extra_header)

/* /echo: text and binary (with a NUL inside) come back intact; a ping (Node
 * only); then our close with the code JS gives in the URL's fragment. */
static void *echo_close(void *arg)
{
    char *url = unquote(arg);
    char *hash = strchr(url, '#');
    int code = 1000;
    if (hash) {
        code = atoi(hash + 1);
        *hash = '\0';
    }
    wa_ws *ws = NULL;
    int rc = wa_ws_connect(url, NULL, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    const char bin[] = {'a', 0, 'b', (char)0xff};
    int ok = 1;
    wa_ws_msg m;
    ok &= wa_ws_send_text(ws, "h\xc3\xa9llo") == 0;
    ok &= wa_ws_receive(ws, &m) == 0 && m.type == WA_WS_TEXT && !strcmp(m.data, "h\xc3\xa9llo");
    wa_ws_msg_free(&m);
    ok &= wa_ws_send_binary(ws, bin, sizeof bin) == 0;
    ok &= wa_ws_receive(ws, &m) == 0 && m.type == WA_WS_BINARY && m.len == sizeof bin &&
          !memcmp(m.data, bin, sizeof bin);
    wa_ws_msg_free(&m);
    int ping = wa_ws_ping(ws, "p1", 2);
    int crc = wa_ws_close(ws, code, "done");
    int again = wa_ws_close(ws, 1000, NULL);
    int send = wa_ws_send_text(ws, "late");
    char *out = fmt("{\"rc\":0,\"ok\":%d,\"ping\":\"%s\",\"close\":\"%s\",\"again\":\"%s\","
                    "\"send\":\"%s\",\"closeCode\":%d,\"closed\":%d}",
                    ok, wa_error_name(ping), wa_error_name(crc), wa_error_name(again),
                    wa_error_name(send), wa_ws_close_code(ws), wa_ws_closed(ws));
    wa_ws_free(ws);
    return out;
}
WA_JS_EXPORT(echo_close)

/* /noclose: our close waits close_timeout_ms (200) and reports WA_EWSABNORMAL. */
static void *close_timeout(void *arg)
{
    wa_ws *ws = NULL;
    wa_ws_opts o = {.close_timeout_ms = 200};
    int rc = wa_ws_connect(unquote(arg), &o, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    uint64_t t0 = wa_now(); /* ms */
    rc = wa_ws_close(ws, 1000, NULL);
    uint64_t ms = wa_now() - t0;
    wa_ws_free(ws);
    return fmt("{\"rc\":0,\"close\":\"%s\",\"ms\":%llu}", wa_error_name(rc),
               (unsigned long long)ms);
}
WA_JS_EXPORT(close_timeout)

/* /silent: 64 KiB sends into a peer that never reads. Sends return at once
 * until more than 1 MiB is buffered, then wait (backpressure): under a 300 ms
 * deadline the last one returns WA_ETIMEDOUT. */
static void *backpressure(void *arg)
{
    wa_ws *ws = NULL;
    int rc = wa_ws_connect(unquote(arg), NULL, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    static char chunk[64 << 10];
    memset(chunk, 'z', sizeof chunk);
    int sends = 0, trc = 0;
    size_t most = 0;
    {
        WA_TIMEOUT_SCOPE(300, trc);
        while (sends < 4096 && (rc = wa_ws_send_binary(ws, chunk, sizeof chunk)) == 0) {
            sends++;
            size_t b = wa_ws_buffered_amount(ws);
            if (b > most)
                most = b;
        }
    }
    wa_ws_free(ws);
    return fmt("{\"rc\":0,\"last\":\"%s\",\"sends\":%d,\"most\":%zu,\"scope\":\"%s\"}",
               wa_error_name(rc), sends, most, wa_error_name(trc));
}
WA_JS_EXPORT(backpressure)

/* /flood: receive nothing for 500 ms, then everything (32 MiB): all of it
 * arrives, in whole 64 KiB messages. */
static void *flood_hold(void *arg)
{
    wa_ws *ws = NULL;
    wa_ws_opts o = {.max_message = 1 << 20};
    int rc = wa_ws_connect(unquote(arg), &o, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    wa_sleep(500);
    size_t got = 0, bad = 0;
    while (got < ((size_t)32 << 20)) {
        wa_ws_msg m;
        rc = wa_ws_receive(ws, &m);
        if (rc < 0)
            break;
        bad += m.type != WA_WS_BINARY || m.len != (64 << 10);
        got += m.len;
        wa_ws_msg_free(&m);
    }
    wa_ws_close(ws, 1000, NULL);
    wa_ws_free(ws);
    return fmt("{\"rc\":%d,\"got\":%zu,\"bad\":%zu}", rc, got, bad);
}
WA_JS_EXPORT(flood_hold)

/* Echo benchmark: n round trips of a size-byte text message on /echo.
 * Returns {"n", "ms"}. */
static void *echo_bench(void *arg)
{
    char *url = unquote(arg);
    int n = 2000, size = 16;
    char *q = strchr(url, '#');
    if (q) {
        sscanf(q + 1, "%d,%d", &n, &size);
        *q = '\0';
    }
    wa_ws *ws = NULL;
    int rc = wa_ws_connect(url, NULL, &ws);
    if (rc)
        return fmt("{\"rc\":%d}", rc);
    char *msg = malloc((size_t)size + 1);
    memset(msg, 'm', (size_t)size);
    msg[size] = '\0';
    uint64_t t0 = wa_now(); /* ms */
    int i;
    for (i = 0; i < n; i++) {
        wa_ws_msg m;
        if (wa_ws_send_text_n(ws, msg, (size_t)size) < 0 || wa_ws_receive(ws, &m) < 0)
            break;
        wa_ws_msg_free(&m);
    }
    uint64_t ms = wa_now() - t0;
    free(msg);
    wa_ws_close(ws, 1000, NULL);
    wa_ws_free(ws);
    return fmt("{\"rc\":0,\"n\":%d,\"ms\":%llu}", i, (unsigned long long)ms);
}
WA_JS_EXPORT(echo_bench)

#ifndef __EMSCRIPTEN__
/* WASI 0.2 (and any command build): `ws_api CASE URL` runs one coroutine
 * above in wa_run and prints its JSON; tests/wasip2/ws_p2.test.mjs judges it
 * with the same cases as JS does (tests/web/ws_cases.mjs). */
static const struct {
    const char *name;
    wa_fn fn;
} cases[] = {
    {"connect_only", connect_only},
    {"abnormal", abnormal},
    {"cancel_loses_nothing", cancel_loses_nothing},
    {"max_message", max_message},
    {"subprotocol", subprotocol},
    {"extra_header", extra_header},
    {"echo_close", echo_close},
    {"close_timeout", close_timeout},
    {"backpressure", backpressure},
    {"echo_bench", echo_bench},
    {"flood_hold", flood_hold},
    {"connect_timeout", connect_timeout},
    {"tls_connect", tls_connect},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ws_api CASE URL\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        void *out = NULL;
        int rc = wa_run(cases[i].fn, argv[2], &out);
        if (rc < 0) {
            printf("{\"run\":\"%s\"}\n", wa_error_name(rc));
            return 1;
        }
        printf("%s\n", out ? (char *)out : "null");
        free(out);
        return 0;
    }
    fprintf(stderr, "ws_api: no case %s\n", argv[1]);
    return 2;
}
#endif
