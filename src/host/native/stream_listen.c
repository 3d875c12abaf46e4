/* stream_listen.c: wa__slisten_open natively: one libuv TCP handle per
 * address the host names (every interface when none), all on the same port
 * when port 0 picked one; or one pipe handle on a Unix path. Accepted
 * connections go to the portable layer, which runs their handlers. Running
 * out of descriptors refuses that one client (libuv's reserve descriptor
 * trick) and the listener carries on. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/native/native.h"
#include "host/native/stream_native.h"
#include "host/native/stream_resolve.h"

#define MAX_LISTEN 8

struct lsock {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } u;
    struct wa__slisten *l;
};

struct wa__slisten {
    wa_stream_server *srv;
    struct lsock socks[MAX_LISTEN];
    int n;    /* handles initialised */
    int open; /* handles not yet closed */
    int is_pipe;
    int closing;
    char *path; /* Unix: removed at close */
    struct wa__slisten *prev, *next;
};

static _Thread_local struct {
    struct wa__slisten *head, *tail;
} listeners; /* every listener not yet gone, for the loop's end */

/* Every handle is closed: forget l, and tell its server. */
static void listener_gone(struct wa__slisten *l)
{
    WA_LIST_UNLINK(&listeners, l);
    wa__native_pending_add(-1);
    wa_stream_server *srv = l->srv;
    free(l->path);
    free(l);
    if (srv)
        wa__stream_server_unlistened(srv);
}

static void on_lsock_closed(uv_handle_t *h)
{
    struct lsock *ls = h->data;
    if (--ls->l->open == 0)
        listener_gone(ls->l);
}

static void close_socks(struct wa__slisten *l)
{
    l->closing = 1;
    if (l->path)
        unlink(l->path);
    for (int i = 0; i < l->n; i++)
        uv_close(&l->socks[i].u.handle, on_lsock_closed);
}

void wa__slisten_close(struct wa__slisten *l) { close_socks(l); }

static void close_all_at_loop_end(void)
{
    for (struct wa__slisten *l = listeners.head; l; l = l->next)
        if (!l->closing)
            close_socks(l);
}

/* ---------------------------------------------------------------- accept */

static void on_connection(uv_stream_t *server, int status)
{
    struct lsock *ls = server->data;
    struct wa__slisten *l = ls->l;
    /* EMFILE/ENFILE: libuv has already accepted and closed that client with
     * its reserve descriptor; the connections we have carry on. */
    if (status < 0 || l->closing)
        return;
    int rc;
    wa__sconn *c = wa__sconn_new(l->is_pipe, &rc);
    if (!c)
        return; /* libuv holds the client; the next connection retries */
    if (uv_accept(server, &c->u.stream) < 0) {
        wa__sconn_discard(c);
        return;
    }
    wa_stream *s = wa__stream_accepted(l->srv, c);
    if (!s) {
        wa__sconn_discard(c);
        return;
    }
    c->s = s;
}

/* ---------------------------------------------------------------- listen */

static int listen_tcp(struct wa__slisten *l, const struct sockaddr *addr, int backlog)
{
    struct lsock *ls = &l->socks[l->n];
    int r = uv_tcp_init(wa__uv(), &ls->u.tcp);
    if (r < 0)
        return wa__uv_err(r);
    ls->l = l;
    ls->u.handle.data = ls;
    l->n++;
    l->open++;
    unsigned flags = addr->sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    if ((r = uv_tcp_bind(&ls->u.tcp, addr, flags)) < 0 ||
        (r = uv_listen(&ls->u.stream, backlog, on_connection)) < 0)
        return wa__uv_err(r);
    return 0;
}

static int bound_port(struct wa__slisten *l)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getsockname(&l->socks[0].u.tcp, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

static void set_port(struct sockaddr *a, int port)
{
    if (a->sa_family == AF_INET6)
        ((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
}

static int listen_addrs(struct wa__slisten *l, const wa__stream_target *t, int *port)
{
    struct sockaddr_storage ss;
    if (t->host && wa__stream_numeric(t->host, t->port, &ss)) {
        int rc = listen_tcp(l, (struct sockaddr *)&ss, t->opts->backlog);
        *port = rc ? 0 : bound_port(l);
        return rc;
    }
    struct addrinfo *res;
    int rc = wa__stream_resolve(t->host, t->port, 1, &res);
    if (rc)
        return rc;
    int chosen = t->port;
    for (struct addrinfo *ai = res; ai && l->n < MAX_LISTEN; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        set_port(ai->ai_addr, chosen);
        if ((rc = listen_tcp(l, ai->ai_addr, t->opts->backlog)) != 0)
            break;
        if (!chosen)
            chosen = bound_port(l);
    }
    uv_freeaddrinfo(res);
    *port = chosen;
    return rc;
}

/* libuv reports a bind into a missing directory as EACCES (its Windows
 * word for it): tell the user which of the two it is. */
static int bind_refused(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 0;
    memcpy(dir, slash ? path : ".", slash ? n : 1);
    dir[slash ? n : 1] = 0;
    struct stat st;
    return stat(dir, &st) != 0 && errno == ENOENT ? WA_ENOENT : WA_EACCES;
}

static int listen_unix(struct wa__slisten *l, const char *path, int backlog)
{
    if (!wa__unix_path_fits(path))
        return WA_EINVAL;
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return WA_EADDRINUSE;
        unlink(path); /* a stale socket file (asyncio does the same) */
    }
    struct lsock *ls = &l->socks[0];
    int r = uv_pipe_init(wa__uv(), &ls->u.pipe, 0);
    if (r < 0)
        return wa__uv_err(r);
    ls->l = l;
    ls->u.handle.data = ls;
    l->n = l->open = 1;
    if ((r = uv_pipe_bind(&ls->u.pipe, path)) < 0)
        return r == UV_EACCES ? bind_refused(path) : wa__uv_err(r);
    if (!(l->path = strdup(path)))
        return WA_ENOMEM;
    if ((r = uv_listen(&ls->u.stream, backlog, on_connection)) < 0)
        return wa__uv_err(r);
    return 0;
}

int wa__slisten_open(wa_stream_server *srv, const wa__stream_target *t, struct wa__slisten **out,
                     int *port)
{
    *out = NULL;
    *port = 0;
    struct wa__slisten *l = calloc(1, sizeof *l);
    if (!l)
        return WA_ENOMEM;
    l->srv = srv;
    l->is_pipe = t->path != NULL;
    int rc = t->path ? listen_unix(l, t->path, t->opts->backlog) : listen_addrs(l, t, port);
    wa__native_pending_add(1);
    WA_LIST_APPEND(&listeners, l);
    wa__native_at_close(close_all_at_loop_end);
    if (rc == 0 && l->n == 0)
        rc = WA_EDNS; /* the name gave no IP address */
    if (rc) {
        l->srv = NULL; /* nobody to tell when it has closed */
        if (l->n)
            close_socks(l);
        else
            listener_gone(l);
        return rc;
    }
    *out = l;
    return 0;
}
