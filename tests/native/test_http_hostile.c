/* test_http_hostile.c: the native server against the raw bytes an attacker
 * sends: every header arrives as sent, RFC 9112
 * "MUST reject" shapes get 400, head limits count every byte, Expect and
 * Upgrade, timeouts, the unsent-output budget, the connection cap and
 * EMFILE, graceful shutdown, trailers, and hello_server as the tutorial's
 * twin. Each answer is what nginx gives the same bytes. 127.0.0.1 only;
 * timeouts are set small so the suite stays fast. */
#define _GNU_SOURCE
#include "test_util.h"
#include "http_helpers.h"

#include <sys/prctl.h>
#include <sys/resource.h>

/* ------------------------------------------------------------ app */

static int big_runs; /* /big handlers started */

static int h_echo(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
#define H(n) (wa_request_header(req, n) ? wa_request_header(req, n) : "-")
    const char *tr = wa_request_trailer(req, "X-T");
    size_t len = 0;
    const char *body = wa_request_body(req, &len);
    return wa_reply_text(
        reply, "A=%s|Z=%s|O=%s|H=%s|E=%s|XT=%s|TR=%s|P=%s|B=%.*s", H("Auth"), H("Authorization"),
        H("orization"), H("Host"), H("X-Empty"), H("X-T"), tr ? tr : "-",
        wa_request_param(req, "p") ? wa_request_param(req, "p") : "-", (int)len, body);
#undef H
}

static int h_hello(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    return wa_reply_text(reply, "Hello, %s!", wa_request_param(req, "name"));
}

static int h_sleep(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    int rc = wa_sleep((uint64_t)atoi(wa_request_param(req, "ms")));
    return rc < 0 ? rc : wa_reply_text(reply, "slept");
}

#define BIG (1 << 20)
static int h_big(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)ud;
    static char *big;
    big_runs++;
    if (!big && !(big = calloc(1, BIG)))
        return WA_ENOMEM;
    return wa_reply_body(reply, big, BIG);
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

/* Small timeouts: every test here is bounded by a second or two. */
static void srv_start(srv *s, const wa_server_opts *custom)
{
    wa_server_opts o = {.head_timeout_ms = 300,
                        .keepalive_timeout_ms = 300,
                        .body_timeout_ms = 300,
                        .send_timeout_ms = 300,
                        .shutdown_grace_ms = 2000};
    if (custom)
        o = *custom;
    s->app = wa_app_new();
    wa_app_route(s->app, "*", "/e", h_echo, NULL);
    wa_app_route(s->app, "*", "/e/{p}", h_echo, NULL);
    wa_app_get(s->app, "/sleep/{ms}", h_sleep, NULL);
    wa_app_get(s->app, "/big", h_big, NULL);
    wa_app_get(s->app, "/{name}", h_hello, NULL);
    CHECK_EQ(wa_app_set_opts(s->app, &o), 0);
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

/* rcvbuf > 0: a small receive buffer, set before connecting (shrinking it
 * on an open connection stalls TCP for seconds). */
static int dial_buf(int port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    wa_wait_writable(fd);
    return fd;
}

static int dial(int port) { return dial_buf(port, 0); }

static void put(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (k > 0)
            off += (size_t)k;
        else if (k < 0 && errno == EAGAIN && wa_wait_writable(fd) == 0)
            continue;
        else
            return;
    }
}

/* Read into buf until `until` appears (NULL: until EOF) or ms pass. Sets
 * *eof when the server closed. Returns the bytes read. */
static size_t take(int fd, char *buf, size_t cap, const char *until, uint64_t ms, int *eof)
{
    size_t got = 0;
    int rc, w;
    *eof = 0;
    buf[0] = 0;
    {
        WA_TIMEOUT_SCOPE(ms, rc); /* every wait below ends by the deadline */
        while (got + 1 < cap && !(until && strstr(buf, until))) {
            ssize_t k = recv(fd, buf + got, cap - 1 - got, 0);
            if (k > 0) {
                got += (size_t)k;
                buf[got] = 0;
            } else if (k == 0 || (k < 0 && errno != EAGAIN)) {
                *eof = 1;
                break;
            } else if ((w = wa_wait_readable(fd)) < 0) {
                /* Not the deadline: the poll saw the socket fail (a reset). */
                *eof = w != WA_ETIMEDOUT && w != WA_ECANCELED;
                break;
            }
        }
    }
    (void)rc;
    return got;
}

static char out[1 << 16];

/* Send req on a fresh connection, half-close, read the whole answer. */
static const char *ask(const srv *s, const char *req, size_t len)
{
    long n = hh_exchange(s->port, req, len ? len : strlen(req), 1, out, sizeof out);
    if (n < 0)
        out[0] = 0;
    return out;
}

static void want_status(const srv *s, const char *req, const char *status, int line)
{
    ask(s, req, 0);
    if (strncmp(out, status, strlen(status)) != 0)
        tu_record(__FILE__, line, "%.60s... got \"%.40s\", want \"%s\"", req, out, status);
}
#define WANT(req, status) want_status(&s, (req), (status), __LINE__)

/* ------------------------------------------------------------ 1, 2, 9 */

static void *headers_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    /* 1: an empty value ends its header; nothing glues onto the next name. */
    ask(&s, "GET /e HTTP/1.1\r\nHost: h\r\nAuth:\r\norization: Bearer x\r\n\r\n", 0);
    CHECK(strstr(out, "A=|Z=-|O=Bearer x|H=h|") != NULL);
    ask(&s, "GET /e HTTP/1.1\r\nX-Empty:\r\nHost: h\r\n\r\n", 0);
    CHECK(strstr(out, "|H=h|E=|") != NULL);
    ask(&s, "GET /e HTTP/1.1\r\nX-Empty:   \r\nHost: h\r\n\r\n", 0);
    CHECK(strstr(out, "|H=h|E=|") != NULL);

    /* 2: RFC 9112 "MUST reject" shapes. */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc", "HTTP/1.1 400 ");
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e/a%00b HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 ");
    WANT("GET /e HTTP/1.0\r\n\r\n", "HTTP/1.1 200 "); /* 1.0 needs no Host */
    /* Framing rules that already matched nginx stay. */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n0\r\n\r\n",
         "HTTP/1.1 400 ");
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
         "HTTP/1.1 400 ");
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
         "HTTP/1.1 400 ");
    /* The absolute form is accepted; its path is routed. */
    ask(&s, "GET http://x/ada HTTP/1.1\r\nHost: x\r\n\r\n", 0);
    CHECK(strncmp(out, "HTTP/1.1 200 ", 13) == 0 && strstr(out, "Hello, ada!"));
    ask(&s, "GET http://x/e?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", 0);
    CHECK(strncmp(out, "HTTP/1.1 200 ", 13) == 0 && strstr(out, "A=-"));

    /* 9: trailers stay apart from the headers, and none is dropped. */
    ask(&s,
        "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\nX-T: late\r\n\r\n",
        0);
    CHECK(strstr(out, "|XT=-|TR=late|P=-|B=abc") != NULL);
    srv_stop(&s);
    return NULL;
}

static void test_headers_as_sent(void **state)
{
    (void)state;
    run_main(headers_main, NULL);
}

/* ------------------------------------------------------------ 3 */

static char head[100000];

static void *limits_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    /* 70 KB of whitespace inside one value: every byte counts. */
    int k = sprintf(head, "GET /e HTTP/1.1\r\nHost: h\r\nX-Pad: ");
    memset(head + k, ' ', 70000);
    strcpy(head + k + 70000, "v\r\n\r\n");
    WANT(head, "HTTP/1.1 431 ");
    /* 3,000 tiny header lines (under 8 KiB of names and values): 431. */
    k = sprintf(head, "GET /e HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 3000; i++)
        k += sprintf(head + k, "a:\r\n");
    strcpy(head + k, "\r\n");
    WANT(head, "HTTP/1.1 431 ");
    /* 101 header lines of a few bytes: over the line count. */
    k = sprintf(head, "GET /e HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 100; i++)
        k += sprintf(head + k, "a%d: b\r\n", i);
    strcpy(head + k, "\r\n");
    WANT(head, "HTTP/1.1 431 ");
    /* Just under both limits: served. */
    k = sprintf(head, "GET /e HTTP/1.1\r\nHost: h\r\nX-Pad: ");
    memset(head + k, 'p', 8000);
    strcpy(head + k + 8000, "\r\n\r\n");
    WANT(head, "HTTP/1.1 200 ");
    /* A flood of empty lines before a request counts too. */
    memset(head, '\n', 9000);
    strcpy(head + 9000, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n");
    WANT(head, "HTTP/1.1 431 ");
    srv_stop(&s);
    return NULL;
}

static void test_head_limits(void **state)
{
    (void)state;
    run_main(limits_main, NULL);
}

/* ------------------------------------------------------------ 4 */

static void *expect_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL);
    char buf[4096];
    int eof;
    /* The client sends the head, waits for 100, then the body. */
    int fd = dial(s.port);
    const char *h =
        "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
    put(fd, h, strlen(h));
    take(fd, buf, sizeof buf, "\r\n\r\n", 1000, &eof);
    CHECK_STR(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    put(fd, "hello", 5);
    take(fd, buf, sizeof buf, "B=hello", 1000, &eof);
    CHECK(strncmp(buf, "HTTP/1.1 200 ", 13) == 0 && strstr(buf, "B=hello"));
    close(fd);
    /* Over the body limit: 413 at once, no 100. */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n",
         "HTTP/1.1 413 ");
    /* An expectation we cannot meet. */
    WANT("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx",
         "HTTP/1.1 417 ");

    /* Upgrade requests get one ordinary answer, and the connection goes on. */
    static const char *ups[] = {
        "GET /e HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "GET /e HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
    };
    for (int i = 0; i < 2; i++) {
        ask(&s, ups[i], 0);
        CHECK_EQ(hh_count(out, "HTTP/1.1 "), 1);
        CHECK(strncmp(out, "HTTP/1.1 200 ", 13) == 0);
    }
    fd = dial(s.port);
    char two[512];
    snprintf(two, sizeof two, "%sGET /after HTTP/1.1\r\nHost: h\r\n\r\n", ups[0]);
    put(fd, two, strlen(two));
    take(fd, buf, sizeof buf, "Hello, after!", 1000, &eof);
    CHECK_EQ(hh_count(buf, "HTTP/1.1 200 "), 2);
    close(fd);
    srv_stop(&s);
    return NULL;
}

static void test_expect_and_upgrade(void **state)
{
    (void)state;
    run_main(expect_main, NULL);
}

/* ------------------------------------------------------------ 5 */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define NLORIS 40

static void *timeouts_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL); /* head, idle, body and send: 300 ms */
    char buf[4096];
    int eof;
    /* Slowloris: one byte every 100 ms does not extend the head's time. */
    int fd = dial(s.port);
    double t0 = now_ms();
    const char *slow = "GET /e HTTP/1.1\r\nHost: h\r\nX-A: aaaaaaaaaaaaaaaa";
    for (size_t i = 0; i < strlen(slow) && now_ms() - t0 < 1500; i++) {
        put(fd, slow + i, 1);
        wa_sleep(100);
        if (recv(fd, buf, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
            break;
    }
    take(fd, buf, sizeof buf, NULL, 2000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
    CHECK(now_ms() - t0 < 1000);
    close(fd);
    /* Many silent sockets do not lock the server: all closed, then served. */
    int lor[NLORIS];
    t0 = now_ms();
    for (int i = 0; i < NLORIS; i++)
        lor[i] = dial(s.port);
    /* Each waited for until it closes, all within 800 ms of the first. */
    int closed = 0;
    for (int i = 0; i < NLORIS; i++) {
        double left = 800 - (now_ms() - t0);
        take(lor[i], buf, sizeof buf, NULL, left > 1 ? (uint64_t)left : 1, &eof);
        closed += eof;
        close(lor[i]);
    }
    CHECK_EQ(closed, NLORIS);
    /* Idle keep-alive: closed quietly after its time. */
    fd = dial(s.port);
    put(fd, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n", 28);
    take(fd, buf, sizeof buf, "B=", 1000, &eof);
    CHECK(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
    t0 = now_ms();
    size_t n = take(fd, buf, sizeof buf, NULL, 2000, &eof);
    CHECK(eof && n == 0 && now_ms() - t0 < 1000);
    close(fd);
    /* A body that stops coming: 408. */
    fd = dial(s.port);
    const char *part = "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab";
    put(fd, part, strlen(part));
    take(fd, buf, sizeof buf, NULL, 2000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
    close(fd);
    /* A client that stops reading: the connection closes after the send
     * timeout instead of holding its replies forever. */
    fd = dial_buf(s.port, 4096);
    static char pipe_reqs[20 * 40];
    size_t len = 0;
    for (int i = 0; i < 20; i++)
        len += (size_t)sprintf(pipe_reqs + len, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
    put(fd, pipe_reqs, len);
    wa_sleep(1200);
    size_t total = 0;
    static char sink[1 << 16];
    for (;;) {
        n = take(fd, sink, sizeof sink, NULL, 1000, &eof);
        total += n;
        if (eof || n == 0)
            break;
    }
    CHECK(eof);
    CHECK(total < (size_t)20 * BIG);
    close(fd);
    srv_stop(&s);
    return NULL;
}

static void test_timeouts(void **state)
{
    (void)state;
    run_main(timeouts_main, NULL);
}

/* ------------------------------------------------------------ 6 */

static void *budget_main(void *arg)
{
    (void)arg;
    srv s;
    wa_server_opts o = {.max_unsent_bytes = 256 * 1024, .shutdown_grace_ms = 500};
    srv_start(&s, &o);
    int fd = dial_buf(s.port, 4096);
    static char reqs[40 * 40];
    size_t len = 0;
    for (int i = 0; i < 40; i++)
        len += (size_t)sprintf(reqs + len, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
    big_runs = 0;
    put(fd, reqs, len);
    wa_sleep(300); /* not reading: a handful of replies at most are made */
    CHECK(big_runs <= 4);
    int runs_held = big_runs;
    /* Reading now: every reply arrives, complete and in order. */
    size_t total = 0, want = 0;
    const char *hdr = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: 1048576\r\n\r\n";
    want = 40 * (strlen(hdr) + BIG);
    static char sink[1 << 16];
    int eof = 0;
    while (total < want && !eof) {
        /* no more than is still due: the connection stays open, so a read
         * for more would sit out its 2 s once the last reply is in */
        size_t room = want - total < sizeof sink - 1 ? want - total + 1 : sizeof sink;
        size_t n = take(fd, sink, room, NULL, 2000, &eof);
        if (n == 0 && !eof)
            break;
        total += n;
    }
    CHECK_EQ(total, want);
    char extra;
    CHECK(recv(fd, &extra, 1, MSG_PEEK | MSG_DONTWAIT) < 0); /* and nothing after them */
    CHECK_EQ(big_runs, 40);
    CHECK(runs_held >= 1);
    close(fd);
    srv_stop(&s);
    return NULL;
}

static void test_output_budget(void **state)
{
    (void)state;
    run_main(budget_main, NULL);
}

/* ------------------------------------------------------------ 7 */

static void *cap_main(void *arg)
{
    (void)arg;
    srv s;
    wa_server_opts o = {.max_connections = 4, .shutdown_grace_ms = 500};
    srv_start(&s, &o);
    char buf[4096];
    int eof;
    int fds[4];
    /* Four connections in the middle of a request hold the four slots. */
    for (int i = 0; i < 4; i++) {
        fds[i] = dial(s.port);
        put(fds[i], "GET /one HTTP/1.1\r\n", 19);
    }
    wa_sleep(50);
    /* The fifth is answered 503 and closed; the four are still served. */
    int fd = dial(s.port);
    take(fd, buf, sizeof buf, NULL, 1000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 503 ", 13) == 0);
    close(fd);
    put(fds[0], "Host: h\r\n\r\n", 11);
    take(fds[0], buf, sizeof buf, "Hello, one!", 1000, &eof);
    CHECK(strstr(buf, "Hello, one!") != NULL);
    for (int i = 0; i < 4; i++)
        close(fds[i]);
    wa_sleep(50);
    /* Four idle connections (nothing sent, or between requests): a new
     * client takes the oldest one's slot, as nginx reuses idle ones. */
    for (int i = 0; i < 4; i++) {
        fds[i] = dial(s.port);
        wa_sleep(10);
    }
    put(fds[3], "GET /kept HTTP/1.1\r\nHost: h\r\n\r\n", 31);
    take(fds[3], buf, sizeof buf, "Hello, kept!", 1000, &eof);
    CHECK(strstr(buf, "Hello, kept!") != NULL);
    ask(&s, "GET /two HTTP/1.1\r\nHost: h\r\n\r\n", 0);
    CHECK(strstr(out, "Hello, two!") != NULL);
    take(fds[0], buf, sizeof buf, NULL, 1000, &eof);
    CHECK(eof); /* the oldest idle one made room */
    take(fds[1], buf, sizeof buf, NULL, 100, &eof);
    CHECK(!eof);
    for (int i = 0; i < 4; i++)
        close(fds[i]);
    srv_stop(&s);
    return NULL;
}

static void test_connection_cap(void **state)
{
    (void)state;
    run_main(cap_main, NULL);
}

/* Out of descriptors: a child server under a 48-fd limit and a cap it
 * cannot reach. Clients past the limit are dropped; the ones it has are
 * served; it neither dies nor spins; once they leave, it serves again. */
static void *emfile_child(void *arg)
{
    (void)arg;
    srv s;
    wa_server_opts o = {
        .max_connections = 10000, .keepalive_timeout_ms = 60000, .head_timeout_ms = 60000};
    srv_start(&s, &o);
    printf("%d\n", s.port);
    fflush(stdout);
    wa_sleep(20000); /* the parent kills us long before */
    srv_stop(&s);
    return NULL;
}

static long cpu_ticks(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long ut = -1, st = -1;
    if (fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ')');
        if (p)
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &st);
    }
    fclose(f);
    return ut + st;
}

#define NFLOOD 80

static void *emfile_main(void *arg)
{
    hh_proc *child = arg;
    char buf[4096];
    int eof;
    int fds[NFLOOD], served = 0, dropped = 0;
    for (int i = 0; i < NFLOOD; i++) {
        fds[i] = dial(child->port);
        put(fds[i], "GET /x HTTP/1.1\r\nHost: h\r\n\r\n", 28);
    }
    double t0 = now_ms(); /* all answered or dropped within 8 s (ASan, loaded machine) */
    for (int i = 0; i < NFLOOD; i++) {
        double left = 8000 - (now_ms() - t0);
        take(fds[i], buf, sizeof buf, "Hello, x!", left > 100 ? (uint64_t)left : 100, &eof);
        if (strstr(buf, "Hello, x!"))
            served++;
        else if (eof)
            dropped++;
        else
            tu_record(__FILE__, __LINE__,
                      "client %d: neither answered nor dropped (%zu bytes: %.40s)", i, strlen(buf),
                      buf);
    }
    CHECK(served >= 20);
    CHECK(dropped >= 1);
    CHECK_EQ(served + dropped, NFLOOD);
    long c0 = cpu_ticks(child->pid);
    wa_sleep(500);
    long c1 = cpu_ticks(child->pid);
    if (c0 < 0 || c1 - c0 >= 20) /* under 0.2 s of CPU in 0.5 s: no spinning */
        fprintf(stderr, "emfile: the server used %ld ticks in 0.5 s\n", c1 - c0);
    CHECK(c0 >= 0 && c1 - c0 < 20);
    for (int i = 0; i < NFLOOD; i++)
        close(fds[i]);
    wa_sleep(100);
    CHECK(kill(child->pid, 0) == 0);
    hh_exchange(child->port, "GET /again HTTP/1.1\r\nHost: h\r\n\r\n", 32, 1, out, sizeof out);
    CHECK(strstr(out, "Hello, again!") != NULL);
    return NULL;
}

static void test_emfile(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
        close(fds[0]);
        dup2(fds[1], 1);
        struct rlimit rl = {48, 48};
        setrlimit(RLIMIT_NOFILE, &rl);
        _exit(wa_run(emfile_child, NULL, NULL) == 0 ? 0 : 1);
    }
    close(fds[1]);
    char line[32] = {0};
    ssize_t n = read(fds[0], line, sizeof line - 1);
    close(fds[0]);
    hh_proc child = {.pid = pid, .port = n > 0 ? atoi(line) : 0};
    if (child.port > 0)
        run_main(emfile_main, &child);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_true(child.port > 0);
}

/* ------------------------------------------------------------ 8 */

static void *graceful_main(void *arg)
{
    (void)arg;
    srv s;
    srv_start(&s, NULL); /* grace: 2 s */
    char buf[4096];
    int eof;
    int busy = dial(s.port), idle = dial(s.port);
    put(busy, "GET /sleep/300 HTTP/1.1\r\nHost: h\r\n\r\n", 36);
    wa_sleep(50);
    double t0 = now_ms();
    CHECK_EQ(wa_cancel(s.task), 0);
    wa_sleep(20);
    /* No longer accepting; the idle connection is closed at once. */
    char url[64];
    wa_response *r = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", s.port);
    CHECK_EQ(wa_fetch(url, NULL, &r), WA_ECONNREFUSED);
    take(idle, buf, sizeof buf, NULL, 500, &eof);
    CHECK(eof);
    /* The request in flight finishes, told that the connection closes. */
    take(busy, buf, sizeof buf, NULL, 2000, &eof);
    CHECK(eof && strncmp(buf, "HTTP/1.1 200 ", 13) == 0 && strstr(buf, "Connection: close"));
    wa_await(s.task, NULL);
    CHECK_EQ(s.rc, WA_ECANCELED);
    CHECK(now_ms() - t0 < 1500);
    wa_release(s.task);
    wa_app_free(s.app);
    close(busy);
    close(idle);

    /* Past the grace period the rest is cancelled (503) and closed. */
    wa_server_opts o = {.shutdown_grace_ms = 200};
    srv_start(&s, &o);
    busy = dial(s.port);
    put(busy, "GET /sleep/5000 HTTP/1.1\r\nHost: h\r\n\r\n", 37);
    wa_sleep(50);
    t0 = now_ms();
    srv_stop(&s);
    CHECK(now_ms() - t0 < 1000);
    take(busy, buf, sizeof buf, NULL, 1000, &eof);
    CHECK(eof);
    close(busy);
    return NULL;
}

static void test_graceful_shutdown(void **state)
{
    (void)state;
    run_main(graceful_main, NULL);
}

/* ------------------------------------------------------------ 10 */

static void *twin_main(void *arg)
{
    int port = *(int *)arg;
    char url[64];
    wa_response *r = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    CHECK_EQ(wa_response_status(r), 404); /* as aiohttp's app: only /{name} */
    wa_response_free(r);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/alice", port);
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    CHECK_STR(wa_response_text(r), "Hello, alice!");
    wa_response_free(r);
    return NULL;
}

static void test_hello_server_twin(void **state)
{
    (void)state;
    char exe[PATH_MAX + 64], portarg[16];
    snprintf(exe, sizeof exe, "%s/build/native/examples/hello_server", hh_root());
    if (access(exe, X_OK) != 0)
        skip();
    int port = hh_closed_port();
    snprintf(portarg, sizeof portarg, "%d", port);
    char *argv[] = {exe, portarg, NULL};
    hh_proc p = {0};
    assert_int_equal(hh_spawn(argv, 0, &p), 0);
    int up = hh_wait_port(port) == 0;
    if (up)
        run_main(twin_main, &port);
    hh_kill(&p);
    assert_true(up);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (getenv("WA_TEST_FILTER")) /* e.g. WA_TEST_FILTER=test_emfile */
        cmocka_set_test_filter(getenv("WA_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_as_sent),
        cmocka_unit_test(test_head_limits),
        cmocka_unit_test(test_expect_and_upgrade),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_output_budget),
        cmocka_unit_test(test_connection_cap),
        cmocka_unit_test(test_emfile),
        cmocka_unit_test(test_graceful_shutdown),
        cmocka_unit_test(test_hello_server_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
