/* server_conn.h: the native server's connection layer (server_conn.c): a
 * connection, its queue of requests, and what it needs of the loop's
 * server (struct conn_home). The layer calls nothing above it: the server
 * (server.c) learns that a connection, a handler or a handle went through
 * home->changed, and a protocol that took a connection over after a 101
 * (a WebSocket, ws.c) learns that it closes through its struct conn_taker. */
#ifndef WA_HOST_NATIVE_SERVER_CONN_H
#define WA_HOST_NATIVE_SERVER_CONN_H

#include <uv.h>

#include "core/backend.h"
#include "host/native/h1_reader.h"
#include "http/host.h"

struct conn;

/* One loop's server as its connections see it: set up by server.c, kept
 * up to date by the connections. */
struct conn_home {
    wa_app *app;
    wa_server_opts opts; /* resolved: no zeros */
    struct {
        struct conn *head, *tail;
    } conns;           /* open ones (not closing), oldest first (core/list.h) */
    unsigned nopen;    /* connections in conns: the cap */
    unsigned nconns;   /* connection handles not yet freed */
    unsigned handlers; /* handler tasks still running */
    /* One of the counts fell or a connection began to close: whoever waits
     * for them (the shutdown) looks again. */
    void (*changed)(struct conn_home *home);
};

/* Whoever took the connection over from HTTP (ws.c's transport). */
struct conn_taker {
    /* The connection closes (its handler ended, shutdown, an error): its
     * stream is no longer the taker's. */
    void (*gone)(struct conn_taker *taker);
    /* The taker was closed and still finishes its close: the connection
     * stays open until the taker closes it. */
    int (*lingering)(const struct conn_taker *taker);
};

struct slot {                 /* one request and its response, or an interim 100 */
    struct slot *prev, *next; /* the connection's queue, in request order */
    struct conn *c;
    wa_task *task; /* its handler, until the task has finished */
    wa_request *req;
    wa_reply reply;
    int keep_alive, head, close_after;
    int started; /* the handler was spawned (or refused) */
    int ran;     /* the handler ran to its end */
    int done;    /* out holds the serialized response */
    char *out;
    size_t out_len;
    size_t footprint; /* the request's memory while it waits: read-ahead */
    int entered;      /* the handler began to run */
};

enum deadline_kind { DL_NONE, DL_QUIET, DL_408 };

struct conn {
    uv_tcp_t tcp;
    struct conn_home *home;
    struct conn *prev, *next; /* in home->conns while open */
    wa__h1_reader rd;
    struct {
        struct slot *head, *tail;
    } q; /* requests not yet answered, oldest first */
    unsigned nq;
    size_t queued_in; /* body bytes of requests not yet handled */
    char *held;       /* unparsed input kept while the reader waits */
    size_t held_len;
    int reading, stopped, read_eof, closing, parsing, draining;
    int running;         /* a handler task runs for this connection */
    unsigned served;     /* replies sent: past the first, idle is keep-alive */
    size_t write_queued; /* bytes handed to libuv, not yet written */
    uint64_t head_since; /* uv_now when the current head began, or 0 */
    uint64_t deadline;   /* uv_now ms, 0 = none */
    enum deadline_kind dl_kind;
    unsigned refs;               /* the handle + slots whose task still runs + writes */
    struct conn_taker *upgraded; /* a WebSocket owns the connection (ws.c) */
    /* slow clients and clients that left (server_guard.c) */
    uint64_t accepted_at;   /* uv_now at accept */
    uint64_t body_since;    /* uv_now when the current body began, or 0 */
    int peer_gone;          /* the client closed its side: handlers are cancelled */
    int discarding;         /* after a last request: read only to see the client leave */
    unsigned char peer[16]; /* the client's IP address (peer_len bytes), for its limit */
    unsigned char peer_len;
};

void wa__conn_start(struct conn *c);     /* accepted: read, with its deadline set */
void wa__conn_close(struct conn *c);     /* cancel its handlers, close, free when unreferenced */
void wa__conn_closed(uv_handle_t *h);    /* close callback of an accepted handle */
void wa__conn_release(struct conn *c);   /* drop a reference taken with c->refs++ */
void wa__conn_expire(struct conn *c);    /* its deadline passed: 408 or close */
void wa__conn_drain(struct conn *c);     /* shutting down: finish what is in flight */
int wa__conn_idle(const struct conn *c); /* waits for a request not yet begun */
/* 2: idle; 1: slow (a head under way for half a second or more, or a body
 * below min_body_rate over half a second or more); 0: busy. The cap evicts
 * by it. */
int wa__conn_evict_rank(const struct conn *c, uint64_t now);
void wa__conn_evict(struct conn *c); /* slow: 408 (in one try) and close */
/* It waits for a head (its first, or one begun) since busy_head_timeout_ms. */
int wa__conn_head_overdue(const struct conn *c, uint64_t now);

#endif
