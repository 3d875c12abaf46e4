/* sc_errors.c: scenario: bad inputs inside a loop, each in its own test:
 * every error code has its own message, NULL arguments to the task calls,
 * awaiting yourself and await cycles are WA_EDEADLK, a second generator
 * close is WA_ECLOSED, a closed queue refuses puts, cancelling a finished
 * task is WA_EDONE. */
#include <errno.h>
#include "harness.h"

/* ---------------------------------------------------------- strerror */

static void test_strerror_distinct(void)
{
    static const int codes[] = {
        WA_OK,      WA_EINVAL,  WA_ENOMEM, WA_ENOLOOP, WA_ENESTED, WA_ECANCELED, WA_ETIMEDOUT,
        WA_EDEADLK, WA_ECLOSED, WA_EOF,    WA_EDONE,   WA_EBUSY,   WA_EPERM,     WA_ENOTSUP,
        WA_EFAILED, WA_EIO,     WA_ESTACK, WA_EURL,    WA_ESCHEME, WA_EDNS,      WA_ECONNREFUSED,
        WA_ENET,    WA_ETOOBIG, WA_EPROTO, WA_EHTTP,   WA_EJS,     WA_ETLS,      WA_ENOTCAPABLE};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = wa_strerror(codes[i]);
        CHECK(s != NULL);
        if (!s)
            continue;
        CHECK(s[0] != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(s, wa_strerror(codes[j])) != 0); /* distinct messages */
    }
    /* unknown and application codes still give a string */
    CHECK(wa_strerror(-999) != NULL);
    CHECK(wa_strerror(WA_EUSER - 5) != NULL);
    CHECK(wa_strerror(12345) != NULL);
}

static void *noop(void *arg) { return arg; }

static void test_null_args_tasks(void)
{
    CHECK(wa_spawn(NULL, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    CHECK(wa_spawn_opts(NULL, NULL, NULL) == NULL);
    CHECK_INT(wa_last_error(), WA_EINVAL);
    /* NULL opts means defaults */
    wa_task *t = wa_spawn_opts(noop, PTR(2), NULL);
    CHECK(t != NULL);
    CHECK_INT(wa_await(NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_await_shielded(NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait_for(NULL, 1, NULL), WA_EINVAL);
    CHECK_INT(wa_cancel(NULL), WA_EINVAL);
    CHECK_STR(wa_task_name(NULL), "?");
    CHECK_INT(wa_task_set_name(NULL, "x"), WA_EINVAL);
    CHECK(wa_task_done(NULL) < 0);
    CHECK(wa_task_error(NULL) <= 0);
    CHECK_STR(wa_task_message(NULL), "");
    wa_release(NULL);
    CHECK_INT(wa_gather(NULL, 1, NULL, NULL, 0), WA_EINVAL);
    CHECK_INT(wa_timeout_enter(NULL, 1), WA_EINVAL);
    CHECK_INT(wa_to_thread(NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_read_file(NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_await(t, NULL), 0);
}

static void *await_self(void *arg)
{
    CHECK_INT(wa_await(wa_current(), NULL), WA_EDEADLK);
    CHECK_INT(wa_await_shielded(wa_current(), NULL), WA_EDEADLK);
    return PTR(1);
}

static void test_await_self_edeadlk(void)
{
    CHECK_INT(wa_await(wa_current(), NULL), WA_EDEADLK);
    wa_task *t = wa_spawn(await_self, NULL);
    void *r = NULL;
    CHECK_INT(wa_await(t, &r), 0);
    CHECK_PTR(r, PTR(1));
}

static wa_task *cyc_a, *cyc_b;
static int cyc_a_rc = 99, cyc_b_rc = 99;
static void *cycle_a(void *arg)
{
    cyc_a_rc = wa_await(cyc_b, NULL);
    return PTR(1);
}
static void *cycle_b(void *arg)
{
    wa_yield();                       /* let A start waiting on us first */
    cyc_b_rc = wa_await(cyc_a, NULL); /* closes the cycle */
    return PTR(2);
}

static void test_await_cycle_edeadlk(void)
{
    cyc_a = wa_spawn(cycle_a, NULL);
    cyc_b = wa_spawn(cycle_b, NULL);
    wa_task *both[2] = {cyc_a, cyc_b};
    CHECK_INT(wa_gather(both, 2, NULL, NULL, WA_RETURN_ERRORS), 0);
    CHECK_INT(cyc_b_rc, WA_EDEADLK);
    CHECK_INT(cyc_a_rc, 0); /* B then finished, so A's await succeeded */
}

/* --------------------------------------------------- closed objects */

static void test_gen_double_close_eclosed(void)
{
    wa_gen *g = wa_gen_new(noop, NULL);
    void *v;
    CHECK_INT(wa_gen_next(g, &v), WA_EOF);
    CHECK_INT(wa_gen_close(g), 0);
    CHECK_INT(wa_gen_close(g), WA_ECLOSED);
    CHECK_INT(wa_gen_free(g), 0);
}

static void test_queue_put_closed_eclosed(void)
{
    wa_queue *q = wa_queue_new(2);
    CHECK_INT(wa_queue_close(q), 0);
    CHECK_INT(wa_queue_put(q, PTR(1)), WA_ECLOSED);
    CHECK_INT(wa_queue_len(q), 0);
    CHECK(wa_queue_close(q) == 0 || wa_queue_close(q) == WA_ECLOSED);
    CHECK_INT(wa_queue_free(q), 0);
}

static void test_cancel_finished_edone(void)
{
    wa_task *t = wa_spawn(noop, NULL);
    CHECK_INT(wa_await(t, NULL), 0);
    CHECK_INT(wa_cancel(t), WA_EDONE);
}

/* Every entry of the list in wasyncio/errors.h comes back from wa_error_name
 * and wa_strerror as written there; application codes share WA_EUSER's. */
static void test_error_names_from_the_list(void)
{
    size_t n = 0;
#define CHECK_ERROR(name, code, message)         \
    CHECK_INT(WA_##name, code);                  \
    CHECK_STR(wa_error_name(code), "WA_" #name); \
    CHECK_STR(wa_strerror(code), message);       \
    n++;
    WA_ERRORS(CHECK_ERROR)
#undef CHECK_ERROR
    CHECK(n > 20);
    CHECK_STR(wa_error_name(WA_EUSER - 5), "WA_EUSER");
    CHECK_STR(wa_strerror(WA_EUSER - 5), wa_strerror(WA_EUSER));
    CHECK(wa_error_name(-999) == NULL);
    CHECK(wa_error_name(12345) == NULL);
    CHECK_STR(wa_strerror(12345), "unknown error");
}

/* The version string is made from the numeric macros. */
static void test_version_macros(void)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", WASYNCIO_VERSION_MAJOR, WASYNCIO_VERSION_MINOR,
             WASYNCIO_VERSION_PATCH);
    CHECK_STR(WASYNCIO_VERSION, buf);
    CHECK_INT(WASYNCIO_VERSION_HEX, (WASYNCIO_VERSION_MAJOR << 16) | (WASYNCIO_VERSION_MINOR << 8) |
                                        WASYNCIO_VERSION_PATCH);
    /* 0.2 changed the API incompatibly (CHANGELOG.md): a program can ask. */
#if !WASYNCIO_VERSION_AT_LEAST(0, 2, 0) || \
    WASYNCIO_VERSION_AT_LEAST(0, 2, 1) != (WASYNCIO_VERSION_HEX > 0x000200)
#error "WASYNCIO_VERSION_AT_LEAST disagrees with WASYNCIO_VERSION_HEX"
#endif
    CHECK(WASYNCIO_VERSION_HEX >= 0x000200);
    CHECK_INT(WASYNCIO_VERSION_AT_LEAST(WASYNCIO_VERSION_MAJOR, WASYNCIO_VERSION_MINOR + 1, 0), 0);
}

/* The host's errno (Linux's, wasi-libc's WASI errnos, Emscripten's) through
 * the one table every backend uses (host/common/errno_map.c, internal):
 * every value is a code wasyncio defines, and the ones users meet are named. */
int wa__errno_code(int err);
static void test_errno_table(void)
{
    int undefined = 0;
    for (int e = 0; e < 1024; e++) {
        int c = wa__errno_code(e);
        if (c > 0 || !wa_error_name(c))
            undefined++;
    }
    CHECK_INT(undefined, 0);
    CHECK_INT(wa__errno_code(0), 0);
    CHECK_INT(wa__errno_code(ENOENT), WA_ENOENT);
    CHECK_INT(wa__errno_code(EACCES), WA_EACCES);
    CHECK_INT(wa__errno_code(EPERM), WA_EACCES);
    CHECK_INT(wa__errno_code(EADDRINUSE), WA_EADDRINUSE);
    CHECK_INT(wa__errno_code(EADDRNOTAVAIL), WA_EADDRNOTAVAIL);
    CHECK_INT(wa__errno_code(EMFILE), WA_EMFILE);
    CHECK_INT(wa__errno_code(ECONNREFUSED), WA_ECONNREFUSED);
    CHECK_INT(wa__errno_code(ECONNRESET), WA_ECONNRESET);
    CHECK_INT(wa__errno_code(EPIPE), WA_EPIPE);
    CHECK_INT(wa__errno_code(ETIMEDOUT), WA_ETIMEDOUT);
    CHECK_INT(wa__errno_code(EISDIR), WA_EINVAL);
    CHECK_INT(wa__errno_code(ENOMEM), WA_ENOMEM);
    CHECK_INT(wa__errno_code(EIO), WA_EIO);
#ifdef ENOTCAPABLE
    CHECK_INT(wa__errno_code(ENOTCAPABLE), WA_ENOTCAPABLE);
#endif
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_errno_table),
    WA_H_TEST(test_strerror_distinct),
    WA_H_TEST(test_error_names_from_the_list),
    WA_H_TEST(test_version_macros),
    WA_H_TEST(test_null_args_tasks),
    WA_H_TEST(test_await_self_edeadlk),
    WA_H_TEST(test_await_cycle_edeadlk),
    WA_H_TEST(test_gen_double_close_eclosed),
    WA_H_TEST(test_queue_put_closed_eclosed),
    WA_H_TEST(test_cancel_finished_edone),
    {0},
};

int main(void) { return wa_h_main(tests); }
