/* fetch.c: the public wa_fetch: checks arguments the same way on every
 * target, normalises options (defaults included), then hands the request
 * to the host backend. */
#include "http/host.h"
#include "core/backend.h"

#include <string.h>

static int method_ok(const char *m) { return wa__http_token_ok(m, strlen(m)); }

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

    wa__fetch_req req;
    unsigned flags = 0;
    rc = wa__fetch_req_init(&req, url, opts, &flags);
    if (rc < 0)
        return rc;

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

int wa__fetch_req_init(wa__fetch_req *req_out, const char *url, const wa_fetch_opts *opts,
                       unsigned *flags_out)
{
    wa__fetch_req req = {0};
    req.url = url;
    req.method = "GET";
    req.max_redirects = WA_HTTP_DEFAULT_REDIRECTS;
    req.max_body = WA_HTTP_DEFAULT_MAX_BODY;
    req.timeout_ms = WA_FETCH_DEFAULT_TIMEOUT_MS;
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
        if (opts->flags & ~(WA_FETCH_RAISE_FOR_STATUS | WA_FETCH_STREAM | WA_FETCH_INSECURE))
            return WA_EINVAL;
        if (opts->client_key && !opts->client_cert)
            return WA_EINVAL; /* a key with no certificate to go with it */
        req.headers = opts->headers;
        req.body = opts->body;
        req.body_len = opts->body_len;
        if (opts->timeout_ms == WA_NO_TIMEOUT)
            req.timeout_ms = 0; /* the backends' "none" */
        else if (opts->timeout_ms)
            req.timeout_ms = opts->timeout_ms;
        if (opts->max_redirects >= 0)
            req.max_redirects = opts->max_redirects;
        if (opts->max_body)
            req.max_body = opts->max_body;
        flags = opts->flags;
        req.ca_file = opts->ca_file;
        req.ca_dir = opts->ca_dir;
        req.client_cert = opts->client_cert;
        req.client_key = opts->client_key;
    }
    req.stream = (flags & WA_FETCH_STREAM) != 0;
    req.insecure = (flags & WA_FETCH_INSECURE) != 0;
    *req_out = req;
    *flags_out = flags;
    return 0;
}

int wa__fetch_req_has_tls(const wa__fetch_req *req)
{
    return req->ca_file || req->ca_dir || req->client_cert || req->client_key || req->insecure;
}
