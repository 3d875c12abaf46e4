/* stream.c (web): streams in a browser, refused: a page has no sockets, so
 * every stream call returns WA_ENOTSUP at once. Under Node the JS half
 * binds node:net and replaces these bodies (checking for Node at run time).
 * No connection ever exists in a browser, so the
 * per-connection hooks are never called. */
#include "stream/host.h"

#define WHERE "a browser, which has no sockets"

int wa__sconn_connect(wa_stream *s, const wa__stream_target *t, wa__sconn **out)
{
    (void)s, (void)t, (void)out;
    return wa__stream_unsupported(WHERE);
}

int wa__slisten_open(wa_stream_server *srv, const wa__stream_target *t, wa__slisten **out,
                     int *port)
{
    (void)srv, (void)t, (void)out, (void)port;
    return wa__stream_unsupported(WHERE);
}

void wa__sconn_read_start(wa__sconn *c) { (void)c; }
void wa__sconn_read_stop(wa__sconn *c) { (void)c; }
long wa__sconn_try_write(wa__sconn *c, const void *data, size_t n)
{
    (void)c, (void)data, (void)n;
    return WA_ENOTSUP;
}
int wa__sconn_write(wa__sconn *c, const void *data, size_t n)
{
    (void)c, (void)data, (void)n;
    return WA_ENOTSUP;
}
int wa__sconn_shutdown(wa__sconn *c)
{
    (void)c;
    return WA_ENOTSUP;
}
void wa__sconn_close(wa__sconn *c, int reset) { (void)c, (void)reset; }
int wa__sconn_name(const wa__sconn *c, int peer, char *host, size_t cap, int *port)
{
    (void)c, (void)peer, (void)host, (void)cap, (void)port;
    return WA_ENOTSUP;
}
void wa__slisten_close(wa__slisten *l) { (void)l; }
