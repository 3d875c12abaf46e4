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
    size_t footprint;        /* the request's memory while it waits: read-ahead */
    int entered;             /* the handler began to run */
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
    /* slow clients and clients that left (server_guard.c) */
    uint64_t accepted_at;    /* uv_now at accept */
    uint64_t body_since;     /* uv_now when the current body began, or 0 */
    int peer_gone;           /* the client closed its side: handlers are cancelled */
    int discarding;          /* after a last request: read only to see the client leave */
    unsigned char peer[16];  /* the client's IP address (peer_len bytes), for its limit */
    unsigned char peer_len;
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
    struct workers *ws;      /* threads > 1: the loops serving together, else NULL */
};

/* server_conn.c: one accepted connection's life. */
void wa__conn_start(struct conn *c);   /* accepted: read, with its deadline set */
void wa__conn_close(struct conn *c);   /* cancel its handlers, close, free when unreferenced */
void wa__conn_closed(uv_handle_t *h);  /* close callback of an accepted handle */
void wa__conn_expire(struct conn *c);  /* its deadline passed: 408 or close */
void wa__conn_drain(struct conn *c);   /* shutting down: finish what is in flight */
int wa__conn_idle(const struct conn *c); /* waits for a request not yet begun */
/* 2: idle; 1: slow (a head under way for half a second or more, or a body
 * below min_body_rate over half a second or more); 0: busy. The cap evicts
 * by it. */
int wa__conn_evict_rank(const struct conn *c, uint64_t now);
void wa__conn_evict(struct conn *c);    /* slow: 408 (in one try) and close */
/* It waits for a head (its first, or one begun) since busy_head_timeout_ms. */
int wa__conn_head_overdue(const struct conn *c, uint64_t now);

/* server_guard.c: the cap's protections. */
int wa__guard_make_room(struct server *srv);          /* 1 when a connection was closed */
int wa__guard_client_over(struct server *srv, struct conn *c); /* 1: past its client's limit */
void wa__guard_tick(struct server *srv, uint64_t now); /* near the cap: the earlier deadline */

void wa__conn_release(struct conn *c); /* drop a reference taken with c->refs++ */

/* ws.c: the connection an upgraded WebSocket used is closing. */
struct wa__ws_uvt;
void wa__ws_conn_gone(struct wa__ws_uvt *t);
int wa__ws_lingering(const struct wa__ws_uvt *t); /* closed, finishing its close */

/* server.c */
void wa__server_poke(struct server *s); /* the shutdown waiter checks again */
/* Serve app on this loop until the calling task is interrupted: on a
 * listener bound to addr (fd -1), on a listening socket made for us (fd),
 * or with no listener at all, fed by wa__server_adopt (addr NULL, fd -1).
 * ws: the loops this one serves with (NULL: alone). */
int wa__server_serve(wa_app *app, const struct sockaddr *addr, int fd, struct workers *ws);
/* Binding or listening on addr failed with code: say so on stderr, naming
 * the address and port; returns code. */
int wa__server_listen_failed(const struct sockaddr *addr, int code);
/* A connected client handed over by the acceptor (its descriptor is ours). */
void wa__server_adopt(struct server *srv, int fd);

/* server_workers.c: wa_server_opts.threads */
unsigned wa__server_threads(const wa_server_opts *o); /* loops to run: 1.. */
/* Serve app on n loops: this one and n-1 threads. */
int wa__server_workers(wa_app *app, const struct sockaddr *addr, unsigned n);
/* A loop's server starts: its share of the limits, and its place in ws. */
void wa__workers_serving(struct workers *ws, struct server *srv);
/* The calling task's server was interrupted: stop the others too. */
void wa__workers_stop(struct workers *ws);

#endif
