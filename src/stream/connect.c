/* connect.c: options with their defaults, and opening a connection
 * (asyncio.open_connection / open_unix_connection). The backend connects;
 * this file checks the arguments and owns the stream record around it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/stream.h"

int wa__stream_opts_resolve(const wa_stream_opts *in, int for_server, wa_stream_opts *out)
{
    static const wa_stream_opts none;
    *out = in ? *in : none;
    if (out->flags & ~(WA_STREAM_TLS | WA_STREAM_INSECURE))
        return WA_EINVAL;
    if (!out->limit)
        out->limit = WA_STREAM_DEFAULT_LIMIT;
    if (!out->high_water)
        out->high_water = WA_STREAM_DEFAULT_HIGH_WATER;
    if (!out->low_water)
        out->low_water = out->high_water / 4;
    /* The reader pauses at 2 * limit: keep that from overflowing. */
    if (out->low_water > out->high_water || out->backlog < 0 || out->limit > SIZE_MAX / 4)
        return WA_EINVAL;
    if (!out->backlog)
        out->backlog = WA_STREAM_DEFAULT_BACKLOG;
    if (!out->tls_handshake_timeout_ms)
        out->tls_handshake_timeout_ms = WA_STREAM_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    int tls_opts = out->server_hostname || out->ca_file || out->ca_dir || out->client_cert ||
                   out->client_key || (out->flags & WA_STREAM_INSECURE);
    if (tls_opts && !(out->flags & WA_STREAM_TLS))
        return WA_EINVAL; /* TLS options without TLS: surely a mistake */
    if (for_server && (out->flags & WA_STREAM_TLS))
        return WA_ENOTSUP;
    return 0;
}

static int open_target(const wa__stream_target *t, wa_stream **out)
{
    wa_stream *s = wa__stream_new(t->opts);
    if (!s)
        return WA_ENOMEM;
    wa__sconn *c = NULL;
    int rc = wa__sconn_connect(s, t, &c);
    if (rc < 0) {
        wa__stream_destroy(s);
        return rc;
    }
    s->conn = c;
    wa__stream_update_reading(s);
    *out = s;
    return 0;
}

int wa_open_connection(const char *host, int port, const wa_stream_opts *opts, wa_stream **out)
{
    if (out)
        *out = NULL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!out || !host || !*host || port < 1 || port > 65535)
        return WA_EINVAL;
    wa_stream_opts o;
    if ((rc = wa__stream_opts_resolve(opts, 0, &o)) != 0)
        return rc;
    wa__stream_target t = {.host = host, .port = port, .opts = &o};
    return open_target(&t, out);
}

int wa_open_unix_connection(const char *path, const wa_stream_opts *opts, wa_stream **out)
{
    if (out)
        *out = NULL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!out || !path || !*path)
        return WA_EINVAL;
    wa_stream_opts o;
    if ((rc = wa__stream_opts_resolve(opts, 0, &o)) != 0)
        return rc;
    if (o.flags & WA_STREAM_TLS)
        return WA_ENOTSUP;
    wa__stream_target t = {.path = path, .opts = &o};
    return open_target(&t, out);
}

int wa__stream_unsupported(const char *what)
{
    static int told;
    if (!told) {
        told = 1;
        fprintf(stderr,
                "wasyncio: streams are not supported in %s: "
                "WA_ENOTSUP\n",
                what);
    }
    return WA_ENOTSUP;
}
