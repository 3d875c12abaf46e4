/* test_http_client.c: wa_fetch against local peers only: a Python helper
 * server (tests/http/helper_server.py), a hostile one serving scripted bytes
 * (tests/http/hostile_server.py), `python3 -m http.server`, and raw sockets
 * in the test itself. Covers results, headers, redirects, every error code,
 * the URL shapes curl refuses, the default timeout, cancellation aborting
 * the transfer, concurrency, and a 10 MB streamed body. */
#define _GNU_SOURCE
#include "test_util.h"
#include "http_helpers.h"

#include <sys/stat.h>

#include "http/host.h" /* wa__fetch_req_init: the defaults every backend gets */

static hh_proc helper, pyhttp, hostile;
static char tmpdir[64];
#define BIG_FILE_SIZE (10 * 1000 * 1000)

static char url_buf[256];
static const char *H(const char *path)
{
    snprintf(url_buf, sizeof url_buf, "http://127.0.0.1:%d%s", helper.port, path);
    return url_buf;
}

/* ------------------------------------------------------------ fixtures */

static int group_teardown(void **state);

static int group_setup(void **state)
{
    (void)state;
    char script[PATH_MAX + 64];
    snprintf(script, sizeof script, "%s/tests/http/helper_server.py", hh_root());
    char *argv[] = {(char *)hh_python(), script, "0", NULL};
    if (hh_spawn(argv, 1, &helper) < 0 || hh_wait_port(helper.port) < 0) {
        fprintf(stderr, "cannot start %s\n", script);
        hh_kill(&helper);
        return -1;
    }
    snprintf(script, sizeof script, "%s/tests/http/hostile_server.py", hh_root());
    char *argv3[] = {(char *)hh_python(), script, "0", NULL};
    if (hh_spawn(argv3, 1, &hostile) < 0 || hh_wait_port(hostile.port) < 0) {
        fprintf(stderr, "cannot start %s\n", script);
        group_teardown(state);
        return -1;
    }
    /* python3 -m http.server serves a directory holding a 10 MB file. */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wa-http-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/big.bin", tmpdir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    for (int i = 0; i < BIG_FILE_SIZE; i++)
        fputc('a' + i % 26, f);
    fclose(f);
    char port[16];
    pyhttp.port = hh_closed_port();
    snprintf(port, sizeof port, "%d", pyhttp.port);
    char *argv2[] = {(char *)hh_python(), "-m",   "http.server", "--bind", "127.0.0.1",
                     "--directory",       tmpdir, port,          NULL};
    if (hh_spawn(argv2, 0, &pyhttp) < 0 || hh_wait_port(pyhttp.port) < 0) {
        fprintf(stderr, "cannot start python3 -m http.server\n");
        group_teardown(state); /* cmocka skips teardown when setup fails */
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hh_kill(&helper);
    hh_kill(&pyhttp);
    hh_kill(&hostile);
    char path[128];
    snprintf(path, sizeof path, "%s/big.bin", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return 0;
}

/* ------------------------------------------------------------ arguments */

static void *bad_args_main(void *arg)
{
    (void)arg;
    wa_response *r = (wa_response *)1;
    CHECK_EQ(wa_fetch(NULL, NULL, &r), WA_EINVAL);
    CHECK(r == NULL);
    CHECK_EQ(wa_fetch(H("/hello"), NULL, NULL), WA_EINVAL);
    wa_fetch_opts o = {0};
    o.method = "GE T";
    CHECK_EQ(wa_fetch(H("/hello"), &o, &r), WA_EINVAL);
    const char *bad_hdr[] = {"NoColonHere", NULL};
    o = (wa_fetch_opts){0};
    o.headers = bad_hdr;
    CHECK_EQ(wa_fetch(H("/hello"), &o, &r), WA_EINVAL);
    const char *crlf_hdr[] = {"X-A: b\r\nX-Injected: c", NULL};
    o.headers = crlf_hdr;
    CHECK_EQ(wa_fetch(H("/hello"), &o, &r), WA_EINVAL);
    o = (wa_fetch_opts){0};
    o.body_len = 3;
    CHECK_EQ(wa_fetch(H("/hello"), &o, &r), WA_EINVAL);
    o = (wa_fetch_opts){0};
    o.flags = 0x100;
    CHECK_EQ(wa_fetch(H("/hello"), &o, &r), WA_EINVAL);
    /* Accessors on NULL never crash. */
    CHECK_EQ(wa_response_status(NULL), WA_EINVAL);
    CHECK(wa_response_header(NULL, "x") == NULL);
    CHECK_EQ(wa_response_header_count(NULL), 0);
    CHECK(wa_response_body(NULL, NULL) == NULL);
    CHECK(wa_response_text(NULL) == NULL);
    CHECK_EQ(wa_response_read(NULL, NULL, 0), WA_EINVAL);
    wa_response_free(NULL);
    return NULL;
}

static void test_bad_args(void **state)
{
    (void)state;
    wa_response *r = NULL;
    assert_int_equal(wa_fetch("http://127.0.0.1/", NULL, &r), WA_ENOLOOP);
    run_main(bad_args_main, NULL);
}

static void *url_errors_main(void *arg)
{
    (void)arg;
    static const char *const malformed[] = {
        "",
        "not a url",
        "http//127.0.0.1/",
        "http://",
        "http:///path",
        "http://exa mple.com/",
        "http://host:99999/",
        "http://host:12ab/",
        "http://[::1/",
        "://x",
        "1http://x/",
        "http://\x01host/",
        /* Shapes curl refuses: each must fail here, at once, on every target. */
        "http://a@b@c/",
        "http://e$xample.com/",
        "http://ex%41mple.com/",
        "http://h(x)/",
        "http://a!b/",
        "http://a+b/",
        "http://a,b/",
        "http://a;b/",
        "http://a=b/",
        "http://a'b/",
        "http://a*b/",
        "http://a&b/",
        "http://[1]/",
        "http://[::1%25eth0]/",
        "http://[1:2:3:4:5:6:7:8:9]/",
        "http://[::1.2.3.4.]/",
        "http://[::01.2.3.4]/",
        "http://[1::2::3]/",
        "http://[:1::2]/",
        "http://[12345::]/",
        "http://[]/",
        "http://[::1]x/",
    };
    static const char *const unsupported[] = {
        "ftp://127.0.0.1/", "file:///etc/passwd",         "gopher://127.0.0.1/",
        "ws://127.0.0.1/",  "mailto:someone@example.com",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        wa_response *r = (wa_response *)1;
        int rc = WA_EINVAL, scope;
        uint64_t t0 = wa_hrtime();
        {
            WA_TIMEOUT_SCOPE(2000, scope);
            rc = wa_fetch(malformed[i], NULL, &r);
        }
        uint64_t ms = (wa_hrtime() - t0) / 1000000;
        if (rc != WA_EURL || ms > 500)
            tu_record(__FILE__, __LINE__, "'%s': got %d after %llu ms, want WA_EURL at once",
                      malformed[i], rc, (unsigned long long)ms);
        CHECK(r == NULL || r == (wa_response *)1);
    }
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++) {
        wa_response *r = NULL;
        int rc = wa_fetch(unsupported[i], NULL, &r);
        if (rc != WA_ESCHEME)
            tu_record(__FILE__, __LINE__, "'%s': got %d, want WA_ESCHEME", unsupported[i], rc);
    }
    return NULL;
}

static void test_url_errors(void **state)
{
    (void)state;
    run_main(url_errors_main, NULL);
}

/* What the stricter check still lets through reaches the peer. */
static void *url_accepted_main(void *arg)
{
    (void)arg;
    char url[128];
    snprintf(url, sizeof url, "http://user:p%%40ss@127.0.0.1:%d/hello", helper.port);
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    if (r) {
        CHECK_STR(wa_response_text(r), "hello");
        wa_response_free(r);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hello?q=a@b&r=(1)#frag", helper.port);
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    wa_response_free(r);
    static const char *const refused_v6[] = {
        "http://[::ffff:127.0.0.1]:%d/",
        "http://[0:0:0:0:0:0:0:1]:%d/",
        "http://[::1]:%d/",
    };
    for (size_t i = 0; i < sizeof refused_v6 / sizeof *refused_v6; i++) {
        snprintf(url, sizeof url, refused_v6[i], hh_closed_port());
        int rc = wa_fetch(url, NULL, &r);
        if (rc == WA_EURL)
            tu_record(__FILE__, __LINE__, "'%s': valid IPv6 refused as WA_EURL", url);
    }
    return NULL;
}

static void test_url_accepted(void **state)
{
    (void)state;
    run_main(url_accepted_main, NULL);
}

/* A transfer curl fails in its first timer callback (here: a proxy scheme it
 * cannot use, as a broken http_proxy would give) completes in that libuv
 * turn, not when some later event or the deadline wakes the loop. */
static void *completes_on_its_own_main(void *arg)
{
    (void)arg;
    static const char *const vars[] = {"http_proxy", "no_proxy", "NO_PROXY"};
    char *saved[3];
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        saved[i] = v ? strdup(v) : NULL;
    }
    setenv("http_proxy", "bogus://127.0.0.1:1", 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    wa_response *r = NULL;
    int rc = 1, scope;
    uint64_t t0 = wa_hrtime();
    {
        WA_TIMEOUT_SCOPE(10000, scope);
        rc = wa_fetch(H("/hello"), NULL, &r);
    }
    uint64_t ms = (wa_hrtime() - t0) / 1000000;
    CHECK_EQ(rc, WA_ENET);
    CHECK_EQ(scope, 0);
    if (ms > 1000)
        tu_record(__FILE__, __LINE__, "the failed fetch returned after %llu ms",
                  (unsigned long long)ms);
    for (int i = 0; i < 3; i++) {
        if (saved[i])
            setenv(vars[i], saved[i], 1);
        else
            unsetenv(vars[i]);
        free(saved[i]);
    }
    return NULL;
}

static void test_completes_on_its_own(void **state)
{
    (void)state;
    run_main(completes_on_its_own_main, NULL);
}

/* timeout_ms: 0 means the documented default, WA_NO_TIMEOUT none; every
 * backend receives the same normalised value. */
static void test_default_timeout(void **state)
{
    (void)state;
    wa__fetch_req req;
    unsigned flags;
    assert_int_equal(wa__fetch_req_init(&req, "http://x/", NULL, &flags), 0);
    assert_int_equal(req.timeout_ms, WA_FETCH_DEFAULT_TIMEOUT_MS);
    assert_int_equal(WA_FETCH_DEFAULT_TIMEOUT_MS, 300000); /* aiohttp's total */
    wa_fetch_opts o = {0};
    assert_int_equal(wa__fetch_req_init(&req, "http://x/", &o, &flags), 0);
    assert_int_equal(req.timeout_ms, WA_FETCH_DEFAULT_TIMEOUT_MS);
    o.timeout_ms = WA_NO_TIMEOUT;
    assert_int_equal(wa__fetch_req_init(&req, "http://x/", &o, &flags), 0);
    assert_int_equal(req.timeout_ms, 0); /* the backends' "none" */
    o.timeout_ms = 150;
    assert_int_equal(wa__fetch_req_init(&req, "http://x/", &o, &flags), 0);
    assert_int_equal(req.timeout_ms, 150);
}

static void *no_timeout_main(void *arg)
{
    (void)arg;
    wa_fetch_opts o = {0};
    o.timeout_ms = WA_NO_TIMEOUT;
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(H("/delay?ms=50"), &o, &r), 0);
    if (r) {
        CHECK_STR(wa_response_text(r), "slept 50");
        wa_response_free(r);
    }
    /* With none, only a deadline scope ends a silent peer's fetch. */
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/silent", hostile.port);
    int scope, rc = 1;
    {
        WA_TIMEOUT_SCOPE(200, scope);
        rc = wa_fetch(url, &o, &r);
    }
    CHECK_EQ(rc, WA_ETIMEDOUT);
    CHECK_EQ(scope, WA_ETIMEDOUT);
    return NULL;
}

static void test_no_timeout(void **state)
{
    (void)state;
    run_main(no_timeout_main, NULL);
}

/* ------------------------------------------------------------ happy paths */

static void *basic_main(void *arg)
{
    (void)arg;
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(H("/hello"), NULL, &r), 0);
    if (!r)
        return NULL;
    CHECK_EQ(wa_response_status(r), 200);
    CHECK_STR(wa_response_text(r), "hello");
    size_t len = 0;
    CHECK(wa_response_body(r, &len) != NULL);
    CHECK_EQ(len, 5);
    CHECK_STR(wa_response_header(r, "x-test"), "yes");
    CHECK_STR(wa_response_header(r, "X-TEST"), "yes");
    CHECK_STR(wa_response_header(r, "Content-Length"), "5");
    CHECK(wa_response_header(r, "X-Absent") == NULL);
    size_t n = wa_response_header_count(r);
    CHECK(n >= 3);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name, *value;
        CHECK_EQ(wa_response_header_at(r, i, &name, &value), 0);
        if (strcmp(name, "X-Test") == 0 && strcmp(value, "yes") == 0)
            seen = 1;
    }
    CHECK(seen);
    CHECK_EQ(wa_response_header_at(r, n, NULL, NULL), WA_EINVAL);
    /* A buffered body can also be read like a stream. */
    char buf[3];
    CHECK_EQ(wa_response_read(r, buf, 3), 3);
    CHECK_EQ(wa_response_read(r, buf, 3), 2);
    CHECK_EQ(wa_response_read(r, buf, 3), 0);
    wa_response_free(r);

    /* POST with a body and a custom header. */
    const char *hdrs[] = {"X-Echo: abc", NULL};
    wa_fetch_opts o = {0};
    o.method = "POST";
    o.headers = hdrs;
    o.body = "payload";
    o.body_len = 7;
    CHECK_EQ(wa_fetch(H("/echo"), &o, &r), 0);
    if (r) {
        CHECK_STR(wa_response_text(r), "POST abc payload");
        wa_response_free(r);
    }

    /* Redirects: followed by default, or not at all with max_redirects 0. */
    CHECK_EQ(wa_fetch(H("/redirect"), NULL, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 200);
        CHECK_STR(wa_response_text(r), "hello");
        CHECK_STR(wa_response_header(r, "X-Test"), "yes");
        CHECK(wa_response_header(r, "Location") == NULL);
        wa_response_free(r);
    }
    o = (wa_fetch_opts){0};
    o.max_redirects = 0;
    CHECK_EQ(wa_fetch(H("/redirect"), &o, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 302);
        CHECK_STR(wa_response_header(r, "Location"), "/hello");
        wa_response_free(r);
    }

    /* Non-2xx: a response, or WA_EHTTP (response kept) when asked. */
    CHECK_EQ(wa_fetch(H("/status?code=404"), NULL, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 404);
        wa_response_free(r);
    }
    o = (wa_fetch_opts){0};
    o.flags = WA_FETCH_RAISE_FOR_STATUS;
    r = NULL;
    CHECK_EQ(wa_fetch(H("/status?code=503"), &o, &r), WA_EHTTP);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ(wa_response_status(r), 503);
        wa_response_free(r);
    }
    /* HEAD: headers only. */
    o = (wa_fetch_opts){0};
    o.method = "HEAD";
    CHECK_EQ(wa_fetch(H("/hello"), &o, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 200);
        CHECK_STR(wa_response_text(r), "");
        wa_response_free(r);
    }
    return NULL;
}

static void test_basic(void **state)
{
    (void)state;
    run_main(basic_main, NULL);
}

/* ------------------------------------------------------------ error codes */

static void *net_errors_main(void *arg)
{
    (void)arg;
    wa_response *r = (wa_response *)1;
    CHECK_EQ(wa_fetch("http://no-such-host.invalid/", NULL, &r), WA_EDNS);
    CHECK(r == NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", hh_closed_port());
    CHECK_EQ(wa_fetch(url, NULL, &r), WA_ECONNREFUSED);

    /* Body limit: with a Content-Length, and chunked (aborted mid-way). */
    wa_fetch_opts o = {0};
    o.max_body = 1000;
    CHECK_EQ(wa_fetch(H("/big?n=100000"), &o, &r), WA_ETOOBIG);
    CHECK_EQ(wa_fetch(H("/chunked?n=100000"), &o, &r), WA_ETOOBIG);
    CHECK_EQ(wa_fetch(H("/big?n=1000"), &o, &r), 0); /* exactly the limit */
    if (r) {
        size_t len;
        wa_response_body(r, &len);
        CHECK_EQ(len, 1000);
        wa_response_free(r);
    }
    /* A redirect to a scheme we do not speak. */
    CHECK_EQ(wa_fetch(H("/redirect_ftp"), NULL, &r), WA_ESCHEME);
    /* Malformed response from a peer. */
    CHECK_EQ(wa_fetch(H("/garbage"), NULL, &r), WA_EPROTO);
    return NULL;
}

static void test_net_errors(void **state)
{
    (void)state;
    run_main(net_errors_main, NULL);
}

/* A raw server task: accept one connection, read the request, then answer
 * with `reply` (NULL: stay silent until the client goes away). Sets
 * *saw_request, and returns 1 if it saw the client close. */
typedef struct raw_srv {
    int lfd;
    const char *reply;
    int saw_request;
    int saw_close;
} raw_srv;

static void *raw_server(void *arg)
{
    raw_srv *rs = arg;
    int c = -1;
    while (c < 0) {
        c = accept4(rs->lfd, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0 && wa_wait_readable(rs->lfd) < 0)
            return NULL;
    }
    char buf[4096];
    size_t got = 0;
    buf[0] = 0;
    while (!strstr(buf, "\r\n\r\n")) {
        ssize_t k = recv(c, buf + got, sizeof buf - 1 - got, 0);
        if (k > 0) {
            got += (size_t)k;
            buf[got] = 0;
        } else if (k < 0 && errno == EAGAIN) {
            if (wa_wait_readable(c) < 0)
                break;
        } else {
            break;
        }
    }
    rs->saw_request = 1;
    if (rs->reply) {
        send(c, rs->reply, strlen(rs->reply), MSG_NOSIGNAL);
    } else {
        for (;;) { /* until the client closes: proves the transfer was dropped */
            ssize_t k = recv(c, buf, sizeof buf, 0);
            if (k == 0 || (k < 0 && errno != EAGAIN)) {
                rs->saw_close = 1;
                break;
            }
            if (k < 0 && wa_wait_readable(c) < 0)
                break;
        }
    }
    close(c);
    return NULL;
}

typedef struct fetch_job {
    const char *url;
    wa_fetch_opts opts;
    int rc;
    int status;
    size_t len;
} fetch_job;

static void *fetch_task(void *arg)
{
    fetch_job *j = arg;
    wa_response *r = NULL;
    j->rc = wa_fetch(j->url, &j->opts, &r);
    if (r) {
        j->status = wa_response_status(r);
        wa_response_body(r, &j->len);
        wa_response_free(r);
    }
    return NULL;
}

static void *raw_errors_main(void *arg)
{
    (void)arg;
    static const char *const bad_replies[] = {
        "HTTP/1.1 abc nonsense\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", /* then closes */
        "",                                                   /* nothing at all */
    };
    for (size_t i = 0; i < sizeof bad_replies / sizeof *bad_replies; i++) {
        int port = 0;
        raw_srv rs = {0};
        rs.lfd = hh_listen(&port, 4);
        rs.reply = bad_replies[i];
        wa_task *srv = wa_spawn(raw_server, &rs);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
        wa_response *r = NULL;
        int rc = wa_fetch(url, NULL, &r);
        if (rc != WA_EPROTO)
            tu_record(__FILE__, __LINE__, "reply %zu: got %d, want WA_EPROTO", i, rc);
        CHECK(r == NULL);
        CHECK_EQ(wa_await(srv, NULL), 0);
        wa_release(srv);
        close(rs.lfd);
    }

    /* Timeouts: the per-request option, then a deadline scope. */
    int port = 0;
    raw_srv rs = {0};
    rs.lfd = hh_listen(&port, 4);
    wa_task *srv = wa_spawn(raw_server, &rs);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    wa_fetch_opts o = {0};
    o.timeout_ms = 150;
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(url, &o, &r), WA_ETIMEDOUT);
    CHECK_EQ(wa_wait_for(srv, 2000, NULL), 0);
    CHECK(rs.saw_close);
    wa_release(srv);

    rs = (raw_srv){.lfd = rs.lfd};
    srv = wa_spawn(raw_server, &rs);
    int rc, frc = 1;
    {
        WA_TIMEOUT_SCOPE(150, rc);
        frc = wa_fetch(url, NULL, &r);
    }
    CHECK_EQ(rc, WA_ETIMEDOUT);
    CHECK_EQ(frc, WA_ETIMEDOUT);
    CHECK_EQ(wa_wait_for(srv, 2000, NULL), 0);
    CHECK(rs.saw_close); /* the scope's expiry removed the transfer */
    wa_release(srv);

    /* Cancellation aborts the transfer: the peer sees the close. */
    rs = (raw_srv){.lfd = rs.lfd};
    srv = wa_spawn(raw_server, &rs);
    fetch_job j = {.url = url};
    wa_task *ft = wa_spawn(fetch_task, &j);
    for (int i = 0; i < 400 && !rs.saw_request; i++)
        wa_sleep(5);
    CHECK(rs.saw_request);
    CHECK_EQ(wa_cancel(ft), 0);
    CHECK_EQ(wa_await(ft, NULL), WA_ECANCELED);
    CHECK_EQ(j.rc, WA_ECANCELED);
    CHECK_EQ(wa_wait_for(srv, 2000, NULL), 0);
    CHECK(rs.saw_close);
    wa_release(ft);
    wa_release(srv);
    close(rs.lfd);
    return NULL;
}

static void test_raw_errors(void **state)
{
    (void)state;
    run_main(raw_errors_main, NULL);
}

/* Scripted replies from tests/http/hostile_server.py: each failure has its
 * own code, buffered and streamed alike, and the harmless shapes pass. */
static void *hostile_main(void *arg)
{
    (void)arg;
    static const struct {
        const char *path;
        int want;
        const char *body; /* when it passes */
    } cases[] = {
        {"/chunk_ok", 0, "hello"},
        {"/chunk_bad_hex", WA_EPROTO, NULL},    /* "zz" is no chunk size */
        {"/chunk_overflow", WA_EPROTO, NULL},   /* a chunk size over 64 bits */
        {"/chunk_no_crlf", WA_EPROTO, NULL},    /* chunk data not ended by CRLF */
        {"/header_flood", WA_ETOOBIG, NULL},    /* 10,000 header lines */
        {"/header_100k", WA_ETOOBIG, NULL},     /* one 100 KB header */
        {"/header_200k", WA_ETOOBIG, NULL},     /* one over curl's own 100 KiB line */
        {"/headers_many_fine", 0, "ok"},        /* 90 headers */
        {"/cl_conflict", WA_EPROTO, NULL},      /* Content-Length 5, then 6 */
        {"/cl_list_conflict", WA_EPROTO, NULL}, /* Content-Length: 5, 6 */
        {"/cl_bad", WA_EPROTO, NULL},           /* Content-Length: 5x */
        {"/cl_same", 0, "hello"},               /* 5 twice: one length */
        {"/cl_list_same", 0, "hello"},          /* Content-Length: 5, 5 */
        {"/continue_flood", WA_ETOOBIG, NULL},  /* "100 Continue" without end: a head */
    };
    char url[128], buf[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", hostile.port, cases[i].path);
        for (int stream = 0; stream < 2; stream++) {
            wa_fetch_opts o = {0};
            o.flags = stream ? WA_FETCH_STREAM : 0;
            wa_response *r = NULL;
            int rc = wa_fetch(url, &o, &r);
            size_t got = 0;
            if (rc == 0 && stream) { /* a stream may fail while it is read */
                long k;
                while ((k = wa_response_read(r, buf + got, sizeof buf - 1 - got)) > 0)
                    got += (size_t)k;
                if (k < 0)
                    rc = (int)k;
                buf[got] = 0;
            } else if (rc == 0) {
                snprintf(buf, sizeof buf, "%s", wa_response_text(r));
            }
            if (rc != cases[i].want)
                tu_record(__FILE__, __LINE__, "%s (%s): got %d (%s), want %d", cases[i].path,
                          stream ? "stream" : "buffered", rc, wa_strerror(rc), cases[i].want);
            else if (rc == 0 && strcmp(buf, cases[i].body) != 0)
                tu_record(__FILE__, __LINE__, "%s: body '%s'", cases[i].path, buf);
            wa_response_free(r);
        }
    }
    /* A redirect loop: past max_redirects (default 10, or 3) it is
     * WA_EREDIRECTS, not a malformed response; with 0 the 302 comes back. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect_loop", hostile.port);
    const int maxes[] = {-1, 3, 0};
    for (int i = 0; i < 3; i++) {
        wa_fetch_opts o = {.max_redirects = maxes[i]};
        wa_response *r = NULL;
        int rc = wa_fetch(url, &o, &r);
        if (maxes[i] == 0)
            CHECK(rc == 0 && wa_response_status(r) == 302);
        else
            CHECK_EQ(rc, WA_EREDIRECTS);
        wa_response_free(r);
    }
    return NULL;
}

static void test_hostile_responses(void **state)
{
    (void)state;
    run_main(hostile_main, NULL);
}

/* ------------------------------------------------------------ concurrency */

#define NCONC    6
#define DELAY_MS 300

static void *concurrency_main(void *arg)
{
    (void)arg;
    fetch_job jobs[NCONC];
    wa_task *tasks[NCONC];
    char urls[NCONC][256];
    for (int i = 0; i < NCONC; i++) {
        snprintf(urls[i], sizeof urls[i], "%s", H("/delay?ms=300"));
        jobs[i] = (fetch_job){.url = urls[i]};
        tasks[i] = wa_spawn(fetch_task, &jobs[i]);
    }
    uint64_t t0 = wa_hrtime();
    CHECK_EQ(wa_gather(tasks, NCONC, NULL, NULL, 0), 0);
    uint64_t ms = (wa_hrtime() - t0) / 1000000;
    for (int i = 0; i < NCONC; i++) {
        CHECK_EQ(jobs[i].rc, 0);
        CHECK_EQ(jobs[i].status, 200);
        CHECK_EQ(jobs[i].len, 9); /* "slept 300" */
        wa_release(tasks[i]);
    }
    /* Run one after another they would take NCONC * DELAY_MS. */
    if (ms >= (uint64_t)NCONC * DELAY_MS / 2)
        tu_record(__FILE__, __LINE__, "gather of %d x %d ms took %llu ms", NCONC, DELAY_MS,
                  (unsigned long long)ms);
    return NULL;
}

static void test_concurrency(void **state)
{
    (void)state;
    run_main(concurrency_main, NULL);
}

/* ------------------------------------------------------------ streaming */

static void *stream_main(void *arg)
{
    (void)arg;
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big.bin", pyhttp.port);
    wa_fetch_opts o = {0};
    o.flags = WA_FETCH_STREAM;
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(url, &o, &r), 0);
    if (!r)
        return NULL;
    CHECK_EQ(wa_response_status(r), 200);
    CHECK_STR(wa_response_header(r, "Content-Length"), "10000000");
    CHECK(wa_response_body(r, NULL) == NULL); /* not buffered */
    static char buf[65536];
    size_t total = 0;
    long n;
    int pattern_ok = 1, reads = 0;
    while ((n = wa_response_read(r, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            if (buf[i] != 'a' + (char)((total + (size_t)i) % 26))
                pattern_ok = 0;
        total += (size_t)n;
        reads++;
    }
    CHECK_EQ(n, 0);
    CHECK_EQ(total, BIG_FILE_SIZE);
    CHECK(pattern_ok);
    CHECK(reads >= BIG_FILE_SIZE / (int)sizeof buf);
    CHECK_EQ(wa_response_read(r, buf, sizeof buf), 0); /* stays at the end */
    wa_response_free(r);

    /* A stream over the limit fails while reading. */
    o.max_body = 100000;
    CHECK_EQ(wa_fetch(H("/chunked?n=300000"), &o, &r), 0);
    if (r) {
        while ((n = wa_response_read(r, buf, sizeof buf)) > 0) {
        }
        CHECK_EQ(n, WA_ETOOBIG);
        wa_response_free(r);
    }
    /* Freeing a stream half-way aborts it. */
    o.max_body = 0;
    CHECK_EQ(wa_fetch(url, &o, &r), 0);
    if (r) {
        CHECK(wa_response_read(r, buf, 100) > 0);
        wa_response_free(r);
    }
    return NULL;
}

static void test_stream_10mb(void **state)
{
    (void)state;
    run_main(stream_main, NULL);
}

/* The tutorial's peer, too: a file from python3 -m http.server, buffered. */
static void *pyhttp_main(void *arg)
{
    (void)arg;
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big.bin", pyhttp.port);
    wa_response *r = NULL;
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    if (r) {
        size_t len = 0;
        const char *b = wa_response_body(r, &len);
        CHECK_EQ(len, BIG_FILE_SIZE);
        CHECK(b && b[0] == 'a' && b[25] == 'z' && b[26] == 'a');
        wa_response_free(r);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/missing", pyhttp.port);
    CHECK_EQ(wa_fetch(url, NULL, &r), 0);
    if (r) {
        CHECK_EQ(wa_response_status(r), 404);
        wa_response_free(r);
    }
    return NULL;
}

static void test_python_http_server(void **state)
{
    (void)state;
    run_main(pyhttp_main, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_url_errors),
        cmocka_unit_test(test_url_accepted),
        cmocka_unit_test(test_completes_on_its_own),
        cmocka_unit_test(test_default_timeout),
        cmocka_unit_test(test_no_timeout),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_net_errors),
        cmocka_unit_test(test_raw_errors),
        cmocka_unit_test(test_hostile_responses),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_stream_10mb),
        cmocka_unit_test(test_python_http_server),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
