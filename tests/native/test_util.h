/* test_util.h: the helper header of the native-only cmocka tests
 * (tests/native/): checks that are safe inside tasks, an ordered trace,
 * running a main task, and running code in a forked child with its stderr
 * captured. A test that needs none of the native machinery (threads, the
 * native HTTP client/server, fork/stderr, sanitizers) belongs in
 * tests/scenarios/ instead; CHECK_PTR, PTR, INT, spawn_named and yield_n are
 * named as in tests/scenarios/harness.h so a case moves between the two.
 *
 * cmocka's assert_* longjmp out of the failing test; doing that from a task's
 * fiber stack would abandon the loop half-way. So code running inside tasks
 * uses CHECK*, which only records the first failure, and the test asserts
 * after wa_run() has returned (run_main / expect_clean).
 */
#ifndef WA_TEST_UTIL_H
#define WA_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <wasyncio.h>

/* ------------------------------------------------------------ checks */

static char tu_fail[1024];
static int tu_failures;

static inline void tu_record(const char *file, int line, const char *fmt, ...)
{
    if (tu_failures++ == 0) {
        int n = snprintf(tu_fail, sizeof tu_fail, "%s:%d: ", file, line);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tu_fail + n, sizeof tu_fail - (size_t)n, fmt, ap);
        va_end(ap);
    }
}

#define CHECK(cond)                                            \
    do {                                                       \
        if (!(cond))                                           \
            tu_record(__FILE__, __LINE__, "CHECK(%s)", #cond); \
    } while (0)

#define CHECK_EQ(a, b)                                                                            \
    do {                                                                                          \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                                 \
        if (tu_a_ != tu_b_)                                                                       \
            tu_record(__FILE__, __LINE__, "%s == %s: got %lld, want %lld", #a, #b, tu_a_, tu_b_); \
    } while (0)

#define CHECK_PTR(a, b)                                                                       \
    do {                                                                                      \
        const void *tu_a_ = (const void *)(a), *tu_b_ = (const void *)(b);                    \
        if (tu_a_ != tu_b_)                                                                   \
            tu_record(__FILE__, __LINE__, "%s == %s: got %p, want %p", #a, #b, tu_a_, tu_b_); \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *tu_a_ = (a), *tu_b_ = (b);                               \
        if (!tu_a_ || strcmp(tu_a_, tu_b_) != 0)                             \
            tu_record(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", #a, \
                      tu_a_ ? tu_a_ : "(null)", tu_b_);                      \
    } while (0)

/* ------------------------------------------------------------ trace */

/* Space-separated log of events, compared as a whole string so an ordering
 * failure shows the full sequence. */
static char tu_trace[4096];

static inline void trace(const char *fmt, ...)
{
    size_t n = strlen(tu_trace);
    if (n && n < sizeof tu_trace - 1)
        tu_trace[n++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tu_trace + n, sizeof tu_trace - n, fmt, ap);
    va_end(ap);
}

static inline void tu_reset(void)
{
    tu_fail[0] = 0;
    tu_failures = 0;
    tu_trace[0] = 0;
}

/* Fail the cmocka test if a task recorded a failure. */
#define expect_clean()               \
    do {                             \
        if (tu_failures)             \
            fail_msg("%s", tu_fail); \
    } while (0)

#define expect_trace(want) assert_string_equal(tu_trace, (want))

/* Run fn as the main task; wa_run must return 0 and no CHECK may fail. */
#define run_main(fn, arg)                           \
    do {                                            \
        tu_reset();                                 \
        void *tu_res_ = NULL;                       \
        int tu_rc_ = wa_run((fn), (arg), &tu_res_); \
        expect_clean();                             \
        assert_int_equal(tu_rc_, 0);                \
    } while (0)

/* ------------------------------------------------------------ helpers */

#include "task_helpers.h" /* PTR, INT, spawn_named, yield_n */

/* ------------------------------------------------------------ child */

typedef struct child_out {
    int status;      /* waitpid status */
    char err[16384]; /* captured stderr, NUL-terminated */
    char out[4096];  /* captured stdout */
} child_out;

static inline void tu_slurp(FILE *f, char *buf, size_t cap)
{
    rewind(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

/* Run fn(arg) in a forked child with stdout and stderr going to temp files;
 * the child exits with fn's return value. Needed for anything that aborts,
 * exits, or whose stderr we must read. */
static inline void run_child(int (*fn)(void *), void *arg, child_out *co)
{
    FILE *err = tmpfile(), *out = tmpfile();
    assert_non_null(err);
    assert_non_null(out);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fileno(err), 2);
        dup2(fileno(out), 1);
        int rc = fn(arg);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    assert_int_equal(waitpid(pid, &co->status, 0), pid);
    tu_slurp(err, co->err, sizeof co->err);
    tu_slurp(out, co->out, sizeof co->out);
}

#define expect_contains(hay, needle)                                     \
    do {                                                                 \
        if (!strstr((hay), (needle)))                                    \
            fail_msg("expected \"%s\" in output:\n%s", (needle), (hay)); \
    } while (0)

#define expect_not_contains(hay, needle)                                       \
    do {                                                                       \
        if (strstr((hay), (needle)))                                           \
            fail_msg("did not expect \"%s\" in output:\n%s", (needle), (hay)); \
    } while (0)

#if defined(__SANITIZE_ADDRESS__)
#define TU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_ASAN 1
#endif
#endif
#ifndef TU_ASAN
#define TU_ASAN 0
#endif

#endif
