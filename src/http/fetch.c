/* fetch.c: the public wa_fetch: checks arguments the same way on every
 * target, normalises options, then hands the request to the host backend. */
#include "http/host.h"
#include "core/backend.h"

#include <string.h>

static int method_ok(const char *m)
{
    return wa__http_token_ok(m, strlen(m));
}

static int header_line_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    if (!colon || !wa__http_token_ok(h, (size_t)(colon - h)))
        return 0;
    return wa__http_value_ok(colon + 1, strlen(colon + 1));
}

int wa_fetch(const char *url, const wa_fetch_opts *opts, wa_response **out)
{
    if (out)
        *out = NULL;
    if (!url || !out)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    rc = wa__url_parse(url, NULL);
    if (rc < 0)
        return rc;

    wa__fetch_req req = {0};
    req.url = url;
    req.method = "GET";
    req.max_redirects = WA_HTTP_DEFAULT_REDIRECTS;
    req.max_body = WA_HTTP_DEFAULT_MAX_BODY;
    unsigned flags = 0;
    if (opts) {
        if (opts->method) {
            if (!method_ok(opts->method))
                return WA_EINVAL;
            req.method = opts->method;
        }
        if (opts->headers)
            for (const char *const *h = opts->headers; *h; h++)
                if (!header_line_ok(*h))
                    return WA_EINVAL;
        if (opts->body_len > 0 && !opts->body)
            return WA_EINVAL;
        if (opts->max_redirects < -1)
            return WA_EINVAL;
        if (opts->flags & ~(WA_FETCH_RAISE_FOR_STATUS | WA_FETCH_STREAM))
            return WA_EINVAL;
        req.headers = opts->headers;
        req.body = opts->body;
        req.body_len = opts->body_len;
        req.timeout_ms = opts->timeout_ms;
        if (opts->max_redirects >= 0)
            req.max_redirects = opts->max_redirects;
        if (opts->max_body)
            req.max_body = opts->max_body;
        flags = opts->flags;
    }
    req.stream = (flags & WA_FETCH_STREAM) != 0;

    wa_response *r = wa__response_new(req.max_body);
    if (!r)
        return WA_ENOMEM;
    r->streaming = req.stream;
    rc = wa__http_fetch_backend(&req, r);
    if (rc < 0) {
        wa_response_free(r);
        return rc;
    }
    *out = r;
    if ((flags & WA_FETCH_RAISE_FOR_STATUS) && (r->status < 200 || r->status > 299))
        return WA_EHTTP;
    return 0;
}
