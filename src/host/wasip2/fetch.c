/* fetch.c: wa_fetch on WASI 0.2, through wasi:http/outgoing-handler.
 *
 * One fetch: build an outgoing-request, handle() it, stream the request body
 * through the outgoing-body's output-stream, wait for the response future
 * and read the body's input-stream, each wait a pollable that joins the
 * loop's single poll (loop.c). wasi:http does not follow redirects, so we
 * do, as libcurl does natively.
 *
 * Resource order matters: a child (pollable, stream) is dropped before its
 * parent (future, body, response), or the host traps. Every exit path, an
 * interruption included, goes through the same drops, so a cancelled fetch
 * leaves no handle and no memory behind.
 */
#include "http/host.h"
#include "core/backend.h"
#include "core/host.h"
#include "host/wasip2/wasip2.h"
#include "host/wasip2/bindings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNK 65536

/* --------------------------------------------------------- incoming body */

typedef struct p2_body {
    int32_t resp, body, stream, pollable; /* -1 when absent */
    size_t total, max;
    int ended;
} p2_body;

static void body_close(p2_body *b)
{
    if (b->pollable >= 0)
        wa__p2_pollable_drop(b->pollable);
    if (b->stream >= 0)
        wa__p2_in_drop(b->stream);
    if (b->body >= 0)
        wa__p2_ibody_drop(b->body);
    if (b->resp >= 0)
        wa__p2_iresp_drop(b->resp);
    b->pollable = b->stream = b->body = b->resp = -1;
}

/* Next chunk of at most max bytes: its length (the host-allocated bytes in
 * *chunk, free with wa__p2_free), 0 at the end, or an error code. */
static long body_chunk(p2_body *b, size_t max, void **chunk)
{
    *chunk = NULL;
    if (b->ended)
        return 0;
    for (;;) {
        wa__p2_ret r;
        wa__p2_in_read(b->stream, (int64_t)max, &r);
        if (wa__p2_u8(&r, 0)) {
            b->ended = 1;
            return wa__p2_take_stream_error(&r);
        }
        size_t n = (size_t)(uint32_t)wa__p2_i32(&r, 8);
        if (n > 0) {
            if (n > b->max - b->total) {
                wa__p2_free(wa__p2_ptr(&r, 4), n);
                return WA_ETOOBIG;
            }
            b->total += n;
            *chunk = wa__p2_ptr(&r, 4);
            return (long)n;
        }
        wa__p2_free(wa__p2_ptr(&r, 4), 0);
        if (b->pollable < 0)
            b->pollable = wa__p2_in_subscribe(b->stream);
        int rc = wa__p2_wait(b->pollable);
        if (rc < 0)
            return rc;
    }
}

/* Streaming hooks for WA_FETCH_STREAM responses. */
static long stream_read(wa_response *r, void *buf, size_t n)
{
    p2_body *b = r->backend;
    if (!b)
        return 0;
    void *chunk;
    long got = body_chunk(b, n, &chunk);
    if (got > 0) {
        memcpy(buf, chunk, (size_t)got);
        wa__p2_free(chunk, (size_t)got);
    }
    return got;
}

static void stream_release(wa_response *r)
{
    p2_body *b = r->backend;
    if (b) {
        body_close(b);
        free(b);
    }
    r->backend = NULL;
    r->read = NULL;
    r->release = NULL;
}

/* ----------------------------------------------------------- the request */

static int method_disc(const char *m)
{
    static const char *const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (int i = 0; i < WA_P2_METHOD_OTHER; i++)
        if (strcmp(m, names[i]) == 0)
            return i;
    return WA_P2_METHOD_OTHER;
}

static int add_header(int32_t fields, const char *name, size_t nlen, const char *val, size_t vlen)
{
    wa__p2_ret r;
    wa__p2_fields_append(fields, name, (int32_t)nlen, val, (int32_t)vlen, &r);
    if (!wa__p2_u8(&r, 0))
        return 0;
    /* forbidden (Host, Connection...): the host sets those itself */
    return wa__p2_u8(&r, 1) == 1 ? 0 : WA_EINVAL;
}

static int build_headers(int32_t fields, const char *const *headers, size_t body_len)
{
    int have_len = 0;
    if (headers)
        for (const char *const *h = headers; *h; h++) {
            const char *colon = strchr(*h, ':');
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vlen = strlen(v);
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            size_t nlen = (size_t)(colon - *h);
            if (nlen == 14 && strncasecmp(*h, "content-length", 14) == 0)
                have_len = 1;
            int rc = add_header(fields, *h, nlen, v, vlen);
            if (rc < 0)
                return rc;
        }
    if (body_len > 0 && !have_len) {
        char num[24];
        int n = snprintf(num, sizeof num, "%zu", body_len);
        return add_header(fields, "content-length", 14, num, (size_t)n);
    }
    return 0;
}

/* Send the whole request body, then finish it (which tells the host the
 * body is complete). Consumes obody. */
static int send_body(int32_t obody, const void *data, size_t len)
{
    wa__p2_ret r;
    if (len > 0) {
        wa__p2_obody_write(obody, &r);
        if (wa__p2_u8(&r, 0)) {
            wa__p2_obody_drop(obody);
            return WA_EIO;
        }
        int32_t out = wa__p2_i32(&r, 4);
        int rc = wa__p2_write_all(out, data, len);
        wa__p2_out_drop(out);
        if (rc < 0) {
            /* an unfinished body tells the host the request is broken */
            wa__p2_obody_drop(obody);
            return rc;
        }
    }
    wa__p2_obody_finish(obody, 0, 0, &r);
    if (wa__p2_u8(&r, 0))
        return wa__p2_take_error_code(r.b + 8);
    return 0;
}

/* Build and send one request; *fut receives the response future. */
static int send_request(const wa__fetch_req *req, const char *url, const char *method,
                        const void *body, size_t body_len, int32_t *fut)
{
    wa__url u;
    int rc = wa__url_parse(url, &u);
    if (rc < 0)
        return rc;

    int32_t fields = wa__p2_fields_new();
    rc = build_headers(fields, req->headers, body_len);
    if (rc < 0) {
        wa__p2_fields_drop(fields);
        return rc;
    }
    int32_t oreq = wa__p2_oreq_new(fields); /* takes the fields */

    int md = method_disc(method);
    const char *other = md == WA_P2_METHOD_OTHER ? method : NULL;
    if (wa__p2_oreq_set_method(oreq, md, other, other ? (int32_t)strlen(other) : 0) != 0) {
        wa__p2_oreq_drop(oreq);
        return WA_EINVAL;
    }
    wa__p2_oreq_set_scheme(oreq, 1, u.https ? 1 : 0, NULL, 0);

    /* authority: host[:port], brackets kept for IPv6 literals */
    char auth[300];
    int alen;
    int default_port = u.port == (u.https ? 443 : 80);
    int v6 = u.host > url && u.host[-1] == '[';
    if (u.host_len > 255) {
        wa__p2_oreq_drop(oreq);
        return WA_EURL;
    }
    alen = snprintf(auth, sizeof auth, default_port ? "%s%.*s%s" : "%s%.*s%s:%d", v6 ? "[" : "",
                    (int)u.host_len, u.host, v6 ? "]" : "", u.port);
    /* path and query, never the fragment */
    const char *path = *u.path ? u.path : "/";
    size_t plen = strcspn(path, "#");
    if (plen == 0) {
        path = "/";
        plen = 1;
    }
    /* The URL passed our own checks, so a host that refuses the authority
     * cannot take this form of it: jco's host accepts only [A-Za-z0-9.-]
     * host names (no IPv6 literals, no '_'), wasmtime takes them all. That
     * is the host's limit, not a malformed URL. */
    if (wa__p2_oreq_set_authority(oreq, 1, auth, alen) != 0) {
        wa__p2_oreq_drop(oreq);
        return WA_ENOTSUP;
    }
    if (wa__p2_oreq_set_path(oreq, 1, path, (int32_t)plen) != 0) {
        wa__p2_oreq_drop(oreq);
        return WA_EURL;
    }

    wa__p2_ret r;
    wa__p2_oreq_body(oreq, &r);
    if (wa__p2_u8(&r, 0)) {
        wa__p2_oreq_drop(oreq);
        return WA_EIO;
    }
    int32_t obody = wa__p2_i32(&r, 4);

    int32_t opts = -1;
    if (req->timeout_ms) {
        int64_t ns = req->timeout_ms > (uint64_t)INT64_MAX / 1000000
                         ? INT64_MAX
                         : (int64_t)req->timeout_ms * 1000000;
        opts = wa__p2_ropts_new();
        /* a host that cannot honour one of these still has our own
         * deadline scope, so a refusal here is not an error */
        wa__p2_ropts_connect(opts, 1, ns);
        wa__p2_ropts_first_byte(opts, 1, ns);
        wa__p2_ropts_between(opts, 1, ns);
    }
    wa__p2_handle(oreq, opts >= 0, opts >= 0 ? opts : 0, &r); /* takes oreq, opts */
    if (wa__p2_u8(&r, 0)) {
        wa__p2_obody_drop(obody);
        return wa__p2_take_error_code(r.b + 8);
    }
    *fut = wa__p2_i32(&r, 8);
    rc = send_body(obody, body, body_len);
    if (rc < 0) {
        wa__p2_fut_drop(*fut);
        *fut = -1;
    }
    return rc;
}

/* Wait for the response future; on success *resp owns the response. */
static int await_response(int32_t fut, int32_t *resp)
{
    int32_t p = wa__p2_fut_subscribe(fut);
    int rc = wa__p2_wait(p);
    wa__p2_pollable_drop(p);
    if (rc == 0) {
        wa__p2_ret r;
        wa__p2_fut_get(fut, &r);
        if (!wa__p2_u8(&r, 0) || wa__p2_u8(&r, 8))
            rc = WA_EPROTO; /* not ready after all, or taken twice: host bug */
        else if (wa__p2_u8(&r, 16))
            rc = wa__p2_take_error_code(r.b + 24);
        else
            *resp = wa__p2_i32(&r, 24);
    }
    wa__p2_fut_drop(fut);
    return rc;
}

/* The host hands the whole head at once; it still passes the checks every
 * backend applies (size, line count, Content-Length agreement). */
static int read_headers(int32_t resp, wa_response *out)
{
    wa__response_reset_headers(out);
    wa__hdrs all = {0};
    int rc = wa__p2_fields_read(wa__p2_iresp_headers(resp), &all);
    for (size_t i = 0; rc == 0 && i < all.n; i++)
        rc = wa__response_add_header(out, all.v[i].name, strlen(all.v[i].name), all.v[i].value,
                                     strlen(all.v[i].value));
    wa__hdrs_clear(&all);
    return rc;
}

/* ------------------------------------------------------------ the fetch */

static int fetch_inner(const wa__fetch_req *req, wa_response *out)
{
    const char *url = req->url;
    char *owned_url = NULL;
    const char *method = req->method;
    const void *body = req->body;
    size_t body_len = req->body_len;
    int32_t resp = -1;
    int rc;

    for (int hops = 0;; hops++) {
        int32_t fut = -1;
        rc = send_request(req, url, method, body, body_len, &fut);
        if (rc < 0)
            break;
        rc = await_response(fut, &resp);
        if (rc < 0)
            break;
        out->status = wa__p2_iresp_status(resp);
        rc = read_headers(resp, out);
        if (rc < 0)
            break;
        const char *loc = wa__hdrs_get(&out->headers, "location");
        if (!wa__http_is_redirect(out->status) || !loc || req->max_redirects == 0)
            break;
        if (hops >= req->max_redirects) {
            rc = WA_EREDIRECTS; /* as libcurl natively: a loop is an error */
            break;
        }
        char *next = wa__http_resolve_location(url, loc);
        if (!next) {
            rc = WA_ENOMEM;
            break;
        }
        rc = wa__url_parse(next, NULL);
        if (rc < 0) {
            free(next);
            break;
        }
        free(owned_url);
        url = owned_url = next;
        if (wa__http_redirect_drops_body(out->status, &method)) {
            body = NULL;
            body_len = 0;
        }
        wa__p2_iresp_drop(resp);
        resp = -1;
    }
    free(owned_url);
    if (rc < 0) {
        if (resp >= 0)
            wa__p2_iresp_drop(resp);
        return rc;
    }

    p2_body *b = calloc(1, sizeof *b);
    if (!b) {
        wa__p2_iresp_drop(resp);
        return WA_ENOMEM;
    }
    b->resp = resp;
    b->body = b->stream = b->pollable = -1;
    b->max = req->max_body;
    wa__p2_ret r;
    wa__p2_iresp_consume(resp, &r);
    if (wa__p2_u8(&r, 0)) {
        body_close(b);
        free(b);
        return WA_EPROTO;
    }
    b->body = wa__p2_i32(&r, 4);
    wa__p2_ibody_stream(b->body, &r);
    if (wa__p2_u8(&r, 0)) {
        body_close(b);
        free(b);
        return WA_EPROTO;
    }
    b->stream = wa__p2_i32(&r, 4);

    if (req->stream) {
        out->backend = b;
        out->read = stream_read;
        out->release = stream_release;
        return 0;
    }
    for (;;) {
        void *chunk;
        long n = body_chunk(b, CHUNK, &chunk);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        rc = wa__response_append(out, chunk, (size_t)n);
        wa__p2_free(chunk, (size_t)n);
        if (rc < 0)
            break;
    }
    body_close(b);
    free(b);
    return rc;
}

int wa__http_fetch_backend(const wa__fetch_req *req, wa_response *resp)
{
    if (!req || !resp)
        return WA_EINVAL;
    if (!wa__p2_open())
        return WA_ENOLOOP;
    if (wa__fetch_req_has_tls(req))
        return WA_ENOTSUP; /* wasi:http has no TLS settings: the host decides */
    if (!req->timeout_ms)
        return fetch_inner(req, resp);
    /* The per-request timeout covers the whole transfer (headers, and the
     * body unless streamed), like CURLOPT_TIMEOUT natively. */
    wa_timeout scope;
    int rc = wa_timeout_enter(&scope, req->timeout_ms);
    if (rc < 0)
        return rc;
    rc = fetch_inner(req, resp);
    /* a deadline that passes after the transfer completed changes nothing */
    (void)wa_timeout_exit(&scope);
    return rc;
}
