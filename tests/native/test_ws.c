/* test_ws.c: the WebSocket API natively, in one process: the pure pieces
 * (SHA-1, the RFC's accept example, UTF-8, frame headers, close codes), our
 * client against our server (broadcast, concurrent senders, cancel rules,
 * closing while another task receives, server shutdown with sockets open,
 * a refused upgrade), wss:// through the streams layer's TLS against
 * python3-websockets, and the API's misuse answers. */
#include "test_util.h"
#include "native/http_helpers.h"

#include "ws/codec.h" /* internal: the pure pieces are tested directly */

/* ------------------------------------------------------------ codec */

static void test_codec(void **state)
{
    (void)state;
    uint8_t d[20];
    char hex[41];
    wa__sha1("abc", 3, d);
    for (int i = 0; i < 20; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    /* 56 bytes: the padding spills into a second block. */
    wa__sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
    for (int i = 0; i < 20; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    /* RFC 6455 1.3's example. */
    char accept[29];
    wa__ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", accept);
    assert_string_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_true(wa__ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=="));
    assert_false(wa__ws_key_valid("dGhlIHNhbXBsZSBub25jZQ="));
    assert_false(wa__ws_key_valid("dGhlIHNhbXBsZSBub25jZR=="));
    assert_false(wa__ws_key_valid("dGhlIHNhbXBs!SBub25jZQ=="));
    char key[25];
    wa__ws_new_key(key);
    assert_true(wa__ws_key_valid(key));

    /* UTF-8 (RFC 3629), whole and in pieces. */
    static const char greeting[] = "héllo κόσμε \xf0\x9f\x98\x80";
    assert_true(wa__utf8_valid(greeting, sizeof greeting - 1));
    assert_false(wa__utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(wa__utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(wa__utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(wa__utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(wa__utf8_valid("\xf5\x80\x80\x80", 4));
    assert_false(wa__utf8_valid("\x80", 1));
    assert_false(wa__utf8_valid("\xe2\x82", 2)); /* cut short */
    wa__utf8 st = {0};
    assert_true(wa__utf8_feed(&st, (const uint8_t *)"\xe2", 1));
    assert_false(wa__utf8_complete(&st));
    assert_true(wa__utf8_feed(&st, (const uint8_t *)"\x82\xac", 2));
    assert_true(wa__utf8_complete(&st));
    memset(&st, 0, sizeof st);
    assert_true(wa__utf8_feed(&st, (const uint8_t *)"abcdefghij\xce", 11));
    assert_false(wa__utf8_feed(&st, (const uint8_t *)"z", 1));

    /* Frame headers: 7-, 16-, 64-bit lengths, masks, round trip. */
    uint64_t lens[] = {0, 125, 126, 65535, 65536, (uint64_t)1 << 40};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        uint8_t h[WA_WS_MAX_HEADER], m[4] = {1, 2, 3, 4};
        size_t n = wa__ws_frame_header(h, 1, WA_WS_OP_BINARY, lens[i], i & 1 ? m : NULL);
        wa__ws_frame f;
        assert_int_equal(wa__ws_frame_parse(h, n - 1, &f), 0); /* incomplete */
        assert_int_equal(wa__ws_frame_parse(h, n, &f), (int)n);
        assert_true(f.fin && f.opcode == WA_WS_OP_BINARY && f.len == lens[i]);
        assert_int_equal(f.masked, (int)(i & 1));
    }
    uint8_t top[10] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    wa__ws_frame f;
    assert_int_equal(wa__ws_frame_parse(top, sizeof top, &f), -1);
    /* Masking in pieces equals masking at once. */
    uint8_t a[37], b[37], m[4] = {0xde, 0xad, 0xbe, 0xef};
    for (int i = 0; i < 37; i++)
        a[i] = b[i] = (uint8_t)i;
    wa__ws_mask(a, 37, m, 0);
    wa__ws_mask(b, 5, m, 0);
    wa__ws_mask(b + 5, 32, m, 5);
    assert_memory_equal(a, b, 37);
    /* Close codes (7.4). */
    assert_true(wa__ws_close_code_ok(1000) && wa__ws_close_code_ok(1011));
    assert_true(wa__ws_close_code_ok(3000) && wa__ws_close_code_ok(4999));
    assert_false(wa__ws_close_code_ok(1005) || wa__ws_close_code_ok(1006));
    assert_false(wa__ws_close_code_ok(999) || wa__ws_close_code_ok(5000));
}

/* ------------------------------------------------------------ our pair */

/* The server of these tests: "/room" joins everyone into one broadcast room;
 * "/hold" accepts and waits for a close; "/echo" echoes. */
static wa_ws *room[8];
static size_t nroom;
static int handlers_ended, handler_saw, handler_code;
static char seen_auth[64], seen_path[64];

static int room_route(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    wa_ws *ws;
    int rc = wa_ws_accept(req, reply, NULL, &ws);
    if (rc < 0)
        return rc == WA_EWSHANDSHAKE ? 0 : rc;
    const char *auth = wa_request_header(req, "Authorization");
    snprintf(seen_auth, sizeof seen_auth, "%s", auth ? auth : "");
    snprintf(seen_path, sizeof seen_path, "%s", wa_ws_path(ws));
    room[nroom++] = ws;
    wa_ws_msg m;
    while ((rc = wa_ws_receive(ws, &m)) == 0 && m.type != WA_WS_CLOSE) {
        wa_ws_broadcast(room, nroom, m.type, m.data, m.len);
        wa_ws_msg_free(&m);
    }
    handler_saw = rc;
    handler_code = wa_ws_close_code(ws);
    wa_ws_msg_free(&m);
    for (size_t i = 0; i < nroom; i++)
        if (room[i] == ws)
            room[i] = room[--nroom];
    wa_ws_free(ws);
    handlers_ended++;
    return 0;
}

/* Accepts and never reads: the client's sends must block (backpressure). */
static int hold_route(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    wa_ws *ws;
    int rc = wa_ws_accept(req, reply, NULL, &ws);
    if (rc < 0)
        return 0;
    wa_sleep(60000); /* until the server's shutdown cancels it */
    wa_ws_free(ws);
    return 0;
}

static hh_server S;
static wa_task *S_task;

static void start_server(void)
{
    S.app = wa_app_new();
    wa_app_get(S.app, "/room", room_route, NULL);
    wa_app_get(S.app, "/hold", hold_route, NULL);
    S_task = wa_spawn(hh_server_task, &S);
    while (wa_app_port(S.app) <= 0)
        wa_sleep(1);
}

static void stop_server(void)
{
    wa_cancel(S_task);
    wa_await(S_task, NULL);
    wa_release(S_task);
    wa_app_free(S.app);
}

static wa_ws *join(void)
{
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/room", wa_app_port(S.app));
    wa_ws *ws = NULL;
    CHECK_EQ(wa_ws_connect(url, NULL, &ws), 0);
    return ws;
}

static void *receive_one(void *arg)
{
    wa_ws_msg *m = malloc(sizeof *m);
    int rc = wa_ws_receive(arg, m);
    if (rc < 0) {
        free(m);
        return wa_raise(rc, "receive");
    }
    return m;
}

static void *pair_main(void *arg)
{
    (void)arg;
    handlers_ended = 0;
    start_server();
    /* Extra request headers reach the handler. */
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/room?x=1", wa_app_port(S.app));
    const char *const hdrs[] = {"Authorization: Bearer t0k", NULL};
    wa_ws_opts ho = {.headers = hdrs};
    wa_ws *h = NULL;
    CHECK_EQ(wa_ws_connect(url, &ho, &h), 0);
    CHECK_EQ(wa_ws_close(h, 1000, NULL), 0);
    wa_ws_free(h);
    CHECK_STR(seen_auth, "Bearer t0k");
    CHECK_STR(seen_path, "/room");
    for (int i = 0; i < 200 && handlers_ended < 1; i++)
        wa_sleep(5);
    handlers_ended = 0;
    /* A header line with CR/LF is refused before anything is sent. */
    const char *const evil[] = {"X: a\r\nInjected: 1", NULL};
    wa_ws_opts eo = {.headers = evil};
    CHECK_EQ(wa_ws_connect(url, &eo, &h), WA_EINVAL);

    wa_ws *a = join(), *b = join(), *c = join();
    if (!a || !b || !c)
        return NULL;
    /* Broadcast: everyone gets it, in order, including the sender. */
    for (int i = 0; i < 50; i++) {
        char t[16];
        snprintf(t, sizeof t, "m%d", i);
        CHECK_EQ(wa_ws_send_text(a, t), 0);
    }
    wa_ws *all[] = {a, b, c};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 50; i++) {
            wa_ws_msg m;
            char t[16];
            snprintf(t, sizeof t, "m%d", i);
            CHECK_EQ(wa_ws_receive(all[k], &m), 0);
            CHECK_STR(m.data, t);
            wa_ws_msg_free(&m);
        }

    /* A second receiver at once: WA_EBUSY. Cancel rule: the first one,
     * cancelled while waiting, loses nothing. */
    wa_task *r = wa_spawn(receive_one, b);
    wa_yield();
    wa_yield();
    wa_ws_msg m;
    CHECK_EQ(wa_ws_receive(b, &m), WA_EBUSY);
    wa_cancel(r);
    CHECK_EQ(wa_await(r, NULL), WA_ECANCELED);
    wa_release(r);
    CHECK_EQ(wa_ws_send_binary(c, "\x00\x01", 2), 0);
    CHECK_EQ(wa_ws_receive(b, &m), 0);
    CHECK(m.type == WA_WS_BINARY && m.len == 2 && m.data[1] == 1);
    wa_ws_msg_free(&m);
    for (int k = 0; k < 3; k += 2) {
        CHECK_EQ(wa_ws_receive(all[k], &m), 0);
        wa_ws_msg_free(&m);
    }

    /* Closing while another task receives: the receiver gets the close,
     * the closer returns 0 once the server answered. */
    r = wa_spawn(receive_one, c);
    wa_yield();
    CHECK_EQ(wa_ws_close(c, 4321, "bye"), 0);
    void *res = NULL;
    CHECK_EQ(wa_await(r, &res), 0);
    wa_release(r);
    wa_ws_msg *got = res;
    CHECK(got && got->type == WA_WS_CLOSE && got->close_code == 4321);
    if (got) {
        wa_ws_msg_free(got);
        free(got);
    }
    wa_ws_free(c);

    /* Freeing an open connection sends 1001 (going away). */
    wa_ws_free(a);
    for (int i = 0; i < 200 && handlers_ended < 2; i++)
        wa_sleep(5);
    CHECK_EQ(handlers_ended, 2);
    CHECK_EQ(handler_saw, 0);
    CHECK_EQ(handler_code, 1001);

    /* Freed while another task receives on it: that receive returns, and
     * the last one out frees (ASan checks nothing is touched after). */
    wa_ws *d = join();
    if (d) {
        r = wa_spawn(receive_one, d);
        wa_yield();
        wa_yield();
        wa_ws_free(d);
        int rr = wa_await(r, NULL);
        CHECK(rr == WA_EWSABNORMAL || rr == WA_ECLOSED);
        wa_release(r);
    }
    for (int i = 0; i < 200 && handlers_ended < 3; i++)
        wa_sleep(5);

    /* Server shutdown with a WebSocket open: its handler is cancelled at
     * once (no 60 s grace), and freeing its socket says 1001. */
    uint64_t t0 = wa_now();
    stop_server();
    CHECK(wa_now() - t0 < 5000);
    CHECK_EQ(handlers_ended, 4);
    CHECK_EQ(wa_ws_receive(b, &m), 0);
    CHECK_EQ(m.type, WA_WS_CLOSE);
    CHECK_EQ(m.close_code, 1001);
    wa_ws_msg_free(&m);
    wa_ws_free(b);
    return NULL;
}

/* A peer that never reads: sends block once the socket buffers are full,
 * a deadline interrupts the blocked send, and memory stays flat. */
static void *backpressure_main(void *arg)
{
    (void)arg;
    start_server();
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/hold", wa_app_port(S.app));
    wa_ws *ws = NULL;
    CHECK_EQ(wa_ws_connect(url, NULL, &ws), 0);
    if (ws) {
        static char chunk[64 * 1024];
        size_t sent = 0;
        int rc = 0;
        wa_timeout scope;
        wa_timeout_enter(&scope, 500);
        while (sent < ((size_t)1 << 30) && (rc = wa_ws_send_binary(ws, chunk, sizeof chunk)) == 0)
            sent += sizeof chunk;
        wa_timeout_exit(&scope);
        CHECK_EQ(rc, WA_ETIMEDOUT);
        CHECK(sent < ((size_t)64 << 20)); /* the kernel's buffers, not 1 GB */
        wa_ws_free(ws);
    }
    stop_server();
    return NULL;
}

static void test_backpressure(void **state)
{
    (void)state;
    run_main(backpressure_main, NULL);
}

static void test_client_server_pair(void **state)
{
    (void)state;
    run_main(pair_main, NULL);
}

/* A plain GET on an upgrading route: 400, and the handler's error is
 * WA_EWSHANDSHAKE. */
static void *refused_main(void *arg)
{
    (void)arg;
    start_server();
    char req[128];
    int n = snprintf(req, sizeof req, "GET /room HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    char out[1024] = {0};
    long got = hh_exchange(wa_app_port(S.app), req, (size_t)n, 0, out, sizeof out - 1);
    CHECK(got > 0 && strncmp(out, "HTTP/1.1 400", 12) == 0);
    stop_server();
    return NULL;
}

static void test_refused_upgrade(void **state)
{
    (void)state;
    run_main(refused_main, NULL);
}

/* ------------------------------------------------------------ streams */

/* A WebSocket server on wa_start_server, without wa_app. */
static int stream_handler(wa_stream *s, void *arg)
{
    (void)arg;
    wa_ws_opts o = {.handshake_timeout_ms = 300};
    wa_ws *ws;
    int rc = wa_ws_accept_stream(s, &o, &ws);
    if (rc < 0)
        return rc;
    wa_ws_msg m;
    while (wa_ws_receive(ws, &m) == 0 && m.type != WA_WS_CLOSE) {
        char line[256];
        snprintf(line, sizeof line, "%s %.*s", wa_ws_path(ws), (int)m.len, m.data);
        wa_ws_send_text(ws, line);
        wa_ws_msg_free(&m);
    }
    wa_ws_msg_free(&m);
    wa_ws_free(ws);
    return 0;
}

static void *stream_server_main(void *arg)
{
    (void)arg;
    wa_stream_server *srv = NULL;
    CHECK_EQ(wa_start_server(stream_handler, NULL, "127.0.0.1", 0, NULL, &srv), 0);
    if (!srv)
        return NULL;
    int port = wa_stream_server_port(srv);
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/room/7?x=1", port);
    wa_ws *ws = NULL;
    CHECK_EQ(wa_ws_connect(url, NULL, &ws), 0);
    if (ws) {
        CHECK_STR(wa_ws_path(ws), "/room/7?x=1");
        CHECK_EQ(wa_ws_send_text(ws, "hello"), 0);
        wa_ws_msg m;
        CHECK_EQ(wa_ws_receive(ws, &m), 0);
        CHECK_STR(m.data, "/room/7?x=1 hello");
        wa_ws_msg_free(&m);
        CHECK_EQ(wa_ws_close(ws, 1000, NULL), 0);
        wa_ws_free(ws);
    }
    /* Not an upgrade: 400. A head that never ends: dropped at the
     * handshake timeout (300 ms here). */
    static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    char out[512] = {0};
    CHECK(hh_exchange(port, get, sizeof get - 1, 0, out, sizeof out - 1) > 0);
    CHECK(strncmp(out, "HTTP/1.1 400", 12) == 0);
    static const char slow[] = "GET / HTTP/1.1\r\nHost: x\r\n";
    uint64_t t0 = wa_now();
    hh_exchange(port, slow, sizeof slow - 1, 0, out, sizeof out - 1);
    CHECK(wa_now() - t0 < 3000);
    wa_stream_server_free(srv);
    return NULL;
}

static void test_stream_server(void **state)
{
    (void)state;
    run_main(stream_server_main, NULL);
}

/* ------------------------------------------------------------ misuse */

static void *misuse_main(void *arg)
{
    (void)arg;
    wa_ws *ws = (wa_ws *)1;
    CHECK_EQ(wa_ws_connect(NULL, NULL, &ws), WA_EINVAL);
    CHECK_PTR(ws, NULL);
    CHECK_EQ(wa_ws_connect("ws://x", NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_ws_send_text(NULL, "x"), WA_EINVAL);
    CHECK_EQ(wa_ws_receive(NULL, NULL), WA_EINVAL);
    CHECK_EQ(wa_ws_close(NULL, 1000, NULL), WA_EINVAL);
    CHECK_EQ(wa_ws_broadcast(NULL, 1, WA_WS_TEXT, "x", 1), WA_EINVAL);
    CHECK_EQ(wa_ws_broadcast(NULL, 0, WA_WS_CLOSE, "x", 1), WA_EINVAL);
    CHECK_EQ(wa_ws_close_code(NULL), WA_EINVAL);
    CHECK_EQ(wa_ws_closed(NULL), WA_EINVAL);
    CHECK_STR(wa_ws_close_reason(NULL), "");
    wa_ws_msg_free(NULL);
    wa_ws_free(NULL);
    /* The new error codes are named. */
    CHECK_STR(wa_error_name(WA_EWSABNORMAL), "WA_EWSABNORMAL");
    CHECK_STR(wa_error_name(WA_EWSPROTO), "WA_EWSPROTO");
    CHECK_STR(wa_error_name(WA_EWSHANDSHAKE), "WA_EWSHANDSHAKE");
    return NULL;
}

static void test_misuse(void **state)
{
    (void)state;
    run_main(misuse_main, NULL);
    wa_ws *ws = NULL;
    assert_int_equal(wa_ws_connect("ws://127.0.0.1/", NULL, &ws), WA_ENOLOOP);
}

/* ------------------------------------------------------------ wss */

static char cert_dir[64];
static int tls_port;

static void *wss_main(void *arg)
{
    (void)arg;
    char url[64], ca[PATH_MAX];
    snprintf(url, sizeof url, "wss://127.0.0.1:%d/", tls_port);
    snprintf(ca, sizeof ca, "%s/ca.pem", cert_dir);
    wa_ws *ws = NULL;
    /* Not trusted by the system store: WA_ETLS. */
    CHECK_EQ(wa_ws_connect(url, NULL, &ws), WA_ETLS);
    wa_ws_opts o = {.ca_file = ca};
    CHECK_EQ(wa_ws_connect(url, &o, &ws), 0);
    if (!ws)
        return NULL;
    CHECK_EQ(wa_ws_send_text(ws, "over TLS"), 0);
    wa_ws_msg m;
    CHECK_EQ(wa_ws_receive(ws, &m), 0);
    CHECK_STR(m.data, "over TLS");
    wa_ws_msg_free(&m);
    CHECK_EQ(wa_ws_close(ws, 1000, NULL), 0);
    wa_ws_free(ws);
    return NULL;
}

static void test_wss(void **state)
{
    (void)state;
    assert_int_equal(hh_pki_make(cert_dir, sizeof cert_dir, "ws-tls"), 0);
    char peers[PATH_MAX + 32];
    snprintf(peers, sizeof peers, "%s/tests/ws/peers.py", hh_root());
    char *argv[] = {(char *)hh_python(), peers, "tls-echo-server", cert_dir, NULL};
    hh_proc p = {0};
    assert_int_equal(hh_spawn(argv, 1, &p), 0);
    tls_port = p.port;
    run_main(wss_main, NULL);
    hh_kill(&p);
    hh_pki_remove(cert_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),         cmocka_unit_test(test_client_server_pair),
        cmocka_unit_test(test_backpressure),  cmocka_unit_test(test_refused_upgrade),
        cmocka_unit_test(test_stream_server), cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_wss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
