/* fetch.c: the Emscripten HTTP backend: wa_fetch on the JavaScript
 * fetch(), and the server API, which a page cannot offer (WA_ENOTSUP).
 *
 * JS does the request and reports once: status, headers and (unless
 * streaming) the whole body. A streaming response keeps its JS reader; each
 * wa_response_read that runs out of buffered bytes asks JS for one chunk.
 * Cancelling the waiting task (or a deadline scope expiring) aborts the
 * request through its AbortController. Error codes are chosen in JS, where
 * the failure's kind is visible (js/wasyncio_fetch.js).
 */
#include "core/host.h"
#include "core/backend.h"
#include "host/web/web.h"
#include "host/web/js_imports.h"
#include "http/host.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

struct web_fetch {
    wa_op op;
    int id;
    wa_response *resp;
    int err;
    /* streaming */
    char *chunk;
    size_t chunk_len, chunk_off;
    int eof;
};

static void fetch_cancel(wa_op *op)
{
    struct web_fetch *f = op->data;
    wa__js_fetch_abort(f->id);
    wa__web_pending_add(-1);
}

/* JS: the response head (and body unless streaming) arrived, or the request
 * failed (err < 0). hdrs holds name\0value\0 pairs; both buffers are
 * malloc'd by JS and freed here. */
EMSCRIPTEN_KEEPALIVE void wa__web_fetch_result(wa_op *op, int err, int status, char *hdrs,
                                               int hdr_len, char *body, int body_len)
{
    struct web_fetch *f = op->data;
    wa_response *r = f->resp;
    if (err == 0) {
        r->status = status;
        for (int i = 0; i < hdr_len && err == 0;) {
            const char *name = hdrs + i;
            size_t nl = strlen(name);
            const char *value = name + nl + 1;
            size_t vl = strlen(value);
            err = wa__response_add_header(r, name, nl, value, vl);
            i += (int)(nl + vl + 2);
        }
        if (err == 0 && body && body_len > 0)
            err = wa__response_append(r, body, (size_t)body_len);
        else if (err == 0 && !r->streaming)
            err = wa__response_append(r, "", 0); /* text is "" not NULL */
    }
    free(hdrs);
    free(body);
    wa__web_pending_add(-1);
    wa__wake_op(op, err);
    wa__web_resume();
}

/* JS: one streamed chunk (len 0 = end of body), or err < 0. */
EMSCRIPTEN_KEEPALIVE void wa__web_fetch_chunk(wa_op *op, int err, char *data, int len)
{
    struct web_fetch *f = op->data;
    if (err == 0 && len == 0)
        f->eof = 1;
    if (err == 0 && len > 0) {
        f->chunk = data;
        f->chunk_len = (size_t)len;
        f->chunk_off = 0;
    } else {
        free(data);
    }
    wa__web_pending_add(-1);
    wa__wake_op(op, err);
    wa__web_resume();
}

static long stream_read(wa_response *r, void *buf, size_t n)
{
    struct web_fetch *f = r->backend;
    if (!f)
        return WA_EINVAL;
    if (f->err)
        return f->err;
    if (f->chunk_off == f->chunk_len && !f->eof) {
        free(f->chunk);
        f->chunk = NULL;
        f->chunk_len = f->chunk_off = 0;
        f->op = (wa_op){.cancel = fetch_cancel, .data = f};
        if (wa__js_fetch_read(f->id, &f->op) < 0)
            return WA_EINVAL;
        wa__web_pending_add(1);
        int rc = wa__op_wait(&f->op);
        if (rc < 0) {
            /* Interrupted (the request is aborted now) or failed: the
             * stream is over either way. */
            f->err = rc;
            return rc;
        }
    }
    size_t left = f->chunk_len - f->chunk_off;
    size_t k = left < n ? left : n;
    if (k > r->max_body - r->body_len) {
        wa__js_fetch_abort(f->id);
        f->err = WA_ETOOBIG;
        return WA_ETOOBIG;
    }
    memcpy(buf, f->chunk + f->chunk_off, k);
    f->chunk_off += k;
    r->body_len += k; /* bytes delivered so far, for the max_body check */
    return (long)k;
}

static void stream_release(wa_response *r)
{
    struct web_fetch *f = r->backend;
    if (!f)
        return;
    if (!f->eof && !f->err)
        wa__js_fetch_abort(f->id); /* stop downloading what nobody reads */
    free(f->chunk);
    free(f);
    r->backend = NULL;
}

int wa__http_fetch_backend(const wa__fetch_req *req, wa_response *resp)
{
    if (wa__fetch_req_has_tls(req))
        return WA_ENOTSUP; /* the browser or Node does TLS with its own store */
    struct web_fetch *f = calloc(1, sizeof *f);
    if (!f)
        return WA_ENOMEM;
    f->resp = resp;
    f->op.cancel = fetch_cancel;
    f->op.data = f;
    int id = wa__js_fetch_start(&f->op, req->url, req->method, req->headers, req->body,
                                req->body_len, (double)req->timeout_ms, req->max_redirects,
                                (double)req->max_body, req->stream);
    if (id < 0) {
        free(f);
        return id;
    }
    f->id = id;
    wa__web_pending_add(1);
    int rc = wa__op_wait(&f->op);
    if (rc == 0 && req->stream) {
        resp->backend = f;
        resp->read = stream_read;
        resp->release = stream_release;
        resp->body_len = 0;
        return 0;
    }
    /* Done (JS forgot the request) or interrupted (cancel aborted it and JS
     * dropped our op): nothing refers to f any more. */
    free(f);
    return rc;
}

int wa__http_listen_backend(wa_app *app, const char *host, int port)
{
    (void)app;
    (void)host;
    (void)port;
    return WA_ENOTSUP; /* a page cannot accept connections */
}
