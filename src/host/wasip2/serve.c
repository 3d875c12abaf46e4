/* serve.c: a wa_app served as a wasi:http/incoming-handler component
 * (`wasmtime serve`, `jco serve`).
 *
 * The host calls our export once per request. There is no listening socket
 * and no long-running main, so the export finds the app one of two ways:
 *
 *  1. The program defines `wa_app *wa_build_app(void)` (the function its native
 *     main() passes to wa_app_listen). It is called on the first request
 *     and the app is kept for the instance's life. Preferred: cheapest.
 *  2. Otherwise the program's own main() runs for each request, and its
 *     wa_app_listen(app, ...) call serves that one request and returns
 *     WA_ECANCELED, as if the server had been stopped. An unchanged native
 *     server program thus works as a component (its output, e.g. a
 *     "listening" banner, is printed per request).
 *
 * Each request is read into a wa_request inside a task, routed by the
 * portable router, and the reply goes out through response-outparam.set, so
 * a handler may sleep, fetch and gather as it would natively.
 */
#include "http/host.h"
#include "core/backend.h"
#include "host/common/common.h"
#include "core/host.h"
#include "host/wasip2/wasip2.h"
#include "host/wasip2/bindings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Weak: a command component (fetch_all) links this file too and has none.
 * clang names `int main(int, char **)` __main_argc_argv on WASI. */
wa_app *wa_build_app(void) __attribute__((weak));
int __main_argc_argv(int argc, char **argv) __attribute__((weak));

static wa_app *the_app;

typedef struct serve_ctx {
    int32_t req, outparam; /* -1 once consumed */
    wa_app *app;
} serve_ctx;

/* The request main() is running for (way 2), or NULL. */
static serve_ctx *main_request;

/* ------------------------------------------------------- the request */

static char *read_method(int32_t req)
{
    static const char *const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    wa__p2_ret r;
    wa__p2_ireq_method(req, &r);
    uint8_t d = wa__p2_u8(&r, 0);
    if (d < WA_P2_METHOD_OTHER)
        return wa__strdup(names[d]);
    char *p = wa__p2_ptr(&r, 4);
    size_t n = (size_t)(uint32_t)wa__p2_i32(&r, 8);
    char *m = wa__strndup(p, n);
    wa__p2_free(p, n);
    return m;
}

static char *read_target(int32_t req)
{
    wa__p2_ret r;
    wa__p2_ireq_path(req, &r);
    if (!wa__p2_u8(&r, 0))
        return wa__strdup("/");
    char *p = wa__p2_ptr(&r, 4);
    size_t n = (size_t)(uint32_t)wa__p2_i32(&r, 8);
    char *t = n ? wa__strndup(p, n) : wa__strdup("/");
    wa__p2_free(p, n);
    return t;
}

/* wasi:http hands the authority apart from the headers, where Host may be
 * missing: wa_request_host and the Host header then get it from there. */
static int read_authority(int32_t req, wa_request *out)
{
    if (wa__hdrs_get(&out->headers, "host"))
        return 0;
    wa__p2_ret r;
    wa__p2_ireq_authority(req, &r);
    if (!wa__p2_u8(&r, 0))
        return 0;
    char *p = wa__p2_ptr(&r, 4);
    size_t n = (size_t)(uint32_t)wa__p2_i32(&r, 8);
    int rc = n ? wa__request_set_host(out, p, n) : 0;
    wa__p2_free(p, n);
    return rc;
}

static int read_headers(int32_t req, wa_request *out)
{
    return wa__p2_fields_read(wa__p2_ireq_headers(req), &out->headers);
}

/* Read the body, up to the same limit as the native server. Returns 0, an
 * HTTP status to answer with (413, 400), or an interruption code. */
static int read_body(int32_t req, wa_request *out)
{
    wa__p2_ret r;
    wa__p2_ireq_consume(req, &r);
    if (wa__p2_u8(&r, 0))
        return 0; /* already consumed: treat as empty */
    int32_t body = wa__p2_i32(&r, 4);
    wa__p2_ibody_stream(body, &r);
    if (wa__p2_u8(&r, 0)) {
        wa__p2_ibody_drop(body);
        return 0;
    }
    int32_t in = wa__p2_i32(&r, 4), poll = -1;
    int rc = 0;
    for (;;) {
        wa__p2_in_read(in, 65536, &r);
        if (wa__p2_u8(&r, 0)) {
            if (wa__p2_take_stream_error(&r) < 0)
                rc = 400; /* the client's body broke off */
            break;
        }
        void *p = wa__p2_ptr(&r, 4);
        size_t n = (size_t)(uint32_t)wa__p2_i32(&r, 8);
        if (n == 0) {
            wa__p2_free(p, 0);
            if (poll < 0)
                poll = wa__p2_in_subscribe(in);
            rc = wa__p2_wait(poll);
            if (rc < 0)
                break;
            continue;
        }
        if (n > WA_HTTP_MAX_REQ_BODY - out->body_len)
            rc = 413;
        else if (wa__request_body_append(out, p, n) < 0)
            rc = 500;
        wa__p2_free(p, n);
        if (rc)
            break;
    }
    if (poll >= 0)
        wa__p2_pollable_drop(poll);
    wa__p2_in_drop(in);
    wa__p2_ibody_drop(body);
    return rc;
}

/* --------------------------------------------------------- the reply */

static int append_header(int32_t fields, const char *name, const char *val)
{
    wa__p2_ret r;
    wa__p2_fields_append(fields, name, (int32_t)strlen(name), val, (int32_t)strlen(val), &r);
    /* a handler's forbidden or malformed header is dropped, not fatal */
    return wa__p2_u8(&r, 0) ? 0 : 1;
}

/* Hand reply to the host through the outparam, then stream its body. */
static int send_reply(serve_ctx *c, const wa_reply *rep, int head)
{
    int status = rep->status ? rep->status : 200;
    int no_body = head || status == 204 || status == 304 || status < 200;
    int32_t fields = wa__p2_fields_new();
    for (size_t i = 0; i < rep->headers.n; i++)
        if (!wa__http_framing_header(rep->headers.v[i].name))
            append_header(fields, rep->headers.v[i].name, rep->headers.v[i].value);
    if (!rep->has_type && status != 204 && status != 304)
        append_header(fields, "content-type",
                      rep->text ? "text/plain; charset=utf-8" : "application/octet-stream");
    if (!no_body) {
        char num[24];
        snprintf(num, sizeof num, "%zu", rep->body_len);
        append_header(fields, "content-length", num);
    }
    int32_t resp = wa__p2_oresp_new(fields);
    if (wa__p2_oresp_set_status(resp, status) != 0)
        wa__p2_oresp_set_status(resp, 500);
    wa__p2_ret r;
    wa__p2_oresp_body(resp, &r);
    if (wa__p2_u8(&r, 0)) {
        wa__p2_oresp_drop(resp);
        return WA_EIO;
    }
    int32_t obody = wa__p2_i32(&r, 4);
    wa__p2_outparam_set(c->outparam, 0, resp, 0, 0, 0, 0, 0, 0);
    c->outparam = -1;
    int rc = 0;
    if (!no_body && rep->body_len > 0) {
        wa__p2_obody_write(obody, &r);
        if (wa__p2_u8(&r, 0))
            rc = WA_EIO;
        else {
            int32_t out = wa__p2_i32(&r, 4);
            rc = wa__p2_write_all(out, rep->body, rep->body_len);
            wa__p2_out_drop(out);
        }
    }
    if (rc < 0) {
        wa__p2_obody_drop(obody); /* the host sees a broken body */
        return rc;
    }
    wa__p2_obody_finish(obody, 0, 0, &r);
    if (wa__p2_u8(&r, 0))
        return wa__p2_take_error_code(r.b + 8);
    return 0;
}

/* ------------------------------------------------------- per request */

/* In a task: read, route, reply. 0 or the error sending the reply. */
static int serve_request(serve_ctx *c)
{
    wa_request req;
    wa_reply rep;
    wa__request_init(&req);
    wa__reply_init(&rep);
    char *method = read_method(c->req);
    char *target = read_target(c->req);
    int status = 0;
    if (!method || !target) {
        free(method);
        free(target);
        status = 500;
    } else {
        wa__request_set_line(&req, method, target);
        if (read_headers(c->req, &req) < 0 || read_authority(c->req, &req) < 0)
            status = 500;
    }
    /* HTTP/1.1: a request without Content-Length or Transfer-Encoding has
     * no body. Not touching the body then also saves host calls, and keeps
     * clear of jco's shim, which crashes the server when a read meets a
     * client that hung up. */
    if (!status && (wa__hdrs_get(&req.headers, "content-length") ||
                    wa__hdrs_get(&req.headers, "transfer-encoding")))
        status = read_body(c->req, &req);
    wa__p2_ireq_drop(c->req);
    c->req = -1;
    if (status < 0) {
        /* interrupted while reading: nothing sensible to answer */
        status = 500;
    }
    if (status)
        wa__reply_error(&rep, status);
    else
        wa__app_dispatch(c->app, &req, &rep);
    int head = req.method && strcmp(req.method, "HEAD") == 0;
    int rc = send_reply(c, &rep, head);
    wa__request_clear(&req);
    wa__reply_clear(&rep);
    return rc;
}

static void *serve_one(void *arg)
{
    int rc = serve_request(arg);
    return rc < 0 ? wa_raise(rc, "sending the response failed") : NULL;
}

/* Answer without the loop: used when there is no app, or wa_run failed
 * before the reply went out. */
static void answer_plain(int32_t outparam, int status, const char *text)
{
    int32_t fields = wa__p2_fields_new();
    char num[24];
    size_t len = strlen(text);
    snprintf(num, sizeof num, "%zu", len);
    append_header(fields, "content-type", "text/plain; charset=utf-8");
    append_header(fields, "content-length", num);
    int32_t resp = wa__p2_oresp_new(fields);
    wa__p2_oresp_set_status(resp, status);
    wa__p2_ret r;
    wa__p2_oresp_body(resp, &r);
    int32_t obody = wa__p2_i32(&r, 4);
    wa__p2_outparam_set(outparam, 0, resp, 0, 0, 0, 0, 0, 0);
    if (wa__p2_u8(&r, 0))
        return;
    wa__p2_obody_write(obody, &r);
    if (!wa__p2_u8(&r, 0)) {
        int32_t out = wa__p2_i32(&r, 4);
        /* outside the loop nothing can wait, so use the host's blocking
         * variant; one short message fits the 4096-byte limit */
        wa__p2_ret w;
        wa__p2_out_blocking_write_and_flush(out, text, (int32_t)(len > 4096 ? 4096 : len), &w);
        if (wa__p2_u8(&w, 0))
            wa__p2_take_stream_error(&w);
        wa__p2_out_drop(out);
    }
    wa__p2_obody_finish(obody, 0, 0, &r);
    if (wa__p2_u8(&r, 0))
        wa__p2_error_code_free(r.b + 8);
}

/* The request could not be served normally: answer 500 if the outparam
 * is still ours, and drop what is left. */
static void finish_failed(serve_ctx *c, const char *why, int rc)
{
    if (c->req >= 0)
        wa__p2_ireq_drop(c->req);
    c->req = -1;
    if (c->outparam >= 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "wasyncio: %s%s%s\n", why, rc < 0 ? ": " : "",
                 rc < 0 ? wa_strerror(rc) : "");
        answer_plain(c->outparam, 500, msg);
        c->outparam = -1;
    } else if (rc < 0 && wa__debug_on()) {
        fprintf(stderr, "wasyncio: debug: %s: %s\n", why, wa_strerror(rc));
    }
}

__attribute__((export_name("wasi:http/incoming-handler@" WA_P2_VER "#handle"))) void
wa__p2_incoming_handle(int32_t request, int32_t outparam)
{
    serve_ctx c = {request, outparam, NULL};
    if (wa_build_app) {
        if (!the_app)
            the_app = wa_build_app();
        if (!the_app) {
            finish_failed(&c, "wa_build_app() returned NULL", 0);
            return;
        }
        c.app = the_app;
        int rc = wa_run(serve_one, &c, NULL);
        finish_failed(&c, "request failed", rc);
        return;
    }
    if (__main_argc_argv && !main_request) {
        static char name[] = "wasyncio-component";
        char *argv[] = {name, NULL};
        main_request = &c;
        int rc = __main_argc_argv(1, argv);
        main_request = NULL;
        finish_failed(&c, "main() did not serve the request with wa_app_listen", 0);
        if (rc != 0 && wa__debug_on())
            fprintf(stderr, "wasyncio: debug: main() returned %d\n", rc);
        return;
    }
    finish_failed(&c, "this component defines neither wa_build_app() nor main()", 0);
}

/* ------------------------------------------------------- wa_app_listen */

int wa__http_listen_backend(wa_app *app, const char *host, int port)
{
    (void)host;
    (void)port;
    if (main_request) {
        /* way 2: main() is running for one incoming request: serve it in
         * this task, then stop "listening" */
        serve_ctx *c = main_request;
        main_request = NULL;
        c->app = app;
        int rc = serve_request(c);
        if (rc < 0 && wa__debug_on())
            fprintf(stderr, "wasyncio: debug: sending the response: %s\n", wa_strerror(rc));
        return WA_ECANCELED;
    }
    /* A command component cannot open a listening socket through
     * wasi:http: the host (wasmtime serve) listens and calls the
     * incoming-handler export of a server component. */
    wa__host_debug_note("wa_app_listen: on WASI 0.2, build the program as a server "
                        "component (wasmtime serve); a command cannot listen");
    return WA_ENOTSUP;
}
