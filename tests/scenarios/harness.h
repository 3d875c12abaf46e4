/* harness.h: the small test harness of the scenario programs, which run
 * unchanged on every target (native, WASI, browser), where cmocka cannot
 * (no setjmp in wasi-libc, no process in a page).
 *
 * A scenario is a list of test functions run one after another inside ONE
 * main task of ONE wa_run: the browser's wa_run never returns once the main
 * task suspends, so everything, the summary included, happens inside it.
 * The program prints each failed check, then `N passed, N failed`, and exits
 * non-zero on failures (the main task fails, so wa_run reports it).
 *
 *   static void test_x(void) { CHECK_INT(wa_yield(), 0); }
 *   static const wa_h_test tests[] = { WA_H_TEST(test_x), {0} };
 *   int main(void) { return wa_h_main(tests); }
 *
 * One case, or a few: WASYNCIO_TEST_FILTER='test_x' (a glob: * and ?, on
 * the whole name, as cmocka's cmocka_set_test_filter) runs only the cases it
 * matches, on every target (the WASI and Node runners pass WASYNCIO_*
 * variables through). The summary then counts only those.
 *
 * This is the default home of a core behaviour test. The helpers below
 * (CHECK_PTR, PTR, INT, spawn_named, yield_n) carry the same names as in
 * tests/native/test_util.h, so a case moves between the two unchanged.
 */
#ifndef WA_SCENARIO_HARNESS_H
#define WA_SCENARIO_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio.h>

typedef struct wa_h_test {
    const char *name;
    void (*fn)(void);
} wa_h_test;
#define WA_H_TEST(f) {#f, f}

static int wa_h_passed, wa_h_failed;
static const char *wa_h_current = "";

static inline void wa_h_fail(const char *file, int line, const char *what)
{
    wa_h_failed++;
    printf("FAIL %s: %s:%d: %s\n", wa_h_current, file, line, what);
    fflush(stdout);
}

#define CHECK(cond)                               \
    do {                                          \
        if (cond)                                 \
            wa_h_passed++;                        \
        else                                      \
            wa_h_fail(__FILE__, __LINE__, #cond); \
    } while (0)

static inline void wa_h_fail_int(const char *file, int line, const char *what, long long got,
                                 long long want)
{
    wa_h_failed++;
    printf("FAIL %s: %s:%d: %s: got %lld, want %lld\n", wa_h_current, file, line, what, got, want);
    fflush(stdout);
}

static inline void wa_h_fail_str(const char *file, int line, const char *what, const char *got,
                                 const char *want)
{
    wa_h_failed++;
    printf("FAIL %s: %s:%d: %s: got \"%s\", want \"%s\"\n", wa_h_current, file, line, what,
           got ? got : "(null)", want ? want : "(null)");
    fflush(stdout);
}

/* Integer equality, printing both sides when it fails. */
#define CHECK_INT(got, want)                                                      \
    do {                                                                          \
        long long wa_h_g = (long long)(got), wa_h_w = (long long)(want);          \
        if (wa_h_g == wa_h_w)                                                     \
            wa_h_passed++;                                                        \
        else                                                                      \
            wa_h_fail_int(__FILE__, __LINE__, #got " == " #want, wa_h_g, wa_h_w); \
    } while (0)

#define CHECK_STR(got, want)                                         \
    do {                                                             \
        const char *wa_h_g = (got), *wa_h_w = (want);                \
        if (wa_h_g && wa_h_w && strcmp(wa_h_g, wa_h_w) == 0)         \
            wa_h_passed++;                                           \
        else                                                         \
            wa_h_fail_str(__FILE__, __LINE__, #got, wa_h_g, wa_h_w); \
    } while (0)

#define CHECK_PTR(got, want) CHECK((const void *)(got) == (const void *)(want))

/* An order trace: tests append short tokens (printf-style) and compare the
 * whole string, so an ordering failure shows the full sequence. */
static char wa_h_trace[512];
static inline void wa_h_trace_reset(void) { wa_h_trace[0] = '\0'; }
__attribute__((format(printf, 1, 2))) static inline void wa_h_note(const char *fmt, ...)
{
    char tok[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tok, sizeof tok, fmt, ap);
    va_end(ap);
    size_t n = strlen(wa_h_trace);
    if (n + strlen(tok) + 2 < sizeof wa_h_trace) {
        if (n)
            strcat(wa_h_trace, " ");
        strcat(wa_h_trace, tok);
    }
}

#include "task_helpers.h" /* PTR, INT, spawn_named, yield_n */

/* 1 when name matches the glob pattern (* any run, ? any one character). */
static inline int wa_h_glob(const char *pattern, const char *name)
{
    const char *star = NULL, *resume = NULL;
    while (*name) {
        if (*pattern == '*') {
            star = pattern++;
            resume = name;
        } else if (*pattern == '?' || *pattern == *name) {
            pattern++;
            name++;
        } else if (star) {
            pattern = star + 1;
            name = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

static void *wa_h_main_task(void *arg)
{
    const wa_h_test *t = arg;
    const char *filter = getenv("WASYNCIO_TEST_FILTER");
    int ran = 0;
    if (filter && !*filter)
        filter = NULL;
    for (; t->name; t++) {
        if (filter && !wa_h_glob(filter, t->name))
            continue;
        ran++;
        wa_h_current = t->name;
        wa_h_trace_reset();
        t->fn();
    }
    if (filter)
        printf("WASYNCIO_TEST_FILTER=%s: %d case%s ran\n", filter, ran, ran == 1 ? "" : "s");
    printf("%d passed, %d failed\n", wa_h_passed, wa_h_failed);
    fflush(stdout);
    if (wa_h_failed)
        return wa_raise(WA_EFAILED, "%d checks failed", wa_h_failed);
    return NULL;
}

static int wa_h_main(const wa_h_test *tests)
{
    int rc = wa_run(wa_h_main_task, (void *)tests, NULL);
    return rc == 0 && wa_h_failed == 0 ? 0 : 1;
}

#endif
