/* server_guard.c: what keeps the native server's connection cap from being
 * held by clients that send nothing useful: whom the cap evicts (the oldest
 * idle connection, else the oldest slow one), a limit per client address,
 * and, once the cap is near, an earlier deadline for heads. It works on the
 * connections alone (server_conn.h); server.c calls it. */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/server.h"

#include <string.h>

/* At the cap, a connection that holds a slot while waiting for a request
 * it has not begun (idle keep-alive, or never sent a byte) makes room for
 * the new client, oldest first, as nginx reuses its idle connections; with
 * none idle, the oldest slow one (a head under way for half a second, a
 * body under min_body_rate) is answered 408 and closed. */
int wa__guard_make_room(struct conn_home *home)
{
    uint64_t now = uv_now(wa__uv());
    struct conn *oldest = NULL;
    int best = 0;
    for (struct conn *c = home->conns.head; c; c = c->next) { /* oldest first */
        int rank = wa__conn_evict_rank(c, now);
        if (rank > best) { /* an equal rank keeps the older one */
            best = rank;
            oldest = c;
        }
    }
    if (!oldest)
        return 0;
    if (best == 2)
        wa__conn_close(oldest); /* its descriptor is closed at once */
    else
        wa__conn_evict(oldest);
    return 1;
}

/* The client's address, without its port: what the per-client limit counts. */
static void remember_peer(struct conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    c->peer_len = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) < 0)
        return;
    if (ss.ss_family == AF_INET) {
        memcpy(c->peer, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        c->peer_len = 4;
    } else if (ss.ss_family == AF_INET6) {
        memcpy(c->peer, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        c->peer_len = 16;
    }
}

/* One pass over the open connections: the limit is off by default, and a
 * server that sets it is one that expects few connections per address. */
int wa__guard_client_over(struct conn_home *home, struct conn *c)
{
    unsigned limit = home->opts.max_client_connections;
    if (!limit)
        return 0;
    remember_peer(c);
    if (!c->peer_len)
        return 0;
    unsigned n = 0;
    for (struct conn *o = home->conns.head; o; o = o->next)
        if (o->peer_len == c->peer_len && memcmp(o->peer, c->peer, c->peer_len) == 0 &&
            ++n >= limit)
            return 1;
    return 0;
}

/* Three quarters of the cap open: heads (and connections that have sent
 * nothing yet) get busy_head_timeout_ms instead of head_timeout_ms, so a
 * slowloris crowd frees its slots in seconds, not in a minute. */
void wa__guard_tick(struct conn_home *home, uint64_t now)
{
    if (home->nopen < home->opts.max_connections - home->opts.max_connections / 4)
        return;
    for (struct conn *c = home->conns.head, *next; c; c = next) {
        next = c->next;
        if (wa__conn_head_overdue(c, now))
            wa__conn_expire(c);
    }
}
