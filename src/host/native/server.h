/* server.h: the native server above its connections (server_conn.h): the
 * listening server of one loop (server.c), the cap's protections it uses
 * (server_guard.c), and the loops that serve one app together
 * (server_workers.c), which tell server.c about themselves through struct
 * server_peers. The calls go one way: server_listen.c -> server_workers.c
 * -> server.c -> server_guard.c -> server_conn.c. */
#ifndef WA_HOST_NATIVE_SERVER_H
#define WA_HOST_NATIVE_SERVER_H

#include "host/native/server_conn.h"

struct server;

/* The loops that serve one app beside this one (server_workers.c). */
struct server_peers {
    unsigned loops; /* how many serve, this one included */
    /* This loop's server starts: where handed-over clients go. */
    void (*serving)(struct server_peers *peers, struct server *srv);
    /* This loop's serving task was interrupted: the others stop too. */
    void (*interrupted)(struct server_peers *peers);
};

/* server_guard.c: the cap's protections. */
int wa__guard_make_room(struct conn_home *home); /* 1 when a connection was closed */
int wa__guard_client_over(struct conn_home *home, struct conn *c); /* 1: past its client's limit */
void wa__guard_tick(struct conn_home *home, uint64_t now); /* near the cap: the earlier deadline */

/* server.c */
/* Serve app on this loop until the calling task is interrupted: on a
 * listener bound to addr (fd -1), on a listening socket made for us (fd),
 * or with no listener at all, fed by wa__server_adopt (addr NULL, fd -1).
 * peers: the loops this one serves with (NULL: alone). */
int wa__server_serve(wa_app *app, const struct sockaddr *addr, int fd, struct server_peers *peers);
/* Binding or listening on addr failed with code: say so on stderr, naming
 * the address and port; returns code. */
int wa__server_listen_failed(const struct sockaddr *addr, int code);
/* A connected client handed over by the acceptor (its descriptor is ours). */
void wa__server_adopt(struct server *srv, int fd);

/* server_workers.c: wa_server_opts.threads */
unsigned wa__server_threads(const wa_server_opts *o); /* loops to run: 1.. */
/* Serve app on n loops: this one and n-1 threads. */
int wa__server_workers(wa_app *app, const struct sockaddr *addr, unsigned n);

#endif
