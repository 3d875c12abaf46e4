/* test_http_server.c: the app/route API and the native server: routing,
 * params, query, headers, bodies, status codes, keep-alive and pipelining
 * order, raw malformed requests (400/413/431/404, server stays up),
 * back-pressure with an unread client, 1,000 concurrent requests, and
 * shutting down by cancelling the listener. All on 127.0.0.1. */
#define _GNU_SOURCE
#include "test_util.h"
#include "http_helpers.h"

/* ------------------------------------------------------------ handlers */

static int h_hello(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    const char *name = wa_request_param(req, "name");
    return wa_reply_text(reply, "Hello, %s!", name ? name : "World");
}

static int h_info(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    size_t len = 0;
    const char *body = wa_request_body(req, &len);
    const char *q = wa_request_query(req, "q");
    const char *h = wa_request_header(req, "x-test");
    wa_reply_header(reply, "X-Reply", "yes");
    return wa_reply_text(reply, "%s %s id=%s q=%s h=%s body=%.*s", wa_request_method(req),
                         wa_request_path(req), wa_request_param(req, "id"), q ? q : "-",
                         h ? h : "-", (int)len, body);
}

static int h_sleep(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    int ms = atoi(wa_request_param(req, "ms"));
    int rc = wa_sleep((uint64_t)ms);
    if (rc < 0)
        return rc;
    return wa_reply_text(reply, "slept %d", ms);
}

static int h_fail(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)reply;
    (void)ud;
    return WA_EIO;
}

static int h_status(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    wa_reply_status(reply, 201);
    wa_reply_header(reply, "Content-Type", "application/json");
    return wa_reply_body(reply, "{\"ok\":true}", 11);
}

#define BIG_REPLY (1 << 20)
static int h_big(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)ud;
    static char *big;
    if (!big) {
        big = malloc(BIG_REPLY);
        if (!big)
            return WA_ENOMEM;
        for (int i = 0; i < BIG_REPLY; i++)
            big[i] = (char)('a' + i % 26);
    }
    return wa_reply_body(reply, big, BIG_REPLY);
}

/* ------------------------------------------------------------ fixture */

static wa_app *make_app(void)
{
    wa_app *app = wa_app_new();
    if (!app)
        return NULL;
    wa_app_get(app, "/", h_hello, NULL);
    wa_app_get(app, "/{name}", h_hello, NULL);
    wa_app_route(app, "GET", "/items/{id}/info", h_info, NULL);
    wa_app_route(app, "POST", "/items/{id}/info", h_info, NULL);
    wa_app_get(app, "/sleep/{ms}", h_sleep, NULL);
    wa_app_get(app, "/x/fail", h_fail, NULL);
    wa_app_get(app, "/x/status", h_status, NULL);
    wa_app_get(app, "/x/big", h_big, NULL);
    return app;
}

/* Start the server in a task and wait until it has a port. */
static wa_task *start_with(hh_server *s, const wa_server_opts *o)
{
    s->app = make_app();
    if (o)
        CHECK_EQ(wa_app_set_opts(s->app, o), 0);
    s->rc = 1;
    wa_task *t = wa_spawn(hh_server_task, s);
    for (int i = 0; i < 100 && wa_app_port(s->app) <= 0; i++)
        wa_yield();
    CHECK(wa_app_port(s->app) > 0);
    return t;
}

static wa_task *start(hh_server *s) { return start_with(s, NULL); }

static void stop(wa_task *t, hh_server *s)
{
    CHECK_EQ(wa_cancel(t), 0);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED); /* it ends as cancelled */
    CHECK_EQ(s->rc, WA_ECANCELED);
    wa_release(t);
    wa_app_free(s->app);
}

static char url_buf[128];
static const char *U(const hh_server *s, const char *path)
{
    snprintf(url_buf, sizeof url_buf, "http://127.0.0.1:%d%s", wa_app_port(s->app), path);
    return url_buf;
}

/* GET url; returns status, copies the text into out. */
static int get(const char *url, char *out, size_t cap)
{
    wa_response *r = NULL;
    int rc = wa_fetch(url, NULL, &r);
    if (rc < 0)
        return rc;
    int st = wa_response_status(r);
    if (out)
        snprintf(out, cap, "%s", wa_response_text(r));
    wa_response_free(r);
    return st;
}

/* ------------------------------------------------------------ API checks */

static int h_nop(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)reply;
    (void)ud;
    return 0;
}

static void *api_main(void *arg)
{
    (void)arg;
    wa_app *app = wa_app_new();
    CHECK(app != NULL);
    CHECK_EQ(wa_app_listen(NULL, "127.0.0.1", 0), WA_EINVAL);
    CHECK_EQ(wa_app_listen(app, NULL, 0), WA_EINVAL);
    CHECK_EQ(wa_app_listen(app, "127.0.0.1", 70000), WA_EINVAL);
    CHECK_EQ(wa_app_listen(app, "not-an-address", 0), WA_EINVAL);
    /* A port in use. */
    int port = 0;
    int fd = hh_listen(&port, 4);
    CHECK_EQ(wa_app_listen(app, "127.0.0.1", port), WA_EADDRINUSE);
    close(fd);
    CHECK_EQ(wa_app_port(app), 0);
    wa_app_free(app);
    return NULL;
}

static void test_api(void **state)
{
    (void)state;
    assert_int_equal(wa_app_route(NULL, "GET", "/", h_nop, NULL), WA_EINVAL);
    wa_app *app = wa_app_new();
    assert_non_null(app);
    assert_int_equal(wa_app_route(app, "GET", "/", NULL, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, NULL, "/", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "G ET", "/", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", NULL, h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", "no-slash", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", "/{unclosed", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", "/a{b}", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", "/{}", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", "/a b", h_nop, NULL), WA_EINVAL);
    assert_int_equal(wa_app_route(app, "GET", "/{a}/x/{b}", h_nop, NULL), 0);
    assert_int_equal(wa_app_port(NULL), WA_EINVAL);
    assert_int_equal(wa_app_port(app), 0);
    assert_int_equal(wa_app_listen(app, "127.0.0.1", 0), WA_ENOLOOP);
    wa_app_free(app);
    wa_app_free(NULL);
    /* Reply and request accessors reject NULL without crashing. */
    assert_int_equal(wa_reply_status(NULL, 200), WA_EINVAL);
    assert_int_equal(wa_reply_header(NULL, "a", "b"), WA_EINVAL);
    assert_int_equal(wa_reply_body(NULL, "a", 1), WA_EINVAL);
    assert_int_equal(wa_reply_text(NULL, "x"), WA_EINVAL);
    assert_null(wa_request_method(NULL));
    assert_null(wa_request_param(NULL, "a"));
    assert_null(wa_request_query(NULL, "a"));
    assert_null(wa_request_header(NULL, "a"));
    run_main(api_main, NULL);
}

/* Reply checks that need a real reply object: run inside a handler. */
static int reply_checks_rc;
static int h_reply_checks(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)ud;
    int bad = 0;
    bad |= wa_reply_status(reply, 99) != WA_EINVAL;
    bad |= wa_reply_status(reply, 600) != WA_EINVAL;
    bad |= wa_reply_header(reply, "Bad Name", "x") != WA_EINVAL;
    bad |= wa_reply_header(reply, "X-Split", "a\r\nX-Evil: 1") != WA_EINVAL;
    bad |= wa_reply_body(reply, NULL, 3) != WA_EINVAL;
    bad |= wa_request_param(req, "missing") != NULL;
    reply_checks_rc = bad;
    return wa_reply_text(reply, "checked");
}

/* ------------------------------------------------------------ serving */

static void *serve_main(void *arg)
{
    (void)arg;
    hh_server s;
    wa_task *t = start(&s);
    wa_app_get(s.app, "/x/checks", h_reply_checks, NULL);
    char buf[512];
    CHECK_EQ(get(U(&s, "/"), buf, sizeof buf), 200);
    CHECK_STR(buf, "Hello, World!");
    CHECK_EQ(get(U(&s, "/Alice"), buf, sizeof buf), 200);
    CHECK_STR(buf, "Hello, Alice!");
    CHECK_EQ(get(U(&s, "/J%C3%BCrgen%20B"), buf, sizeof buf), 200);
    CHECK_STR(buf, "Hello, J\xc3\xbcrgen B!");
    CHECK_EQ(get(U(&s, "/a/b/c"), buf, sizeof buf), 404);
    CHECK_EQ(get(U(&s, "/x/fail"), buf, sizeof buf), 500);
    CHECK_EQ(get(U(&s, "/x/checks"), buf, sizeof buf), 200);
    CHECK_EQ(reply_checks_rc, 0);

    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(U(&s, "/x/status"), NULL, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 201);
        CHECK_STR(wa_response_header(r, "Content-Type"), "application/json");
        CHECK_STR(wa_response_text(r), "{\"ok\":true}");
        wa_response_free(r);
    }
    /* Method, path, params, query (decoded), headers and body. */
    const char *hdrs[] = {"X-Test: hi there", NULL};
    wa_fetch_opts o = {0};
    o.method = "POST";
    o.headers = hdrs;
    o.body = "abc";
    o.body_len = 3;
    CHECK_EQ(wa_fetch(U(&s, "/items/42/info?q=a%20b+c&z=1"), &o, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 200);
        CHECK_STR(wa_response_text(r), "POST /items/42/info id=42 q=a b c h=hi there body=abc");
        CHECK_STR(wa_response_header(r, "X-Reply"), "yes");
        wa_response_free(r);
    }
    /* Path known, method not: 405. HEAD is answered by GET routes. */
    o = (wa_fetch_opts){0};
    o.method = "DELETE";
    CHECK_EQ(wa_fetch(U(&s, "/items/1/info"), &o, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 405);
        wa_response_free(r);
    }
    o.method = "HEAD";
    CHECK_EQ(wa_fetch(U(&s, "/Bob"), &o, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 200);
        CHECK_STR(wa_response_header(r, "Content-Length"), "11");
        CHECK_STR(wa_response_text(r), "");
        wa_response_free(r);
    }
    stop(t, &s);
    /* After the listener is cancelled the port is closed. */
    return NULL;
}

static void test_serve(void **state)
{
    (void)state;
    run_main(serve_main, NULL);
}

/* ------------------------------------------------------------ raw bytes */

static char raw_out[1 << 16];

static void *raw_main(void *arg)
{
    (void)arg;
    hh_server s;
    wa_task *t = start(&s);
    int port = wa_app_port(s.app);

    /* Pipelined requests: answered in request order even though the first
     * handler finishes last. Keep-alive until "Connection: close". */
    const char *pipelined = "GET /sleep/60 HTTP/1.1\r\nHost: a\r\n\r\n"
                            "GET /sleep/1 HTTP/1.1\r\nHost: a\r\n\r\n"
                            "GET /Carol HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    long n = hh_exchange(port, pipelined, strlen(pipelined), 0, raw_out, sizeof raw_out);
    CHECK(n > 0);
    const char *a = strstr(raw_out, "slept 60"), *b = strstr(raw_out, "slept 1"),
               *c = strstr(raw_out, "Hello, Carol!");
    CHECK(a && b && c && a < b && b < c);
    CHECK_EQ(hh_count(raw_out, "HTTP/1.1 200 OK"), 3);
    CHECK(strstr(raw_out, "Connection: close") != NULL);

    /* HTTP/1.0 without keep-alive: one answer, then close. */
    const char *v10 = "GET /Dan HTTP/1.0\r\n\r\n";
    n = hh_exchange(port, v10, strlen(v10), 0, raw_out, sizeof raw_out);
    CHECK(strstr(raw_out, "Hello, Dan!") != NULL);

    /* Malformed requests: each gets its status and the connection closes. */
    static const struct {
        const char *what;
        const char *status;
    } bad[] = {
        {"garbage\r\n\r\n", "HTTP/1.1 400 "},
        {"GET / HTTP/1.1\r\nBad Header\r\n\r\n", "HTTP/1.1 400 "},
        {"GET / HTTP/9.9\r\n\r\n", "HTTP/1.1 505 "},
        {"GET ftp://other.example/ HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\nxx", "HTTP/1.1 413 "},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", "HTTP/1.1 400 "},
        {"GET /nope/nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", "HTTP/1.1 404 "},
        {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HTTP/1.1 400 "}, /* TLS hello */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = hh_exchange(port, bad[i].what, strlen(bad[i].what), 1, raw_out, sizeof raw_out);
        if (n <= 0 || strncmp(raw_out, bad[i].status, strlen(bad[i].status)) != 0)
            tu_record(__FILE__, __LINE__, "request %zu: got \"%.40s\", want \"%s\"", i, raw_out,
                      bad[i].status);
    }
    /* Oversized header section: 431. */
    static char big[20000];
    int k = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
    memset(big + k, 'x', 12000);
    memcpy(big + k + 12000, "\r\n\r\n", 5);
    n = hh_exchange(port, big, strlen(big), 1, raw_out, sizeof raw_out);
    CHECK(strncmp(raw_out, "HTTP/1.1 431 ", 13) == 0);
    /* Oversized chunked body: 413 while streaming in. */
    static char chunked[1 << 16];
    size_t off = (size_t)snprintf(
        chunked, sizeof chunked,
        "POST /items/1/info HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    /* Declared chunk sizes add up past the 1 MiB limit quickly. */
    off += (size_t)snprintf(chunked + off, sizeof chunked - off, "200000\r\n");
    memset(chunked + off, 'y', 30000);
    off += 30000;
    n = hh_exchange(port, chunked, off, 1, raw_out, sizeof raw_out);
    CHECK(n > 0 && strncmp(raw_out, "HTTP/1.1 413 ", 13) == 0);
    /* A request cut off half-way, then closed: no answer, no crash. */
    const char *cut = "GET /Eve HTTP/1.1\r\nHost:";
    n = hh_exchange(port, cut, strlen(cut), 1, raw_out, sizeof raw_out);
    CHECK_EQ(n, 0);

    /* The server is still up and well. */
    char buf[64];
    CHECK_EQ(get(U(&s, "/Frank"), buf, sizeof buf), 200);
    CHECK_STR(buf, "Hello, Frank!");
    stop(t, &s);
    return NULL;
}

static void test_raw_requests(void **state)
{
    (void)state;
    run_main(raw_main, NULL);
}

/* ------------------------------------------------------------ back-pressure */

/* A client pipelines many requests for a 1 MiB reply, reads nothing for a
 * while, then reads everything: all replies arrive, complete and in order. */
#define NPIPE 40

static void *pressure_main(void *arg)
{
    (void)arg;
    hh_server s;
    wa_task *t = start(&s);
    int port = wa_app_port(s.app);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, (struct sockaddr *)&a, sizeof a);
    CHECK_EQ(wa_wait_writable(fd), 0);
    static char reqs[NPIPE * 64];
    size_t len = 0;
    for (int i = 0; i < NPIPE; i++)
        len += (size_t)snprintf(reqs + len, sizeof reqs - len,
                                "GET /x/big HTTP/1.1\r\nHost: a\r\n\r\n");
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, reqs + off, len - off, MSG_NOSIGNAL);
        if (k > 0)
            off += (size_t)k;
        else if (wa_wait_writable(fd) < 0)
            break;
    }
    wa_sleep(100); /* not reading: the server must hold back, not buffer 40 MiB */
    /* Every reply is the same: a small header block and 1 MiB of body. */
    size_t hdr = strlen("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        "Content-Length: 1048576\r\n\r\n");
    size_t expect = (size_t)NPIPE * (BIG_REPLY + hdr), total = 0;
    static char buf[65536];
    while (total < expect) {
        ssize_t k = recv(fd, buf, sizeof buf, 0);
        if (k > 0)
            total += (size_t)k;
        else if (k == 0)
            break;
        else if (wa_wait_readable(fd) < 0)
            break;
    }
    close(fd);
    CHECK_EQ(total, expect);
    stop(t, &s);
    return NULL;
}

static void test_back_pressure(void **state)
{
    (void)state;
    run_main(pressure_main, NULL);
}

/* ------------------------------------------------------------ load */

#define NLOAD 1000

typedef struct load_job {
    const char *base;
    int i;
    int ok;
} load_job;

static void *load_one(void *arg)
{
    load_job *j = arg;
    char url[96], want[64], got[64];
    snprintf(url, sizeof url, "%s/u%d", j->base, j->i);
    snprintf(want, sizeof want, "Hello, u%d!", j->i);
    j->ok = get(url, got, sizeof got) == 200 && strcmp(got, want) == 0;
    return NULL;
}

static void *load_main(void *arg)
{
    (void)arg;
    hh_server s;
    wa_task *t = start(&s);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", wa_app_port(s.app));
    static load_job jobs[NLOAD];
    static wa_task *tasks[NLOAD];
    for (int i = 0; i < NLOAD; i++) {
        jobs[i] = (load_job){base, i, 0};
        tasks[i] = wa_spawn(load_one, &jobs[i]);
    }
    CHECK_EQ(wa_gather(tasks, NLOAD, NULL, NULL, 0), 0);
    int ok = 0;
    for (int i = 0; i < NLOAD; i++) {
        ok += jobs[i].ok;
        wa_release(tasks[i]);
    }
    CHECK_EQ(ok, NLOAD);
    stop(t, &s);
    return NULL;
}

static void test_1000_concurrent(void **state)
{
    (void)state;
    run_main(load_main, NULL);
}

/* ------------------------------------------------------------ shutdown */

/* Cancelling the listener while a handler sleeps and a client is
 * connected: the handler is cancelled, everything is freed, the port
 * closes. */
static void *client_sleep(void *arg)
{
    hh_server *s = arg;
    char buf[64];
    int *rc = malloc(sizeof *rc);
    *rc = get(U(s, "/sleep/10000"), buf, sizeof buf);
    return rc;
}

static void *shutdown_main(void *arg)
{
    (void)arg;
    hh_server s;
    wa_server_opts o = {.shutdown_grace_ms = 1}; /* cancel the handler at once */
    wa_task *t = start_with(&s, &o);
    int port = wa_app_port(s.app);
    wa_task *c = wa_spawn(client_sleep, &s);
    wa_sleep(50);
    stop(t, &s);
    void *res = NULL;
    CHECK_EQ(wa_wait_for(c, 5000, &res), 0);
    if (res) {
        CHECK(*(int *)res < 0 || *(int *)res == 503); /* never a hang */
        free(res);
    }
    wa_release(c);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(url, NULL, &r), WA_ECONNREFUSED);
    return NULL;
}

static void test_shutdown(void **state)
{
    (void)state;
    run_main(shutdown_main, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_raw_requests),
        cmocka_unit_test(test_back_pressure),
        cmocka_unit_test(test_1000_concurrent),
        cmocka_unit_test(test_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
