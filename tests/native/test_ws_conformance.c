/* test_ws_conformance.c: RFC 6455 conformance and hostile peers, both ways,
 * against independent implementations (tests/ws/peers.py):
 *   - our server (a wa_app route that upgrades) against python3-websockets,
 *     a strict client, and raw sockets sending what no library would;
 *   - our client against python3-websockets' server and a hostile raw
 *     server (masked frames, bad UTF-8, a 1 GB header, 100,000 fragments, a
 *     ping flood, no close answer, a dropped connection, a wrong accept).
 * Each Python case prints the RFC rule it checks; the client cases here
 * name theirs in comments. */
#include "test_util.h"
#include "native/http_helpers.h"

#include <sys/resource.h>

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static char peers_py[PATH_MAX];

static const char *peers(void)
{
    snprintf(peers_py, sizeof peers_py, "%s/tests/ws/peers.py", hh_root());
    return peers_py;
}

/* ------------------------------------------------------------ our server */

static const char *const protocols[] = {"chat", "superchat", NULL};

/* The conformance server: echo, "close-me" closes with 1000 "bye". */
static int echo_route(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    wa_ws_opts o = {.protocols = protocols, .max_message = 1 << 20, .close_timeout_ms = 500};
    wa_ws *ws;
    int rc = wa_ws_accept(req, reply, &o, &ws);
    if (rc < 0)
        return rc == WA_EWSHANDSHAKE ? 0 : rc;
    wa_ws_msg m;
    while (wa_ws_receive(ws, &m) == 0 && m.type != WA_WS_CLOSE) {
        if (m.type == WA_WS_TEXT && strcmp(m.data, "close-me") == 0) {
            wa_ws_msg_free(&m);
            wa_ws_close(ws, 1000, "bye");
            break;
        }
        if (m.type == WA_WS_TEXT)
            wa_ws_send_text_n(ws, m.data, m.len);
        else
            wa_ws_send_binary(ws, m.data, m.len);
        wa_ws_msg_free(&m);
    }
    wa_ws_msg_free(&m);
    wa_ws_free(ws);
    return 0;
}

static void *wait_child(void *arg)
{
    int st = 0;
    waitpid(*(pid_t *)arg, &st, 0);
    return (void *)(intptr_t)st;
}

static void *server_main(void *arg)
{
    long *rss_growth = arg;
    hh_server s = {.app = wa_app_new()};
    wa_app_get(s.app, "/echo", echo_route, NULL);
    wa_server_opts so = {.head_timeout_ms = 1000};
    wa_app_set_opts(s.app, &so);
    wa_task *srv = wa_spawn(hh_server_task, &s);
    while (wa_app_port(s.app) <= 0)
        wa_sleep(1);
    char port[16];
    snprintf(port, sizeof port, "%d", wa_app_port(s.app));
    long before = max_rss_kb();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test */
        execl(hh_python(), hh_python(), peers(), "client", port, (char *)NULL);
        _exit(127);
    }
    void *st = NULL;
    CHECK_EQ(wa_to_thread(wait_child, &pid, &st), 0);
    int status = (int)(intptr_t)st;
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    *rss_growth = max_rss_kb() - before;
    wa_cancel(srv);
    wa_await(srv, NULL);
    wa_release(srv);
    wa_app_free(s.app);
    return NULL;
}

/* Every case of peers.py's client against our server; the 1 GB message and
 * the 100,000 fragments must leave memory flat (well under 1 GB: the echo
 * cases of 1 MiB account for most of what grows). */
static void test_server_against_strict_client(void **state)
{
    (void)state;
    long growth = 0;
    run_main(server_main, &growth);
    printf("server peak memory growth: %ld KiB\n", growth);
    assert_true(growth < 64 * 1024);
}

/* ------------------------------------------------------------ our client */

static hh_proc py_server(const char *mode)
{
    hh_proc p = {0};
    char *argv[] = {(char *)hh_python(), (char *)peers(), (char *)mode, NULL};
    assert_int_equal(hh_spawn(argv, 1, &p), 0);
    return p;
}

static int port_of_echo, port_of_raw;

/* Report the case before (ok, or FAIL if a CHECK failed in it) and start
 * the next: each line names the RFC 6455 rule it checks. NULL ends. */
static const char *case_rule, *case_name;
static int case_failures;

static void CASE(const char *rule, const char *name)
{
    if (case_name)
        printf("%s %-8s %s (our client)\n", tu_failures > case_failures ? "FAIL" : "ok  ",
               case_rule, case_name);
    case_rule = rule;
    case_name = name;
    case_failures = tu_failures;
}

static wa_ws *open_ws(int port, const char *path, const wa_ws_opts *o, int *rc)
{
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d%s", port, path);
    wa_ws *ws = NULL;
    *rc = wa_ws_connect(url, o, &ws);
    return ws;
}

static void *client_echo_main(void *arg)
{
    (void)arg;
    int rc;
    CASE("4.1", "handshake, and the subprotocol the server picked");
    const char *const offer[] = {"superchat", "chat", NULL};
    wa_ws_opts o = {.protocols = offer};
    wa_ws *ws = open_ws(port_of_echo, "/", &o, &rc);
    CHECK_EQ(rc, 0);
    if (!ws)
        return NULL;
    CHECK_STR(wa_ws_protocol(ws), "chat");
    CASE("5.2", "7-, 16- and 64-bit lengths up to 3 MiB, masked (5.3), text and binary");
    size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 3 << 20};
    char *buf = malloc(3 << 20);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        memset(buf, 'a' + (int)i, sizes[i]);
        CHECK_EQ(wa_ws_send_text_n(ws, buf, sizes[i]), 0);
        wa_ws_msg m;
        CHECK_EQ(wa_ws_receive(ws, &m), 0);
        CHECK_EQ(m.type, WA_WS_TEXT);
        CHECK(m.len == sizes[i] && memcmp(m.data, buf, sizes[i]) == 0);
        wa_ws_msg_free(&m);
        CHECK_EQ(wa_ws_send_binary(ws, buf, sizes[i]), 0);
        CHECK_EQ(wa_ws_receive(ws, &m), 0);
        CHECK_EQ(m.type, WA_WS_BINARY);
        CHECK(m.len == sizes[i]);
        wa_ws_msg_free(&m);
    }
    free(buf);
    CASE("5.5.2", "our ping gets a pong, which the receiver skips; 126 bytes refused");
    CHECK_EQ(wa_ws_ping(ws, "abc", 3), 0);
    static const char big_ping[126];
    CHECK_EQ(wa_ws_ping(ws, big_ping, sizeof big_ping), WA_EINVAL);
    CHECK_EQ(wa_ws_send_text(ws, "after ping"), 0);
    wa_ws_msg m;
    CHECK_EQ(wa_ws_receive(ws, &m), 0);
    CHECK_STR(m.data, "after ping");
    wa_ws_msg_free(&m);
    CASE("8.1", "sending text that is not UTF-8 is refused before anything is sent");
    CHECK_EQ(wa_ws_send_text_n(ws, "\xff", 1), WA_EINVAL);
    CASE("7.1.2", "the server closes: its code and reason arrive, answered");
    CHECK_EQ(wa_ws_send_text(ws, "close-me"), 0);
    CHECK_EQ(wa_ws_receive(ws, &m), 0);
    CHECK_EQ(m.type, WA_WS_CLOSE);
    CHECK_EQ(m.close_code, 4000);
    CHECK_STR(m.data, "as asked");
    wa_ws_msg_free(&m);
    CHECK_EQ(wa_ws_close_code(ws), 4000);
    CHECK_STR(wa_ws_close_reason(ws), "as asked");
    CHECK_EQ(wa_ws_receive(ws, &m), WA_ECLOSED);
    CHECK_EQ(wa_ws_send_text(ws, "late"), WA_ECLOSED);
    CHECK_EQ(wa_ws_close(ws, 1000, NULL), WA_ECLOSED);
    wa_ws_free(ws);
    CASE("7.1.2", "we close: the server echoes our code; 1005 may not be sent");
    ws = open_ws(port_of_echo, "/", NULL, &rc);
    CHECK_EQ(rc, 0);
    if (ws) {
        CHECK_EQ(wa_ws_close(ws, 4100, "leaving"), 0);
        CHECK_EQ(wa_ws_close_code(ws), 4100);
        CHECK_EQ(wa_ws_closed(ws), 1);
        CHECK_EQ(wa_ws_close(ws, 1005, NULL), WA_EINVAL); /* 7.4.1: never sent */
        wa_ws_free(ws);
    }
    CASE(NULL, NULL);
    return NULL;
}

static void test_client_against_websockets_server(void **state)
{
    (void)state;
    hh_proc p = py_server("echo-server");
    port_of_echo = p.port;
    run_main(client_echo_main, NULL);
    hh_kill(&p);
}

/* Open the raw server's path, receive once: the code and close code. */
static int receive_from(const char *path, const wa_ws_opts *o, wa_ws_msg *m, wa_ws **out)
{
    int rc;
    wa_ws *ws = open_ws(port_of_raw, path, o, &rc);
    *out = ws;
    if (!ws)
        return rc;
    return wa_ws_receive(ws, m);
}

static void *client_hostile_main(void *arg)
{
    (void)arg;
    wa_ws *ws;
    wa_ws_msg m;
    CASE("5.1", "a masked server frame: 1002");
    CHECK_EQ(receive_from("/masked", NULL, &m, &ws), WA_EWSPROTO);
    CHECK_EQ(m.close_code, 1002);
    CHECK_EQ(wa_ws_close_code(ws), 1002);
    wa_ws_free(ws);
    CASE("5.2", "RSV bits without an extension: 1002");
    CHECK_EQ(receive_from("/rsv", NULL, &m, &ws), WA_EWSPROTO);
    CHECK_EQ(m.close_code, 1002);
    wa_ws_free(ws);
    CASE("8.1", "invalid UTF-8 in a later fragment: 1007");
    CHECK_EQ(receive_from("/badutf8", NULL, &m, &ws), WA_EWSPROTO);
    CHECK_EQ(m.close_code, 1007);
    wa_ws_free(ws);
    CASE("10.4", "a 1 GB message header: 1009 at once, memory flat");
    long before = max_rss_kb();
    CHECK_EQ(receive_from("/huge", NULL, &m, &ws), WA_ETOOBIG);
    CHECK_EQ(m.close_code, 1009);
    CHECK(max_rss_kb() - before < 32 * 1024);
    wa_ws_free(ws);
    CASE("5.4", "100,000 one-byte fragments make one message");
    CHECK_EQ(receive_from("/fragments", NULL, &m, &ws), 0);
    CHECK_EQ(m.type, WA_WS_TEXT);
    CHECK_EQ(m.len, 100000);
    wa_ws_msg_free(&m);
    wa_ws_free(ws);
    CASE("5.5.2", "20,000 pings in a row, then a message: it arrives");
    CHECK_EQ(receive_from("/pings", NULL, &m, &ws), 0);
    CHECK_STR(m.data, "done");
    wa_ws_msg_free(&m);
    wa_ws_free(ws);
    CASE("7.1.5", "the connection drops without a close: 1006, WA_EWSABNORMAL");
    CHECK_EQ(receive_from("/drop", NULL, &m, &ws), 0);
    CHECK_STR(m.data, "last words");
    wa_ws_msg_free(&m);
    CHECK_EQ(wa_ws_receive(ws, &m), WA_EWSABNORMAL);
    CHECK_EQ(m.type, WA_WS_CLOSE);
    CHECK_EQ(m.close_code, 1006);
    CHECK_EQ(wa_ws_close_code(ws), 1006);
    CHECK_EQ(wa_ws_receive(ws, &m), WA_ECLOSED);
    wa_ws_free(ws);
    CASE("7.1.1", "a server that never answers our close: the close timeout");
    int rc;
    wa_ws_opts quick = {.close_timeout_ms = 300};
    ws = open_ws(port_of_raw, "/noclose", &quick, &rc);
    CHECK_EQ(rc, 0);
    if (ws) {
        uint64_t t0 = wa_now();
        CHECK_EQ(wa_ws_close(ws, 1000, NULL), WA_EWSABNORMAL);
        uint64_t dt = wa_now() - t0;
        CHECK(dt >= 250 && dt < 5000);
        CHECK_EQ(wa_ws_close_code(ws), 1006);
        wa_ws_free(ws);
    }
    CASE("cancel", "a receive that times out mid-frame loses nothing");
    ws = open_ws(port_of_raw, "/slow", NULL, &rc);
    CHECK_EQ(rc, 0);
    if (ws) {
        wa_timeout scope;
        wa_timeout_enter(&scope, 150);
        CHECK_EQ(wa_ws_receive(ws, &m), WA_ETIMEDOUT);
        wa_timeout_exit(&scope);
        CHECK_EQ(wa_ws_receive(ws, &m), 0);
        CHECK_STR(m.data, "slow but whole");
        wa_ws_msg_free(&m);
        wa_ws_free(ws);
    }
    CASE("4.1", "a wrong Sec-WebSocket-Accept; a 404 (status kept)");
    CHECK_EQ(receive_from("/badaccept", NULL, &m, &ws), WA_EWSHANDSHAKE);
    CHECK_PTR(ws, NULL);
    CHECK_EQ(receive_from("/404", NULL, &m, &ws), WA_EWSHANDSHAKE);
    CHECK_EQ(wa_ws_connect_status(), 404);
    CASE("4.1", "a server that never answers the handshake: the handshake timeout; "
                "a subprotocol that is not a token is refused");
    wa_ws_opts hs = {.handshake_timeout_ms = 200};
    uint64_t t1 = wa_now();
    CHECK_EQ(receive_from("/silent", &hs, &m, &ws), WA_ETIMEDOUT);
    CHECK(wa_now() - t1 < 5000);
    const char *const bad_proto[] = {"chat, evil", NULL};
    wa_ws_opts bp = {.protocols = bad_proto};
    CHECK_EQ(receive_from("/", &bp, &m, &ws), WA_EINVAL);
    CASE("3", "URLs: only ws and wss, no fragment; a closed port");
    CHECK_EQ(wa_ws_connect("http://127.0.0.1/", NULL, &ws), WA_ESCHEME);
    CHECK_EQ(wa_ws_connect("ws://127.0.0.1/#x", NULL, &ws), WA_EURL);
    CHECK_EQ(wa_ws_connect("ws://", NULL, &ws), WA_EURL);
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", hh_closed_port());
    CHECK_EQ(wa_ws_connect(url, NULL, &ws), WA_ECONNREFUSED);
    CASE(NULL, NULL);
    return NULL;
}

static void test_client_against_hostile_server(void **state)
{
    (void)state;
    hh_proc p = py_server("raw-server");
    port_of_raw = p.port;
    run_main(client_hostile_main, NULL);
    hh_kill(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_against_websockets_server),
        cmocka_unit_test(test_client_against_hostile_server),
        cmocka_unit_test(test_server_against_strict_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
