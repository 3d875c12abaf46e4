/* server_workers.c: wa_server_opts.threads natively, nginx's worker
 * processes as threads: the calling task's loop (the leader) and n-1 loops
 * on threads of their own each serve the app with the same settings, each
 * with a listening socket of its own on the same port (SO_REUSEPORT: the
 * kernel spreads new connections over them). Where SO_REUSEPORT is missing,
 * the leader alone listens and hands each accepted connection to the loops
 * in turn, through their mail. Cancelling the leader's task stops every
 * loop; each shuts down gracefully (server.c) and the leader returns once
 * all have. Each loop's server reports to us through struct server_peers. */
#define _GNU_SOURCE /* accept4 */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/mail.h"
#include "host/native/server.h"
#include "host/common/common.h"
#include "core/backend.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BATCH    64 /* connections handed over per wake of the acceptor */
#define EMFILE_PAUSE_MS 50 /* out of descriptors: the acceptor rests, not spins */

struct worker {
    struct workers *ws;
    pthread_t th;
    int thread_made;
    int fd;             /* its listening socket, until its server owns it */
    wa_loop *loop;      /* held */
    wa_task *task;      /* its serving task: touched on its own loop only */
    struct server *srv; /* while serving: touched on its own loop only */
    atomic_int started, finished;
    int rc;
};

struct workers {
    struct server_peers peers; /* what each loop's server calls: peers.loops is n */
    wa_app *app;
    unsigned n;
    int handoff;         /* no SO_REUSEPORT: the leader accepts for all */
    int listen_fd;       /* handoff: the one listening socket */
    uv_poll_t *acceptor; /* handoff: the leader's watch on it */
    uv_timer_t *rest;    /* handoff: restarts the watch after EMFILE */
    unsigned next;       /* handoff: whose turn */
    int stopped;
    wa_shared_queue *news; /* a worker started or finished: look again */
    struct worker w[];     /* w[0]: the leader, the calling task's loop */
};

static _Thread_local struct worker *t_worker; /* this loop's, while it serves */

unsigned wa__server_threads(const wa_server_opts *o)
{
    if (o->threads == WA_THREADS_AUTO) {
        unsigned cores = uv_available_parallelism();
        return cores ? cores : 1;
    }
    return o->threads ? o->threads : 1;
}

/* server_peers.serving: a loop's server starts, and can adopt clients. */
static void loop_serving(struct server_peers *peers, struct server *srv)
{
    (void)peers;
    struct worker *me = t_worker;
    if (me)
        me->srv = srv;
}

/* ------------------------------------------------------------ sockets */

static socklen_t addr_len(const struct sockaddr *a)
{
    return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* A listening socket on addr; reuseport: shared with the other loops'.
 * WA_ENOTSUP when the system has no SO_REUSEPORT. */
static int listen_socket(const struct sockaddr *addr, int reuseport, int *out)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wa__errno_code(errno);
    int one = 1, rc = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as libuv binds */
    if (reuseport) {
#ifdef SO_REUSEPORT
        if (getenv("WASYNCIO_NO_REUSEPORT") || /* tests: the hand-over path */
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
            rc = WA_ENOTSUP;
#else
        rc = WA_ENOTSUP;
#endif
    }
    if (rc == 0 && addr->sa_family == AF_INET6) {
        int off = 0; /* dual stack, as uv_tcp_bind without UV_TCP_IPV6ONLY */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (rc == 0 && bind(fd, addr, addr_len(addr)) < 0)
        rc = wa__errno_code(errno);
    if (rc == 0 && listen(fd, 1024) < 0)
        rc = wa__errno_code(errno);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

static void set_port(struct sockaddr_storage *a, int port)
{
    if (a->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
}

/* One socket per loop, all on one port (port 0: the first picks it); or,
 * without SO_REUSEPORT, one for the leader to accept on. */
static int open_sockets(struct workers *ws, const struct sockaddr *addr)
{
    struct sockaddr_storage a;
    memset(&a, 0, sizeof a);
    memcpy(&a, addr, addr_len(addr));
    for (unsigned i = 0; i < ws->n; i++) {
        int rc = listen_socket((struct sockaddr *)&a, 1, &ws->w[i].fd);
        if (rc == WA_ENOTSUP && i == 0) {
            ws->handoff = 1;
            rc = listen_socket((struct sockaddr *)&a, 0, &ws->listen_fd);
            if (rc == 0)
                ws->app->port = bound_port(ws->listen_fd);
            return rc;
        }
        if (rc < 0)
            return rc;
        if (i == 0) {
            ws->app->port = bound_port(ws->w[0].fd);
            set_port(&a, ws->app->port);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the hand-over */

struct handed {
    struct worker *w;
    int fd;
};

static void adopt(void *arg)
{
    struct handed *h = arg;
    if (h->w->srv)
        wa__server_adopt(h->w->srv, h->fd);
    else
        close(h->fd);
    free(h);
}

static void adopt_refused(void *arg)
{
    struct handed *h = arg;
    close(h->fd);
    free(h);
}

static void hand_over(struct workers *ws, int fd)
{
    struct worker *w = &ws->w[ws->next++ % ws->n];
    if (w == &ws->w[0] || !atomic_load(&w->started) || atomic_load(&w->finished)) {
        if (ws->w[0].srv)
            wa__server_adopt(ws->w[0].srv, fd);
        else
            close(fd);
        return;
    }
    struct handed *h = malloc(sizeof *h);
    if (!h) {
        close(fd);
        return;
    }
    h->w = w;
    h->fd = fd;
    wa__mail_post(w->loop, adopt, adopt_refused, h);
}

static void on_acceptable(uv_poll_t *p, int status, int events);

static void rested(uv_timer_t *t)
{
    struct workers *ws = t->data;
    if (!ws->stopped)
        uv_poll_start(ws->acceptor, UV_READABLE, on_acceptable);
}

static void on_acceptable(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct workers *ws = p->data;
    if (status < 0 || ws->stopped)
        return;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(ws->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            hand_over(ws, fd);
            continue;
        }
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* The client stays in the backlog; try again shortly. */
            uv_poll_stop(p);
            uv_timer_start(ws->rest, rested, EMFILE_PAUSE_MS, 0);
        }
        break; /* EAGAIN, or a client that gave up (ECONNABORTED): next wake */
    }
}

static void free_handle(uv_handle_t *h) { free(h); }

static int start_acceptor(struct workers *ws)
{
    ws->acceptor = calloc(1, sizeof *ws->acceptor);
    ws->rest = calloc(1, sizeof *ws->rest);
    if (!ws->acceptor || !ws->rest) {
        free(ws->acceptor);
        free(ws->rest);
        ws->acceptor = NULL;
        ws->rest = NULL;
        return WA_ENOMEM;
    }
    uv_poll_init(wa__uv(), ws->acceptor, ws->listen_fd);
    uv_timer_init(wa__uv(), ws->rest);
    ws->acceptor->data = ws->rest->data = ws;
    uv_poll_start(ws->acceptor, UV_READABLE, on_acceptable);
    return 0;
}

/* ------------------------------------------------------------ worker loops */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    w->loop = wa_loop_current();
    wa_loop_hold(w->loop);
    w->task = wa_current();
    t_worker = w;
    int fd = w->fd;
    w->fd = -1; /* the server owns it now */
    atomic_store(&w->started, 1);
    wa_shared_queue_put(w->ws->news, w);
    w->rc = wa__server_serve(w->ws->app, NULL, fd, &w->ws->peers);
    t_worker = NULL;
    w->srv = NULL;
    atomic_store(&w->finished, 1);
    wa_shared_queue_put(w->ws->news, w);
    return NULL;
}

static void *worker_thread(void *arg)
{
    struct worker *w = arg;
    int rc = wa_run(worker_main, w, NULL);
    if (!atomic_load(&w->started)) { /* its loop never ran */
        w->rc = rc < 0 ? rc : WA_EIO;
        atomic_store(&w->finished, 1);
        wa_shared_queue_put(w->ws->news, w);
    }
    return NULL;
}

static void cancel_worker(void *arg)
{
    struct worker *w = arg;
    if (w->task)
        wa_cancel(w->task); /* WA_EDONE if it has already ended */
}

/* The leader's serving task was interrupted: stop the others. */
static void workers_stop(struct workers *ws)
{
    if (t_worker != &ws->w[0] || ws->stopped)
        return; /* only the leader stops the others, once */
    ws->stopped = 1;
    if (ws->acceptor) {
        uv_close((uv_handle_t *)ws->acceptor, free_handle);
        uv_close((uv_handle_t *)ws->rest, free_handle);
        ws->acceptor = NULL;
        ws->rest = NULL;
        close(ws->listen_fd);
        ws->listen_fd = -1;
    }
    for (unsigned i = 1; i < ws->n; i++)
        if (atomic_load(&ws->w[i].started) && !atomic_load(&ws->w[i].finished))
            wa__mail_post(ws->w[i].loop, cancel_worker, NULL, &ws->w[i]);
}

/* server_peers.interrupted */
static void loop_interrupted(struct server_peers *peers)
{
    workers_stop((struct workers *)peers); /* peers is its first member */
}

/* In the leader: wait (not interruptibly: the workers must be accounted
 * for) until every worker is started, or finished too when `finished`. */
static int wait_workers(struct workers *ws, int finished)
{
    int interrupted = 0;
    for (;;) {
        unsigned pending = 0;
        for (unsigned i = 1; i < ws->n; i++) {
            struct worker *w = &ws->w[i];
            if (!w->thread_made)
                continue;
            if (finished ? !atomic_load(&w->finished)
                         : !atomic_load(&w->started) && !atomic_load(&w->finished))
                pending++;
        }
        if (pending == 0)
            return interrupted;
        void *news;
        int rc = wa_shared_queue_get(ws->news, &news);
        if (rc < 0 && !interrupted)
            interrupted = rc;
    }
}

static void workers_free(struct workers *ws)
{
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->w[i].fd >= 0)
            close(ws->w[i].fd);
        if (ws->w[i].loop && i > 0)
            wa_loop_release(ws->w[i].loop);
    }
    if (ws->listen_fd >= 0)
        close(ws->listen_fd);
    if (ws->news)
        wa_shared_queue_free(ws->news);
    free(ws);
}

int wa__server_workers(wa_app *app, const struct sockaddr *addr, unsigned n)
{
    if (!wa__mail_here())
        return WA_ENOLOOP;
    struct workers *ws = calloc(1, sizeof *ws + n * sizeof(struct worker));
    if (!ws)
        return WA_ENOMEM;
    ws->peers =
        (struct server_peers){.loops = n, .serving = loop_serving, .interrupted = loop_interrupted};
    ws->app = app;
    ws->n = n;
    ws->listen_fd = -1;
    for (unsigned i = 0; i < n; i++) {
        ws->w[i].ws = ws;
        ws->w[i].fd = -1;
    }
    ws->news = wa_shared_queue_new(0);
    int rc = ws->news ? open_sockets(ws, addr) : WA_ENOMEM;
    if (rc < 0) {
        if (rc != WA_ENOMEM)
            wa__server_listen_failed(addr, rc);
        workers_free(ws);
        return rc;
    }
    for (unsigned i = 1; i < n; i++) {
        struct worker *w = &ws->w[i];
        w->thread_made = pthread_create(&w->th, NULL, worker_thread, w) == 0;
        if (!w->thread_made && wa__debug_on())
            fprintf(stderr, "wasyncio: debug: server loop %u of %u not started\n", i + 1, n);
    }
    struct worker *lead = &ws->w[0];
    lead->loop = wa_loop_current();
    lead->task = wa_current();
    atomic_store(&lead->started, 1);
    int early = wait_workers(ws, 0);
    /* A loop that could not start must not keep a socket the kernel would
     * send clients to: close it (its threads joined below). */
    for (unsigned i = 1; i < n; i++)
        if (!atomic_load(&ws->w[i].started) && ws->w[i].fd >= 0) {
            close(ws->w[i].fd);
            ws->w[i].fd = -1;
        }
    t_worker = lead;
    if (ws->handoff && rc == 0)
        rc = start_acceptor(ws);
    if (early < 0 || rc < 0) {
        workers_stop(ws);
        rc = early < 0 ? early : rc;
    } else {
        int fd = lead->fd;
        lead->fd = -1;
        rc = wa__server_serve(app, NULL, fd, &ws->peers);
    }
    workers_stop(ws); /* if serving failed before its own call */
    lead->srv = NULL;
    t_worker = NULL;
    wait_workers(ws, 1);
    for (unsigned i = 1; i < n; i++)
        if (ws->w[i].thread_made)
            pthread_join(ws->w[i].th, NULL); /* each has left its loop */
    workers_free(ws);
    return rc;
}
