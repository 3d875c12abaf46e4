/* server.c: asyncio.start_server: a listener from the backend, one handler
 * task per accepted connection, close / wait_closed / serve_forever, and the
 * server's ownership of its connections' streams (closed and freed when the
 * handler returns). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stream/stream.h"

static int server_done(const wa_stream_server *srv)
{
    return srv->closing && srv->unlistened && srv->nconns == 0;
}

static void server_check(wa_stream_server *srv)
{
    if (!server_done(srv))
        return;
    wa__swake_all(&srv->closers, 0);
    if (srv->free_wanted && !srv->closers.head)
        free(srv);
}

/* ---------------------------------------------------------------- handlers */

static void *handler_main(void *arg)
{
    wa_stream *s = arg;
    int rc = s->srv->handler(s, s->srv->arg);
    if (rc < 0 && rc != WA_ECANCELED && wa__debug_on())
        fprintf(stderr, "wasyncio: debug: stream handler returned %s\n",
                wa_error_name(rc) ? wa_error_name(rc) : "an error");
    return NULL;
}

/* The handler ended (returned, failed, or was cancelled before it ran): the
 * stream is the server's to close; it is freed once the backend closed it. */
static void release_conn(wa_stream_server *srv, wa_stream *s);
static void conn_closed(wa_stream *s);

static void handler_done(wa_task *t, void *data)
{
    (void)t;
    wa_stream *s = data;
    s->handler = NULL;
    if (s->closed)
        release_conn(s->srv, s);
    else
        wa_stream_close(s);
}

wa_stream *wa__stream_accepted(wa_stream_server *srv, wa__sconn *c)
{
    if (srv->closing)
        return NULL;
    wa_stream *s = wa__stream_new(&srv->opts);
    if (!s)
        return NULL;
    s->conn = c;
    s->srv = srv;
    s->on_closed = conn_closed;
    wa_task_opts o = {.name = "stream-handler", .stack_size = srv->opts.stack_size};
    wa_task *t = wa__spawn_hooked(handler_main, s, &o, handler_done, s);
    if (!t) {
        wa__stream_destroy(s);
        return NULL;
    }
    s->handler = t;
    wa_release(t); /* freed when it ends; handler_done runs first */
    WA_LIST_APPEND(&srv->conns, s);
    srv->nconns++;
    wa__stream_update_reading(s);
    return s;
}

/* Both the handler and the connection are over: forget the stream. */
static void release_conn(wa_stream_server *srv, wa_stream *s)
{
    WA_LIST_UNLINK(&srv->conns, s);
    srv->nconns--;
    wa__stream_destroy(s);
    server_check(srv);
}

/* The backend closed one of the server's streams (s->on_closed). */
static void conn_closed(wa_stream *s)
{
    /* Closed under a running handler: released when the handler ends. */
    if (!s->handler)
        release_conn(s->srv, s);
}

void wa__stream_server_unlistened(wa_stream_server *srv)
{
    srv->unlistened = 1;
    server_check(srv);
}

/* ---------------------------------------------------------------- starting */

static int start(wa_stream_handler handler, void *arg, wa__stream_target *t,
                 const wa_stream_opts *opts, wa_stream_server **out)
{
    if (out)
        *out = NULL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!handler || !out)
        return WA_EINVAL;
    wa_stream_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return WA_ENOMEM;
    if ((rc = wa__stream_opts_resolve(opts, 1, &srv->opts)) != 0) {
        free(srv);
        return rc;
    }
    srv->handler = handler;
    srv->arg = arg;
    t->opts = &srv->opts;
    rc = wa__slisten_open(srv, t, &srv->listener, &srv->port);
    if (rc < 0) {
        free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

int wa_start_server(wa_stream_handler handler, void *arg, const char *host, int port,
                    const wa_stream_opts *opts, wa_stream_server **out)
{
    if (port < 0 || port > 65535) {
        if (out)
            *out = NULL;
        return WA_EINVAL;
    }
    wa__stream_target t = {.host = host && *host ? host : NULL, .port = port};
    return start(handler, arg, &t, opts, out);
}

int wa_start_unix_server(wa_stream_handler handler, void *arg, const char *path,
                         const wa_stream_opts *opts, wa_stream_server **out)
{
    if (!path || !*path) {
        if (out)
            *out = NULL;
        return WA_EINVAL;
    }
    wa__stream_target t = {.path = path};
    return start(handler, arg, &t, opts, out);
}

/* ---------------------------------------------------------------- serving */

int wa_stream_server_port(const wa_stream_server *srv) { return srv ? srv->port : WA_EINVAL; }

int wa_stream_server_connections(const wa_stream_server *srv)
{
    return srv ? srv->nconns : WA_EINVAL;
}

int wa_stream_server_close(wa_stream_server *srv)
{
    if (!srv)
        return WA_EINVAL;
    if (srv->closing)
        return 0;
    srv->closing = 1;
    if (srv->listener) {
        wa__slisten *l = srv->listener;
        srv->listener = NULL;
        wa__slisten_close(l); /* wa__stream_server_unlistened follows */
    } else {
        srv->unlistened = 1;
    }
    wa__swake_all(&srv->closers, 0);
    return 0;
}

int wa_stream_server_wait_closed(wa_stream_server *srv)
{
    if (!srv)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    while (!server_done(srv))
        if ((rc = wa__swait(&srv->closers)) != 0)
            return rc;
    return 0;
}

int wa_stream_server_serve_forever(wa_stream_server *srv)
{
    if (!srv)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    while (!srv->closing)
        if ((rc = wa__swait(&srv->closers)) != 0)
            break;
    wa_stream_server_close(srv);
    return rc;
}

int wa_stream_server_free(wa_stream_server *srv)
{
    if (!srv)
        return 0;
    wa_stream_server_close(srv);
    /* Handlers are cancelled; connections whose handler has ended but whose
     * last bytes a peer is not reading are dropped, so freeing is bounded. */
    for (wa_stream *s = srv->conns.head, *next; s; s = next) {
        next = s->next;
        if (s->handler)
            wa_cancel(s->handler);
        else
            wa_stream_abort(s);
    }
    srv->free_wanted = 1;
    if (server_done(srv) && !srv->closers.head)
        free(srv);
    return 0;
}
