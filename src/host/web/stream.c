/* stream.c: the Emscripten stream backend (src/stream/host.h). Under Node
 * the JS half (js/wasyncio_net.js) binds each connection and listener to a
 * node:net Socket or Server and reports its events here, where they become
 * the portable layer's wa__stream_on_* callbacks followed by a loop slice.
 * In a page there is no socket API at all: every connect and listen returns
 * WA_ENOTSUP at once, before anything waits.
 *
 * JS refers to a connection by a number it chose and to our record by its
 * address; once C has closed a connection, JS reports exactly one more
 * event for it (closed) and then forgets it, so no callback reaches freed
 * memory. What keeps the loop alive is counted in wa__web_pending_add: a
 * connect in flight, a connection that reads or sends or is closing, and
 * an open listener; each of them ends in a JS event.
 */
#include "stream/host.h"
#include "core/backend.h"
#include "core/host.h"
#include "host/web/web.h"
#include "host/web/js_imports.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

/* What a connection counts in the loop's pending work (one bit each). */
enum { PEND_READ = 1, PEND_WRITE = 2, PEND_CLOSE = 4 };

struct wa__sconn {
    wa_stream *s;
    int id;
    unsigned pend;
    int closing;
};

struct wa__slisten {
    wa_stream_server *srv;
    int id;
};

static void pend(wa__sconn *x, unsigned bit, int on)
{
    if (on && !(x->pend & bit)) {
        x->pend |= bit;
        wa__web_pending_add(1);
    } else if (!on && (x->pend & bit)) {
        x->pend &= ~bit;
        wa__web_pending_add(-1);
    }
}

/* ------------------------------------------------------ JS -> C events */

/* JS: the connect (or listen) behind op finished: id > 0, or an error. */
EMSCRIPTEN_KEEPALIVE void wa__web_net_opened(wa_op *op, int status)
{
    wa__web_pending_add(-1);
    wa__wake_op(op, status);
    wa__web_resume();
}

/* JS: room for up to `want` incoming bytes; *cap gets what is there. JS
 * copies the bytes to the pointer and calls wa__web_net_read at once. */
static size_t g_rbuf_cap;
EMSCRIPTEN_KEEPALIVE void *wa__web_net_rbuf(wa__sconn *x, int want)
{
    g_rbuf_cap = 0;
    return wa__stream_rbuf(x->s, (size_t)want, &g_rbuf_cap);
}
EMSCRIPTEN_KEEPALIVE int wa__web_net_rbuf_cap(void) { return (int)g_rbuf_cap; }

EMSCRIPTEN_KEEPALIVE void wa__web_net_read(wa__sconn *x, int n)
{
    wa__stream_on_read(x->s, (size_t)n);
}

/* JS: a batch of reads is over: let the woken readers run. */
EMSCRIPTEN_KEEPALIVE void wa__web_net_run(void) { wa__web_resume(); }

EMSCRIPTEN_KEEPALIVE void wa__web_net_eof(wa__sconn *x)
{
    pend(x, PEND_READ, 0);
    wa__stream_on_eof(x->s);
    wa__web_resume();
}

EMSCRIPTEN_KEEPALIVE void wa__web_net_lost(wa__sconn *x, int code)
{
    pend(x, PEND_READ, 0);
    pend(x, PEND_WRITE, 0);
    wa__stream_on_lost(x->s, code);
    wa__web_resume();
}

EMSCRIPTEN_KEEPALIVE void wa__web_net_written(wa__sconn *x, int status)
{
    pend(x, PEND_WRITE, 0);
    wa__stream_on_written(x->s, status);
    wa__web_resume();
}

/* JS: the socket of a closed connection is gone; JS forgot x. */
EMSCRIPTEN_KEEPALIVE void wa__web_net_closed(wa__sconn *x)
{
    wa_stream *s = x->s;
    pend(x, PEND_CLOSE, 0);
    free(x);
    if (s)
        wa__stream_on_closed(s);
    wa__web_resume();
}

/* JS: listener l accepted connection id. Returns 0 when it is refused
 * (JS destroys the socket and forgets it). */
EMSCRIPTEN_KEEPALIVE int wa__web_net_accepted(wa__slisten *l, int id)
{
    wa__sconn *x = calloc(1, sizeof *x);
    if (!x)
        return 0;
    x->id = id;
    if (wa__js_net_bind(id, x) < 0) {
        free(x);
        return 0;
    }
    wa_stream *s = wa__stream_accepted(l->srv, x);
    if (!s) {
        /* the layer never took it: close it without a report */
        x->closing = 1;
        pend(x, PEND_CLOSE, 1);
        wa__js_net_close(id, 0);
        return 1;
    }
    x->s = s;
    wa__web_resume();
    return 1;
}

EMSCRIPTEN_KEEPALIVE void wa__web_net_unlistened(wa__slisten *l)
{
    wa_stream_server *srv = l->srv;
    free(l);
    wa__web_pending_add(-1);
    wa__stream_server_unlistened(srv);
    wa__web_resume();
}

/* ------------------------------------------------------ connections */

static void open_cancel(wa_op *op)
{
    int *id = op->data;
    wa__js_net_forget(*id);
    wa__web_pending_add(-1);
}

/* Start a JS connect or listen (start returns its id) and wait for it. */
static int open_wait(wa_op *op, int *id)
{
    op->cancel = open_cancel;
    op->data = id;
    wa__web_pending_add(1);
    return wa__op_wait(op);
}

int wa__sconn_connect(wa_stream *s, const wa__stream_target *t, wa__sconn **out)
{
    *out = NULL;
    if (!wa__js_net_available())
        return wa__stream_unsupported("a browser");
    if (t->opts->flags & WA_STREAM_TLS)
        return WA_ENOTSUP; /* TLS client streams are native only */
    wa__sconn *x = calloc(1, sizeof *x);
    if (!x)
        return WA_ENOMEM;
    wa_op op = {0};
    int id = wa__js_net_connect(&op, t->host, t->port, t->path);
    if (id < 0) {
        free(x);
        return id;
    }
    /* A failed connect is forgotten by JS, an interrupted one by
     * open_cancel; one that failed between its success and the bind (an
     * error while nobody read) comes back from the bind. */
    int rc = open_wait(&op, &id);
    if (rc == 0 && (rc = wa__js_net_bind(id, x)) < 0)
        wa__js_net_forget(id);
    if (rc < 0) {
        free(x);
        return rc;
    }
    x->s = s;
    x->id = id;
    *out = x;
    return 0;
}

void wa__sconn_read_start(wa__sconn *x)
{
    if (x->closing || (x->pend & PEND_READ))
        return;
    pend(x, PEND_READ, 1);
    wa__js_net_reading(x->id, 1);
}

void wa__sconn_read_stop(wa__sconn *x)
{
    if (!(x->pend & PEND_READ))
        return;
    pend(x, PEND_READ, 0);
    wa__js_net_reading(x->id, 0);
}

long wa__sconn_try_write(wa__sconn *x, const void *data, size_t n)
{
    if (x->closing)
        return WA_ECLOSED;
    return wa__js_net_try_write(x->id, data, (int)n);
}

int wa__sconn_write(wa__sconn *x, const void *data, size_t n)
{
    if (x->closing)
        return WA_ECLOSED;
    int rc = wa__js_net_write(x->id, data, (int)n);
    if (rc < 0)
        return rc;
    pend(x, PEND_WRITE, 1);
    return 0;
}

int wa__sconn_shutdown(wa__sconn *x)
{
    if (x->closing)
        return WA_ECLOSED;
    return wa__js_net_end(x->id);
}

void wa__sconn_close(wa__sconn *x, int reset)
{
    if (x->closing)
        return;
    x->closing = 1;
    pend(x, PEND_READ, 0);
    pend(x, PEND_WRITE, 0); /* a write in flight is abandoned */
    pend(x, PEND_CLOSE, 1);
    wa__js_net_close(x->id, reset);
}

int wa__sconn_name(const wa__sconn *x, int peer, char *host, size_t cap, int *port)
{
    char tmp[256];
    int rc = wa__js_net_name(x->id, peer, tmp, (int)sizeof tmp);
    if (rc < 0)
        return rc;
    if (host && cap) {
        strncpy(host, tmp, cap - 1);
        host[cap - 1] = '\0';
    }
    if (port)
        *port = rc;
    return 0;
}

/* ------------------------------------------------------ servers */

int wa__slisten_open(wa_stream_server *srv, const wa__stream_target *t, wa__slisten **out,
                     int *port)
{
    *out = NULL;
    if (!wa__js_net_available())
        return wa__stream_unsupported("a browser");
    if (t->opts->flags & WA_STREAM_TLS)
        return WA_ENOTSUP;
    wa__slisten *l = calloc(1, sizeof *l);
    if (!l)
        return WA_ENOMEM;
    l->srv = srv;
    wa_op op = {0};
    int id = wa__js_net_listen(&op, l, t->host, t->port, t->path, t->opts->backlog);
    if (id < 0) {
        free(l);
        return id;
    }
    int rc = open_wait(&op, &id);
    if (rc < 0) {
        free(l);
        return rc;
    }
    l->id = id;
    wa__web_pending_add(1); /* until unlistened */
    *out = l;
    *port = wa__js_net_port(id);
    return 0;
}

void wa__slisten_close(wa__slisten *l) { wa__js_net_unlisten(l->id); }
