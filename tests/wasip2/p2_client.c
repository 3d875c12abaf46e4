/* p2_client.c: wa_fetch on the WASI 0.2 component build, run under `jco run`
 * by tests/wasip2/run.sh. Prints one line per check and `N passed, N failed`
 * (cmocka does not build for WASI).
 *
 * Usage: p2_client.wasm HELPER STATIC CLOSED
 *   HELPER  base URL of tests/http/helper_server.py
 *   STATIC  base URL of `python3 -m http.server` serving a dir with
 *           hello.txt ("hello wasip2\n") and big.bin (200000 bytes)
 *   CLOSED  base URL of a port nobody listens on
 */
#include <wasyncio.h>

/* for the handle-leak probe only: a fresh resource handle's number */
#include "host/wasip2/bindings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static const char *helper, *stat_base, *closed;

#define CHECK(cond, ...)                                           \
    do {                                                           \
        if (cond) {                                                \
            passed++;                                              \
        } else {                                                   \
            failed++;                                              \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                   \
            printf("\n");                                          \
        }                                                          \
    } while (0)

static char *url(const char *base, const char *path)
{
    static char buf[4][256];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s%s", base, path);
    return b;
}

static uint64_t ms_since(uint64_t t0) { return (wa_hrtime() - t0) / 1000000; }

static void t_static(void)
{
    wa_response *r = NULL;
    int rc = wa_fetch(url(stat_base, "/hello.txt"), NULL, &r);
    CHECK(rc == 0, "rc=%s", wa_strerror(rc));
    if (rc == 0) {
        CHECK(wa_response_status(r) == 200, "status %d", wa_response_status(r));
        CHECK(strcmp(wa_response_text(r), "hello wasip2\n") == 0, "body '%s'", wa_response_text(r));
        const char *len = wa_response_header(r, "content-length");
        CHECK(len && strcmp(len, "13") == 0, "content-length %s", len ? len : "(none)");
        wa_response_free(r);
    }
    rc = wa_fetch(url(stat_base, "/missing.txt"), NULL, &r);
    CHECK(rc == 0 && wa_response_status(r) == 404, "rc=%d status=%d", rc,
          r ? wa_response_status(r) : 0);
    wa_response_free(r);
    wa_fetch_opts o = {0};
    o.flags = WA_FETCH_RAISE_FOR_STATUS;
    rc = wa_fetch(url(stat_base, "/missing.txt"), &o, &r);
    CHECK(rc == WA_EHTTP && r && wa_response_status(r) == 404, "rc=%s", wa_strerror(rc));
    wa_response_free(r);
    printf("ok static file, 404\n");
}

static void t_errors(void)
{
    wa_response *r = (wa_response *)1;
    int rc = wa_fetch(url(closed, "/"), NULL, &r);
    CHECK(rc == WA_ECONNREFUSED && r == NULL, "closed port: %s", wa_strerror(rc));
    rc = wa_fetch("http//missing-colon", NULL, &r);
    CHECK(rc == WA_EURL, "malformed: %s", wa_strerror(rc));
    rc = wa_fetch("http://bad host/", NULL, &r);
    CHECK(rc == WA_EURL, "space in host: %s", wa_strerror(rc));
    rc = wa_fetch("http://a@b@c/", NULL, &r); /* shapes curl refuses: everywhere */
    CHECK(rc == WA_EURL, "two '@': %s", wa_strerror(rc));
    rc = wa_fetch("http://e$xample.com/", NULL, &r);
    CHECK(rc == WA_EURL, "'$' in host: %s", wa_strerror(rc));
    /* The host does TLS: our TLS options cannot apply, so they are refused. */
    wa_fetch_opts tls = {0};
    tls.ca_file = "ca.pem";
    rc = wa_fetch(url(helper, "/hello"), &tls, &r);
    CHECK(rc == WA_ENOTSUP && r == NULL, "ca_file: %s", wa_strerror(rc));
    tls = (wa_fetch_opts){0};
    tls.flags = WA_FETCH_INSECURE;
    rc = wa_fetch(url(helper, "/hello"), &tls, &r);
    CHECK(rc == WA_ENOTSUP && r == NULL, "insecure: %s", wa_strerror(rc));
    rc = wa_fetch("ftp://127.0.0.1/x", NULL, &r);
    CHECK(rc == WA_ESCHEME, "ftp: %s", wa_strerror(rc));
    rc = wa_fetch("http://no-such-host.invalid/", NULL, &r);
    CHECK(rc == WA_EDNS, "dns: %s", wa_strerror(rc));
    wa_fetch_opts o = {0};
    o.max_body = 1000;
    rc = wa_fetch(url(stat_base, "/big.bin"), &o, &r);
    CHECK(rc == WA_ETOOBIG && r == NULL, "max_body: %s", wa_strerror(rc));
    rc = wa_fetch(url(helper, "/garbage"), NULL, &r);
    CHECK(rc == WA_EPROTO || rc == WA_ENET, "garbage: %s", wa_strerror(rc));
    wa_response_free(rc == 0 ? r : NULL);
    printf("ok error codes\n");
}

static void t_request(void)
{
    static const char *const hdrs[] = {"X-Echo: from-wasip2", "Host: ignored", NULL};
    wa_fetch_opts o = {0};
    o.method = "POST";
    o.headers = hdrs;
    o.body = "payload-123";
    o.body_len = 11;
    wa_response *r = NULL;
    int rc = wa_fetch(url(helper, "/echo"), &o, &r);
    CHECK(rc == 0, "echo: %s", wa_strerror(rc));
    if (rc == 0) {
        CHECK(strcmp(wa_response_text(r), "POST from-wasip2 payload-123") == 0, "echo '%s'",
              wa_response_text(r));
        wa_response_free(r);
    }
    rc = wa_fetch(url(helper, "/hello"), NULL, &r);
    CHECK(rc == 0 && r && wa_response_header(r, "x-test") &&
              strcmp(wa_response_header(r, "X-Test"), "yes") == 0,
          "header: %s", wa_strerror(rc));
    wa_response_free(r);
    rc = wa_fetch(url(helper, "/redirect"), NULL, &r);
    CHECK(rc == 0 && r && wa_response_status(r) == 200 && strcmp(wa_response_text(r), "hello") == 0,
          "redirect: %s %d", wa_strerror(rc), r ? wa_response_status(r) : 0);
    wa_response_free(r);
    o = (wa_fetch_opts){0};
    o.max_redirects = 0;
    rc = wa_fetch(url(helper, "/redirect"), &o, &r);
    CHECK(rc == 0 && r && wa_response_status(r) == 302, "no-follow: %d",
          r ? wa_response_status(r) : rc);
    wa_response_free(r);
    o.max_redirects = 3; /* a loop: an error, as natively */
    rc = wa_fetch(url(helper, "/redirect_loop"), &o, &r);
    CHECK(rc == WA_EREDIRECTS && !r, "redirect loop: %s", wa_error_name(rc));
    wa_response_free(r);
    printf("ok method, headers, body, redirects\n");
}

static void t_stream(void)
{
    wa_fetch_opts o = {0};
    o.flags = WA_FETCH_STREAM;
    wa_response *r = NULL;
    int rc = wa_fetch(url(helper, "/chunked?n=1000000"), &o, &r);
    CHECK(rc == 0, "stream: %s", wa_strerror(rc));
    if (rc < 0)
        return;
    static char buf[4096]; /* task stacks are small on wasm */
    size_t total = 0;
    int ok = 1;
    long n;
    while ((n = wa_response_read(r, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            if (buf[i] != 'a' + (char)((total + (size_t)i) % 26))
                ok = 0;
        total += (size_t)n;
    }
    CHECK(n == 0 && total == 1000000 && ok, "read %zu bytes, last %ld", total, n);
    wa_response_free(r);
    printf("ok streamed 1 MB in chunks\n");
}

static void *slow_fetch(void *arg)
{
    wa_response *r = NULL;
    int rc = wa_fetch((const char *)arg, NULL, &r);
    wa_response_free(r);
    return rc < 0 ? wa_raise(rc, "slow fetch: %s", wa_strerror(rc)) : NULL;
}

static void *ticker(void *arg)
{
    int *ticks = arg;
    for (int i = 0; i < 10; i++) {
        if (wa_sleep(20) < 0)
            break;
        (*ticks)++;
    }
    return NULL;
}

static void t_timeouts(void)
{
    int rc;
    uint64_t t0 = wa_hrtime();
    {
        WA_TIMEOUT_SCOPE(150, rc);
        wa_response *r = NULL;
        int frc = wa_fetch(url(helper, "/delay?ms=2000"), NULL, &r);
        CHECK(frc == WA_ETIMEDOUT, "fetch in scope: %s", wa_strerror(frc));
        wa_response_free(r);
    }
    uint64_t el = ms_since(t0);
    CHECK(rc == WA_ETIMEDOUT, "scope: %s", wa_strerror(rc));
    CHECK(el >= 140 && el < 1000, "scope took %llu ms", (unsigned long long)el);

    wa_fetch_opts o = {0};
    o.timeout_ms = 150;
    wa_response *r = NULL;
    t0 = wa_hrtime();
    rc = wa_fetch(url(helper, "/delay?ms=2000"), &o, &r);
    el = ms_since(t0);
    CHECK(rc == WA_ETIMEDOUT && r == NULL, "timeout_ms: %s", wa_strerror(rc));
    CHECK(el < 1000, "timeout_ms took %llu ms", (unsigned long long)el);
    printf("ok timeouts (%llu ms)\n", (unsigned long long)el);
}

static void t_together(void)
{
    /* A 300 ms fetch while a ticker sleeps 10 x 20 ms: the ticks happen
     * during the fetch, so both end in about 300 ms, not 500. */
    int ticks = 0;
    uint64_t t0 = wa_hrtime();
    wa_task *tk = wa_spawn(ticker, &ticks);
    wa_task *f = wa_spawn(slow_fetch, url(helper, "/delay?ms=300"));
    int rc = wa_await(f, NULL);
    int ticks_at_fetch = ticks;
    wa_await(tk, NULL);
    uint64_t el = ms_since(t0);
    CHECK(rc == 0, "fetch: %s", wa_strerror(rc));
    CHECK(ticks_at_fetch >= 8, "only %d ticks during the fetch", ticks_at_fetch);
    /* The ticks prove the overlap; the clock only bounds it, generously,
     * since a loaded machine runs late. */
    CHECK(el < 1000, "together took %llu ms", (unsigned long long)el);
    wa_release(tk);
    wa_release(f);

    /* Five 200 ms fetches gathered: about 200 ms, not 1 s (bound: 900). */
    wa_task *ts[5];
    t0 = wa_hrtime();
    for (int i = 0; i < 5; i++)
        ts[i] = wa_spawn(slow_fetch, url(helper, "/delay?ms=200"));
    rc = wa_gather(ts, 5, NULL, NULL, 0);
    el = ms_since(t0);
    CHECK(rc == 0 && el < 900, "gather: %s in %llu ms", wa_strerror(rc), (unsigned long long)el);
    for (int i = 0; i < 5; i++)
        wa_release(ts[i]);
    printf("ok sleeps and fetches wait together (%d ticks, gather %llu ms)\n", ticks_at_fetch,
           (unsigned long long)el);
}

/* The number the host gives a new resource. Handle tables reuse freed
 * slots, so if a fetch leaked a handle this number would climb. */
static int32_t handle_probe(void)
{
    int32_t h = wa__p2_fields_new();
    wa__p2_fields_drop(h);
    return h;
}

static void t_cancel(void)
{
    /* Cancel fetches in flight, many times: the futures are dropped, and
     * neither handles nor linear memory grow with the number of rounds. */
    size_t pages0 = 0;
    int32_t h0 = handle_probe();
    for (int round = 0; round < 60; round++) {
        wa_task *t = wa_spawn(slow_fetch, url(helper, "/delay?ms=1000"));
        wa_sleep(round % 3 == 0 ? 0 : 5);
        wa_cancel(t);
        int rc = wa_await(t, NULL);
        if (rc != WA_ECANCELED) {
            CHECK(rc == WA_ECANCELED, "round %d: %s", round, wa_strerror(rc));
            wa_release(t);
            return;
        }
        wa_release(t);
        if (round == 9)
            pages0 = __builtin_wasm_memory_size(0);
    }
    size_t pages1 = __builtin_wasm_memory_size(0);
    CHECK(pages1 <= pages0 + 1, "memory grew from %zu to %zu pages", pages0, pages1);
    int32_t h1 = handle_probe();
    CHECK(h1 <= h0 + 2, "resource handles climbed from %d to %d", (int)h0, (int)h1);
    /* still usable afterwards */
    wa_response *r = NULL;
    int rc = wa_fetch(url(helper, "/hello"), NULL, &r);
    CHECK(rc == 0, "after cancels: %s", wa_strerror(rc));
    wa_response_free(r);
    printf("ok cancellation drops the future (%zu pages, handle %d -> %d)\n", pages1, (int)h0,
           (int)h1);
}

static void t_many(void)
{
    enum { N = 200 };
    static wa_task *ts[N];
    static int errs[N];
    for (int i = 0; i < N; i++)
        ts[i] = wa_spawn(slow_fetch, url(helper, "/hello"));
    int rc = wa_gather(ts, N, NULL, errs, WA_RETURN_ERRORS);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        if (errs[i] < 0)
            bad++;
        wa_release(ts[i]);
    }
    CHECK(rc == 0 && bad == 0, "%d of %d concurrent fetches failed", bad, N);
    printf("ok %d concurrent fetches\n", N);
}

static void *main_task(void *arg)
{
    (void)arg;
    t_static();
    t_errors();
    t_request();
    t_stream();
    t_timeouts();
    t_together();
    t_cancel();
    t_many();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s HELPER STATIC CLOSED\n", argv[0]);
        return 2;
    }
    helper = argv[1];
    stat_base = argv[2];
    closed = argv[3];
    /* outside a loop, fetch must refuse cleanly */
    wa_response *r = NULL;
    CHECK(wa_fetch(url(helper, "/hello"), NULL, &r) == WA_ENOLOOP, "no loop");
    int rc = wa_run(main_task, NULL, NULL);
    CHECK(rc == 0, "wa_run: %s", wa_strerror(rc));
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
