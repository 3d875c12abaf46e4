/* stream_connect.c: wa__sconn_connect natively: the name looked up on
 * libuv's thread pool, each address tried in turn (asyncio's default, no
 * happy eyeballs), then the TLS handshake under its deadline. Each step is
 * one cancellable wait; an interrupted step closes what it opened and its
 * late libuv callback finds nobody to tell. stream_listen.c shares the
 * lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/native/native.h"
#include "host/native/stream_native.h"
#include "host/native/stream_resolve.h"

/* ------------------------------------------------------------ name lookup */

int wa__stream_numeric(const char *host, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (host && uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
        return 1;
    if (host && uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
        return 1;
    return 0;
}

struct lookup {
    uv_getaddrinfo_t req;
    wa_op *op; /* NULL once the waiter gave up */
    struct addrinfo *res;
};

static void on_lookup(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct lookup *l = req->data;
    wa__native_drain_add(-1);
    wa__native_pending_add(-1);
    if (!l->op) { /* abandoned */
        if (res)
            uv_freeaddrinfo(res);
        free(l);
        return;
    }
    l->res = res;
    wa__wake_op(l->op, status < 0 ? wa__uv_err(status) : 0);
}

static void lookup_cancel(wa_op *op)
{
    struct lookup *l = op->data;
    l->op = NULL;
    uv_cancel((uv_req_t *)&l->req); /* on_lookup frees l either way */
}

int wa__stream_resolve(const char *host, int port, int passive, struct addrinfo **out)
{
    *out = NULL;
    struct lookup *l = calloc(1, sizeof *l);
    if (!l)
        return WA_ENOMEM;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG};
    wa_op op = {.cancel = lookup_cancel, .data = l};
    l->op = &op;
    l->req.data = l;
    int r = uv_getaddrinfo(wa__uv(), &l->req, on_lookup, host, service, &hints);
    if (r < 0) {
        free(l);
        return wa__uv_err(r);
    }
    wa__native_drain_add(1);
    wa__native_pending_add(1);
    int rc = wa__op_wait(&op);
    if (!op.done) /* interrupted: on_lookup frees l */
        return rc;
    if (rc == 0)
        *out = l->res;
    else if (l->res)
        uv_freeaddrinfo(l->res);
    free(l);
    return rc;
}

/* ------------------------------------------------------------- connecting */

struct attempt {
    uv_connect_t req;
    wa_op *op; /* NULL once the waiter gave up */
};

static void on_connect(uv_connect_t *req, int status)
{
    struct attempt *a = req->data;
    if (a->op)
        wa__wake_op(a->op, status < 0 ? wa__uv_err(status) : 0);
    free(a);
}

static void attempt_cancel(wa_op *op)
{
    struct attempt *a = op->data;
    a->op = NULL; /* the caller closes the handle; on_connect frees a */
}

/* Connect c to addr (TCP) or path (pipe): one cancellable wait. */
static int connect_one(wa__sconn *c, const struct sockaddr *addr, const char *path)
{
    struct attempt *a = calloc(1, sizeof *a);
    if (!a)
        return WA_ENOMEM;
    wa_op op = {.cancel = attempt_cancel, .data = a};
    a->op = &op;
    a->req.data = a;
    if (path) {
        uv_pipe_connect(&a->req, &c->u.pipe, path, on_connect);
    } else {
        int r = uv_tcp_connect(&a->req, &c->u.tcp, addr, on_connect);
        if (r < 0) {
            free(a);
            return wa__uv_err(r);
        }
    }
    return wa__op_wait(&op);
}

/* ---------------------------------------------------------------- TLS */

static void handshake_cancel(wa_op *op)
{
    wa__sconn *c = op->data;
    c->hs_op = NULL; /* the caller closes c */
}

static void on_handshake_deadline(uv_timer_t *t)
{
    wa__sconn *c = t->data;
    if (c->hs_op) {
        wa_op *op = c->hs_op;
        c->hs_op = NULL;
        wa__wake_op(op, WA_ETIMEDOUT);
    }
}

static int handshake(wa__sconn *c, const char *name, const wa_stream_opts *o)
{
    int rc = wa__tls_attach(c, name, o);
    if (rc)
        return rc;
    rc = wa__tls_handshake(c); /* sends the ClientHello */
    if (rc < 0)
        return rc;
    wa_op op = {.cancel = handshake_cancel, .data = c};
    c->hs_op = &op;
    if (o->tls_handshake_timeout_ms != WA_NO_TIMEOUT)
        uv_timer_start(&c->timer, on_handshake_deadline, o->tls_handshake_timeout_ms, 0);
    wa__sconn_uv_read(c, 1);
    rc = wa__op_wait(&op);
    c->hs_op = NULL;
    uv_timer_stop(&c->timer);
    wa__sconn_uv_read(c, 0);
    return rc;
}

/* ---------------------------------------------------------------- connect */

static int connect_addr(const struct sockaddr *addr, wa__sconn **out)
{
    int rc;
    wa__sconn *c = wa__sconn_new(0, &rc);
    if (!c)
        return rc;
    rc = connect_one(c, addr, NULL);
    if (rc) {
        wa__sconn_discard(c);
        return rc;
    }
    *out = c;
    return 0;
}

int wa__sconn_connect(wa_stream *s, const wa__stream_target *t, wa__sconn **out)
{
    *out = NULL;
    wa__sconn *c = NULL;
    int rc;
    const wa_stream_opts *o = t->opts;
    /* A wrong CA or certificate path is the caller's mistake, named before
     * dialling (as wa_fetch does), not a handshake failure. */
    if (o && (o->flags & WA_STREAM_TLS) &&
        ((rc = wa__tls_file_check("ca_file", o->ca_file, 0)) < 0 ||
         (rc = wa__tls_file_check("ca_dir", o->ca_dir, 1)) < 0 ||
         (rc = wa__tls_file_check("client_cert", o->client_cert, 0)) < 0 ||
         (rc = wa__tls_file_check("client_key", o->client_key, 0)) < 0))
        return rc;
    if (t->path) {
        if (!wa__unix_path_fits(t->path))
            return WA_EINVAL;
        if (!(c = wa__sconn_new(1, &rc)))
            return rc;
        if ((rc = connect_one(c, NULL, t->path)) != 0) {
            wa__sconn_discard(c);
            return rc;
        }
    } else {
        struct sockaddr_storage ss;
        if (wa__stream_numeric(t->host, t->port, &ss)) {
            rc = connect_addr((struct sockaddr *)&ss, &c);
        } else {
            struct addrinfo *res;
            if ((rc = wa__stream_resolve(t->host, t->port, 0, &res)) != 0)
                return rc;
            rc = WA_EDNS;
            for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                rc = connect_addr(ai->ai_addr, &c);
                if (rc == 0 || rc == WA_ECANCELED || rc == WA_ETIMEDOUT || rc == WA_EMFILE)
                    break;
            }
            uv_freeaddrinfo(res);
        }
        if (rc)
            return rc;
    }
    if (t->opts->flags & WA_STREAM_TLS) {
        const char *name = t->opts->server_hostname ? t->opts->server_hostname : t->host;
        if ((rc = handshake(c, name, t->opts)) != 0) {
            wa__sconn_discard(c);
            return rc;
        }
    }
    c->s = s;
    *out = c;
    return 0;
}
