/* p2_streams.c: the stream API on the targets whose sockets are not
 * native: a WASI 0.2 component under `jco run` (tests/wasip2/run.sh) and the
 * Emscripten Node build (tests/web/run-node.sh), against its own in-process
 * server and the hostile peers of stream_peer.py.
 *
 *   p2_streams PEER_PORT CLOSED_PORT [emfile]
 *
 * Cases: the echo twin's moves (lines, write_eof, readexactly short at EOF,
 * names), 100 connections at once beside one that never sends, a refused connect and a name that does
 * not resolve (named errors, at once), a peer that resets mid-read or
 * half-closes, a line that never ends (WA_ELIMIT, memory flat), a slow
 * reader (drain blocks, the write buffer and memory stay bounded), a peer
 * that never sends (a read times out), Unix sockets (Node; WA_ENOTSUP on
 * WASI 0.2), and cancelling a connect, a read
 * and a drain: no connection is left open at the peer afterwards.
 * Prints `N passed, N failed` (tests/scenarios/harness.h).
 */
#include "scenarios/harness.h"

#include <stdlib.h>
#include <unistd.h>

static int peer_port, closed_port;

/* wasm linear memory in bytes: what "memory stays bounded" is measured by */
static size_t memory_bytes(void) { return __builtin_wasm_memory_size(0) * 65536u; }

/* Connect to the peer and pick its behaviour with the first line. */
static wa_stream *peer(const char *mode)
{
    wa_stream *s = NULL;
    int rc = wa_open_connection("127.0.0.1", peer_port, NULL, &s);
    CHECK_INT(rc, 0);
    if (rc < 0)
        return NULL;
    char line[64];
    snprintf(line, sizeof line, "%s\n", mode);
    CHECK_INT(wa_stream_write(s, line, strlen(line)), 0);
    CHECK_INT(wa_stream_drain(s), 0);
    return s;
}

static void done(wa_stream *s)
{
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    CHECK_INT(wa_stream_free(s), 0);
}

/* The peer's count of connections still open besides the asking one, and
 * its last half-close count. Closes take a moment to reach the peer (more
 * on a loaded machine): asked again for up to 3 s until none is left. */
static int peer_open(int *halfclose)
{
    int open = -1, hc = -1;
    for (int tries = 0; tries < 15 && open != 0; tries++) {
        wa_sleep(200);
        wa_stream *s = peer("stats");
        if (!s)
            return -1;
        char line[64] = "";
        long n = wa_stream_readline(s, line, sizeof line - 1);
        done(s);
        if (n <= 0 || sscanf(line, "open %d halfclose %d", &open, &hc) != 2)
            open = -1;
    }
    if (halfclose)
        *halfclose = hc;
    return open;
}

/* ------------------------------------------------------------ echo */

static int upper_echo(wa_stream *s, void *arg)
{
    (void)arg;
    char line[256];
    long n;
    while ((n = wa_stream_readline(s, line, sizeof line)) > 0) {
        for (long i = 0; i < n; i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] = (char)(line[i] - 32);
        wa_stream_write(s, line, (size_t)n);
        if (wa_stream_drain(s) < 0)
            break;
    }
    return 0;
}

static void test_echo_twin(void)
{
    wa_stream_server *srv = NULL;
    CHECK_INT(wa_start_server(upper_echo, NULL, "127.0.0.1", 0, NULL, &srv), 0);
    if (!srv)
        return;
    int port = wa_stream_server_port(srv);
    CHECK(port > 0);
    wa_stream *s = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    if (s) {
        char line[64] = "";
        CHECK_INT(wa_stream_write(s, "hello\n", 6), 0);
        CHECK_INT(wa_stream_drain(s), 0);
        CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 6);
        CHECK_STR(line, "HELLO\n");

        char host[64] = "";
        int p = 0;
        CHECK_INT(wa_stream_peername(s, host, sizeof host, &p), 0);
        CHECK_STR(host, "127.0.0.1");
        CHECK_INT(p, port);
        CHECK_INT(wa_stream_sockname(s, host, sizeof host, &p), 0);
        CHECK_STR(host, "127.0.0.1");
        CHECK(p > 0 && p != port);

        /* write_eof: the server still answers, then ends */
        CHECK_INT(wa_stream_write(s, "abc\ndef", 7), 0);
        CHECK_INT(wa_stream_write_eof(s), 0);
        char buf[16] = "";
        size_t got = 0;
        CHECK_INT(wa_stream_readexactly(s, buf, 4, &got), 0);
        CHECK(memcmp(buf, "ABC\n", 4) == 0);
        CHECK_INT(wa_stream_readexactly(s, buf, 10, &got), WA_EINCOMPLETE);
        CHECK_INT(got, 3); /* the server's readline gave "def" at EOF: "DEF" came back */
        CHECK(memcmp(buf, "DEF", 3) == 0);
        CHECK_INT(wa_stream_at_eof(s), 1);
        done(s);
    }
    CHECK_INT(wa_stream_server_close(srv), 0);
    CHECK_INT(wa_stream_server_wait_closed(srv), 0);
    CHECK_INT(wa_stream_server_free(srv), 0);
    /* closed for real: nobody listens there any more */
    CHECK_INT(wa_open_connection("127.0.0.1", port, NULL, &s), WA_ECONNREFUSED);
}

/* IPv6: the address travels as eight u16 in wasi:sockets (and back). */
static void test_ipv6_loopback(void)
{
    wa_stream_server *srv = NULL;
    int rc = wa_start_server(upper_echo, NULL, "::1", 0, NULL, &srv);
    if (rc == WA_EADDRNOTAVAIL || rc == WA_ENET) {
        printf("no IPv6 loopback here: skipped\n");
        return;
    }
    CHECK_INT(rc, 0);
    if (!srv)
        return;
    int port = wa_stream_server_port(srv);
    wa_stream *s = NULL;
    CHECK_INT(wa_open_connection("::1", port, NULL, &s), 0);
    if (s) {
        char line[16] = "", host[64] = "";
        int p = 0;
        CHECK_INT(wa_stream_write(s, "six\n", 4), 0);
        CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 4);
        CHECK_STR(line, "SIX\n");
        CHECK_INT(wa_stream_peername(s, host, sizeof host, &p), 0);
        CHECK_STR(host, "::1");
        CHECK_INT(p, port);
        done(s);
    }
    CHECK_INT(wa_stream_server_free(srv), 0);
}

#define MANY 100
static int many_port;

static void *many_client(void *arg)
{
    int i = INT(arg);
    wa_stream *s = NULL;
    int rc = wa_open_connection("127.0.0.1", many_port, NULL, &s);
    if (rc < 0)
        return wa_raise(rc, "connect %d", i);
    char out[32], in[32] = "";
    int n = snprintf(out, sizeof out, "client %d\n", i);
    wa_stream_write(s, out, (size_t)n);
    rc = wa_stream_drain(s);
    long k = rc < 0 ? rc : wa_stream_readline(s, in, sizeof in - 1);
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    if (k != n)
        return wa_raise(k < 0 ? (int)k : WA_EFAILED, "client %d: %ld", i, k);
    snprintf(out, sizeof out, "CLIENT %d\n", i);
    return strcmp(in, out) == 0 ? PTR(1) : wa_raise(WA_EFAILED, "client %d: %s", i, in);
}

static void test_many_connections(void)
{
    wa_stream_server *srv = NULL;
    CHECK_INT(wa_start_server(upper_echo, NULL, "127.0.0.1", 0, NULL, &srv), 0);
    if (!srv)
        return;
    many_port = wa_stream_server_port(srv);
    /* a client that connects and never sends holds one handler, not the server */
    wa_stream *idle = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", many_port, NULL, &idle), 0);
    wa_task *t[MANY];
    int errs[MANY];
    for (int i = 0; i < MANY; i++)
        t[i] = wa_spawn(many_client, PTR(i));
    CHECK_INT(wa_gather(t, MANY, NULL, errs, WA_RETURN_ERRORS), 0);
    int good = 0;
    for (int i = 0; i < MANY; i++)
        good += errs[i] == 0;
    CHECK_INT(good, MANY);
    wa_sleep(300); /* the handlers of the closed clients end */
    CHECK_INT(wa_stream_server_connections(srv), idle ? 1 : 0);
    if (idle)
        done(idle);
    CHECK_INT(wa_stream_server_free(srv), 0);
}

/* ------------------------------------------------------------ failures */

static void test_refused_at_once_and_names(void)
{
    wa_stream *s = (wa_stream *)1;
    uint64_t t0 = wa_now();
    CHECK_INT(wa_open_connection("127.0.0.1", closed_port, NULL, &s), WA_ECONNREFUSED);
    CHECK(s == NULL);
    /* a name: each of its addresses refuses in turn */
    CHECK_INT(wa_open_connection("localhost", closed_port, NULL, &s), WA_ECONNREFUSED);
    CHECK(wa_now() - t0 < 2000);
    /* and a server on the name listens on each of them (here localhost
     * is 127.0.0.1 alone, in /etc/hosts), one port */
    wa_stream_server *srv = NULL;
    CHECK_INT(wa_start_server(upper_echo, NULL, "localhost", 0, NULL, &srv), 0);
    if (!srv)
        return;
    const char *hosts[] = {"localhost", "127.0.0.1"};
    for (int i = 0; i < 2; i++) {
        char line[16] = "";
        s = NULL;
        CHECK_INT(wa_open_connection(hosts[i], wa_stream_server_port(srv), NULL, &s), 0);
        if (!s)
            continue;
        wa_stream_write(s, "name\n", 5);
        CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 5);
        CHECK_STR(line, "NAME\n");
        done(s);
    }
    CHECK_INT(wa_stream_server_free(srv), 0);
}

static void test_name_does_not_resolve(void)
{
    wa_stream *s = NULL;
    uint64_t t0 = wa_now();
    CHECK_INT(wa_open_connection("no-such-host.invalid", 80, NULL, &s), WA_EDNS);
    CHECK_INT(wa_open_connection("not a host name", 80, NULL, &s), WA_EDNS);
    CHECK(wa_now() - t0 < 10000);
    /* arguments the layer refuses before any lookup */
    CHECK_INT(wa_open_connection("127.0.0.1", 0, NULL, &s), WA_EINVAL);
    CHECK_INT(wa_open_connection(NULL, 80, NULL, &s), WA_EINVAL);
}

static void test_peer_resets_mid_read(void)
{
    wa_stream *s = peer("reset");
    if (!s)
        return;
    char buf[16] = "";
    CHECK_INT(wa_stream_readexactly(s, buf, 7, NULL), 0);
    CHECK(memcmp(buf, "partial", 7) == 0);
    CHECK_INT(wa_stream_read(s, buf, sizeof buf), WA_ECONNRESET);
    CHECK_INT(wa_stream_is_closing(s), 1);
    wa_stream_close(s);
    CHECK_INT(wa_stream_wait_closed(s), WA_ECONNRESET);
    CHECK_INT(wa_stream_free(s), 0);
}

static void test_peer_half_closes(void)
{
    wa_stream *s = peer("halfclose");
    if (!s)
        return;
    char line[16] = "";
    CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 4);
    CHECK_STR(line, "bye\n");
    CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 0);
    CHECK_INT(wa_stream_at_eof(s), 1);
    /* its side ended, ours goes on */
    static char data[1000];
    memset(data, 'z', sizeof data);
    CHECK_INT(wa_stream_write(s, data, sizeof data), 0);
    CHECK_INT(wa_stream_drain(s), 0);
    CHECK_INT(wa_stream_write_eof(s), 0);
    CHECK_INT(wa_stream_write(s, "x", 1), WA_ECLOSED);
    CHECK_INT(wa_stream_wait_closed(s), 0);
    CHECK_INT(wa_stream_free(s), 0);
    int hc = -1;
    CHECK_INT(peer_open(&hc), 0);
    CHECK_INT(hc, (int)sizeof data);
}

static void test_line_that_never_ends(void)
{
    wa_stream *s = peer("noeol");
    if (!s)
        return;
    static char line[256 * 1024];
    size_t before = memory_bytes();
    for (int i = 0; i < 20; i++)
        CHECK_INT(wa_stream_readline(s, line, sizeof line), WA_ELIMIT);
    /* 20 rounds over the 64 KiB limit: more than 1 MiB went by, while the
     * read buffer (2 * limit) is all that may grow */
    CHECK(memory_bytes() - before <= 512 * 1024);
    done(s);
}

static void test_slow_reader(void)
{
    wa_stream *s = peer("sink 1000");
    if (!s)
        return;
    static char chunk[64 * 1024];
    memset(chunk, 'q', sizeof chunk);
    const int chunks = 256; /* 16 MiB: more than the OS buffers on loopback */
    size_t before = memory_bytes(), most = 0;
    uint64_t t0 = wa_now();
    int rc = 0;
    for (int i = 0; i < chunks && rc == 0; i++) {
        CHECK_INT(wa_stream_write(s, chunk, sizeof chunk), 0);
        size_t b = wa_stream_write_buffer_size(s);
        if (b > most)
            most = b;
        rc = wa_stream_drain(s);
    }
    CHECK_INT(rc, 0);
    /* drain held the writer back until the peer read */
    CHECK(wa_now() - t0 >= 700);
    CHECK(most <= WA_STREAM_DEFAULT_HIGH_WATER + sizeof chunk);
    CHECK(memory_bytes() - before <= 1024 * 1024);
    CHECK_INT(wa_stream_write_eof(s), 0);
    char line[32] = "";
    CHECK(wa_stream_readline(s, line, sizeof line - 1) > 0);
    CHECK_STR(line, "got 16777216\n");
    done(s);
}

static void test_peer_never_sends(void)
{
    wa_stream *s = peer("silent");
    if (!s)
        return;
    char buf[8];
    long n = 1;
    int rc;
    uint64_t t0 = wa_now();
    {
        WA_TIMEOUT_SCOPE(200, rc);
        n = wa_stream_read(s, buf, sizeof buf);
    }
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(n, WA_ETIMEDOUT);
    CHECK(wa_now() - t0 >= 150);
    CHECK_INT(wa_stream_is_closing(s), 0); /* a timed-out read breaks nothing */
    done(s);
}

/* ------------------------------------------------------------ Unix sockets */

/* wasi:sockets 0.2 has no Unix-domain sockets: WA_ENOTSUP at once. Node
 * has them: echo over one, its names, a regular file in the way, and the
 * socket file gone once the server closed. */
static void test_unix_sockets(void)
{
    wa_stream *s = NULL;
    wa_stream_server *srv = NULL;
    char path[64];
    snprintf(path, sizeof path, "/tmp/wa-p2-streams-%llu.sock", (unsigned long long)wa_hrtime());
#ifndef __EMSCRIPTEN__
    uint64_t t0 = wa_now();
    CHECK_INT(wa_start_unix_server(upper_echo, NULL, path, NULL, &srv), WA_ENOTSUP);
    CHECK_INT(wa_open_unix_connection(path, NULL, &s), WA_ENOTSUP);
    CHECK(srv == NULL && s == NULL);
    CHECK(wa_now() - t0 < 100);
#else
    CHECK_INT(wa_open_unix_connection(path, NULL, &s), WA_ENOENT);
    CHECK_INT(wa_start_unix_server(upper_echo, NULL, path, NULL, &srv), 0);
    if (!srv)
        return;
    CHECK_INT(wa_stream_server_port(srv), 0);
    CHECK_INT(wa_open_unix_connection(path, NULL, &s), 0);
    if (s) {
        char line[64] = "";
        CHECK_INT(wa_stream_write(s, "unix\n", 5), 0);
        CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 5);
        CHECK_STR(line, "UNIX\n");
        char host[64] = "x";
        int port = -1;
        CHECK_INT(wa_stream_peername(s, host, sizeof host, &port), 0);
        CHECK_STR(host, path);
        CHECK_INT(port, 0);
        done(s);
    }
    CHECK_INT(wa_stream_server_free(srv), 0);
    CHECK(access(path, F_OK) != 0); /* the socket file went with the server */
    FILE *f = fopen(path, "w");     /* a regular file in the way */
    if (f) {
        fclose(f);
        srv = NULL;
        CHECK_INT(wa_start_unix_server(upper_echo, NULL, path, NULL, &srv), WA_EADDRINUSE);
        CHECK(srv == NULL);
        remove(path);
    }
#endif
}

/* ------------------------------------------------------------ cancelling */

static void *connect_task(void *arg)
{
    wa_stream *s = NULL;
    int rc = wa_open_connection(arg, peer_port, NULL, &s);
    if (rc == 0) {
        wa_stream_free(s);
        return PTR(1);
    }
    return wa_raise(rc, "connect");
}

static void test_cancel_connect(void)
{
    int cancelled = 0;
    for (int i = 0; i < 40; i++) {
        /* an address: cancelled in the TCP connect; a name: in the lookup */
        wa_task *t = wa_spawn(connect_task, i % 2 ? "localhost" : "127.0.0.1");
        wa_yield(); /* it starts the lookup or the connect and waits */
        wa_cancel(t);
        int rc = wa_await(t, NULL);
        CHECK(rc == WA_ECANCELED || rc == 0);
        cancelled += rc == WA_ECANCELED;
        wa_release(t);
    }
    CHECK(cancelled > 0);
    CHECK_INT(peer_open(NULL), 0);
    /* nothing of the cancelled ones is in the way of the next connect */
    void *r = NULL;
    wa_task *t = wa_spawn(connect_task, "localhost");
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_INT(INT(r), 1);
    wa_release(t);
}

static void *read_task(void *arg)
{
    char buf[8];
    long n = wa_stream_read(arg, buf, sizeof buf);
    return n < 0 ? wa_raise((int)n, "read") : PTR(n);
}

static void test_cancel_read(void)
{
    wa_stream *s = peer("silent");
    if (!s)
        return;
    wa_task *t = wa_spawn(read_task, s);
    wa_sleep(50);
    wa_cancel(t);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    wa_release(t);
    CHECK_INT(wa_stream_is_closing(s), 0);
    done(s);
    CHECK_INT(peer_open(NULL), 0);
}

static void test_cancel_drain(void)
{
    wa_stream *s = peer("sink 1500");
    if (!s)
        return;
    static char chunk[64 * 1024];
    int rc, drained = 0;
    {
        WA_TIMEOUT_SCOPE(700, rc);
        for (int i = 0; i < 1024 && drained == 0; i++) {
            wa_stream_write(s, chunk, sizeof chunk);
            drained = wa_stream_drain(s);
        }
    }
    CHECK_INT(rc, WA_ETIMEDOUT);
    CHECK_INT(drained, WA_ETIMEDOUT);
    CHECK(wa_stream_write_buffer_size(s) > 0); /* the bytes stay queued */
    CHECK_INT(wa_stream_abort(s), 0);
    wa_stream_wait_closed(s);
    CHECK_INT(wa_stream_free(s), 0);
    wa_sleep(1500); /* the peer reads again, sees the end */
    CHECK_INT(peer_open(NULL), 0);
}

/* ------------------------------------------------------------ EMFILE */

/* Run alone, under a small descriptor limit (prlimit --nofile): connect
 * until the process runs out, expect WA_EMFILE by name, then the server
 * must still serve once descriptors are free again. */
#define EMFILE_MAX 400
static void test_emfile(void)
{
    wa_stream_server *srv = NULL;
    CHECK_INT(wa_start_server(upper_echo, NULL, "127.0.0.1", 0, NULL, &srv), 0);
    if (!srv)
        return;
    int port = wa_stream_server_port(srv);
    static wa_stream *held[EMFILE_MAX];
    int n = 0, rc = 0;
    while (n < EMFILE_MAX) {
        rc = wa_open_connection("127.0.0.1", port, NULL, &held[n]);
        if (rc < 0)
            break;
        n++;
    }
    CHECK(n > 0);
    CHECK_INT(rc, WA_EMFILE);
    wa_sleep(100); /* the server met the limit too, accepting */
    for (int i = 0; i < n; i++) {
        wa_stream_abort(held[i]);
        wa_stream_wait_closed(held[i]);
        wa_stream_free(held[i]);
    }
    wa_sleep(100);
    wa_stream *s = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    if (s) {
        char line[16] = "";
        CHECK_INT(wa_stream_write(s, "again\n", 6), 0);
        CHECK_INT(wa_stream_readline(s, line, sizeof line - 1), 6);
        CHECK_STR(line, "AGAIN\n");
        done(s);
    }
    CHECK_INT(wa_stream_server_free(srv), 0);
}

static const wa_h_test emfile_tests[] = {WA_H_TEST(test_emfile), {0}};

static const wa_h_test tests[] = {
    WA_H_TEST(test_echo_twin),
    WA_H_TEST(test_ipv6_loopback),
    WA_H_TEST(test_many_connections),
    WA_H_TEST(test_refused_at_once_and_names),
    WA_H_TEST(test_name_does_not_resolve),
    WA_H_TEST(test_peer_resets_mid_read),
    WA_H_TEST(test_peer_half_closes),
    WA_H_TEST(test_line_that_never_ends),
    WA_H_TEST(test_slow_reader),
    WA_H_TEST(test_peer_never_sends),
    WA_H_TEST(test_unix_sockets),
    WA_H_TEST(test_cancel_connect),
    WA_H_TEST(test_cancel_read),
    WA_H_TEST(test_cancel_drain),
    {0},
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: p2_streams PEER_PORT CLOSED_PORT\n");
        return 2;
    }
    peer_port = atoi(argv[1]);
    closed_port = atoi(argv[2]);
    if (argc > 3 && strcmp(argv[3], "emfile") == 0)
        return wa_h_main(emfile_tests);
    return wa_h_main(tests);
}
