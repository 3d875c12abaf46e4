/* lookup.c: host names looked up on a worker thread, so that connecting
 * never blocks the loop (libpq's own lookup, getaddrinfo inside
 * PQconnectPoll, would). Each name becomes one entry per address, handed
 * to libpq as host and hostaddr lists, in the order it would try them. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "pg.h"

/* A growing comma-separated list. */
typedef struct list {
    char *s;
    size_t len, cap;
    int n;
} list;

static int list_add(list *l, const char *item)
{
    size_t k = strlen(item);
    if (l->len + k + 2 > l->cap) {
        size_t cap = (l->cap + k + 2) * 2;
        char *s = realloc(l->s, cap);
        if (!s)
            return WA_ENOMEM;
        l->s = s;
        l->cap = cap;
    }
    if (l->n++)
        l->s[l->len++] = ',';
    memcpy(l->s + l->len, item, k + 1);
    l->len += k;
    return 0;
}

/* The lookup's job, run on a worker thread. A connect cancelled or timed
 * out returns at once while the lookup runs on to its end (wa_to_thread's
 * rule: once handed over, it runs), so the job belongs to whichever of the
 * two (connecting task, thread) lets go of it last: wa__pg_lookup_release
 * drops one of the two references. */
struct wa__pg_lookup {
    atomic_int refs;
    char *hosts, *ports;   /* in: comma-separated lists (ports may be NULL) */
    list host, addr, port; /* out: one entry per address */
    int rc;                /* the thread's */
};

void wa__pg_lookup_release(wa__pg_lookup *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    free(j->hosts);
    free(j->ports);
    free(j->host.s);
    free(j->addr.s);
    free(j->port.s);
    free(j);
}

static int is_numeric_address(const char *h)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* Each host name becomes one entry per address (libpq tries them in
 * order, as it would have); socket paths and numeric addresses stay one. */
static int expand_host(wa__pg_lookup *j, const char *h, const char *port)
{
    int rc = 0;
    if (!*h || h[0] == '/' || h[0] == '@' || is_numeric_address(h)) {
        if ((rc = list_add(&j->host, h)) || (rc = list_add(&j->addr, "")) ||
            (rc = list_add(&j->port, port)))
            return rc;
        return 0;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(h, NULL, &hints, &res) != 0 || !res)
        return WA_EDNS;
    for (struct addrinfo *a = res; a && !rc; a = a->ai_next) {
        char num[INET6_ADDRSTRLEN];
        if (getnameinfo(a->ai_addr, a->ai_addrlen, num, sizeof num, NULL, 0, NI_NUMERICHOST))
            continue;
        if (!(rc = list_add(&j->host, h)) && !(rc = list_add(&j->addr, num)))
            rc = list_add(&j->port, port);
    }
    freeaddrinfo(res);
    return rc;
}

static void *lookup_on_thread(void *arg)
{
    wa__pg_lookup *j = arg;
    char *hs = j->hosts, *ps = j->ports;
    int n_ports = 0;
    for (char *p = ps; p; p = strchr(p, ','))
        n_ports++, p++;
    int rc = 0;
    for (int i = 0; !rc; i++) {
        char *hend = strchr(hs, ',');
        if (hend)
            *hend = '\0';
        char *port = "";
        if (ps) {
            char *pend = strchr(ps, ',');
            if (pend)
                *pend = '\0';
            port = ps;
            if (n_ports > 1 && pend)
                ps = pend + 1;
        }
        rc = expand_host(j, hs, port);
        if (!hend)
            break;
        hs = hend + 1;
    }
    j->rc = rc;
    wa__pg_lookup_release(j);
    return NULL;
}

int wa__pg_look_up(const char *hosts, const char *ports, wa__pg_lookup **out)
{
    wa__pg_lookup *j = calloc(1, sizeof *j);
    if (!j)
        return WA_ENOMEM;
    atomic_init(&j->refs, 2); /* ours and the thread's */
    j->hosts = strdup(hosts);
    j->ports = ports ? strdup(ports) : NULL;
    int rc = j->hosts && (!ports || j->ports) ? wa_to_thread(lookup_on_thread, j, NULL) : WA_ENOMEM;
    if (rc == WA_ENOMEM || rc == WA_ENOLOOP)
        wa__pg_lookup_release(j); /* refused: the thread's too */
    if (rc == 0)
        rc = j->rc;
    if (rc < 0) {
        wa__pg_lookup_release(j);
        return rc;
    }
    *out = j;
    return 0;
}

const char *wa__pg_lookup_list(const wa__pg_lookup *j, const char *key)
{
    return !strcmp(key, "host") ? j->host.s : !strcmp(key, "hostaddr") ? j->addr.s : j->port.s;
}
