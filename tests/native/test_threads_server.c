/* test_threads_server.c: wa_server_opts.threads: one app served by several
 * loops on one port. Connections really spread (each loop serves some of
 * 1,000), a handler that blocks its loop for 1 s leaves the others
 * answering, a shutdown under load loses nothing (every request a handler
 * began is answered; the rest see a clean close, never half a reply), the
 * hand-over path for systems without SO_REUSEPORT, and the option's checks.
 * Clients are plain threads with blocking sockets (run through
 * wa_to_thread), so the loops under test do nothing but serve. */
#define _GNU_SOURCE /* strcasestr */
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#define LOOPS 4

static pthread_mutex_t check_mu = PTHREAD_MUTEX_INITIALIZER;
#define TCHECK(c)                                           \
    do {                                                    \
        if (!(c)) {                                         \
            pthread_mutex_lock(&check_mu);                  \
            tu_record(__FILE__, __LINE__, "CHECK(%s)", #c); \
            pthread_mutex_unlock(&check_mu);                \
        }                                                   \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ the app */

static atomic_uintptr_t blocked_loop;
static atomic_int handled;

/* Which loop answered: the body is its handle. */
static int which_loop(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req, (void)ud;
    return wa_reply_text(reply, "%lx", (unsigned long)(uintptr_t)wa_loop_current());
}

/* Blocks its whole loop (no wa_sleep): the pitfall the other loops survive. */
static int block(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req, (void)ud;
    atomic_store(&blocked_loop, (uintptr_t)wa_loop_current());
    struct timespec ts = {1, 0};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
    return wa_reply_text(reply, "%lx", (unsigned long)(uintptr_t)wa_loop_current());
}

static int work(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req, (void)ud;
    atomic_fetch_add(&handled, 1);
    wa_sleep(20); /* in flight when the shutdown comes */
    return wa_reply_text(reply, "done");
}

static int slow(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req, (void)ud;
    wa_sleep(600); /* keeps its connection busy, not idle */
    return wa_reply_text(reply, "slow");
}

static wa_app *make_app(unsigned threads)
{
    wa_app *app = wa_app_new();
    wa_app_get(app, "/slow", slow, NULL);
    wa_app_get(app, "/loop", which_loop, NULL);
    wa_app_get(app, "/block", block, NULL);
    wa_app_get(app, "/work", work, NULL);
    wa_server_opts o = {.threads = threads};
    CHECK_EQ(wa_app_set_opts(app, &o), 0);
    return app;
}

static void *listen_task(void *arg)
{
    wa_app *app = arg;
    return (void *)(intptr_t)wa_app_listen(app, "127.0.0.1", 0);
}

/* Start serving app in a task; returns it once the port is known. */
static wa_task *serve(wa_app *app, int *port)
{
    wa_task *t = wa_spawn(listen_task, app);
    for (int i = 0; i < 500 && wa_app_port(app) <= 0; i++)
        wa_sleep(2);
    *port = wa_app_port(app);
    CHECK(*port > 0);
    return t;
}

/* Cancel the listening task: it returns WA_ECANCELED once every loop is done. */
static void stop(wa_task *t, wa_app *app)
{
    wa_cancel(t);
    CHECK_EQ(wa_await(t, NULL), WA_ECANCELED);
    wa_app_free(app);
}

/* ------------------------------------------------------------ a blocking client */

static int dial(int port, int rcv_timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (rcv_timeout_ms > 0) {
        struct timeval tv = {rcv_timeout_ms / 1000, (rcv_timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

enum { R_CLOSED = -1, R_PARTIAL = -2, R_TIMEOUT = -3 };

/* Send one GET and read the reply: its status, body in body (NUL-ended),
 * *closes when it said Connection: close. R_CLOSED: the connection ended
 * before any byte of a reply (a clean close); R_PARTIAL: it ended inside
 * one; R_TIMEOUT: the receive timeout passed first. */
static int get(int fd, const char *path, int keep_alive, char *body, size_t cap, int *closes)
{
    char req[256], buf[4096];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n", path,
                     keep_alive ? "" : "Connection: close\r\n");
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        return R_CLOSED;
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return R_TIMEOUT;
        if (r <= 0)
            return len == 0 ? R_CLOSED : R_PARTIAL; /* EOF or reset */
        len += (size_t)r;
        buf[len] = 0;
        end = strstr(buf, "\r\n\r\n");
        if (!end && len >= sizeof buf - 1)
            return R_PARTIAL;
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
        return R_PARTIAL;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t want = cl ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
    if (closes)
        *closes = strcasestr(buf, "\r\nConnection: close") != NULL;
    size_t head = (size_t)(end + 4 - buf), have = len - head;
    if (want >= cap)
        return R_PARTIAL;
    memcpy(body, end + 4, have < want ? have : want);
    while (have < want) {
        ssize_t r = recv(fd, body + have, want - have, 0);
        if (r <= 0)
            return R_PARTIAL;
        have += (size_t)r;
    }
    body[want] = 0;
    return status;
}

/* ------------------------------------------------------------ spread */

struct tally {
    int port;
    int conns;
    uintptr_t loop[64];
    int count[64];
    int nloops;
    int failures;
};

static void tally_add(struct tally *t, uintptr_t loop)
{
    for (int i = 0; i < t->nloops; i++)
        if (t->loop[i] == loop) {
            t->count[i]++;
            return;
        }
    if (t->nloops < 64) {
        t->loop[t->nloops] = loop;
        t->count[t->nloops++] = 1;
    }
}

/* conns connections, each its own TCP connection (a new source port, so a
 * new hash for SO_REUSEPORT), each asking which loop serves it. */
static void *spread_client(void *arg)
{
    struct tally *t = arg;
    char body[64];
    for (int i = 0; i < t->conns; i++) {
        int fd = dial(t->port, 5000);
        int st = fd < 0 ? R_CLOSED : get(fd, "/loop", 0, body, sizeof body, NULL);
        if (fd >= 0)
            close(fd);
        if (st != 200) {
            t->failures++;
            continue;
        }
        tally_add(t, (uintptr_t)strtoul(body, NULL, 16));
    }
    return NULL;
}

static void *spread_main(void *arg)
{
    struct tally *t = arg;
    wa_app *app = make_app(LOOPS);
    wa_task *srv = serve(app, &t->port);
    CHECK_EQ(wa_to_thread(spread_client, t, NULL), 0);
    stop(srv, app);
    return NULL;
}

static void check_spread(struct tally *t)
{
    assert_int_equal(t->failures, 0);
    fprintf(stderr, "spread over %d loops:", t->nloops);
    for (int i = 0; i < t->nloops; i++)
        fprintf(stderr, " %d", t->count[i]);
    fprintf(stderr, "\n");
    assert_int_equal(t->nloops, LOOPS); /* each loop served some */
    for (int i = 0; i < t->nloops; i++)
        assert_true(t->count[i] > 0);
}

static void test_connections_spread(void **state)
{
    (void)state;
    struct tally t = {.conns = 1000};
    run_main(spread_main, &t);
    check_spread(&t);
}

/* Without SO_REUSEPORT the leader accepts and hands connections round. */
static void test_connections_spread_by_hand_over(void **state)
{
    (void)state;
    setenv("WASYNCIO_NO_REUSEPORT", "1", 1);
    struct tally t = {.conns = 400};
    run_main(spread_main, &t);
    unsetenv("WASYNCIO_NO_REUSEPORT");
    check_spread(&t);
    for (int i = 0; i < t.nloops; i++) /* in turn: evenly */
        assert_int_equal(t.count[i], 100);
}

/* ------------------------------------------------------------ one loop blocked */

struct blocked {
    int port;
    int answered, answered_elsewhere, timed_out;
    double block_took;
};

static void *block_client(void *arg)
{
    struct blocked *b = arg;
    char body[64];
    double t0 = now_s();
    int fd = dial(b->port, 10000);
    TCHECK(fd >= 0);
    TCHECK(get(fd, "/block", 0, body, sizeof body, NULL) == 200);
    b->block_took = now_s() - t0;
    close(fd);
    return NULL;
}

static void *probe_client(void *arg)
{
    struct blocked *b = arg;
    char body[64];
    while (!atomic_load(&blocked_loop)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    uintptr_t stuck = atomic_load(&blocked_loop);
    double until = now_s() + 0.7; /* inside the 1 s block */
    while (now_s() < until) {
        int fd = dial(b->port, 150);
        int st = fd < 0 ? R_CLOSED : get(fd, "/loop", 0, body, sizeof body, NULL);
        if (fd >= 0)
            close(fd);
        if (st == 200) {
            b->answered++;
            if ((uintptr_t)strtoul(body, NULL, 16) != stuck)
                b->answered_elsewhere++;
        } else if (st == R_TIMEOUT) {
            b->timed_out++; /* it landed on the blocked loop */
        }
    }
    return NULL;
}

static void *run_block_client(void *arg)
{
    return (void *)(intptr_t)wa_to_thread(block_client, arg, NULL);
}
static void *run_probe_client(void *arg)
{
    return (void *)(intptr_t)wa_to_thread(probe_client, arg, NULL);
}

static void *blocked_main(void *arg)
{
    struct blocked *b = arg;
    atomic_store(&blocked_loop, 0);
    wa_app *app = make_app(LOOPS);
    wa_task *srv = serve(app, &b->port);
    wa_task *c1 = wa_spawn(run_block_client, b), *c2 = wa_spawn(run_probe_client, b);
    void *r1 = NULL, *r2 = NULL;
    CHECK_EQ(wa_await(c1, &r1), 0);
    CHECK_EQ(wa_await(c2, &r2), 0);
    CHECK_EQ((intptr_t)r1, 0);
    CHECK_EQ((intptr_t)r2, 0);
    stop(srv, app);
    return NULL;
}

static void test_blocked_loop_others_answer(void **state)
{
    (void)state;
    struct blocked b = {0};
    run_main(blocked_main, &b);
    fprintf(stderr,
            "while one loop blocked for %.1f s: %d answered (%d by other loops), %d waited\n",
            b.block_took, b.answered, b.answered_elsewhere, b.timed_out);
    assert_true(b.block_took >= 0.9);
    assert_true(b.answered >= 3); /* one loop alone: none, every probe waits */
    assert_int_equal(b.answered_elsewhere, b.answered);
}

/* ------------------------------------------------------------ shutdown under load */

#define LOAD_CLIENTS 8

struct load {
    int port;
    atomic_int answered, clean_closes, partial, other, stop;
};

static void *load_client(void *arg)
{
    struct load *L = arg;
    char body[64];
    while (!atomic_load(&L->stop)) {
        int fd = dial(L->port, 5000);
        if (fd < 0)
            break; /* the listeners are gone */
        for (;;) {
            int closes = 0;
            int st = get(fd, "/work", 1, body, sizeof body, &closes);
            if (st == 200 && strcmp(body, "done") == 0) {
                atomic_fetch_add(&L->answered, 1);
                if (closes)
                    break;
            } else if (st == R_CLOSED) {
                atomic_fetch_add(&L->clean_closes, 1);
                break;
            } else if (st == R_PARTIAL) {
                atomic_fetch_add(&L->partial, 1);
                break;
            } else {
                atomic_fetch_add(&L->other, 1);
                break;
            }
        }
        close(fd);
    }
    return NULL;
}

static void *run_load_client(void *arg)
{
    return (void *)(intptr_t)wa_to_thread(load_client, arg, NULL);
}

static void *shutdown_main(void *arg)
{
    struct load *L = arg;
    atomic_store(&handled, 0);
    wa_app *app = make_app(LOOPS);
    wa_task *srv = serve(app, &L->port);
    wa_task *cs[LOAD_CLIENTS];
    for (int i = 0; i < LOAD_CLIENTS; i++)
        cs[i] = wa_spawn(run_load_client, L);
    wa_sleep(300);
    CHECK(atomic_load(&L->answered) > 0);
    stop(srv, app); /* under load: graceful on every loop */
    atomic_store(&L->stop, 1);
    for (int i = 0; i < LOAD_CLIENTS; i++)
        CHECK_EQ(wa_await(cs[i], NULL), 0);
    return NULL;
}

static void test_shutdown_under_load(void **state)
{
    (void)state;
    struct load L;
    memset(&L, 0, sizeof L);
    run_main(shutdown_main, &L);
    fprintf(stderr, "shutdown under load: %d answered, %d handled, %d clean closes\n",
            atomic_load(&L.answered), atomic_load(&handled), atomic_load(&L.clean_closes));
    assert_int_equal(atomic_load(&L.partial), 0);
    assert_int_equal(atomic_load(&L.other), 0);
    /* Every request a handler began was answered. */
    assert_int_equal(atomic_load(&L.answered), atomic_load(&handled));
    assert_true(atomic_load(&L.answered) > 0);
}

/* ------------------------------------------------------------ caps add up */

/* max_connections holds per loop: 2 loops with a cap of 2 hold 4 busy
 * connections, and the 5th gets 503 from the loop whose turn it is (the
 * hand-over path deals connections in turn, so the test knows which). */
struct capped {
    int port;
    int status[5];
};

static void *capped_client(void *arg)
{
    struct capped *c = arg;
    int fds[5];
    char req[] = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
    for (int i = 0; i < 5; i++) {
        fds[i] = dial(c->port, 5000);
        if (fds[i] >= 0)
            send(fds[i], req, sizeof req - 1, MSG_NOSIGNAL);
        struct timespec ts = {0, 50 * 1000000L}; /* accepted and handed over in order */
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < 5; i++) {
        c->status[i] = R_CLOSED;
        if (fds[i] < 0)
            continue;
        /* The request is sent already: read the reply alone. */
        char buf[1024];
        ssize_t n = recv(fds[i], buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            sscanf(buf, "HTTP/1.1 %d", &c->status[i]);
        }
        close(fds[i]);
    }
    return NULL;
}

static void *capped_main(void *arg)
{
    struct capped *c = arg;
    wa_app *app = make_app(2);
    wa_server_opts o = {.threads = 2, .max_connections = 2};
    CHECK_EQ(wa_app_set_opts(app, &o), 0);
    wa_task *srv = serve(app, &c->port);
    CHECK_EQ(wa_to_thread(capped_client, c, NULL), 0);
    stop(srv, app);
    return NULL;
}

static void test_caps_add_up(void **state)
{
    (void)state;
    setenv("WASYNCIO_NO_REUSEPORT", "1", 1);
    struct capped c = {0};
    run_main(capped_main, &c);
    unsetenv("WASYNCIO_NO_REUSEPORT");
    for (int i = 0; i < 4; i++)
        assert_int_equal(c.status[i], 200); /* 2 loops x 2 */
    assert_int_equal(c.status[4], 503);
}

/* ------------------------------------------------------------ the option */

static void test_threads_option(void **state)
{
    (void)state;
    wa_app *app = wa_app_new();
    wa_server_opts o = {.threads = 5000};
    assert_int_equal(wa_app_set_opts(app, &o), WA_EINVAL);
    o.threads = WA_THREADS_AUTO;
    assert_int_equal(wa_app_set_opts(app, &o), 0);
    o.threads = 1024;
    assert_int_equal(wa_app_set_opts(app, &o), 0);
    wa_app_free(app);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (getenv("WA_TEST_FILTER"))
        cmocka_set_test_filter(getenv("WA_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_option),
        cmocka_unit_test(test_connections_spread),
        cmocka_unit_test(test_connections_spread_by_hand_over),
        cmocka_unit_test(test_blocked_loop_others_answer),
        cmocka_unit_test(test_shutdown_under_load),
        cmocka_unit_test(test_caps_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
