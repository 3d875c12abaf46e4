/* server.c: one loop's server: the libuv listener, the connection cap
 * (503) and EMFILE, one tick that checks every connection's deadline, and
 * the graceful shutdown. A connection's own life is in server_conn.c, its
 * bytes are read by h1_reader.c; several loops serving one app together
 * (wa_server_opts.threads) are server_workers.c's, and wa_app_listen's entry
 * is server_listen.c. */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/server.h"
#include "core/backend.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

struct server {
    struct conn_home home; /* its connections, their settings and counts */
    uv_tcp_t listener;
    uv_timer_t tick; /* checks every connection's deadline */
    wa_op *op;       /* the listening task's wait */
    wa_task *waiter; /* parked during shutdown */
    int listener_open, tick_open;
    int accept_owed; /* a connection waits to be accepted (no memory) */
    int stopping;
};

/* ------------------------------------------------------------ shutdown */

static int server_idle(const struct server *s)
{
    return s->home.handlers == 0 && s->home.nconns == 0 && !s->listener_open && !s->tick_open;
}

/* Something the shutdown waits for has changed: the waiter checks again. */
static void server_poke(struct server *s)
{
    if (s->stopping && s->waiter &&
        (server_idle(s) || (s->home.conns.head == NULL && s->home.handlers == 0)))
        wa__ready(s->waiter);
}

/* The connections' report (conn_home.changed). */
static void connections_changed(struct conn_home *home)
{
    server_poke((struct server *)((char *)home - offsetof(struct server, home)));
}

static void on_connection(uv_stream_t *server, int status);

static void on_tick(uv_timer_t *t)
{
    struct server *srv = t->data;
    uint64_t now = uv_now(wa__uv());
    for (struct conn *c = srv->home.conns.head, *next; c; c = next) {
        next = c->next;
        if (c->deadline && now >= c->deadline)
            wa__conn_expire(c);
    }
    wa__guard_tick(&srv->home, now);
    if (srv->accept_owed && !srv->stopping)
        on_connection((uv_stream_t *)&srv->listener, 0);
}

/* ------------------------------------------------------------ accepting */

static void reject_closed(uv_handle_t *h)
{
    struct server *srv = h->data;
    free(h);
    srv->home.nconns--;
    server_poke(srv);
}

/* The client: accepted from the listener, or a descriptor handed over
 * (fd >= 0) by the loop that accepts for every loop. */
static int take_client(uv_stream_t *server, int fd, uv_tcp_t *t)
{
    if (fd < 0)
        return uv_accept(server, (uv_stream_t *)t);
    int rc = uv_tcp_open(t, fd);
    if (rc < 0)
        close(fd); /* not the handle's: closing it would not */
    return rc;
}

/* 503 in one try: the client learns why it is turned away. */
static void send_busy(uv_tcp_t *t)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Length: 24\r\nConnection: close\r\n\r\n"
                               "503: Service Unavailable";
    uv_buf_t b = uv_buf_init((char *)busy, sizeof busy - 1);
    uv_try_write((uv_stream_t *)t, &b, 1); /* fails unaccepted: no harm */
}

/* Over the connection cap: accept, answer 503 in one try, close. The
 * client learns why, and the listener keeps draining its backlog. */
static void reject(struct server *srv, uv_stream_t *server, int fd)
{
    uv_tcp_t *t = malloc(sizeof *t);
    if (!t || uv_tcp_init(wa__uv(), t) < 0) {
        free(t);
        if (fd >= 0)
            close(fd); /* nobody else will: no 503 for this one */
        else
            srv->accept_owed = 1; /* retried by the tick */
        return;
    }
    t->data = srv;
    srv->home.nconns++;
    if (take_client(server, fd, t) == 0)
        send_busy(t);
    uv_close((uv_handle_t *)t, reject_closed);
}

static void add_client(struct server *srv, uv_stream_t *server, int fd)
{
    srv->accept_owed = 0;
    struct conn_home *home = &srv->home;
    if (home->nopen >= home->opts.max_connections && !wa__guard_make_room(home)) {
        reject(srv, server, fd);
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c || uv_tcp_init(wa__uv(), &c->tcp) < 0) {
        free(c);
        if (fd >= 0) {
            close(fd);
            return;
        }
        /* libuv holds the client until uv_accept: try again on the tick. */
        srv->accept_owed = 1;
        return;
    }
    c->tcp.data = c;
    c->home = home;
    c->refs = 1;
    home->nconns++;
    int taken = take_client(server, fd, &c->tcp) == 0;
    if (!taken || wa__guard_client_over(home, c)) {
        if (taken)
            send_busy(&c->tcp);
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, wa__conn_closed);
        return;
    }
    WA_LIST_APPEND(&home->conns, c);
    home->nopen++;
    wa__conn_start(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct server *srv = server->data;
    /* EMFILE/ENFILE: libuv has already accepted and closed that client with
     * its reserve descriptor; the connections we have carry on. */
    if (status < 0 || srv->stopping)
        return;
    add_client(srv, server, -1);
}

void wa__server_adopt(struct server *srv, int fd)
{
    if (srv->stopping) {
        close(fd); /* shutting down: as a listener closed a moment earlier */
        return;
    }
    add_client(srv, NULL, fd);
}

/* ------------------------------------------------------------ listening */

static void listener_closed(uv_handle_t *h)
{
    struct server *srv = h->data;
    srv->listener_open = 0;
    server_poke(srv);
}

static void tick_closed(uv_handle_t *h)
{
    struct server *srv = h->data;
    srv->tick_open = 0;
    server_poke(srv);
}

static void listen_cancel(wa_op *op)
{
    struct server *srv = op->data;
    srv->op = NULL;
}

static uint64_t fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return 0;
    return (uint64_t)rl.rlim_cur;
}

/* The tick runs often enough to honour the shortest timeout within ~25%. */
static uint64_t tick_ms(const wa_server_opts *o)
{
    uint64_t m = o->head_timeout_ms;
    const uint64_t all[] = {o->keepalive_timeout_ms, o->body_timeout_ms, o->send_timeout_ms,
                            o->busy_head_timeout_ms};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i] < m)
            m = all[i];
    m /= 4;
    return m < 10 ? 10 : m > 1000 ? 1000 : m;
}

/* Cancelled: stop accepting, close idle connections, let requests in flight
 * finish within the grace period (their last reply says Connection: close),
 * then close whatever is left and wait, shielded, until nothing refers to
 * srv. */
static void server_shutdown(struct server *srv)
{
    srv->stopping = 1;
    uv_close((uv_handle_t *)&srv->listener, listener_closed);
    for (struct conn *c = srv->home.conns.head, *next; c; c = next) {
        next = c->next;
        wa__conn_drain(c);
    }
    srv->waiter = wa__self();
    uint64_t grace = srv->home.opts.shutdown_grace_ms;
    uint64_t until =
        grace >= UINT64_MAX / 2000000ull ? WA_NEVER : wa__host_hrtime() + grace * 1000000ull;
    while ((srv->home.conns.head || srv->home.handlers > 0) && wa__host_hrtime() < until)
        wa__park(until, WA_PARK_SHIELD);
    uv_timer_stop(&srv->tick);
    uv_close((uv_handle_t *)&srv->tick, tick_closed);
    while (srv->home.conns.head)
        wa__conn_close(srv->home.conns.head);
    while (!server_idle(srv))
        wa__park(WA_NEVER, WA_PARK_SHIELD);
}

/* Named, as nginx's "bind() to ... failed": WA_EADDRINUSE for a busy port,
 * WA_EADDRNOTAVAIL for an address not on this host. */
int wa__server_listen_failed(const struct sockaddr *addr, int code)
{
    char ip[64] = "?";
    int port = 0;
    if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
        uv_ip6_name(a6, ip, sizeof ip);
        port = ntohs(a6->sin6_port);
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)addr;
        uv_ip4_name(a4, ip, sizeof ip);
        port = ntohs(a4->sin_port);
    }
    fprintf(stderr, "wasyncio: cannot listen on %s:%d: %s (%s)\n", ip, port, wa_strerror(code),
            wa_error_name(code));
    return code;
}

/* Every setting holds per loop, as nginx's worker_connections does; only
 * the default cap, which comes from the process's one open-file limit, is
 * shared out so that the loops together stay under it. */
static void share_default_cap(const wa_app *app, unsigned loops, wa_server_opts *o)
{
    if (!app->opts.max_connections && loops > 1) {
        unsigned share = o->max_connections / loops;
        o->max_connections = share < 16 ? 16 : share;
    }
}

int wa__server_serve(wa_app *app, const struct sockaddr *addr, int fd, struct server_peers *peers)
{
    uv_loop_t *loop = wa__uv();
    if (!loop)
        return WA_ENOLOOP;
    struct server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return WA_ENOMEM;
    srv->home.app = app;
    srv->home.changed = connections_changed;
    wa__server_opts_resolve(&app->opts, fd_limit(), &srv->home.opts);
    if (peers) {
        share_default_cap(app, peers->loops, &srv->home.opts);
        peers->serving(peers, srv);
    }
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    srv->listener_open = 1;
    uv_timer_init(loop, &srv->tick);
    srv->tick.data = srv;
    srv->tick_open = 1;
    uv_unref((uv_handle_t *)&srv->tick);
    int rc = 0;
    if (fd >= 0)
        rc = uv_tcp_open(&srv->listener, fd);
    else if (addr)
        rc = uv_tcp_bind(&srv->listener, addr, 0);
    if (rc == 0 && (fd >= 0 || addr))
        rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
    if (rc == 0 && fd < 0 && addr) { /* the workers' port is set once, by them */
        struct sockaddr_storage bound;
        int len = sizeof bound;
        rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
        if (rc == 0)
            app->port =
                ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    }
    wa__native_pending_add(1);
    int result;
    if (rc < 0) {
        result = wa__uv_err(rc);
        if (addr)
            wa__server_listen_failed(addr, result);
    } else {
        uint64_t t = tick_ms(&srv->home.opts);
        uv_timer_start(&srv->tick, on_tick, t, t);
        wa_op op = {0};
        op.cancel = listen_cancel;
        op.data = srv;
        srv->op = &op;
        result = wa__op_wait(&op); /* only an interruption ends it */
        srv->op = NULL;
    }
    if (peers)
        peers->interrupted(peers); /* the other loops shut down beside this one */
    server_shutdown(srv);
    wa__native_pending_add(-1);
    free(srv);
    return result;
}
