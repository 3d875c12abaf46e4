/* sc_stream.c: scenario: asyncio streams behave the same on every target
 * that has sockets (native, WASI 0.2 under jco, Node): echo over lines,
 * readexactly's partial bytes, readuntil's limit (bytes kept) and readline's
 * (line dropped), half-close, a cancelled or timed-out read keeping its
 * bytes, a peer that never sends, a slow reader blocking drain with the
 * buffer bounded, a refused connect and the names. Targets without sockets
 * (a browser, WASI preview1) must refuse every call with WA_ENOTSUP at once;
 * there the rest is skipped, with a message. */
#include "harness.h"

#include <stdlib.h>

static int no_sockets;

/* ------------------------------------------------------------ a server */

enum mode {
    ECHO,
    SEND_AND_END,
    SEND_AND_WAIT,
    SILENT,
    FLOOD,
    READ_ALL_THEN_REPLY,
    IDLE_LIMIT,
    SEND_SPLIT
};

struct plan {
    enum mode mode;
    const char *data;      /* SEND_*: bytes to send */
    size_t flood_max;      /* FLOOD: writes until drain blocks or this many bytes */
    size_t flood_buffered; /* FLOOD: the write buffer when drain first waited */
    int flood_drain_rc;
};

static int handler(wa_stream *s, void *arg)
{
    struct plan *p = arg;
    char buf[4096];
    long n;
    switch (p->mode) {
    case ECHO:
        while ((n = wa_stream_readline(s, buf, sizeof buf)) > 0) {
            wa_stream_write(s, buf, (size_t)n);
            if (wa_stream_drain(s) < 0)
                break;
        }
        break;
    case SEND_AND_END: wa_stream_write(s, p->data, strlen(p->data)); break;
    case SEND_AND_WAIT:
        wa_stream_write(s, p->data, strlen(p->data));
        wa_stream_readline(s, buf, sizeof buf); /* until the client ends */
        break;
    case SILENT: wa_stream_read(s, buf, sizeof buf); break;
    case FLOOD: {
        memset(buf, 'x', sizeof buf);
        size_t sent = 0;
        while (sent < p->flood_max) {
            wa_stream_write(s, buf, sizeof buf);
            sent += sizeof buf;
            if (wa_stream_write_buffer_size(s) > 64 * 1024 && !p->flood_buffered)
                p->flood_buffered = wa_stream_write_buffer_size(s);
            int rc = wa_stream_drain(s);
            if (rc < 0) {
                p->flood_drain_rc = rc;
                break;
            }
        }
        break;
    }
    case SEND_SPLIT: /* the separator cut in two between writes */
        wa_stream_write(s, "abc:", 4);
        wa_stream_drain(s);
        wa_sleep(30);
        wa_stream_write(s, ":def::", 6);
        break;
    case IDLE_LIMIT: { /* a client that sends nothing is let go after 100 ms */
        int rc, scope;
        {
            WA_TIMEOUT_SCOPE(100, scope);
            rc = (int)wa_stream_readline(s, buf, sizeof buf);
        }
        if (rc == WA_ETIMEDOUT && scope == WA_ETIMEDOUT)
            wa_stream_write(s, "idle\n", 5);
        break;
    }
    case READ_ALL_THEN_REPLY: {
        void *all;
        size_t len;
        if (wa_stream_read_all(s, &all, &len, 0) == 0) {
            p->flood_max = len;
            int k = snprintf(buf, sizeof buf, "got %zu: %.64s", len, (char *)all);
            wa_stream_write(s, buf, (size_t)k);
            free(all);
        }
        break;
    }
    }
    return 0;
}

static wa_stream_server *serve(struct plan *p, int *port)
{
    wa_stream_server *srv = NULL;
    int rc = wa_start_server(handler, p, "127.0.0.1", 0, NULL, &srv);
    CHECK_INT(rc, 0);
    *port = srv ? wa_stream_server_port(srv) : 0;
    CHECK(*port > 0);
    return srv;
}

static void stop(wa_stream_server *srv)
{
    if (!srv)
        return;
    CHECK_INT(wa_stream_server_close(srv), 0);
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(5000, scope);
        rc = wa_stream_server_wait_closed(srv);
    }
    CHECK_INT(rc, 0);
    CHECK_INT(wa_stream_server_connections(srv), 0);
    wa_stream_server_free(srv);
}

static wa_stream *dial(int port)
{
    wa_stream *s = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    return s;
}

static void hang_up(wa_stream *s)
{
    if (!s)
        return;
    wa_stream_close(s);
    CHECK_INT(wa_stream_wait_closed(s), 0);
    wa_stream_free(s);
}

/* A server following plan p and one client s connected to it (port: the
 * server's, if wanted). When the connection fails (reported by dial) the
 * server is stopped and s is NULL: the test has nothing left to do. */
static wa_stream_server *serve_one(struct plan *p, wa_stream **s, int *port)
{
    int bound;
    wa_stream_server *srv = serve(p, &bound);
    *s = dial(bound);
    if (!*s) {
        stop(srv);
        return NULL;
    }
    if (port)
        *port = bound;
    return srv;
}

/* ------------------------------------------------------------ the tests */

/* First: either the target has sockets, or every call says WA_ENOTSUP at
 * once and the rest of this file is skipped. */
static void test_sockets_or_enotsup(void)
{
    struct plan p = {.mode = ECHO};
    wa_stream_server *srv = NULL;
    uint64_t t0 = wa_now();
    int rc = wa_start_server(handler, &p, "127.0.0.1", 0, NULL, &srv);
    if (rc != WA_ENOTSUP) {
        CHECK_INT(rc, 0);
        wa_stream_server_free(srv);
        return;
    }
    no_sockets = 1;
    CHECK(srv == NULL);
    wa_stream *s = PTR(1);
    CHECK_INT(wa_open_connection("127.0.0.1", 80, NULL, &s), WA_ENOTSUP);
    CHECK(s == NULL);
    CHECK_INT(wa_open_connection("example.com", 443, NULL, &s), WA_ENOTSUP);
    CHECK_INT(wa_open_unix_connection("/tmp/x.sock", NULL, &s), WA_ENOTSUP);
    CHECK_INT(wa_start_unix_server(handler, &p, "/tmp/x.sock", NULL, &srv), WA_ENOTSUP);
    CHECK(wa_now() - t0 < 100); /* at once: no lookup, no wait */
    printf("sc_stream: this target has no sockets (WA_ENOTSUP at once): skipping the rest\n");
}

static void test_echo_lines(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = ECHO};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    char buf[64];
    for (int i = 0; i < 100; i++) {
        int len = snprintf(buf, sizeof buf, "line %d\n", i);
        CHECK_INT(wa_stream_write(s, buf, (size_t)len), 0);
        CHECK_INT(wa_stream_drain(s), 0);
        char got[64] = "";
        CHECK_INT(wa_stream_readline(s, got, sizeof got - 1), len);
        if (strncmp(got, buf, (size_t)len) != 0)
            CHECK_STR(got, buf);
    }
    /* Many lines in one write come back as many readlines. */
    CHECK_INT(wa_stream_write(s, "a\nbb\nccc\n", 9), 0);
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 2);
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 3);
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 4);
    CHECK_INT(wa_stream_at_eof(s), 0);
    hang_up(s);
    stop(srv);
}

static void test_readexactly_partial(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = SEND_AND_END, .data = "0123456789"};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    char buf[32] = "";
    size_t got = 99;
    CHECK_INT(wa_stream_readexactly(s, buf, 4, &got), 0);
    CHECK_INT(got, 4);
    CHECK(memcmp(buf, "0123", 4) == 0);
    CHECK_INT(wa_stream_readexactly(s, buf, 20, &got), WA_EINCOMPLETE);
    CHECK_INT(got, 6);
    CHECK(memcmp(buf, "456789", 6) == 0);
    CHECK_INT(wa_stream_at_eof(s), 1);
    CHECK_INT(wa_stream_read(s, buf, sizeof buf), 0);
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 0);
    hang_up(s);
    stop(srv);
}

static void test_readuntil_and_limit(void)
{
    if (no_sockets)
        return;
    /* 60 bytes before the separator, with a limit of 40. */
    struct plan p = {.mode = SEND_AND_END,
                     .data = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::end"};
    int port;
    wa_stream_server *srv = serve(&p, &port);
    wa_stream *s = NULL;
    wa_stream_opts o = {.limit = 40};
    CHECK_INT(wa_open_connection("127.0.0.1", port, &o, &s), 0);
    if (!s) {
        stop(srv);
        return;
    }
    char buf[128];
    size_t len = 7;
    /* Over the limit: LimitOverrunError, and the bytes stay buffered. */
    CHECK_INT(wa_stream_readuntil(s, "::", 2, buf, sizeof buf, &len), WA_ELIMIT);
    CHECK_INT(len, 0);
    CHECK_INT(wa_stream_readexactly(s, buf, 50, NULL), 0);
    CHECK_INT(wa_stream_readuntil(s, "::", 2, buf, sizeof buf, &len), 0);
    CHECK_INT(len, 12);
    CHECK(memcmp(buf, "aaaaaaaaaa::", 12) == 0);
    /* No separator before the end: IncompleteReadError with the rest. */
    CHECK_INT(wa_stream_readuntil(s, "::", 2, buf, sizeof buf, &len), WA_EINCOMPLETE);
    CHECK_INT(len, 3);
    CHECK(memcmp(buf, "end", 3) == 0);
    CHECK_INT(wa_stream_readuntil(s, "", 0, buf, sizeof buf, &len), WA_EINVAL);
    hang_up(s);
    stop(srv);

    /* readline drops an over-long line, "\n" included, and goes on. */
    struct plan q = {.mode = SEND_AND_END,
                     .data = "this line is much longer than the limit\nshort\nlast"};
    srv = serve(&q, &port);
    o.limit = 16;
    CHECK_INT(wa_open_connection("127.0.0.1", port, &o, &s), 0);
    if (!s) {
        stop(srv);
        return;
    }
    wa_sleep(100); /* all of it buffered: one segment on loopback */
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), WA_ELIMIT);
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 6);
    CHECK_STR(buf, "short\n");                            /* NUL-terminated where room allows */
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 4); /* the last, unended */
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 0);
    hang_up(s);
    stop(srv);
}

static void test_separator_across_reads(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = SEND_SPLIT};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    char buf[16];
    size_t len = 0;
    CHECK_INT(wa_stream_readuntil(s, "::", 2, buf, sizeof buf, &len), 0);
    CHECK_INT(len, 5);
    CHECK(memcmp(buf, "abc::", 5) == 0);
    CHECK_INT(wa_stream_readuntil(s, "::", 2, buf, sizeof buf, &len), 0);
    CHECK_INT(len, 5);
    CHECK(memcmp(buf, "def::", 5) == 0);
    CHECK_INT(wa_stream_readuntil(s, "::", 2, buf, sizeof buf, &len), WA_EINCOMPLETE);
    CHECK_INT(len, 0);
    hang_up(s);
    stop(srv);
}

static void test_half_close(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = READ_ALL_THEN_REPLY};
    int port;
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, &port);
    if (!s)
        return;
    CHECK_INT(wa_stream_write(s, "ping", 4), 0);
    CHECK_INT(wa_stream_write_eof(s), 0);
    CHECK_INT(wa_stream_write(s, "more", 4), WA_ECLOSED);
    void *all = NULL;
    size_t len = 0;
    CHECK_INT(wa_stream_read_all(s, &all, &len, 0), 0);
    CHECK_STR((char *)all, "got 4: ping");
    free(all);
    CHECK_INT(wa_stream_at_eof(s), 1);
    hang_up(s);

    /* close then free, without waiting: the queued bytes still arrive. */
    s = dial(port);
    if (!s) {
        stop(srv);
        return;
    }
    size_t big_len = (size_t)16 << 20; /* more than the socket takes at once */
    char *big = malloc(big_len);
    CHECK(big != NULL);
    if (!big) {
        wa_stream_free(s);
        stop(srv);
        return;
    }
    memset(big, 'z', big_len);
    p.flood_max = 0;
    CHECK_INT(wa_stream_write(s, big, big_len), 0);
    free(big);
    CHECK_INT(wa_stream_close(s), 0);
    CHECK_INT(wa_stream_free(s), 0);
    for (int i = 0; i < 500 && p.flood_max == 0; i++)
        wa_sleep(10);
    stop(srv);
    CHECK_INT(p.flood_max, big_len); /* what the handler read */
}

static void *read_five(void *arg)
{
    char buf[8];
    return PTR(wa_stream_readexactly(arg, buf, 5, NULL));
}

static void test_interrupted_read_keeps_bytes(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = SEND_AND_WAIT, .data = "abc"};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    char buf[8];
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(100, scope);
        rc = wa_stream_readexactly(s, buf, 5, NULL);
    }
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(scope, WA_ETIMEDOUT);
    /* Cancelled the same way: a task in readexactly. */
    wa_task *t = wa_spawn(read_five, s);
    yield_n(3);
    CHECK_INT(wa_cancel(t), 0);
    void *res;
    CHECK_INT(wa_await(t, &res), WA_ECANCELED);
    wa_release(t);
    /* Both left "abc" for the next read. */
    CHECK_INT(wa_stream_read(s, buf, sizeof buf), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    hang_up(s);
    stop(srv);
}

static void *read_some(void *arg)
{
    static char buf[8];
    long n = wa_stream_read(arg, buf, sizeof buf);
    return PTR(n == 6 && memcmp(buf, "hello\n", 6) == 0 ? 1 : n);
}

/* One task waits for bytes at a time, as in asyncio (RuntimeError there):
 * a second reader is WA_EBUSY at once, and the first gets its bytes whole. */
static void test_second_reader_is_busy(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = ECHO};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    wa_task *t = wa_spawn(read_some, s);
    yield_n(3);
    char buf[8];
    long rc;
    int scope;
    {
        WA_TIMEOUT_SCOPE(200, scope);
        rc = wa_stream_read(s, buf, sizeof buf);
    }
    CHECK_INT(rc, WA_EBUSY);
    {
        WA_TIMEOUT_SCOPE(200, scope);
        rc = wa_stream_readline(s, buf, sizeof buf);
    }
    CHECK_INT(rc, WA_EBUSY);
    wa_stream_write(s, "hello\n", 6);
    void *res;
    CHECK_INT(wa_await(t, &res), 0);
    CHECK_INT((int)(intptr_t)res, 1);
    wa_release(t);
    hang_up(s);
    stop(srv);
}

static void test_peer_never_sends(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = SILENT};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    char buf[16];
    uint64_t t0 = wa_now();
    long n;
    int scope;
    {
        WA_TIMEOUT_SCOPE(150, scope);
        n = wa_stream_readline(s, buf, sizeof buf);
    }
    CHECK_INT(n, WA_ETIMEDOUT);
    CHECK(wa_now() - t0 < 2000);
    hang_up(s); /* the server's read ends with our close */
    stop(srv);
}

/* The server's side of a silent client: its read obeys a deadline scope. */
static void test_server_drops_silent_client(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = IDLE_LIMIT};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    char buf[16];
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 5);
    CHECK(memcmp(buf, "idle\n", 5) == 0);
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf), 0); /* then closed */
    hang_up(s);
    stop(srv);
}

static void test_slow_reader_bounds_drain(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = FLOOD, .flood_max = (size_t)64 << 20};
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, NULL);
    if (!s)
        return;
    /* We do not read: the server's drain must block, its buffer bounded. */
    wa_sleep(300);
    CHECK(p.flood_buffered > 0);
    CHECK(p.flood_buffered <= 64 * 1024 + 4096);
    CHECK_INT(p.flood_drain_rc, 0);
    /* Now read a few MB: the writer goes on. */
    static char buf[65536];
    size_t total = 0;
    while (total < ((size_t)4 << 20)) {
        long n = wa_stream_read(s, buf, sizeof buf);
        if (n <= 0) {
            CHECK(n > 0);
            break;
        }
        total += (size_t)n;
    }
    wa_stream_abort(s); /* the server's drain sees the connection lost */
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    int scope;
    {
        WA_TIMEOUT_SCOPE(5000, scope);
        wa_stream_server_close(srv);
        wa_stream_server_wait_closed(srv);
    }
    CHECK_INT(scope, 0);
    CHECK(p.flood_drain_rc < 0);
    wa_stream_server_free(srv);
}

static void test_refused_after_close(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = ECHO};
    int port;
    wa_stream_server *srv = serve(&p, &port);
    stop(srv);
    wa_stream *s = PTR(1);
    uint64_t t0 = wa_now();
    CHECK_INT(wa_open_connection("127.0.0.1", port, NULL, &s), WA_ECONNREFUSED);
    CHECK(s == NULL);
    CHECK(wa_now() - t0 < 1000);
}

static void test_names(void)
{
    if (no_sockets)
        return;
    struct plan p = {.mode = SILENT};
    int port;
    wa_stream *s;
    wa_stream_server *srv = serve_one(&p, &s, &port);
    if (!s)
        return;
    char host[64];
    int peer_port = 0, own_port = 0;
    int rc = wa_stream_peername(s, host, sizeof host, &peer_port);
    if (rc != WA_ENOTSUP) {
        CHECK_INT(rc, 0);
        CHECK_STR(host, "127.0.0.1");
        CHECK_INT(peer_port, port);
        CHECK_INT(wa_stream_sockname(s, host, sizeof host, &own_port), 0);
        CHECK_STR(host, "127.0.0.1");
        CHECK(own_port > 0 && own_port != port);
        /* A buffer too small for the name is refused, not filled with a
         * cut-short address: "127.0.0.1" needs 10 bytes. */
        peer_port = 1;
        CHECK_INT(wa_stream_peername(s, host, 9, &peer_port), WA_EINVAL);
        CHECK_STR(host, "");
        CHECK_INT(peer_port, 0);
        CHECK_INT(wa_stream_sockname(s, host, 0, NULL), WA_EINVAL);
        CHECK_INT(wa_stream_peername(s, host, 10, NULL), 0);
        CHECK_STR(host, "127.0.0.1");
    }
    hang_up(s);
    stop(srv);
}

static void test_bad_arguments(void)
{
    wa_stream *s = PTR(1);
    CHECK_INT(wa_open_connection(NULL, 80, NULL, &s), WA_EINVAL);
    CHECK(s == NULL);
    CHECK_INT(wa_open_connection("127.0.0.1", 0, NULL, &s), WA_EINVAL);
    CHECK_INT(wa_open_connection("127.0.0.1", 70000, NULL, &s), WA_EINVAL);
    wa_stream_opts bad = {.high_water = 10, .low_water = 20};
    CHECK_INT(wa_open_connection("127.0.0.1", 80, &bad, &s), WA_EINVAL);
    wa_stream_opts huge = {.limit = SIZE_MAX};
    CHECK_INT(wa_open_connection("127.0.0.1", 80, &huge, &s), WA_EINVAL);
    wa_stream_opts tls_opt_without_tls = {.ca_file = "x.pem"};
    CHECK_INT(wa_open_connection("127.0.0.1", 80, &tls_opt_without_tls, &s), WA_EINVAL);
    wa_stream_server *srv = PTR(1);
    CHECK_INT(wa_start_server(NULL, NULL, "127.0.0.1", 0, NULL, &srv), WA_EINVAL);
    CHECK(srv == NULL);
    CHECK_INT(wa_start_server(handler, NULL, "127.0.0.1", -1, NULL, &srv), WA_EINVAL);
    wa_stream_opts tls = {.flags = WA_STREAM_TLS};
    CHECK_INT(wa_start_server(handler, NULL, "127.0.0.1", 0, &tls, &srv), WA_ENOTSUP);
    CHECK_INT(wa_stream_read(NULL, NULL, 0), WA_EINVAL);
    CHECK_INT(wa_stream_write(NULL, "x", 1), WA_EINVAL);
    CHECK_INT(wa_stream_at_eof(NULL), WA_EINVAL);
    CHECK_INT(wa_stream_free(NULL), 0);
    CHECK_INT(wa_stream_server_free(NULL), 0);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_sockets_or_enotsup),
    WA_H_TEST(test_bad_arguments),
    WA_H_TEST(test_echo_lines),
    WA_H_TEST(test_readexactly_partial),
    WA_H_TEST(test_readuntil_and_limit),
    WA_H_TEST(test_separator_across_reads),
    WA_H_TEST(test_half_close),
    WA_H_TEST(test_interrupted_read_keeps_bytes),
    WA_H_TEST(test_second_reader_is_busy),
    WA_H_TEST(test_peer_never_sends),
    WA_H_TEST(test_server_drops_silent_client),
    WA_H_TEST(test_slow_reader_bounds_drain),
    WA_H_TEST(test_refused_after_close),
    WA_H_TEST(test_names),
    {0},
};

int main(void) { return wa_h_main(tests); }
