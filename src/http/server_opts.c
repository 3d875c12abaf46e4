/* server_opts.c: wa_server_opts: the user's settings on the app and their
 * defaults (nginx's and aiohttp's), resolved once when a server starts. The
 * backends enforce them. */
#include "http/host.h"

#include <string.h>

int wa_app_set_opts(wa_app *app, const wa_server_opts *opts)
{
    if (!app || !opts)
        return WA_EINVAL;
    if (app->listening)
        return WA_EBUSY;
    if (opts->threads > WA_HTTP_MAX_THREADS && opts->threads != WA_THREADS_AUTO)
        return WA_EINVAL;
    app->opts = *opts;
    return 0;
}

static uint64_t or_default(uint64_t v, uint64_t def) { return v ? v : def; }

void wa__server_opts_resolve(const wa_server_opts *in, uint64_t fd_limit, wa_server_opts *out)
{
    *out = *in;
    out->head_timeout_ms = or_default(in->head_timeout_ms, WA_HTTP_HEAD_TIMEOUT_MS);
    out->keepalive_timeout_ms = or_default(in->keepalive_timeout_ms, WA_HTTP_KEEPALIVE_TIMEOUT_MS);
    out->body_timeout_ms = or_default(in->body_timeout_ms, WA_HTTP_BODY_TIMEOUT_MS);
    out->send_timeout_ms = or_default(in->send_timeout_ms, WA_HTTP_SEND_TIMEOUT_MS);
    out->shutdown_grace_ms = or_default(in->shutdown_grace_ms, WA_HTTP_SHUTDOWN_GRACE_MS);
    out->max_head_bytes = or_default(in->max_head_bytes, WA_HTTP_MAX_HEADER_BYTES);
    out->max_header_lines = (unsigned)or_default(in->max_header_lines, WA_HTTP_MAX_HEADER_LINES);
    out->max_body_bytes = or_default(in->max_body_bytes, WA_HTTP_MAX_REQ_BODY);
    out->max_unsent_bytes = or_default(in->max_unsent_bytes, WA_HTTP_MAX_UNSENT);
    out->min_body_rate = or_default(in->min_body_rate, WA_HTTP_MIN_BODY_RATE);
    out->busy_head_timeout_ms = or_default(in->busy_head_timeout_ms, WA_HTTP_BUSY_HEAD_TIMEOUT_MS);
    out->max_read_ahead_bytes = or_default(in->max_read_ahead_bytes, WA_HTTP_MAX_READ_AHEAD);
    if (!in->max_connections) {
        /* Below the fd limit, so that refusing is a choice, not an EMFILE. */
        uint64_t cap = fd_limit > 2 * WA_HTTP_FD_RESERVE ? fd_limit - WA_HTTP_FD_RESERVE : 16;
        if (fd_limit == 0 || cap > 1000000)
            cap = fd_limit == 0 ? 10000 : 1000000;
        out->max_connections = (unsigned)(cap < 16 ? 16 : cap);
    }
}
