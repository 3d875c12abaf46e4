/* test_http_strict.c: the native server and client against the raw bytes
 * a strict HTTP/1.1 peer must refuse or survive: 414 for a long target,
 * Host and absolute-form authorities, a body that drips, slowloris at the cap, read-ahead and
 * clients that leave, HTTP/1.0 keep-alive, transfer codings, chunk
 * extensions, unknown methods, HTTP/0.9, and the client's error names. Each
 * answer is nginx's for the same bytes where nginx has one (the README says
 * where we differ). 127.0.0.1 only; timeouts are small so it takes seconds. */
#define _GNU_SOURCE
#include "test_util.h"
#include "http_helpers.h"

#include <malloc.h>

/* Heap bytes in use: ASan's allocator when it runs (mallinfo2 does not see
 * it), else glibc's. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));
static double heap_in_use(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return (double)__sanitizer_get_current_allocated_bytes();
    return (double)mallinfo2().uordblks;
}

/* ------------------------------------------------------------ app */

static int cancelled, finished; /* /sleep handlers that were cancelled, that ran out */

static int h_echo(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    const char *h = wa_request_header(req, "Host"), *host = wa_request_host(req);
    size_t len = 0;
    const char *body = wa_request_body(req, &len);
    return wa_reply_text(reply, "H=%s|host=%s|P=%s|B=%.*s", h ? h : "-", host ? host : "-",
                         wa_request_path(req), (int)len, body);
}

static int h_sleep(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    int rc = wa_sleep((uint64_t)atoi(wa_request_param(req, "ms")));
    if (rc == WA_ECANCELED)
        cancelled++;
    else
        finished++;
    return rc < 0 ? rc : wa_reply_text(reply, "slept");
}

static int h_hello(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    return wa_reply_text(reply, "Hello, %s!", wa_request_param(req, "name"));
}

typedef struct srv {
    wa_app *app;
    wa_task *task;
    int rc, port;
} srv;

static void *listen_task(void *arg)
{
    srv *s = arg;
    s->rc = wa_app_listen(s->app, "127.0.0.1", 0);
    return NULL;
}

static const wa_server_opts fast = {.head_timeout_ms = 300,
                                    .keepalive_timeout_ms = 300,
                                    .body_timeout_ms = 300,
                                    .send_timeout_ms = 300,
                                    .shutdown_grace_ms = 1000};

static void srv_start(srv *s, const wa_server_opts *o)
{
    s->app = wa_app_new();
    wa_app_route(s->app, "*", "/e", h_echo, NULL);
    wa_app_get(s->app, "/sleep/{ms}", h_sleep, NULL);
    wa_app_get(s->app, "/{name}", h_hello, NULL);
    CHECK_EQ(wa_app_set_opts(s->app, o ? o : &fast), 0);
    s->rc = 1;
    s->task = wa_spawn(listen_task, s);
    for (int i = 0; i < 100 && wa_app_port(s->app) <= 0; i++)
        wa_yield();
    s->port = wa_app_port(s->app);
    CHECK(s->port > 0);
}

static void srv_stop(srv *s)
{
    CHECK_EQ(wa_cancel(s->task), 0);
    wa_await(s->task, NULL);
    CHECK_EQ(s->rc, WA_ECANCELED);
    wa_release(s->task);
    wa_app_free(s->app);
}

/* ------------------------------------------------------------ raw socket */

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    wa_wait_writable(fd);
    return fd;
}

/* Send it all; 0, or -1 once the server has closed. */
static int put(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (k > 0)
            off += (size_t)k;
        else if (k < 0 && errno == EAGAIN && wa_wait_writable(fd) == 0)
            continue;
        else
            return -1;
    }
    return 0;
}

/* Read until `until` appears (NULL: EOF) or ms pass; *eof when closed. */
static size_t take(int fd, char *buf, size_t cap, const char *until, uint64_t ms, int *eof)
{
    size_t got = 0;
    int rc, w;
    *eof = 0;
    buf[0] = 0;
    {
        WA_TIMEOUT_SCOPE(ms, rc);
        while (got + 1 < cap && !(until && strstr(buf, until))) {
            ssize_t k = recv(fd, buf + got, cap - 1 - got, 0);
            if (k > 0) {
                got += (size_t)k;
                buf[got] = 0;
            } else if (k == 0 || (k < 0 && errno != EAGAIN)) {
                *eof = 1;
                break;
            } else if ((w = wa_wait_readable(fd)) < 0) {
                *eof = w != WA_ETIMEDOUT && w != WA_ECANCELED;
                break;
            }
        }
    }
    (void)rc;
    return got;
}

/* 1 when the server has closed fd (or sent something) by now. */
static int answered(int fd)
{
    char c;
    return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0;
}

static char out[1 << 16];

static const char *ask(const srv *s, const char *req, size_t len)
{
    if (hh_exchange(s->port, req, len ? len : strlen(req), 1, out, sizeof out) < 0)
        out[0] = 0;
    return out;
}

static void want_status(const srv *s, const char *req, size_t len, const char *status, int line)
{
    ask(s, req, len);
    if (strncmp(out, status, strlen(status)) != 0)
        tu_record(__FILE__, line, "%.60s... got \"%.40s\", want \"%s\"", req, out, status);
}
#define WANT(req, status) want_status(&s, (req), 0, (status), __LINE__)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char big[200000];

/* ------------------------------------------------------------ 1: 414 */

static void *uri_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    /* A 9,000-byte target: 414 (nginx: 414), not 431. */
    int k = sprintf(big, "GET /");
    memset(big + k, 'a', 9000);
    strcpy(big + k + 9000, " HTTP/1.1\r\nHost: h\r\n\r\n");
    WANT(big, "HTTP/1.1 414 ");
    /* Cut off inside the version still counts as the line. */
    k = sprintf(big, "GET /e?q=");
    memset(big + k, 'q', 8180);
    strcpy(big + k + 8180, " HTTP/1.1\r\nHost: h\r\n\r\n");
    WANT(big, "HTTP/1.1 414 ");
    /* A long header section stays 431 (nginx: 400 for one long line). */
    k = sprintf(big, "GET /e HTTP/1.1\r\nHost: h\r\nX-Pad: ");
    memset(big + k, 'p', 9000);
    strcpy(big + k + 9000, "\r\n\r\n");
    WANT(big, "HTTP/1.1 431 ");
    /* A long target just under the limit is served. */
    k = sprintf(big, "GET /");
    memset(big + k, 'a', 8000);
    strcpy(big + k + 8000, " HTTP/1.1\r\nHost: h\r\n\r\n");
    ask(&s, big, 0);
    CHECK(strncmp(out, "HTTP/1.1 200 ", 13) == 0);
    srv_stop(&s);
    return NULL;
}

static void test_uri_too_long(void **state)
{
    (void)state;
    run_main(uri_main, NULL);
}

/* ------------------------------------------------------------ 2, 3: Host */

static void *host_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    /* Not an authority: 400, as nginx. */
    WANT("GET /e HTTP/1.1\r\nHost: evil/../x\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\nHost: a b\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\nHost: \r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\nHost: a..b\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\nHost: a\\b\r\n\r\n", "HTTP/1.1 400 ");
    /* Stricter than nginx, which passes these on: */
    WANT("GET /e HTTP/1.1\r\nHost: [::1\r\n\r\n", "HTTP/1.1 400 ");   /* unclosed literal */
    WANT("GET /e HTTP/1.1\r\nHost: a@b\r\n\r\n", "HTTP/1.1 400 ");    /* userinfo */
    WANT("GET /e HTTP/1.1\r\nHost: h:http\r\n\r\n", "HTTP/1.1 400 "); /* port not digits */
    WANT("GET /e HTTP/1.1\r\nHost: h:99999\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\nHost: [::g]\r\n\r\n", "HTTP/1.1 400 ");
    /* Valid authorities reach the handler as sent. */
    static const char *fine[] = {
        "h",     "h:8080", "h:", "127.0.0.1:80", "[::1]:8080", "[v1.fe]", "xn--bcher-kva.example",
        "a%41b", "a_b-c~d"};
    char req[256], want[128];
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        snprintf(req, sizeof req, "GET /e HTTP/1.1\r\nHost: %s\r\n\r\n", fine[i]);
        snprintf(want, sizeof want, "H=%s|host=%s|", fine[i], fine[i]);
        ask(&s, req, 0);
        if (!strstr(out, want))
            tu_record(__FILE__, __LINE__, "Host: %s: got \"%.60s\"", fine[i], out);
    }
    /* 3: the absolute form's authority overrides Host (RFC 9112 3.2.2, as
     * nginx's $host), through the header and wa_request_host alike. */
    ask(&s, "GET http://evil.example/e HTTP/1.1\r\nHost: good\r\n\r\n", 0);
    CHECK(strstr(out, "H=evil.example|host=evil.example|P=/e|") != NULL);
    ask(&s, "GET http://a.example:8080/e?x=1 HTTP/1.1\r\nHost: good\r\n\r\n", 0);
    CHECK(strstr(out, "H=a.example:8080|host=a.example:8080|P=/e|") != NULL);
    ask(&s, "GET HTTP://[::1]:81 HTTP/1.0\r\n\r\n", 0); /* no path, no Host: 1.0 */
    CHECK(strncmp(out, "HTTP/1.1 404 ", 13) == 0);      /* "/" is not routed */
    ask(&s, "GET http://x.example/e HTTP/1.0\r\n\r\n", 0);
    CHECK(strstr(out, "H=x.example|host=x.example|") != NULL);
    ask(&s, "GET /e HTTP/1.0\r\n\r\n", 0);
    CHECK(strstr(out, "H=-|host=-|") != NULL);
    /* Userinfo in the target: 400 (RFC 9110 4.2.4; nginx: 400). */
    WANT("GET http://a@evil/ HTTP/1.1\r\nHost: good\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET http://a:b@evil/e HTTP/1.1\r\nHost: good\r\n\r\n", "HTTP/1.1 400 ");
    /* An empty or broken authority, and Host still required in 1.1. */
    WANT("GET http:///e HTTP/1.1\r\nHost: good\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET http://e%zz/e HTTP/1.1\r\nHost: good\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET http://evil.example/e HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET http://evil.example/e HTTP/1.1\r\nHost: a b\r\n\r\n", "HTTP/1.1 400 ");
    srv_stop(&s);
    return NULL;
}

static void test_host_and_authority(void **state)
{
    (void)state;
    run_main(host_main, NULL);
}

/* ------------------------------------------------------------ 4: drip */

#define DRIP_HEAD "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n"

static void *drip_main(void *arg)
{
    (void)arg;
    srv s;
    /* Between reads 300 ms, and 1000 bytes/s after that: a byte every 50 ms
     * keeps the first rule happy and must still end at about 300 ms. */
    wa_server_opts o = fast;
    o.min_body_rate = 1000;
    srv_start(&s, &o);
    char buf[4096];
    int eof;
    int fd = dial(s.port);
    put(fd, DRIP_HEAD, strlen(DRIP_HEAD));
    double t0 = now_ms();
    while (now_ms() - t0 < 3000 && !answered(fd)) {
        put(fd, "x", 1);
        wa_sleep(50);
    }
    double took = now_ms() - t0;
    take(fd, buf, sizeof buf, NULL, 1000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
    CHECK(took < 1500);
    printf("# drip: 408 after %.0f ms (body_timeout 300 ms, min rate 1000 B/s)\n", took);
    close(fd);
    /* A body at a fair rate, slower than one read: served. */
    fd = dial(s.port);
    const char *h = "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 6000\r\n\r\n";
    put(fd, h, strlen(h));
    memset(big, 'b', 6000);
    for (int i = 0; i < 6; i++) {
        put(fd, big, 1000);
        wa_sleep(100); /* 10 KB/s */
    }
    take(fd, buf, sizeof buf, "B=bbb", 1000, &eof);
    CHECK(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
    close(fd);
    srv_stop(&s);

    /* At the cap, the oldest slow body makes room for a new client (it
     * gets 408); before, the newcomer got 503 until a body timed out. */
    wa_server_opts capped = {.max_connections = 4,
                             .body_timeout_ms = 5000,
                             .head_timeout_ms = 5000,
                             .busy_head_timeout_ms = WA_NO_TIMEOUT,
                             .shutdown_grace_ms = 500};
    srv_start(&s, &capped);
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = dial(s.port);
        put(fds[i], DRIP_HEAD, strlen(DRIP_HEAD));
        wa_sleep(10);
    }
    t0 = now_ms();
    /* slow: under 500 bytes/s for 800 ms, past the half second after which
     * the server ranks a body by its rate */
    while (now_ms() - t0 < 800) {
        for (int i = 0; i < 4; i++)
            put(fds[i], "x", 1);
        wa_sleep(100);
    }
    ask(&s, "GET /newcomer HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    CHECK(strstr(out, "Hello, newcomer!") != NULL);
    take(fds[0], buf, sizeof buf, NULL, 1000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 408 ", 13) == 0); /* the oldest */
    CHECK(!answered(fds[1]));
    for (int i = 0; i < 4; i++)
        close(fds[i]);
    srv_stop(&s);
    return NULL;
}

static void test_body_drip(void **state)
{
    (void)state;
    run_main(drip_main, NULL);
}

/* ------------------------------------------------------------ 5: slowloris */

#define NCAP 8

static void *loris_main(void *arg)
{
    (void)arg;
    srv s;
    char buf[4096];
    int eof;
    /* A limit per client address (off by default): the third connection
     * from 127.0.0.1 gets 503 at once; one closing lets the next in. */
    wa_server_opts per = {.max_client_connections = 2, .shutdown_grace_ms = 500};
    srv_start(&s, &per);
    int a = dial(s.port), b = dial(s.port);
    wa_sleep(20);
    int c = dial(s.port);
    take(c, buf, sizeof buf, NULL, 1000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 503 ", 13) == 0);
    close(c);
    put(a, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", 28);
    take(a, buf, sizeof buf, "Hello, a!", 1000, &eof);
    CHECK(strstr(buf, "Hello, a!") != NULL);
    close(b);
    wa_sleep(20);
    c = dial(s.port);
    put(c, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n", 28);
    take(c, buf, sizeof buf, "Hello, c!", 1000, &eof);
    CHECK(strstr(buf, "Hello, c!") != NULL);
    close(a);
    close(c);
    srv_stop(&s);

    /* The cap full of slowloris heads (head timeout 5 s): once 3/4 of the
     * cap is open, heads get busy_head_timeout_ms (200 ms here), so a new
     * client is served within about that, not after 5 s. */
    wa_server_opts o = {.max_connections = NCAP,
                        .head_timeout_ms = 5000,
                        .busy_head_timeout_ms = 200,
                        .shutdown_grace_ms = 500};
    srv_start(&s, &o);
    int lor[NCAP];
    for (int i = 0; i < NCAP; i++) {
        lor[i] = dial(s.port);
        put(lor[i], "GET /x HTTP/1.1\r\nX-A: ", 22);
    }
    wa_sleep(30);
    double t0 = now_ms();
    int served = 0, tries = 0;
    while (!served && now_ms() - t0 < 3000) {
        tries++;
        ask(&s, "GET /late HTTP/1.1\r\nHost: h\r\n\r\n", 0);
        served = strstr(out, "Hello, late!") != NULL;
        if (!served)
            wa_sleep(25);
    }
    double took = now_ms() - t0;
    CHECK(served);
    CHECK(took < 900); /* 200 ms plus a tick, far from 5 s */
    printf("# slowloris at the cap: a new client served after %.0f ms (%d tries; "
           "busy head timeout 200 ms, head timeout 5000 ms)\n",
           took, tries);
    /* Each slow head either got its 408 or is still waiting, silent: once
     * fewer than 3/4 of the cap are open, the heads left are back on the
     * full head timeout. All of them are timed out in one sweep when they
     * started together; on a loaded machine their deadlines spread over
     * several sweeps, and the sweeps stop at 3/4. */
    int timed_out = 0, waiting = 0;
    for (int i = 0; i < NCAP; i++) {
        take(lor[i], buf, sizeof buf, NULL, 200, &eof);
        timed_out += eof && strncmp(buf, "HTTP/1.1 408 ", 13) == 0;
        waiting += !eof && buf[0] == 0;
        close(lor[i]);
    }
    CHECK_EQ(timed_out + waiting, NCAP);
    CHECK(timed_out >= NCAP / 4 + 1); /* enough to fall below 3/4 of the cap */
    /* Below 3/4 of the cap the full head timeout applies. */
    int one = dial(s.port);
    put(one, "GET /x HTTP/1.1\r\n", 17);
    wa_sleep(400);
    CHECK(!answered(one));
    close(one);
    srv_stop(&s);

    /* Without the earlier deadline, a newcomer at the cap still gets in:
     * the oldest head under way for half a second is evicted (408). */
    wa_server_opts ev = {.max_connections = 4,
                         .head_timeout_ms = 5000,
                         .busy_head_timeout_ms = WA_NO_TIMEOUT,
                         .shutdown_grace_ms = 500};
    srv_start(&s, &ev);
    for (int i = 0; i < 4; i++) {
        lor[i] = dial(s.port);
        put(lor[i], "GET /x HTTP/1.1\r\nX-A: ", 22);
        wa_sleep(10);
    }
    wa_sleep(600);
    ask(&s, "GET /in HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    CHECK(strstr(out, "Hello, in!") != NULL);
    take(lor[0], buf, sizeof buf, NULL, 500, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
    CHECK(!answered(lor[1]));
    for (int i = 0; i < 4; i++)
        close(lor[i]);
    srv_stop(&s);
    return NULL;
}

static void test_slowloris_at_cap(void **state)
{
    (void)state;
    run_main(loris_main, NULL);
}

/* ------------------------------------------------------------ 6 */

#define NAHEAD    20
#define PIPELINED 16

/* Pipelined requests with 100 short headers each (about 1 KB on the wire,
 * ten times that once parsed) behind a handler that sleeps: what the server
 * holds is bounded by max_read_ahead_bytes, not by 16 parsed requests. */
static void ahead_round(size_t read_ahead, double bound)
{
    srv s;
    wa_server_opts o = fast;
    o.head_timeout_ms = o.keepalive_timeout_ms = 5000;
    o.max_read_ahead_bytes = read_ahead;
    srv_start(&s, &o);
    static char reqs[PIPELINED * 1200];
    const char *first = "GET /sleep/500 HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t len = 0;
    for (int i = 1; i < PIPELINED; i++) {
        len += (size_t)sprintf(reqs + len, "GET /e HTTP/1.1\r\nHost: h\r\n");
        for (int j = 0; j < 98; j++)
            len += (size_t)sprintf(reqs + len, "h%d: v\r\n", j);
        len += (size_t)sprintf(reqs + len, "\r\n");
    }
    /* The handlers (their tasks and stacks) first, then what is read ahead
     * behind them: only the latter is measured. */
    int fds[NAHEAD];
    for (int i = 0; i < NAHEAD; i++) {
        fds[i] = dial(s.port);
        put(fds[i], first, strlen(first));
    }
    wa_sleep(50);
    double m0 = heap_in_use();
    for (int i = 0; i < NAHEAD; i++)
        put(fds[i], reqs, len);
    wa_sleep(200); /* all read and parsed as far as the server goes */
    double per_conn = (heap_in_use() - m0) / NAHEAD;
    printf("# read-ahead: %.0f KB held per connection (%d pipelined, %zu KiB read-ahead)\n",
           per_conn / 1024, PIPELINED, (read_ahead ? read_ahead : 16384) / 1024);
    CHECK(per_conn < bound); /* 15 parsed requests alone took ~130 KB */
    /* Every request is still answered, in order. */
    static char buf[1 << 16];
    int eof;
    for (int i = 0; i < NAHEAD; i++) {
        size_t got = 0;
        double t0 = now_ms();
        buf[0] = 0;
        while (hh_count(buf, "HTTP/1.1 200 ") < PIPELINED && now_ms() - t0 < 5000) {
            /* back as soon as a reply's head is in: the connection stays
             * open, so waiting for its end would sit out the 200 ms */
            size_t n = take(fds[i], buf + got, sizeof buf - got, "\r\n\r\n", 200, &eof);
            got += n;
            buf[got] = 0;
            if (eof)
                break;
        }
        CHECK_EQ(hh_count(buf, "HTTP/1.1 200 "), PIPELINED);
        close(fds[i]);
    }
    srv_stop(&s);
}

static void *ahead_main(void *arg)
{
    (void)arg;
    ahead_round(0, 64 * 1024); /* the default, 16 KiB */
    ahead_round(65536, 100 * 1024);
    return NULL;
}

static void test_read_ahead_bounded(void **state)
{
    (void)state;
    run_main(ahead_main, NULL);
}

/* A client that leaves: its handler is cancelled at once, as aiohttp
 * (handler_cancellation) and Go do, not left to run until a write fails. */
static void *gone_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    static const char *reqs[] = {
        "GET /sleep/3000 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /sleep/3000 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        "GET /sleep/3000 HTTP/1.0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++) {
        cancelled = finished = 0;
        int fd = dial(s.port);
        put(fd, reqs[i], strlen(reqs[i]));
        wa_sleep(100);
        double t0 = now_ms();
        close(fd);
        while (!cancelled && now_ms() - t0 < 2000)
            wa_sleep(10);
        if (cancelled != 1)
            tu_record(__FILE__, __LINE__, "request %zu: cancelled %d, finished %d", i, cancelled,
                      finished);
        CHECK(now_ms() - t0 < 500);
    }
    /* A client that only half-closes still gets what needs no wait. */
    ask(&s, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    CHECK(strncmp(out, "HTTP/1.1 200 ", 13) == 0);
    /* A handler still running when the client half-closes is cancelled. */
    cancelled = finished = 0;
    ask(&s, "GET /sleep/3000 HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    CHECK_EQ(cancelled, 1);
    CHECK_EQ(finished, 0);
    srv_stop(&s);
    return NULL;
}

static void test_client_gone(void **state)
{
    (void)state;
    run_main(gone_main, NULL);
}

/* ------------------------------------------------------------ 7 */

static void *keepalive10_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    char buf[4096];
    int eof;
    int fd = dial(s.port);
    const char *r10 = "GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    put(fd, r10, strlen(r10));
    take(fd, buf, sizeof buf, "Hello, one!", 1000, &eof);
    CHECK(strstr(buf, "\r\nConnection: keep-alive\r\n") != NULL); /* as nginx, aiohttp */
    const char *again = "GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    put(fd, again, strlen(again));
    take(fd, buf, sizeof buf, "Hello, two!", 1000, &eof);
    CHECK(!eof && strstr(buf, "Hello, two!") && strstr(buf, "Connection: keep-alive"));
    close(fd);
    /* Without asking: closed, and said so. HTTP/1.1 says nothing. */
    ask(&s, "GET /x HTTP/1.0\r\n\r\n", 0);
    CHECK(strstr(out, "\r\nConnection: close\r\n") != NULL);
    ask(&s, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    CHECK(strstr(out, "Connection:") == NULL);
    srv_stop(&s);
    return NULL;
}

static void test_http10_keep_alive(void **state)
{
    (void)state;
    run_main(keepalive10_main, NULL);
}

/* ------------------------------------------------------------ 8 */

static void *lenient_main(void *arg)
{
    (void)arg;
    srv s;
    wa_server_opts o = fast;
    o.head_timeout_ms = 5000; /* so that "at once" means at once */
    srv_start(&s, &o);
    char buf[4096];
    int eof;
    /* Transfer codings: only chunked (nginx: 501, and 400 for the rest). */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity, chunked\r\n\r\n"
         "3\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 501 ");
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", "HTTP/1.1 501 ");
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
         "3\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 501 ");
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
         "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 ");
    WANT("POST /e HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 ");
    ask(&s,
        "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\n\r\n",
        0);
    CHECK(strstr(out, "|B=abc") != NULL);
    /* Chunk extensions: RFC 9112 7.1.1 syntax or 400 (aiohttp: 400). */
    want_status(&s,
                "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3;\x01\x02=\"x\r\nabc\r\n0\r\n\r\n",
                0, "HTTP/1.1 400 ", __LINE__);
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3;a=\"b\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 "); /* unclosed quote */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3;=b\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 "); /* no name */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3;a\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 "); /* bare LF */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabcXY0\r\n\r\n",
         "HTTP/1.1 400 "); /* data not ended by CRLF */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
         "00000000000000003\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 "); /* 17 digits */
    ask(&s,
        "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3 ; a = b ; c=\"d \\\" e\"\r\nabc\r\n2;x\r\nde\r\n0;end\r\nX-T: 1\r\n\r\n",
        0);
    CHECK(strstr(out, "|B=abcde") != NULL);
    /* Extensions count against the body limit: a 3-byte body with a
     * megabyte of them (in 60 KB lines, under the parser's line limit) is
     * 413 once past max_body_bytes, and the rest is never read. */
    wa_server_opts small = fast;
    small.max_body_bytes = 25000;
    srv s2;
    srv_start(&s2, &small);
    int fd = dial(s2.port);
    const char *h = "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    put(fd, h, strlen(h));
    size_t k = (size_t)sprintf(big, "1;e=");
    memset(big + k, 'x', 60000);
    k += 60000;
    k += (size_t)sprintf(big + k, "\r\na\r\n");
    size_t sent = 0;
    for (int i = 0; i < 1700 && !answered(fd); i++) { /* up to 100 MB */
        if (put(fd, big, k) < 0)
            break;
        sent += k;
    }
    take(fd, buf, sizeof buf, NULL, 1000, &eof);
    CHECK(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
    CHECK(sent < (size_t)8 << 20);
    close(fd);
    srv_stop(&s2);
    /* One chunk line over the parser's 80 KB (under the 1 MiB body limit):
     * 413 too, not 431. */
    fd = dial(s.port);
    put(fd, h, strlen(h));
    put(fd, "1;e=", 4);
    memset(big, 'y', 100000);
    put(fd, big, 100000);
    take(fd, buf, sizeof buf, NULL, 1000, &eof);
    CHECK(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
    close(fd);

    /* Methods: unknown tokens 501 (RFC 9110 9.1), non-tokens 400. */
    WANT("FOO /e HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 501 ");
    WANT("GETS /e HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 501 ");
    WANT("get /e HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 501 ");
    WANT("G@T /e HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 ");
    WANT("\x01GET /e HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 ");
    WANT("PATCH /e HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 "); /* known, routed */
    /* HTTP/0.9: 400 and close at once, not after the head timeout. */
    static const char *v09[] = {"GET /e\r\n", "GET /e\n", "GET / HTTP/0.9\r\n"};
    for (size_t i = 0; i < sizeof v09 / sizeof *v09; i++) {
        fd = dial(s.port);
        double t0 = now_ms();
        put(fd, v09[i], strlen(v09[i]));
        take(fd, buf, sizeof buf, NULL, 2000, &eof);
        CHECK(eof && strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
        CHECK(now_ms() - t0 < 500);
        close(fd);
    }
    srv_stop(&s);
    return NULL;
}

static void test_leniencies(void **state)
{
    (void)state;
    run_main(lenient_main, NULL);
}

/* ------------------------------------------------------------ 9: client */

/* A TLS file that is missing, empty or not PEM is named at once, before
 * any connection is made (the listener below never sees one). */
static void *tls_files_main(void *arg)
{
    (void)arg;
    int port = 0;
    int ls = hh_listen(&port, 8);
    CHECK(ls >= 0);
    char url[64], empty[] = "/tmp/wa-strict-XXXXXX", junk[] = "/tmp/wa-strict-XXXXXX";
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", port);
    int fe = mkstemp(empty), fj = mkstemp(junk);
    CHECK(fe >= 0 && fj >= 0);
    CHECK(write(fj, "not a certificate\n", 18) == 18);
    close(fe);
    close(fj);
    const struct {
        const char *ca_file, *ca_dir, *cert;
        int want;
    } cases[] = {
        {"/nonexistent/ca.pem", NULL, NULL, WA_ENOENT},
        {empty, NULL, NULL, WA_EINVAL},
        {junk, NULL, NULL, WA_EINVAL},
        {"/tmp", NULL, NULL, WA_EINVAL},
        {NULL, "/nonexistent/dir", NULL, WA_ENOENT},
        {NULL, junk, NULL, WA_EINVAL},
        {NULL, NULL, "/nonexistent/client.pem", WA_ENOENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wa_fetch_opts o = {.ca_file = cases[i].ca_file,
                           .ca_dir = cases[i].ca_dir,
                           .client_cert = cases[i].cert,
                           .timeout_ms = 2000};
        wa_response *r = NULL;
        int rc = wa_fetch(url, &o, &r);
        if (rc != cases[i].want)
            tu_record(__FILE__, __LINE__, "case %zu: got %s, want %s", i, wa_error_name(rc),
                      wa_error_name(cases[i].want));
        wa_response_free(r);
    }
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    CHECK(accept(ls, (struct sockaddr *)&a, &alen) < 0 && errno == EAGAIN);
    close(ls);
    unlink(empty);
    unlink(junk);
    return NULL;
}

static void test_client_tls_files(void **state)
{
    (void)state;
    run_main(tls_files_main, NULL);
}

/* ------------------------------------------------------------ nginx */

/* The same bytes to nginx (Debian's nginx-light, started here on 127.0.0.1
 * when installed) and to us: where the README claims parity, the status
 * (and for HTTP/1.0 keep-alive, the Connection header) must match. */
static const char *const parity[] = {
    "GET /e?q=" /* 9,000 bytes of target, filled in below */,
    "GET /e HTTP/1.1\r\nHost: evil/../x\r\n\r\n",
    "GET /e HTTP/1.1\r\nHost: a b\r\n\r\n",
    "GET /e HTTP/1.1\r\nHost: \r\n\r\n",
    "GET /e HTTP/1.1\r\nHost: a..b\r\n\r\n",
    "GET /e HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "GET http://evil.example/e HTTP/1.1\r\nHost: good\r\n\r\n",
    "GET http://a@evil/e HTTP/1.1\r\nHost: good\r\n\r\n",
    "GET http:///e HTTP/1.1\r\nHost: good\r\n\r\n",
    "GET http://e vil/e HTTP/1.1\r\nHost: good\r\n\r\n",
    "GET http://evil.example/e HTTP/1.1\r\n\r\n",
    "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity, chunked\r\n\r\n"
    "3\r\nabc\r\n0\r\n\r\n",
    "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
    "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
    "\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "POST /e HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\n\r\n",
    "G@T /e HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /e HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "GET /e HTTP/1.0\r\n\r\n",
};

static char nginx_out[1 << 16];

static void *parity_main(void *arg)
{
    int nginx_port = *(int *)arg;
    srv s;
    srv_start(&s, NULL);
    for (size_t i = 0; i < sizeof parity / sizeof *parity; i++) {
        const char *req = parity[i];
        if (i == 0) {
            int k = sprintf(big, "%s", parity[0]);
            memset(big + k, 'q', 9000);
            strcpy(big + k + 9000, " HTTP/1.1\r\nHost: h\r\n\r\n");
            req = big;
        }
        /* HTTP/1.0 keep-alive: read one reply, do not wait for a close. */
        int ka = strstr(req, "keep-alive") != NULL;
        if (ka) {
            int eof, fd = dial(nginx_port);
            put(fd, req, strlen(req));
            take(fd, nginx_out, sizeof nginx_out, "\r\n\r\n", 1000, &eof);
            close(fd);
            fd = dial(s.port);
            put(fd, req, strlen(req));
            take(fd, out, sizeof out, "\r\n\r\n", 1000, &eof);
            close(fd);
        } else {
            hh_exchange(nginx_port, req, strlen(req), 1, nginx_out, sizeof nginx_out);
            ask(&s, req, 0);
        }
        CHECK(strncmp(nginx_out, "HTTP/1.1 ", 9) == 0);
        if (strncmp(nginx_out, out, 12) != 0)
            tu_record(__FILE__, __LINE__, "case %zu (%.40s): nginx \"%.12s\", we \"%.12s\"", i, req,
                      nginx_out, out);
        if (ka && (!strstr(nginx_out, "Connection: keep-alive") ||
                   !strstr(out, "Connection: keep-alive")))
            tu_record(__FILE__, __LINE__, "HTTP/1.0 keep-alive not said by both");
    }
    srv_stop(&s);
    return NULL;
}

static void test_nginx_parity(void **state)
{
    (void)state;
    const char *nginx = "/usr/sbin/nginx";
    char dir[] = "/tmp/wa-nginx-XXXXXX", conf[128];
    if (access(nginx, X_OK) != 0 || !mkdtemp(dir))
        skip();
    int port = hh_closed_port();
    snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f,
            "worker_processes 1; daemon off; master_process off; pid %s/nginx.pid;\n"
            "error_log %s/error.log;\nevents { worker_connections 64; }\n"
            "http { access_log off; client_body_temp_path %s/body;\n"
            "  server { listen 127.0.0.1:%d;\n"
            "    location / { default_type text/plain; return 200 \"$host\"; } } }\n",
            dir, dir, dir, port);
    fclose(f);
    char *argv[] = {(char *)nginx, "-p", dir, "-c", conf, NULL};
    hh_proc p = {0};
    int up = hh_spawn(argv, 0, &p) == 0 && hh_wait_port(port) == 0;
    if (up)
        run_main(parity_main, &port);
    hh_kill(&p);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    assert_true(up);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (getenv("WA_TEST_FILTER"))
        cmocka_set_test_filter(getenv("WA_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_too_long),       cmocka_unit_test(test_host_and_authority),
        cmocka_unit_test(test_body_drip),          cmocka_unit_test(test_slowloris_at_cap),
        cmocka_unit_test(test_read_ahead_bounded), cmocka_unit_test(test_client_gone),
        cmocka_unit_test(test_http10_keep_alive),  cmocka_unit_test(test_leniencies),
        cmocka_unit_test(test_client_tls_files),   cmocka_unit_test(test_nginx_parity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
