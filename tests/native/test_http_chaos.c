/* test_http_chaos.c: hostile clients against the native server. A blocking
 * client runs on the thread pool (wa_to_thread) and opens hundreds of
 * connections that each do something random and rude, from a fixed seed:
 * garbage, a request cut off mid-way, oversized headers, a body shorter than
 * its Content-Length, broken chunked encoding, pipelined requests, closing
 * without reading the answer. Meanwhile the server runs in the loop. After
 * the storm it must still answer a plain request, and (under ASan) nothing
 * may be leaked or touched after free. */
#define _GNU_SOURCE
#include "test_util.h"
#include "http_helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#define CONNECTIONS 600

static int h_hello(const wa_request *req, wa_reply *reply, void *ud)
{
    const char *name = wa_request_param(req, "name");
    return wa_reply_text(reply, "Hello, %s!", name ? name : "World");
}

static int h_slow(const wa_request *req, wa_reply *reply, void *ud)
{
    if (wa_sleep(2) < 0)
        return WA_ECANCELED;
    return wa_reply_text(reply, "slow");
}

typedef struct chaos {
    int port;
    uint64_t rng;
    int answered; /* connections that got some HTTP status line back */
} chaos;

static uint32_t rnd(chaos *c, uint32_t n)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return (uint32_t)(c->rng % n);
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s) { send_all(fd, s, strlen(s)); }

/* Read what the server says (until it closes or goes quiet) and note
 * whether an HTTP status line came back. */
static void drain(chaos *c, int fd)
{
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
        buf[n] = '\0';
        if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
            c->answered++;
    }
}

static void rude_connection(chaos *c)
{
    int fd = dial(c->port);
    if (fd < 0)
        return;
    char req[16384];
    switch (rnd(c, 10)) {
    case 0: /* a fine request */
        send_str(fd, "GET /ada HTTP/1.1\r\nHost: x\r\n\r\n");
        drain(c, fd);
        break;
    case 1: { /* random bytes */
        size_t n = 1 + rnd(c, 200);
        for (size_t i = 0; i < n; i++)
            req[i] = (char)rnd(c, 256);
        send_all(fd, req, n);
        if (rnd(c, 2))
            drain(c, fd);
        break;
    }
    case 2: /* cut off in the middle of the headers */
        send_str(fd, "GET /ada HTTP/1.1\r\nHost: x\r\nX-Half: ");
        break;
    case 3: { /* headers far over the limit */
        int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nX-Big: ");
        memset(req + n, 'a', 12000);
        n += 12000;
        n += snprintf(req + n, sizeof req - (size_t)n, "\r\n\r\n");
        send_all(fd, req, (size_t)n);
        drain(c, fd);
        break;
    }
    case 4: /* a body shorter than its Content-Length, then gone */
        send_str(fd, "POST /ada HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nshort");
        break;
    case 5: /* broken chunked encoding */
        send_str(fd, "POST /ada HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "zz\r\nnot hex\r\n0\r\n\r\n");
        drain(c, fd);
        break;
    case 6: /* several pipelined, some slow */
        send_str(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        if (rnd(c, 2))
            drain(c, fd);
        break;
    case 7: /* ask and leave without reading */
        send_str(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        break;
    case 8: /* a body over the 1 MiB limit announced */
        send_str(fd, "POST /ada HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc");
        drain(c, fd);
        break;
    default: /* connect and hang up */ break;
    }
    if (rnd(c, 2)) {
        /* leave with a reset instead of a FIN */
        struct linger l = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);
}

static void *storm(void *arg)
{
    chaos *c = arg;
    for (int i = 0; i < CONNECTIONS; i++)
        rude_connection(c);
    return NULL;
}

static void *chaos_main(void *arg)
{
    hh_server s = {.app = wa_app_new(), .rc = 1};
    wa_app_get(s.app, "/slow", h_slow, NULL);
    wa_app_get(s.app, "/{name}", h_hello, NULL);
    wa_app_route(s.app, "POST", "/{name}", h_hello, NULL);
    wa_task *srv = wa_spawn(hh_server_task, &s);
    for (int i = 0; i < 100 && wa_app_port(s.app) <= 0; i++)
        wa_yield();
    CHECK(wa_app_port(s.app) > 0);

    /* WASYNCIO_CHAOS_ROUNDS=N storms N times with other seeds (a soak). */
    const char *e = getenv("WASYNCIO_CHAOS_ROUNDS");
    long rounds = e && atol(e) > 0 ? atol(e) : 1;
    chaos c = {.port = wa_app_port(s.app)};
    for (long i = 0; i < rounds; i++) {
        c.rng = 0x9e3779b97f4a7c15u * (uint64_t)(i + 1);
        c.answered = 0;
        CHECK_EQ(wa_to_thread(storm, &c, NULL), 0);
        CHECK(c.answered > 0);
    }

    /* still serving, correctly */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/grace", c.port);
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 200);
        CHECK_STR(wa_response_text(r), "Hello, grace!");
        wa_response_free(r);
    }
    CHECK_EQ(wa_cancel(srv), 0);
    CHECK_EQ(wa_await(srv, NULL), WA_ECANCELED);
    CHECK_EQ(s.rc, WA_ECANCELED);
    wa_release(srv);
    wa_app_free(s.app);
    return NULL;
}

static void test_chaos_clients(void **state) { run_main(chaos_main, NULL); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chaos_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
