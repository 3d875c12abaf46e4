/* server.h: what the native server's two files share: a connection and its
 * queue of requests (server_conn.c) and the listening server (server.c). */
#ifndef WA_HOST_NATIVE_SERVER_H
#define WA_HOST_NATIVE_SERVER_H

#include <uv.h>

#include "core/backend.h"
#include "host/native/h1_reader.h"
#include "http/host.h"

struct server;
struct conn;

struct slot {                /* one request and its response, or an interim 100 */
    struct slot *next;       /* the connection's queue, in request order */
    struct conn *c;
    wa_task *task;           /* its handler, until the task has finished */
    wa_request *req;
    wa_reply reply;
    int keep_alive, head, close_after;
    int started;             /* the handler was spawned (or refused) */
    int ran;                 /* the handler ran to its end */
    int done;                /* out holds the serialized response */
    char *out;
    size_t out_len;
};

enum deadline_kind { DL_NONE, DL_QUIET, DL_408 };

struct conn {
    uv_tcp_t tcp;
    struct server *srv;
    struct conn *prev, *next;
    wa__h1_reader rd;
    struct slot *q_head, *q_tail;
    unsigned nq;
    size_t queued_in;        /* body bytes of requests not yet handled */
    char *held;              /* unparsed input kept while the reader waits */
    size_t held_len;
    int reading, stopped, read_eof, closing, parsing, draining;
    int running;             /* a handler task runs for this connection */
    unsigned served;         /* replies sent: past the first, idle is keep-alive */
    size_t write_queued;     /* bytes handed to libuv, not yet written */
    uint64_t head_since;     /* uv_now when the current head began, or 0 */
    uint64_t deadline;       /* uv_now ms, 0 = none */
    enum deadline_kind dl_kind;
    unsigned refs;           /* the handle + slots whose task still runs + writes */
    struct wa__ws_uvt *upgraded; /* a WebSocket owns the connection (ws.c) */
};

struct server {
    wa_app *app;
    wa_server_opts opts;     /* resolved: no zeros */
    uv_tcp_t listener;
    uv_timer_t tick;         /* checks every connection's deadline */
    struct conn *conns;
    wa_op *op;               /* the listening task's wait */
    wa_task *waiter;         /* parked during shutdown */
    unsigned handlers;       /* handler tasks still running */
    unsigned nconns;         /* connection handles not yet freed */
    unsigned nopen;          /* connections in conns (not closing): the cap */
    int listener_open, tick_open;
    int accept_owed;         /* a connection waits to be accepted (no memory) */
    int stopping;
};

/* server_conn.c: one accepted connection's life. */
void wa__conn_start(struct conn *c);   /* accepted: read, with its deadline set */
void wa__conn_close(struct conn *c);   /* cancel its handlers, close, free when unreferenced */
void wa__conn_closed(uv_handle_t *h);  /* close callback of an accepted handle */
void wa__conn_expire(struct conn *c);  /* its deadline passed: 408 or close */
void wa__conn_drain(struct conn *c);   /* shutting down: finish what is in flight */
int wa__conn_idle(const struct conn *c); /* waits for a request not yet begun */

void wa__conn_release(struct conn *c); /* drop a reference taken with c->refs++ */

/* ws.c: the connection an upgraded WebSocket used is closing. */
struct wa__ws_uvt;
void wa__ws_conn_gone(struct wa__ws_uvt *t);
int wa__ws_lingering(const struct wa__ws_uvt *t); /* closed, finishing its close */

/* server.c */
void wa__server_poke(struct server *s); /* the shutdown waiter checks again */

#endif
