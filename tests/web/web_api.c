/* web_api.c: C coroutines the web tests call from JS (tests/web/api_cases.mjs,
 * in Node and in Chromium): JS interop both ways, fetch and its error paths,
 * cancellation, many tasks, and calls that must return clear error codes.
 * Arguments arrive as JSON; simple cases pass a JSON string or number. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <emscripten.h>
#include <string.h>

#include <wasyncio.h>

/* A JSON string without escapes ("abc") -> abc, in place. */
static char *unquote(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        return s + 1;
    }
    return s;
}

/* Printf into a malloc'd string: the result convention of WA_JS_EXPORT. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* JSON string literal for arbitrary text (quotes, backslashes, controls). */
static char *jstr(const char *t)
{
    size_t n = strlen(t);
    char *s = malloc(n * 6 + 3), *p = s;
    if (!s)
        return NULL;
    *p++ = '"';
    for (; *t; t++) {
        unsigned char c = (unsigned char)*t;
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c < 0x20) {
            p += sprintf(p, "\\u%04x", c);
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    *p = '\0';
    return s;
}

static void *t_echo(void *arg) { return strdup(arg); }
WA_JS_EXPORT(t_echo)

static void *t_fail(void *arg)
{
    return wa_raise(WA_EUSER - 1, "t_fail was asked to fail (%s)", (char *)arg);
}
WA_JS_EXPORT(t_fail)

/* A task whose frame is 4x its 16 KiB stack, writing only the far end:
 * the stack check stops it before the write and ends the program (run by
 * tests/web/run-node.sh in a child process, never by the API cases). */
static void write_first(unsigned char *p) { p[0] = 1; }
static void (*volatile write_first_ptr)(unsigned char *) = write_first;
static void *t_stack_overflow(void *arg)
{
    (void)arg;
    unsigned char big[64 * 1024];
    write_first_ptr(big);
    return strdup(big[0] ? "1" : "0");
}
WA_JS_EXPORT(t_stack_overflow)

/* arg: a promise handle. Returns {"rc":..,"text":..}. */
static void *t_await(void *arg)
{
    char *json = NULL;
    int rc = wa_js_await(atoi(arg), &json);
    char *text = jstr(json ? json : "");
    char *out = fmt("{\"rc\":%d,\"text\":%s}", rc, text ? text : "null");
    free(text);
    free(json);
    return out;
}
WA_JS_EXPORT(t_await)

/* arg: a handle that never settles; a 50 ms deadline scope ends the wait. */
static void *t_await_timeout(void *arg)
{
    char *json = NULL;
    int rc = 0, inner = 0;
    {
        WA_TIMEOUT_SCOPE(50, rc);
        inner = wa_js_await(atoi(arg), &json);
    }
    free(json);
    return fmt("{\"rc\":%d,\"inner\":%d}", rc, inner);
}
WA_JS_EXPORT(t_await_timeout)

static void *t_fetch(void *arg)
{
    const char *url = unquote(arg);
    wa_response *r = NULL;
    int rc = wa_fetch(url, NULL, &r);
    if (rc < 0)
        return fmt("{\"rc\":%d}", rc);
    size_t len = 0;
    wa_response_body(r, &len);
    const char *ct = wa_response_header(r, "content-type");
    const char *xi = wa_response_header(r, "X-Item");
    char *ctj = jstr(ct ? ct : ""), *xij = jstr(xi ? xi : ""), *body = jstr(wa_response_text(r));
    char *out = fmt("{\"rc\":0,\"status\":%d,\"len\":%zu,\"ctype\":%s,\"xitem\":%s,"
                    "\"headers\":%zu,\"body\":%s}",
                    wa_response_status(r), len, ctj, xij, wa_response_header_count(r), body);
    free(ctj), free(xij), free(body);
    wa_response_free(r);
    return out;
}
WA_JS_EXPORT(t_fetch)

static void *t_fetch_raise(void *arg)
{
    wa_fetch_opts o = {.max_redirects = -1, .flags = WA_FETCH_RAISE_FOR_STATUS};
    wa_response *r = NULL;
    int rc = wa_fetch(unquote(arg), &o, &r);
    int status = r ? wa_response_status(r) : 0;
    wa_response_free(r);
    return fmt("{\"rc\":%d,\"status\":%d}", rc, status);
}
WA_JS_EXPORT(t_fetch_raise)

static void *t_fetch_stream(void *arg)
{
    wa_fetch_opts o = {.max_redirects = -1, .flags = WA_FETCH_STREAM};
    wa_response *r = NULL;
    int rc = wa_fetch(unquote(arg), &o, &r);
    if (rc < 0)
        return fmt("{\"rc\":%d}", rc);
    static char buf[16384];
    long n, total = 0, reads = 0, bad = 0;
    while ((n = wa_response_read(r, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            bad += buf[i] != 'x';
        total += n;
        reads++;
    }
    wa_response_free(r);
    return fmt("{\"rc\":%ld,\"total\":%ld,\"reads\":%ld,\"bad\":%ld}", n, total, reads, bad);
}
WA_JS_EXPORT(t_fetch_stream)

static void *t_fetch_limit(void *arg)
{
    wa_fetch_opts o = {.max_redirects = -1, .max_body = 1000};
    wa_response *r = NULL;
    int rc = wa_fetch(unquote(arg), &o, &r);
    wa_response_free(r);
    return fmt("{\"rc\":%d}", rc);
}
WA_JS_EXPORT(t_fetch_limit)

static void *t_fetch_timeout_opt(void *arg)
{
    wa_fetch_opts o = {.max_redirects = -1, .timeout_ms = 100};
    wa_response *r = NULL;
    int rc = wa_fetch(unquote(arg), &o, &r);
    wa_response_free(r);
    return fmt("{\"rc\":%d}", rc);
}
WA_JS_EXPORT(t_fetch_timeout_opt)

static void *t_fetch_scope(void *arg)
{
    wa_response *r = NULL;
    int rc = 0, inner = 0;
    {
        WA_TIMEOUT_SCOPE(100, rc);
        inner = wa_fetch(unquote(arg), NULL, &r);
    }
    wa_response_free(r);
    return fmt("{\"rc\":%d,\"inner\":%d}", rc, inner);
}
WA_JS_EXPORT(t_fetch_scope)

static void *fetch_child(void *arg)
{
    wa_response *r = NULL;
    int rc = wa_fetch(arg, NULL, &r);
    wa_response_free(r);
    return rc < 0 ? wa_raise(rc, "fetch: %s", wa_strerror(rc)) : NULL;
}

/* Cancel a task 50 ms into a slow fetch. */
static void *t_fetch_cancel(void *arg)
{
    wa_task *t = wa_spawn(fetch_child, unquote(arg));
    if (!t)
        return wa_raise(wa_last_error(), "spawn");
    wa_sleep(50);
    int crc = wa_cancel(t);
    int rc = wa_await(t, NULL);
    wa_release(t);
    return fmt("{\"cancel\":%d,\"rc\":%d}", crc, rc);
}
WA_JS_EXPORT(t_fetch_cancel)

static void *dup_arg(void *arg) { return strdup(arg); }

static void *t_bad_input(void *arg)
{
    (void)arg;
    wa_response *r = NULL;
    char *json = NULL;
    void *res = NULL;
    int url = wa_fetch("not a url", NULL, &r);
    /* Shapes curl refuses fail the same way here (browsers would accept them). */
    if (url == WA_EURL)
        url = wa_fetch("http://a@b@c/", NULL, &r);
    if (url == WA_EURL)
        url = wa_fetch("http://e$xample.com/", NULL, &r);
    int scheme = wa_fetch("ftp://127.0.0.1/x", NULL, &r);
    /* The browser or Node does TLS: our TLS options are refused. */
    wa_fetch_opts tls_opts = {.max_redirects = -1, .client_cert = "c.pem"};
    int tls = wa_fetch("https://127.0.0.1/", &tls_opts, &r);
    tls_opts = (wa_fetch_opts){.max_redirects = -1, .flags = WA_FETCH_INSECURE};
    if (tls == WA_ENOTSUP)
        tls = wa_fetch("https://127.0.0.1/", &tls_opts, &r);
    int null = wa_fetch(NULL, NULL, &r);
    int handle = wa_js_await(987654, &json);
    int handle0 = wa_js_await(0, &json);
    wa_app *app = wa_app_new();
    int listen = app ? wa_app_listen(app, "127.0.0.1", 0) : WA_ENOMEM;
    wa_app_free(app);
    int thread = wa_to_thread(dup_arg, "inline", &res);
    int same = res && strcmp(res, "inline") == 0;
    free(res);
    int fd = wa_wait_readable(0);
    return fmt("{\"url\":%d,\"scheme\":%d,\"null\":%d,\"handle\":%d,\"handle0\":%d,"
               "\"listen\":%d,\"thread\":%d,\"threadResult\":%d,\"stdin\":%d,\"tls\":%d}",
               url, scheme, null, handle, handle0, listen, thread, same, fd, tls);
}
WA_JS_EXPORT(t_bad_input)

/* Many tasks that sleep and switch: arg = number of tasks. */
static void *churn(void *arg)
{
    intptr_t i = (intptr_t)arg;
    for (int k = 0; k < 20; k++) {
        if (wa_sleep((uint64_t)((i + k) % 7)) < 0 || wa_yield() < 0)
            return wa_raise(WA_EFAILED, "interrupted");
    }
    return (void *)(i + 1);
}

static void *t_many(void *arg)
{
    int n = atoi(arg);
    wa_task **ts = calloc((size_t)n, sizeof *ts);
    void **res = calloc((size_t)n, sizeof *res);
    if (!ts || !res) {
        free(ts), free(res);
        return wa_raise(WA_ENOMEM, "t_many");
    }
    for (int i = 0; i < n; i++)
        ts[i] = wa_spawn(churn, (void *)(intptr_t)i);
    int rc = wa_gather(ts, (size_t)n, res, NULL, 0);
    long ok = 0;
    for (int i = 0; i < n; i++) {
        ok += rc == 0 && res[i] == (void *)(intptr_t)(i + 1);
        wa_release(ts[i]);
    }
    free(ts), free(res);
    return fmt("{\"rc\":%d,\"ok\":%ld}", rc, ok);
}
WA_JS_EXPORT(t_many)

/* n sleeps of 0 ms in a row; with slice 0 each one goes through JS. */
static void *t_sleep0(void *arg)
{
    int n = atoi(arg);
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < n; i++)
        if (wa_sleep(0) < 0)
            return wa_raise(WA_EFAILED, "sleep");
    return fmt("{\"n\":%d,\"ns\":%llu}", n, (unsigned long long)(wa_hrtime() - t0));
}
WA_JS_EXPORT(t_sleep0)

static void *doomed(void *arg)
{
    (void)arg;
    wa_sleep(1);
    return wa_raise(WA_EUSER - 7, "doomed task failed on purpose");
}

/* A released task that fails: nobody can await it, so the runtime reports
 * it on stderr (console.error in a page) with the task's name. */
static void *t_unhandled(void *arg)
{
    (void)arg;
    wa_task_opts o = {.name = "doomed-task"};
    wa_task *t = wa_spawn_opts(doomed, NULL, &o);
    if (!t)
        return wa_raise(wa_last_error(), "spawn");
    wa_release(t);
    wa_sleep(20);
    return NULL;
}
WA_JS_EXPORT(t_unhandled)

static void *t_sleep(void *arg)
{
    int rc = wa_sleep((uint64_t)atoi(arg));
    return rc < 0 ? wa_raise(rc, "sleep interrupted") : fmt("%d", rc);
}
WA_JS_EXPORT(t_sleep)

/* ---------------------------------------------- the value form, no JSON */

/* Echo the argument back with the same type; a string or bytes argument
 * comes back as a fresh malloc'd copy the runtime frees (owned), with every
 * byte of the bytes incremented so the test sees C did the work. An
 * argument passed in place (WA_JS_MEMORY) is incremented in place and its
 * address returned, so the test sees no copy was made. */
static void *v_echo(void *arg)
{
    wa_js_value *v = arg;
    if (wa_yield() < 0) /* a real coroutine: the value survives a switch */
        return NULL;
    switch (v->type) {
    case WA_JS_NULL:
    case WA_JS_NUMBER: return v;
    case WA_JS_STRING: {
        if (((char *)v->data)[v->len] != '\0')
            return wa_raise(WA_EUSER - 2, "string argument is not NUL-terminated");
        char *copy = malloc(v->len + 1);
        if (!copy)
            return wa_raise(WA_ENOMEM, "no memory");
        memcpy(copy, v->data, v->len + 1);
        v->data = copy; /* the argument's own copy is freed by the runtime */
        v->owned = 1;
        return v;
    }
    case WA_JS_BYTES: {
        unsigned char *out = malloc(v->len ? v->len : 1), *in = v->data;
        if (!out)
            return wa_raise(WA_ENOMEM, "no memory");
        for (size_t i = 0; i < v->len; i++)
            out[i] = (unsigned char)(in[i] + 1);
        v->data = out;
        v->owned = 1;
        return v;
    }
    case WA_JS_MEMORY: {
        unsigned char *p = v->data;
        for (size_t i = 0; i < v->len; i++)
            p[i]++;
        v->type = WA_JS_NUMBER;
        v->number = (double)(uintptr_t)p;
        return v;
    }
    default: return wa_raise(WA_EUSER - 3, "unexpected argument type %d", (int)v->type);
    }
}
WA_JS_EXPORT_VALUE(v_echo)

/* A result that is a view of wasm memory (no copy): the n bytes 0..n-1 of a
 * buffer C keeps. */
static unsigned char g_view_bytes[256];
static void *v_view(void *arg)
{
    wa_js_value *v = arg;
    size_t n =
        v->type == WA_JS_NUMBER && v->number >= 0 && v->number <= 256 ? (size_t)v->number : 0;
    for (size_t i = 0; i < n; i++)
        g_view_bytes[i] = (unsigned char)i;
    v->type = WA_JS_VIEW;
    v->data = g_view_bytes;
    v->len = n;
    return v;
}
WA_JS_EXPORT_VALUE(v_view)

/* A plain C string result: len 0 means "up to the NUL". */
static void *v_hello(void *arg)
{
    wa_js_value *v = arg;
    v->type = WA_JS_STRING;
    v->data = "héllo from C";
    v->len = 0;
    v->owned = 0;
    return v;
}
WA_JS_EXPORT_VALUE(v_hello)

static void *v_fail(void *arg)
{
    wa_js_value *v = arg;
    return wa_raise(WA_EUSER - 4, "v_fail got %g", v->type == WA_JS_NUMBER ? v->number : -1.0);
}
WA_JS_EXPORT_VALUE(v_fail)

/* Sleeps arg ms (value form), for cancellation. */
static void *v_sleep(void *arg)
{
    wa_js_value *v = arg;
    int rc = wa_sleep((uint64_t)v->number);
    if (rc < 0)
        return wa_raise(rc, "v_sleep interrupted");
    return NULL;
}
WA_JS_EXPORT_VALUE(v_sleep)

/* Returns its string or bytes argument itself, marked owned: the runtime
 * must free the argument's copy once, not twice. */
static void *v_same_owned(void *arg)
{
    wa_js_value *v = arg;
    v->owned = 1;
    return v;
}
WA_JS_EXPORT_VALUE(v_same_owned)

/* Calls into JS while it runs, and JS starts another call then (a waCall
 * nested in this one's start: it settles through JS, this one comes back
 * at once). Returns an owned string, so the value handed back at once must
 * outlive the nested call's start. */
static void *v_nested(void *arg)
{
    wa_js_value *v = arg;
    int n = v->type == WA_JS_NUMBER ? (int)v->number : -1;
    EM_ASM({ Module.nestedCall = Module.waCall('v_echo', 'inner-' + $0); }, n);
    char *s = malloc(32);
    if (!s)
        return wa_raise(WA_ENOMEM, NULL);
    snprintf(s, 32, "outer-%d", n);
    v->type = WA_JS_STRING;
    v->data = s;
    v->len = strlen(s);
    v->owned = 1;
    return v;
}
WA_JS_EXPORT_VALUE(v_nested)

/* ---- streams: arg is a port nobody listens on. A page has no
 * sockets: connect and listen return WA_ENOTSUP at once, before anything
 * waits; Node connects (refused there) and listens. */
static int t_stream_handler(wa_stream *s, void *arg)
{
    (void)s, (void)arg;
    return 0;
}
static void *t_stream_open(void *arg)
{
    int port = atoi(arg);
    uint64_t t0 = wa_now();
    wa_stream *s = NULL;
    wa_stream_server *srv = NULL;
    int conn = wa_open_connection("127.0.0.1", port, NULL, &s);
    int listen = wa_start_server(t_stream_handler, NULL, "127.0.0.1", 0, NULL, &srv);
    int lport = srv ? wa_stream_server_port(srv) : 0;
    wa_stream_free(s);
    wa_stream_server_free(srv);
    return fmt("{\"connect\":%d,\"listen\":%d,\"port\":%d,\"null\":%d,\"ms\":%llu}", conn, listen,
               lport, s == NULL, (unsigned long long)(wa_now() - t0));
}
WA_JS_EXPORT(t_stream_open)
