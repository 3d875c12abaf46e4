/* test_error_maps.c: every operating-system, libuv and curl code that can
 * reach a user goes through the mapping tables (wa__errno_code, wa__uv_err,
 * wa__curl_code) and comes out as a code wasyncio defines, and the ones a
 * user meets (a missing file, a busy port, a refused connection...) come out
 * named. The same errno table on WASI and the web is in sc_errors.c. Also:
 * wa_app_listen on a busy port, a non-local address and port 70000. */
#include "test_util.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

/* Internal (hidden in the shared library, linked from the archive here). */
int wa__errno_code(int err);
int wa__uv_err(int uv_status);
int wa__curl_code(int code, long os_errno, const char *errbuf, int headers_done);

static void assert_defined(int code, const char *from, long what)
{
    if (code > 0 || wa_error_name(code) == NULL) {
        fprintf(stderr, "%s %ld maps to %d, which wasyncio does not define\n", from, what, code);
        fail();
    }
}

static void test_every_errno_is_defined(void **state)
{
    for (int e = 0; e < 4096; e++)
        assert_defined(wa__errno_code(e), "errno", e);
    assert_int_equal(wa__errno_code(0), 0);
    struct {
        int err, want;
    } named[] = {
        {ENOENT, WA_ENOENT},
        {ENOTDIR, WA_ENOENT},
        {EACCES, WA_EACCES},
        {EPERM, WA_EACCES},
        {EROFS, WA_EACCES},
        {EADDRINUSE, WA_EADDRINUSE},
        {EADDRNOTAVAIL, WA_EADDRNOTAVAIL},
        {EMFILE, WA_EMFILE},
        {ENFILE, WA_EMFILE},
        {ECONNREFUSED, WA_ECONNREFUSED},
        {ECONNRESET, WA_ECONNRESET},
        {EPIPE, WA_EPIPE},
        {ETIMEDOUT, WA_ETIMEDOUT},
        {ENETUNREACH, WA_ENET},
        {EHOSTUNREACH, WA_ENET},
        {ENOMEM, WA_ENOMEM},
        {EINVAL, WA_EINVAL},
        {EISDIR, WA_EINVAL},
        {ENAMETOOLONG, WA_EINVAL},
        {ENOSYS, WA_ENOTSUP},
        {EAFNOSUPPORT, WA_ENOTSUP},
        {EBUSY, WA_EBUSY},
        {ECANCELED, WA_ECANCELED},
        {EIO, WA_EIO},
        {ENOSPC, WA_EIO},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (wa__errno_code(named[i].err) != named[i].want)
            fprintf(stderr, "errno %d (%s): got %s\n", named[i].err, strerror(named[i].err),
                    wa_error_name(wa__errno_code(named[i].err)));
        assert_int_equal(wa__errno_code(named[i].err), named[i].want);
    }
}

/* libuv's own list of its codes (UV_ERRNO_MAP). */
static void test_every_uv_code_is_named(void **state)
{
    struct {
        int code;
        const char *name;
    } all[] = {
#define WA_T_UV(name, msg) {UV_##name, #name},
        UV_ERRNO_MAP(WA_T_UV)
#undef WA_T_UV
    };
    int eio = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        int got = wa__uv_err(all[i].code);
        assert_defined(got, all[i].name, all[i].code);
        /* Only codes with no better name are plain I/O errors. */
        if (got == WA_EIO) {
            eio++;
            const char *ok[] = {"EIO",    "ENOSPC",    "EEXIST",      "EXDEV",     "EAGAIN",
                                "EINTR",  "EALREADY",  "EISCONN",     "ENOTEMPTY", "ESRCH",
                                "EMLINK", "EREMOTEIO", "ENOTTY",      "UNKNOWN",   "EFBIG",
                                "E2BIG",  "EMSGSIZE",  "EINPROGRESS", "ENODATA",   "EUNATCH",
                                "ENOEXEC"};
            int allowed = 0;
            for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
                allowed |= strcmp(all[i].name, ok[k]) == 0;
            if (!allowed)
                fprintf(stderr, "UV_%s is a plain WA_EIO\n", all[i].name);
            assert_true(allowed);
        }
    }
    assert_true(eio < 25);
    assert_int_equal(wa__uv_err(UV_ENOENT), WA_ENOENT);
    assert_int_equal(wa__uv_err(UV_EACCES), WA_EACCES);
    assert_int_equal(wa__uv_err(UV_EADDRINUSE), WA_EADDRINUSE);
    assert_int_equal(wa__uv_err(UV_EADDRNOTAVAIL), WA_EADDRNOTAVAIL);
    assert_int_equal(wa__uv_err(UV_EAI_NONAME), WA_EDNS);
    assert_int_equal(wa__uv_err(UV_EAI_AGAIN), WA_EDNS);
    assert_int_equal(wa__uv_err(UV_ECONNRESET), WA_ECONNRESET);
    assert_int_equal(wa__uv_err(UV_EMFILE), WA_EMFILE);
    assert_int_equal(wa__uv_err(UV_EOF), WA_EINCOMPLETE);
}

static void test_every_curl_code_is_defined(void **state)
{
    for (int c = 0; c <= CURL_LAST; c++) {
        assert_defined(wa__curl_code(c, 0, "", 1), "CURLcode", c);
        assert_defined(wa__curl_code(c, ECONNRESET, "", 0), "CURLcode", c);
    }
    assert_int_equal(wa__curl_code(CURLE_OK, 0, "", 1), 0);
    assert_int_equal(wa__curl_code(CURLE_COULDNT_RESOLVE_HOST, 0, "", 0), WA_EDNS);
    assert_int_equal(wa__curl_code(CURLE_COULDNT_CONNECT, ECONNREFUSED, "", 0), WA_ECONNREFUSED);
    assert_int_equal(wa__curl_code(CURLE_COULDNT_CONNECT, EADDRNOTAVAIL, "", 0), WA_EADDRNOTAVAIL);
    assert_int_equal(wa__curl_code(CURLE_COULDNT_CONNECT, ENETUNREACH, "", 0), WA_ENET);
    assert_int_equal(wa__curl_code(CURLE_OPERATION_TIMEDOUT, 0, "", 0), WA_ETIMEDOUT);
    assert_int_equal(wa__curl_code(CURLE_RECV_ERROR, ECONNRESET, "", 1), WA_ECONNRESET);
    assert_int_equal(wa__curl_code(CURLE_SEND_ERROR, EPIPE, "", 1), WA_EPIPE);
    assert_int_equal(wa__curl_code(CURLE_RECV_ERROR, 0, "bad chunk size", 1), WA_EPROTO);
    assert_int_equal(wa__curl_code(CURLE_PEER_FAILED_VERIFICATION, 0, "", 0), WA_ETLS);
    assert_int_equal(wa__curl_code(CURLE_URL_MALFORMAT, 0, "", 0), WA_EURL);
    assert_int_equal(wa__curl_code(CURLE_UNSUPPORTED_PROTOCOL, 0, "Protocol \"ftp\" not", 0),
                     WA_ESCHEME);
    assert_int_equal(wa__curl_code(CURLE_OUT_OF_MEMORY, 0, "", 0), WA_ETOOBIG);
}

/* ----------------------------------------------------- wa_app_listen */

static int listen_rc;
static void *listen_on(void *arg)
{
    const char **where = arg;
    wa_app *app = wa_app_new();
    listen_rc = wa_app_listen(app, where[0], atoi(where[1]));
    wa_app_free(app);
    return NULL;
}

/* Run a listen in a forked child (its stderr captured): the code and the
 * message a user sees. */
static int listen_in_child(const char *host, const char *port, char *err, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        const char *where[2] = {host, port};
        wa_run(listen_on, where, NULL);
        _exit(-listen_rc);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fds[0], err + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? -WEXITSTATUS(status) : 1;
}

static void test_listen_errors_are_named(void **state)
{
    /* A port taken by another socket. */
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t busy;
    uv_tcp_init(&loop, &busy);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_tcp_bind(&busy, (struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&busy, 8, NULL), 0);
    struct sockaddr_in bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&busy, (struct sockaddr *)&bound, &len);
    char port[16], err[1024];
    snprintf(port, sizeof port, "%d", ntohs(bound.sin_port));
    assert_int_equal(listen_in_child("127.0.0.1", port, err, sizeof err), WA_EADDRINUSE);
    assert_non_null(strstr(err, port));
    assert_non_null(strstr(err, "WA_EADDRINUSE"));
    uv_close((uv_handle_t *)&busy, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);

    /* An address that is not this host's (TEST-NET-1, RFC 5737). */
    assert_int_equal(listen_in_child("192.0.2.1", "0", err, sizeof err), WA_EADDRNOTAVAIL);
    assert_non_null(strstr(err, "192.0.2.1"));
    assert_non_null(strstr(err, "WA_EADDRNOTAVAIL"));
    /* Out of range, and not an address: WA_EINVAL with a message that says so. */
    assert_int_equal(listen_in_child("127.0.0.1", "70000", err, sizeof err), WA_EINVAL);
    assert_non_null(strstr(err, "port 70000 is not in 0..65535"));
    assert_null(strstr(err, "stale"));
    assert_int_equal(listen_in_child("example.invalid", "8080", err, sizeof err), WA_EINVAL);
    assert_non_null(strstr(err, "not an IP address"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_errno_is_defined),
        cmocka_unit_test(test_every_uv_code_is_named),
        cmocka_unit_test(test_every_curl_code_is_defined),
        cmocka_unit_test(test_listen_errors_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
