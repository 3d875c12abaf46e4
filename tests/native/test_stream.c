/* test_stream.c: native-only stream tests: hostile and faulty peers (a
 * reset mid-read, a line that never ends, 10,000 connections, descriptor
 * exhaustion), named errors for a closed port and a name that does not
 * resolve, cancellation during connect, read, drain and the TLS handshake
 * with the descriptors counted, Unix-domain sockets, and the TLS client
 * against tests/http/tls_server.py with the PKI of tests/http/tls_certs.sh.
 * What every target with sockets shares is in tests/scenarios/sc_stream.c. */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "test_util.h"
#include "http_helpers.h"

/* ------------------------------------------------------------ helpers */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

enum mode {
    ECHO,
    SEND_THEN_RESET,
    ENDLESS_LINE,
    FLOOD,
    SILENT,
    HOLD,
    CLOSE_AT_ONCE,
    WRITE_AND_GO,
    READ_TO_END
};

struct plan {
    enum mode mode;
    int drain_rc; /* FLOOD: how its drain ended; READ_TO_END: its last read */
    int started;
};

static int handler(wa_stream *s, void *arg)
{
    struct plan *p = arg;
    static char chunk[16384];
    char line[256];
    long n;
    p->started++;
    switch (p->mode) {
    case ECHO:
        while ((n = wa_stream_readline(s, line, sizeof line)) > 0) {
            wa_stream_write(s, line, (size_t)n);
            if (wa_stream_drain(s) < 0)
                break;
        }
        break;
    case SEND_THEN_RESET:
        wa_stream_write(s, "partial", 7);
        wa_stream_drain(s);
        wa_sleep(50);
        wa_stream_abort(s);
        break;
    case ENDLESS_LINE:
        memset(chunk, 'a', sizeof chunk);
        for (;;) {
            wa_stream_write(s, chunk, sizeof chunk);
            if (wa_stream_drain(s) < 0)
                break;
        }
        break;
    case FLOOD:
        memset(chunk, 'x', sizeof chunk);
        for (;;) {
            wa_stream_write(s, chunk, sizeof chunk);
            if ((p->drain_rc = wa_stream_drain(s)) < 0)
                break;
        }
        break;
    case SILENT: /* reads, never answers, until the client hangs up */
        while (wa_stream_read(s, line, sizeof line) > 0)
            ;
        break;
    case HOLD: /* neither reads nor answers, until cancelled */ wa_sleep(60000); break;
    case CLOSE_AT_ONCE: break;
    case READ_TO_END:
        while ((n = wa_stream_read(s, line, sizeof line)) > 0)
            ;
        p->drain_rc = (int)n;
        break;
    case WRITE_AND_GO: /* 8 MiB queued, no drain: the server sends it after */
        memset(chunk, 'y', sizeof chunk);
        for (int i = 0; i < 512; i++)
            wa_stream_write(s, chunk, sizeof chunk);
        break;
    }
    return 0;
}

static wa_stream_server *serve(struct plan *p, int *port, const wa_stream_opts *o)
{
    wa_stream_server *srv = NULL;
    CHECK_EQ(wa_start_server(handler, p, "127.0.0.1", 0, o, &srv), 0);
    *port = srv ? wa_stream_server_port(srv) : 0;
    return srv;
}

static void stop(wa_stream_server *srv)
{
    if (!srv)
        return;
    wa_stream_server_close(srv);
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(5000, scope);
        rc = wa_stream_server_wait_closed(srv);
    }
    CHECK_EQ(rc, 0);
    wa_stream_server_free(srv);
}

static void hang_up(wa_stream *s)
{
    if (!s)
        return;
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
}

/* ------------------------------------------------------------ faulty peers */

static void *reset_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = SEND_THEN_RESET};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    char buf[64];
    CHECK_EQ(wa_stream_readexactly(s, buf, 7, NULL), 0);
    /* The reset reaches the next read as a named error, not a hang. */
    long n = wa_stream_read(s, buf, sizeof buf);
    CHECK_EQ(n, WA_ECONNRESET);
    CHECK_EQ(wa_stream_write(s, "x", 1), WA_ECONNRESET);
    CHECK_EQ(wa_stream_drain(s), WA_ECONNRESET);
    CHECK_EQ(wa_stream_is_closing(s), 1);
    CHECK_EQ(wa_stream_wait_closed(s), WA_ECONNRESET);
    wa_stream_free(s);
    stop(srv);

    /* The other way: a client resets while its handler reads; the handler
     * gets the named error and the server goes on serving. */
    struct plan q = {.mode = READ_TO_END, .drain_rc = 1};
    srv = serve(&q, &port, NULL);
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    wa_stream_write(s, "x", 1);
    wa_sleep(20);
    wa_stream_abort(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    for (int i = 0; i < 100 && q.drain_rc == 1; i++)
        wa_sleep(5);
    CHECK_EQ(q.drain_rc, WA_ECONNRESET);
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    hang_up(s);
    for (int i = 0; i < 100 && q.started < 2; i++)
        wa_sleep(5);
    CHECK_EQ(q.started, 2);
    CHECK_EQ(q.drain_rc, 0); /* the second one ended cleanly */
    stop(srv);
    return NULL;
}

static void *broken_pipe_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = CLOSE_AT_ONCE};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    char buf[8];
    CHECK_EQ(wa_stream_read(s, buf, sizeof buf), 0); /* the server hung up */
    /* Writing on: the first bytes may still be taken, then EPIPE or a
     * reset, as a named error; never SIGPIPE. */
    static char chunk[65536];
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        rc = wa_stream_write(s, chunk, sizeof chunk);
        if (rc == 0)
            rc = wa_stream_drain(s);
        if (rc == 0)
            wa_sleep(1);
    }
    CHECK(rc == WA_EPIPE || rc == WA_ECONNRESET);
    wa_stream_free(s);
    stop(srv);
    return NULL;
}

static void test_write_after_peer_closed(void **state)
{
    (void)state;
    run_main(broken_pipe_main, NULL);
}

static void test_peer_resets_mid_read(void **state)
{
    (void)state;
    run_main(reset_main, NULL);
}

static void *endless_line_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = ENDLESS_LINE};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    static char line[WA_STREAM_DEFAULT_LIMIT + 1];
    long before = 0;
    size_t dropped = 0;
    /* 64 MiB of one line: every readline says WA_ELIMIT and drops what it
     * holds; the memory stays flat. */
    for (int i = 0; dropped < ((size_t)64 << 20); i++) {
        long n = wa_stream_readline(s, line, sizeof line);
        CHECK_EQ(n, WA_ELIMIT);
        if (n != WA_ELIMIT)
            break;
        dropped += WA_STREAM_DEFAULT_LIMIT; /* at least the limit each time */
        if (i == 64)
            before = rss_kb();
    }
    long grown = rss_kb() - before;
    if (grown > 4096)
        fprintf(stderr, "endless line: RSS grew %ld KiB\n", grown);
    CHECK(grown <= 4096);
    wa_stream_abort(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    stop(srv);
    return NULL;
}

static void test_line_that_never_ends(void **state)
{
    (void)state;
    run_main(endless_line_main, NULL);
}

static void *slow_reader_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = FLOOD};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    long before = rss_kb();
    wa_sleep(500); /* the writer fills the socket, then blocks in drain */
    CHECK(rss_kb() - before < 4096);
    CHECK_EQ(p.drain_rc, 0);
    wa_stream_abort(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    stop(srv);
    CHECK(p.drain_rc == WA_ECONNRESET || p.drain_rc == WA_EPIPE);
    return NULL;
}

static void test_slow_reader_blocks_drain(void **state)
{
    (void)state;
    run_main(slow_reader_main, NULL);
}

static void *named_errors_main(void *arg)
{
    (void)arg;
    wa_stream *s = PTR(1);
    uint64_t t0 = wa_now();
    CHECK_EQ(wa_open_connection("127.0.0.1", hh_closed_port(), NULL, &s), WA_ECONNREFUSED);
    CHECK(s == NULL);
    CHECK_EQ(wa_open_connection("no-such-host.invalid", 80, NULL, &s), WA_EDNS);
    CHECK(wa_now() - t0 < 3000);
    /* "localhost" resolves and each address is tried. */
    struct plan p = {.mode = ECHO};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    CHECK_EQ(wa_open_connection("localhost", port, NULL, &s), 0);
    hang_up(s);
    /* The same port again: taken. */
    wa_stream_server *again = NULL;
    CHECK_EQ(wa_start_server(handler, &p, "127.0.0.1", port, NULL, &again), WA_EADDRINUSE);
    CHECK(again == NULL);
    CHECK_EQ(wa_start_server(handler, &p, "no-such-host.invalid", 0, NULL, &again), WA_EDNS);
    stop(srv);
    /* IPv6 loopback, where the machine has it. */
    int rc = wa_start_server(handler, &p, "::1", 0, NULL, &srv);
    if (rc == 0) {
        CHECK_EQ(wa_open_connection("::1", wa_stream_server_port(srv), NULL, &s), 0);
        char host[64] = "";
        CHECK_EQ(wa_stream_peername(s, host, sizeof host, NULL), 0);
        CHECK_STR(host, "::1");
        wa_stream_write(s, "six\n", 4);
        char line[8];
        CHECK_EQ(wa_stream_readline(s, line, sizeof line), 4);
        hang_up(s);
        stop(srv);
    } else {
        CHECK(rc == WA_EADDRNOTAVAIL || rc == WA_ENOTSUP);
    }
    return NULL;
}

static void test_named_errors(void **state)
{
    (void)state;
    run_main(named_errors_main, NULL);
}

/* ------------------------------------------------------------ cancellation */

struct op_arg {
    int port;
    wa_stream *s;
    int rc;
};

static void *connect_task(void *arg)
{
    struct op_arg *a = arg;
    wa_stream *s = NULL;
    a->rc = wa_open_connection("127.0.0.1", a->port, NULL, &s);
    if (s)
        wa_stream_free(s);
    return NULL;
}

static void *lookup_task(void *arg)
{
    struct op_arg *a = arg;
    wa_stream *s = NULL;
    a->rc = wa_open_connection("localhost", a->port, NULL, &s);
    if (s)
        wa_stream_free(s);
    return NULL;
}

static void *read_task(void *arg)
{
    struct op_arg *a = arg;
    char buf[16];
    a->rc = (int)wa_stream_read(a->s, buf, sizeof buf);
    return NULL;
}

static void *drain_task(void *arg)
{
    struct op_arg *a = arg;
    static char chunk[1 << 20];
    a->rc = 0;
    while (a->rc == 0) {
        wa_stream_write(a->s, chunk, sizeof chunk);
        a->rc = wa_stream_drain(a->s);
    }
    return NULL;
}

static void *handshake_task(void *arg)
{
    struct op_arg *a = arg;
    wa_stream *s = NULL;
    wa_stream_opts o = {.flags = WA_STREAM_TLS | WA_STREAM_INSECURE};
    a->rc = wa_open_connection("127.0.0.1", a->port, &o, &s);
    if (s)
        wa_stream_free(s);
    return NULL;
}

/* Spawn fn, let it reach its wait (yields), cancel it: it must return
 * WA_ECANCELED. */
static void cancel_in(wa_fn fn, struct op_arg *a, int yields)
{
    a->rc = 1;
    wa_task *t = wa_spawn(fn, a);
    yield_n(yields);
    CHECK_EQ(wa_task_done(t), 0);
    wa_cancel(t);
    wa_await(t, NULL);
    wa_release(t);
    CHECK_EQ(a->rc, WA_ECANCELED);
}

static void *cancel_main(void *arg)
{
    (void)arg;
    struct plan hold = {.mode = HOLD};
    int port;
    wa_stream_server *srv = serve(&hold, &port, NULL);
    int fds =
        count_fds() - 1; /* listening: libuv keeps a spare fd for EMFILE; the listener closes */
    for (int i = 0; i < 50; i++) {
        struct op_arg a = {.port = port};
        cancel_in(connect_task, &a, 1);
        cancel_in(lookup_task, &a, 1);
        cancel_in(handshake_task, &a, 5); /* the server never answers */
        CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &a.s), 0);
        cancel_in(read_task, &a, 3);
        cancel_in(drain_task, &a, 3); /* the server never reads */
        wa_stream_abort(a.s);
        wa_stream_wait_closed(a.s);
        wa_stream_free(a.s);
    }
    wa_stream_server_free(srv); /* cancels the handlers, closes their streams */
    /* Closed handles and abandoned lookups settle within a few turns. */
    for (int i = 0; i < 100 && count_fds() != fds; i++)
        wa_sleep(10);
    CHECK_EQ(count_fds(), fds);
    return NULL;
}

static void test_cancel_connect_read_drain_handshake(void **state)
{
    (void)state;
    run_main(cancel_main, NULL);
}

static void *handshake_timeout_main(void *arg)
{
    (void)arg;
    struct plan silent = {.mode = SILENT};
    int port;
    wa_stream_server *srv = serve(&silent, &port, NULL);
    int fds = count_fds();
    wa_stream *s = NULL;
    wa_stream_opts o = {.flags = WA_STREAM_TLS | WA_STREAM_INSECURE,
                        .tls_handshake_timeout_ms = 200};
    uint64_t t0 = wa_now();
    CHECK_EQ(wa_open_connection("127.0.0.1", port, &o, &s), WA_ETIMEDOUT);
    CHECK(wa_now() - t0 >= 190 && wa_now() - t0 < 2000);
    /* A deadline scope reaches the handshake too. */
    o.tls_handshake_timeout_ms = 0;
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(100, scope);
        rc = wa_open_connection("127.0.0.1", port, &o, &s);
    }
    CHECK_EQ(rc, WA_ETIMEDOUT);
    CHECK_EQ(scope, WA_ETIMEDOUT);
    /* A plain server that closes at once: the handshake fails, named. */
    struct plan closer = {.mode = CLOSE_AT_ONCE};
    int port2;
    wa_stream_server *srv2 = serve(&closer, &port2, NULL);
    CHECK_EQ(wa_open_connection("127.0.0.1", port2, &o, &s), WA_ETLS);
    stop(srv2);
    for (int i = 0; i < 100 && count_fds() != fds; i++)
        wa_sleep(10);
    CHECK_EQ(count_fds(), fds);
    stop(srv);
    return NULL;
}

static void test_tls_handshake_timeout(void **state)
{
    (void)state;
    run_main(handshake_timeout_main, NULL);
}

/* ------------------------------------------------------------ many connections */

#define MANY 10000

struct many {
    int port, ok, failed;
    wa_event *all_in;
};

static void *many_client(void *arg)
{
    struct many *m = arg;
    wa_stream *s = NULL;
    int rc = wa_open_connection("127.0.0.1", m->port, NULL, &s);
    if (rc == 0) {
        char line[16];
        wa_stream_write(s, "hi\n", 3);
        if (wa_stream_readline(s, line, sizeof line) == 3)
            m->ok++;
        else
            m->failed++;
        /* Hold the connection until every client is in. */
        if (m->ok + m->failed == MANY)
            wa_event_set(m->all_in);
        wa_event_wait(m->all_in);
        hang_up(s);
    } else {
        m->failed++;
        if (m->ok + m->failed == MANY)
            wa_event_set(m->all_in);
    }
    return NULL;
}

static void *many_clients_main(void *arg)
{
    struct many *m = arg;
    m->all_in = wa_event_new();
    wa_group *g = wa_group_new();
    wa_task_opts o = {.stack_size = 64 * 1024};
    for (int i = 0; i < MANY; i++) {
        wa_group_start(g, many_client, m, &o);
        if (i % 200 == 199)
            wa_sleep(1); /* let the backlog drain: no SYN retries */
    }
    wa_group_wait(g);
    wa_group_free(g);
    wa_event_free(m->all_in);
    return NULL;
}

static int raise_fd_limit(rlim_t want)
{
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur >= want)
        return 0;
    r.rlim_cur = want <= r.rlim_max ? want : r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur >= want ? 0 : -1;
}

/* The clients' side, in a process of its own (each side needs 10,000
 * descriptors): this binary run as `test_stream --clients PORT`. */
static int many_clients(int port)
{
    struct many m = {.port = port};
    if (raise_fd_limit(MANY + 100) < 0)
        return 3;
    if (wa_run(many_clients_main, &m, NULL) != 0)
        return 2;
    if (m.ok != MANY)
        fprintf(stderr, "clients: %d ok, %d failed\n", m.ok, m.failed);
    return m.ok == MANY ? 0 : 1;
}

/* Run this binary with args in a child; wait for it on a worker thread so
 * the loop keeps serving. Returns its exit status, or -1. */
static void *wait_child(void *arg)
{
    int status = -1;
    waitpid((pid_t)(intptr_t)arg, &status, 0);
    return PTR(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int run_self(const char *mode, int port)
{
    char exe[PATH_MAX], portbuf[16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    snprintf(portbuf, sizeof portbuf, "%d", port);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(exe, exe, mode, portbuf, (char *)NULL);
        _exit(127);
    }
    void *status = NULL;
    wa_to_thread(wait_child, PTR(pid), &status);
    return INT(status);
}

static void *many_server_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = ECHO};
    wa_stream_opts o = {.backlog = 4096, .stack_size = 64 * 1024};
    int port;
    wa_stream_server *srv = serve(&p, &port, &o);
    uint64_t t0 = wa_now();
    CHECK_EQ(run_self("--clients", port), 0);
    uint64_t ms = wa_now() - t0;
    fprintf(stderr, "10,000 connections: %llu ms\n", (unsigned long long)ms);
    CHECK(ms < 30000);
    CHECK_EQ(p.started, MANY);
    stop(srv);
    return NULL;
}

static void test_ten_thousand_connections(void **state)
{
    (void)state;
    if (raise_fd_limit(MANY + 200) < 0)
        skip();
    run_main(many_server_main, NULL);
}

/* ------------------------------------------------------------ EMFILE */

struct emfile {
    int port;
    int named; /* a connect failed with WA_EMFILE */
    int served_after;
};

static void *emfile_main(void *arg)
{
    struct emfile *e = arg;
    struct plan p = {.mode = ECHO};
    wa_stream_server *srv = serve(&p, &e->port, NULL);
    static wa_stream *held[256];
    int n = 0, rc = 0;
    /* Each connection costs two descriptors here (both ends): the client's
     * connect runs out first, or the server's accept does (libuv then
     * refuses that client and the connect sees it closed). */
    while (n < 256) {
        wa_stream *s = NULL;
        rc = wa_open_connection("127.0.0.1", e->port, NULL, &s);
        if (rc == WA_EMFILE) {
            e->named = 1;
            break;
        }
        if (rc != 0)
            break;
        held[n++] = s;
    }
    CHECK_EQ(rc, WA_EMFILE);
    /* Free some descriptors: the server serves again. */
    for (int i = 0; i < n; i++)
        hang_up(held[i]);
    wa_sleep(20);
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", e->port, NULL, &s), 0);
    if (s) {
        char line[16];
        wa_stream_write(s, "again\n", 6);
        int scope;
        long got;
        {
            WA_TIMEOUT_SCOPE(2000, scope);
            got = wa_stream_readline(s, line, sizeof line);
        }
        e->served_after = got == 6;
        hang_up(s);
    }
    stop(srv);
    return NULL;
}

static int emfile_child(void)
{
    struct rlimit r = {64, 64};
    if (setrlimit(RLIMIT_NOFILE, &r) != 0)
        return 3;
    struct emfile e = {0};
    tu_reset();
    int rc = wa_run(emfile_main, &e, NULL);
    if (tu_failures)
        fprintf(stderr, "%s\n", tu_fail);
    return rc == 0 && !tu_failures && e.named && e.served_after ? 0 : 1;
}

static void *emfile_parent(void *arg)
{
    (void)arg;
    CHECK_EQ(run_self("--emfile", 0), 0);
    return NULL;
}

static void test_fd_exhaustion(void **state)
{
    (void)state;
    run_main(emfile_parent, NULL);
}

/* ------------------------------------------------------------ Unix sockets */

static void *unix_main(void *arg)
{
    (void)arg;
    char path[64];
    snprintf(path, sizeof path, "/tmp/wa-stream-%d.sock", (int)getpid());
    unlink(path);
    struct plan p = {.mode = ECHO};
    wa_stream_server *srv = NULL;
    CHECK_EQ(wa_start_unix_server(handler, &p, path, NULL, &srv), 0);
    CHECK_EQ(wa_stream_server_port(srv), 0);
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_unix_connection(path, NULL, &s), 0);
    char line[64];
    wa_stream_write(s, "over unix\n", 10);
    CHECK_EQ(wa_stream_readline(s, line, sizeof line), 10);
    char name[128];
    int port = 1;
    CHECK_EQ(wa_stream_peername(s, name, sizeof name, &port), 0);
    CHECK_STR(name, path);
    CHECK_EQ(port, 0);
    wa_stream_write(s, "half\n", 5);
    CHECK_EQ(wa_stream_write_eof(s), 0);
    CHECK_EQ(wa_stream_readline(s, line, sizeof line), 5);
    CHECK_EQ(wa_stream_readline(s, line, sizeof line), 0); /* the handler ended */
    hang_up(s);
    stop(srv);
    struct stat st;
    CHECK(stat(path, &st) != 0); /* removed at close */
    /* A stale socket file is replaced; another file is not. */
    CHECK_EQ(wa_start_unix_server(handler, &p, path, NULL, &srv), 0);
    wa_stream_server *stale_srv = srv;
    CHECK_EQ(wa_start_unix_server(handler, &p, path, NULL, &srv), 0);
    stop(srv);
    stop(stale_srv);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    CHECK_EQ(wa_start_unix_server(handler, &p, path, NULL, &srv), WA_EADDRINUSE);
    unlink(path);
    CHECK_EQ(wa_open_unix_connection(path, NULL, &s), WA_ENOENT);
    /* A path longer than sun_path is refused, not cut short by libuv into
     * another file (which the server's close would then leave behind). */
    char longpath[160];
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = 0;
    memcpy(longpath, "/tmp/", 5);
    CHECK_EQ(wa_start_unix_server(handler, &p, longpath, NULL, &srv), WA_EINVAL);
    CHECK_EQ(wa_open_unix_connection(longpath, NULL, &s), WA_EINVAL);
    /* A directory that does not exist is not "permission denied". */
    CHECK_EQ(wa_start_unix_server(handler, &p, "/nonexistent-wa-dir/x.sock", NULL, &srv),
             WA_ENOENT);
    return NULL;
}

static void test_unix_sockets(void **state)
{
    (void)state;
    run_main(unix_main, NULL);
}

/* ------------------------------------------------------------ servers */

static void *forever_task(void *arg) { return PTR(wa_stream_server_serve_forever(arg)); }

static void *server_life_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = SILENT};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    int fds = count_fds() - 1; /* at the end the listener is closed too */
    wa_task *t = wa_spawn(forever_task, srv);
    wa_stream *a = NULL, *b = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &a), 0);
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &b), 0);
    wa_sleep(20);
    CHECK_EQ(wa_stream_server_connections(srv), 2);
    wa_cancel(t);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    wa_release(t);
    /* Closed: no new connections; the running handlers go on. */
    wa_stream *c = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &c), WA_ECONNREFUSED);
    CHECK_EQ(wa_stream_server_connections(srv), 2);
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(50, scope);
        rc = wa_stream_server_wait_closed(srv);
    }
    CHECK_EQ(rc, WA_ETIMEDOUT);
    hang_up(a); /* its handler's read ends */
    wa_sleep(20);
    CHECK_EQ(wa_stream_server_connections(srv), 1);
    /* free cancels the last handler and frees once it has ended. */
    wa_stream_server_free(srv);
    char buf[8];
    CHECK_EQ(wa_stream_read(b, buf, sizeof buf), 0); /* closed by the server */
    hang_up(b);
    for (int i = 0; i < 100 && count_fds() != fds; i++)
        wa_sleep(10);
    CHECK_EQ(count_fds(), fds);
    return NULL;
}

/* A handler that queued more than a silent client reads: close waits for
 * the bytes (asyncio's close flushes), free drops them. */
static void *unread_reply_main(void *arg)
{
    (void)arg;
    struct plan p = {.mode = WRITE_AND_GO};
    int port;
    wa_stream_server *srv = serve(&p, &port, NULL);
    int fds = count_fds() - 1;
    wa_stream *s = NULL;
    CHECK_EQ(wa_open_connection("127.0.0.1", port, NULL, &s), 0);
    wa_sleep(50);
    CHECK_EQ(p.started, 1);
    wa_stream_server_close(srv);
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(100, scope);
        rc = wa_stream_server_wait_closed(srv);
    }
    CHECK_EQ(rc, WA_ETIMEDOUT); /* still sending to a client that does not read */
    CHECK_EQ(wa_stream_server_connections(srv), 1);
    wa_stream_server_free(srv);
    char buf[4096];
    long n;
    while ((n = wa_stream_read(s, buf, sizeof buf)) > 0)
        ;
    CHECK(n == 0 || n == WA_ECONNRESET); /* dropped, not delivered in full */
    wa_stream_free(s);
    for (int i = 0; i < 100 && count_fds() != fds; i++)
        wa_sleep(10);
    CHECK_EQ(count_fds(), fds);
    return NULL;
}

static void test_server_free_drops_unread_replies(void **state)
{
    (void)state;
    run_main(unread_reply_main, NULL);
}

static void test_server_life(void **state)
{
    (void)state;
    run_main(server_life_main, NULL);
}

/* ------------------------------------------------------------ TLS */

static char pki[64];
static hh_proc signed_srv, self_srv, mtls_srv, echo_srv;

static const char *P(const char *name)
{
    static char buf[4][PATH_MAX];
    static int i;
    char *b = buf[i++ % 4];
    snprintf(b, PATH_MAX, "%s/%s", pki, name);
    return b;
}

static int tls_teardown(void **state)
{
    (void)state;
    hh_kill(&signed_srv);
    hh_kill(&self_srv);
    hh_kill(&mtls_srv);
    hh_kill(&echo_srv);
    hh_pki_remove(pki);
    return 0;
}

static int tls_setup(void **state)
{
    if (hh_pki_make(pki, sizeof pki, "stls") < 0 ||
        hh_tls_server(&signed_srv, P("server.pem"), P("server.key"), NULL, NULL) < 0 ||
        hh_tls_server(&self_srv, P("self.pem"), P("self.key"), NULL, NULL) < 0 ||
        hh_tls_server(&mtls_srv, P("server.pem"), P("server.key"), P("ca.pem"), NULL) < 0) {
        tls_teardown(state);
        return -1;
    }
    char script[PATH_MAX + 64];
    snprintf(script, sizeof script, "%s/tests/stream/tls_echo_server.py", hh_root());
    char *argv[] = {(char *)hh_python(), script, (char *)P("server.pem"), (char *)P("server.key"),
                    NULL};
    if (hh_spawn(argv, 1, &echo_srv) < 0 || hh_wait_port(echo_srv.port) < 0) {
        tls_teardown(state);
        return -1;
    }
    return 0;
}

/* GET / over a TLS stream: the body (after the blank line) into out. */
static int tls_get(int port, const wa_stream_opts *o, char *out, size_t cap)
{
    out[0] = 0;
    wa_stream *s = NULL;
    int rc = wa_open_connection("127.0.0.1", port, o, &s);
    if (rc)
        return rc;
    static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    wa_stream_write(s, req, sizeof req - 1);
    rc = wa_stream_drain(s);
    char line[512];
    long n;
    while (rc == 0 && (n = wa_stream_readline(s, line, sizeof line)) > 2)
        ; /* status line and headers */
    void *body = NULL;
    size_t len = 0;
    if (rc == 0 && (rc = wa_stream_read_all(s, &body, &len, 4096)) == 0)
        snprintf(out, cap, "%s", (char *)body);
    free(body);
    CHECK_EQ(wa_stream_write_eof(s), WA_ENOTSUP);
    hang_up(s);
    return rc;
}

static void *tls_main(void *arg)
{
    (void)arg;
    char body[256];
    /* The system's store does not know the run's CA. */
    wa_stream_opts o = {.flags = WA_STREAM_TLS};
    CHECK_EQ(tls_get(signed_srv.port, &o, body, sizeof body), WA_ETLS);
    o.ca_file = P("ca.pem");
    CHECK_EQ(tls_get(signed_srv.port, &o, body, sizeof body), 0);
    CHECK_STR(body, "hello tls");
    o.ca_file = NULL;
    o.ca_dir = P("cadir");
    CHECK_EQ(tls_get(signed_srv.port, &o, body, sizeof body), 0);
    CHECK_STR(body, "hello tls");
    /* The wrong name for the certificate. */
    o.server_hostname = "example.com";
    CHECK_EQ(tls_get(signed_srv.port, &o, body, sizeof body), WA_ETLS);
    o.server_hostname = NULL;
    /* Self-signed: refused, unless insecure. */
    CHECK_EQ(tls_get(self_srv.port, &o, body, sizeof body), WA_ETLS);
    wa_stream_opts insecure = {.flags = WA_STREAM_TLS | WA_STREAM_INSECURE};
    CHECK_EQ(tls_get(self_srv.port, &insecure, body, sizeof body), 0);
    CHECK_STR(body, "hello tls");
    /* A server that asks for a client certificate. */
    o.ca_dir = NULL;
    o.ca_file = P("ca.pem");
    o.client_cert = P("client.pem");
    o.client_key = P("client.key");
    CHECK_EQ(tls_get(mtls_srv.port, &o, body, sizeof body), 0);
    CHECK_STR(body, "hello tls, wasyncio test client");
    /* A wrong file is named before any connection, as with wa_fetch. */
    o.client_cert = P("missing.pem");
    CHECK_EQ(tls_get(mtls_srv.port, &o, body, sizeof body), WA_ENOENT);
    wa_stream_opts bad_ca = {.flags = WA_STREAM_TLS, .ca_file = P("missing.pem")};
    CHECK_EQ(tls_get(signed_srv.port, &bad_ca, body, sizeof body), WA_ENOENT);
    FILE *f = fopen(P("not-pem.txt"), "w");
    if (f) {
        fputs("not a certificate\n", f);
        fclose(f);
    }
    bad_ca.ca_file = P("not-pem.txt"); /* a file, but no PEM block in it */
    CHECK_EQ(tls_get(signed_srv.port, &bad_ca, body, sizeof body), WA_EINVAL);
    bad_ca.ca_file = NULL;
    bad_ca.ca_dir = P("ca.pem"); /* not a directory */
    CHECK_EQ(tls_get(signed_srv.port, &bad_ca, body, sizeof body), WA_EINVAL);
    return NULL;
}

/* 4 MiB each way through TLS, with a small limit so reading pauses and
 * resumes often (OpenSSL holds decrypted bytes across a pause). */
#define TLS_BULK ((size_t)4 << 20)

struct tls_bulk {
    wa_stream *s;
    int bad;
};

static void *tls_bulk_reader(void *arg)
{
    struct tls_bulk *b = arg;
    static unsigned char buf[7000];
    size_t got = 0;
    while (got < TLS_BULK) {
        size_t want = TLS_BULK - got < sizeof buf ? TLS_BULK - got : sizeof buf;
        if (wa_stream_readexactly(b->s, buf, want, NULL) != 0) {
            b->bad = 1;
            break;
        }
        for (size_t i = 0; i < want; i++)
            if (buf[i] != (unsigned char)((got + i) % 251)) {
                b->bad = 2;
                return NULL;
            }
        got += want;
        if (got % (1 << 20) < sizeof buf)
            wa_sleep(5); /* a slow moment: the socket fills and reading pauses */
    }
    return NULL;
}

static void *tls_bulk_main(void *arg)
{
    (void)arg;
    wa_stream_opts o = {.flags = WA_STREAM_TLS, .ca_file = P("ca.pem"), .limit = 4096};
    struct tls_bulk b = {0};
    CHECK_EQ(wa_open_connection("127.0.0.1", echo_srv.port, &o, &b.s), 0);
    if (!b.s)
        return NULL;
    wa_task *reader = wa_spawn(tls_bulk_reader, &b);
    static unsigned char chunk[65536];
    for (size_t sent = 0; sent < TLS_BULK; sent += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (unsigned char)((sent + i) % 251);
        CHECK_EQ(wa_stream_write(b.s, chunk, sizeof chunk), 0);
        CHECK_EQ(wa_stream_drain(b.s), 0);
        CHECK(wa_stream_write_buffer_size(b.s) <= 2 * sizeof chunk);
    }
    int rc, scope;
    {
        WA_TIMEOUT_SCOPE(20000, scope);
        rc = wa_await(reader, NULL);
    }
    CHECK_EQ(rc, 0);
    wa_release(reader);
    CHECK_EQ(b.bad, 0);
    CHECK_EQ(wa_stream_write_eof(b.s), WA_ENOTSUP);
    hang_up(b.s);
    return NULL;
}

static void test_tls_bulk_both_ways(void **state)
{
    (void)state;
    run_main(tls_bulk_main, NULL);
}

static void test_tls_client(void **state)
{
    (void)state;
    run_main(tls_main, NULL);
}

int main(int argc, char **argv)
{
    /* SIGPIPE stays at its default: the library must not die of it. */
    if (argc == 3 && strcmp(argv[1], "--clients") == 0)
        return many_clients(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "--emfile") == 0)
        return emfile_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_resets_mid_read),
        cmocka_unit_test(test_write_after_peer_closed),
        cmocka_unit_test(test_line_that_never_ends),
        cmocka_unit_test(test_slow_reader_blocks_drain),
        cmocka_unit_test(test_named_errors),
        cmocka_unit_test(test_cancel_connect_read_drain_handshake),
        cmocka_unit_test(test_tls_handshake_timeout),
        cmocka_unit_test(test_ten_thousand_connections),
        cmocka_unit_test(test_fd_exhaustion),
        cmocka_unit_test(test_unix_sockets),
        cmocka_unit_test(test_server_life),
        cmocka_unit_test(test_server_free_drops_unread_replies),
    };
    const struct CMUnitTest tls[] = {
        cmocka_unit_test(test_tls_client),
        cmocka_unit_test(test_tls_bulk_both_ways),
    };
    int failed = cmocka_run_group_tests_name("stream", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("stream_tls", tls, tls_setup, tls_teardown);
    return failed ? 1 : 0;
}
