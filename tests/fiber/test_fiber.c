/* test_fiber.c: behaviour of the native fiber layer (fiber/fiber.h), a
 * cmocka suite run plain and under ASan (make test-native, test-asan): the
 * portable fiber cases (tests/fiber/fiber_cases.h, which every fiber
 * harness runs), then what is native's own: pool reuse, stack sizes, the
 * floating-point environment, and the overflow / misuse messages (in forked
 * children, so an abort is the expected outcome).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fiber/fiber.h"
#include <wasyncio.h>

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif
#ifndef T_ASAN
#define T_ASAN 0
#endif

static int setup(void **state)
{
    (void)state;
    return wa__fiber_init(NULL);
}

static int teardown(void **state)
{
    (void)state;
    wa__fiber_shutdown();
    return 0;
}

/* The portable cases (switch order, many fibers, deep stacks, registers,
 * alignment, bad input), each a cmocka test named test_<case>. */
#define FIBER_CHECK(cond) assert_true(cond)
#include "fiber_cases.h"
#define CMOCKA_WRAPPER(name)              \
    static void test_##name(void **state) \
    {                                     \
        (void)state;                      \
        name();                           \
    }
FIBER_CASES(CMOCKA_WRAPPER)

/* A fiber body must never return; every test body ends parked forever. */
static void park_forever(wa_fiber *self)
{
    for (;;)
        wa__fiber_switch(self, wa__fiber_main());
}

static wa_fiber *fa, *fb;

/* ------------------------------------------------------ pool reuse */

static void *noop_body(void *arg)
{
    wa_fiber **self = arg;
    park_forever(*self);
    return NULL;
}

static void test_pool_reuse(void **state)
{
    (void)state;
    wa_fiber *f1, *f2;
    assert_int_equal(wa__fiber_create(&f1, 0, 0, noop_body, &f1, NULL), 0);
    wa__fiber_switch(wa__fiber_main(), f1);
    wa__fiber_free(f1);
    assert_int_equal(wa__fiber_create(&f2, 0, 0, noop_body, &f2, NULL), 0);
    assert_ptr_equal(f1, f2);               /* the warm stack came back */
    wa__fiber_switch(wa__fiber_main(), f2); /* and it starts afresh */
    wa__fiber_free(f2);
    /* Harmless: freeing NULL, the main fiber, or twice. */
    wa__fiber_free(NULL);
    wa__fiber_free(wa__fiber_main());
    wa__fiber_free(f2);
    wa_fiber *g1, *g2;
    assert_int_equal(wa__fiber_create(&g1, 0, 0, noop_body, &g1, NULL), 0);
    assert_int_equal(wa__fiber_create(&g2, 0, 0, noop_body, &g2, NULL), 0);
    assert_ptr_not_equal(g1, g2); /* the double free did not duplicate it */
    wa__fiber_free(g1);
    wa__fiber_free(g2);
}

/* Churn past the pool cap so stacks are given back and slabs unmapped. */
static void test_pool_churn(void **state)
{
    (void)state;
    enum { N = 2500 };
    static wa_fiber *f[N];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            assert_int_equal(wa__fiber_create(&f[i], 48 * 1024, 0, noop_body, &f[i], NULL), 0);
            wa__fiber_switch(wa__fiber_main(), f[i]);
        }
        for (int i = 0; i < N; i++)
            wa__fiber_free(f[i]);
    }
}

/* --------------------------------------------------- stack sizes */

static __attribute__((noinline)) long recurse(int n, int limit)
{
    volatile char buf[1000];
    buf[0] = (char)n;
    buf[sizeof buf - 1] = 1;
    if (n >= limit)
        return buf[sizeof buf - 1];
    return recurse(n + 1, limit) + buf[sizeof buf - 1]; /* no tail call */
}

struct deep {
    wa_fiber *f;
    int depth;
    long got;
};

static void *deep_body(void *arg)
{
    struct deep *d = arg;
    d->got = recurse(0, d->depth);
    park_forever(d->f);
    return NULL;
}

static void test_deep_recursion_fits(void **state)
{
    (void)state;
    /* ~120 KB of frames in the default stack (256 KiB, 1 MiB under ASan). */
    struct deep d = {.depth = T_ASAN ? 200 : 100};
    assert_int_equal(wa__fiber_create(&d.f, 0, 0, deep_body, &d, NULL), 0);
    wa__fiber_switch(wa__fiber_main(), d.f);
    assert_int_equal(d.got, d.depth + 1);
    wa__fiber_free(d.f);
}

static void test_per_fiber_stack_size(void **state)
{
    (void)state;
    /* 2 MB of frames: more than any default, fits in an 8 MiB stack. */
    struct deep d = {.depth = 2000};
    assert_int_equal(wa__fiber_create(&d.f, 8u << 20, 0, deep_body, &d, NULL), 0);
    wa__fiber_switch(wa__fiber_main(), d.f);
    assert_int_equal(d.got, d.depth + 1);
    wa__fiber_free(d.f);
    /* Odd sizes are rounded up, tiny ones raised to a usable minimum. */
    struct deep e = {.depth = 5};
    assert_int_equal(wa__fiber_create(&e.f, 1, 0, deep_body, &e, NULL), 0);
    wa__fiber_switch(wa__fiber_main(), e.f);
    assert_int_equal(e.got, 6);
    wa__fiber_free(e.f);
}

static void test_default_stack_setting(void **state)
{
    (void)state;
    size_t old = wa__fiber_default_stack();
    assert_true(old >= 64 * 1024);
    wa__fiber_set_default_stack(100000);
    assert_true(wa__fiber_default_stack() >= 100000);
    assert_int_equal(wa__fiber_default_stack() % 4096, 0);
    wa__fiber_set_default_stack(old);
    assert_int_equal(wa__fiber_default_stack(), old);
}

/* ------------------------------------------------------ FP state */

/* The rounding mode is per fiber: set in one, it does not leak to main. */
static int fiber_round;
static void *fp_body(void *arg)
{
    (void)arg;
    fesetround(FE_DOWNWARD);
    wa__fiber_switch(fa, wa__fiber_main());
    fiber_round = fegetround();
    park_forever(fa);
    return NULL;
}

static void test_fp_environment(void **state)
{
    (void)state;
    fesetround(FE_TONEAREST);
    assert_int_equal(wa__fiber_create(&fa, 0, 0, fp_body, NULL, NULL), 0);
    wa__fiber_switch(wa__fiber_main(), fa);
    assert_int_equal(fegetround(), FE_TONEAREST); /* not leaked to main */
    fesetround(FE_UPWARD);
    wa__fiber_switch(wa__fiber_main(), fa);
    assert_int_equal(fiber_round, FE_DOWNWARD); /* kept by the fiber */
    assert_int_equal(fegetround(), FE_UPWARD);
    fesetround(FE_TONEAREST);
    wa__fiber_free(fa);
}

static void test_reinit(void **state)
{
    (void)state;
    wa__fiber_shutdown();
    assert_null(wa__fiber_main());
    assert_int_equal(wa__fiber_init(NULL), 0);
    assert_non_null(wa__fiber_main());
    fiber_main_order(); /* fibers switch as before */
}

/* ---------------------------------------- deaths, in forked children */

/* Run fn in a child with stderr on a pipe; return its wait status and
 * what it wrote. The child uses fibers created after the fork. */
static int run_child(void (*fn)(void), char *out, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        print_error("fork: %s\n", strerror(errno));
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 2);
        /* Drop the test framework's fault handlers; wa__fiber_init puts
         * the overflow reporter back in front of the default action. */
        signal(SIGABRT, SIG_DFL);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        wa__fiber_init(NULL);
        fn();
        _exit(0); /* not reached when the test works */
    }
    close(p[1]);
    size_t len = 0;
    ssize_t r;
    while ((r = read(p[0], out + len, cap - 1 - len)) > 0 && len + 1 < cap)
        len += (size_t)r;
    out[len] = 0;
    close(p[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void *overflow_body(void *arg)
{
    (void)arg;
    recurse(0, 1 << 30);
    park_forever(fa);
    return NULL;
}

static void child_overflow(void)
{
    /* A 64 KiB stack and unbounded recursion: hits the guard page. */
    if (wa__fiber_create(&fa, 64 * 1024, 0, overflow_body, NULL, NULL) != 0)
        _exit(3);
    wa__fiber_switch(wa__fiber_main(), fa);
}

static void test_overflow_message(void **state)
{
    (void)state;
    char out[4096];
    int st = run_child(child_overflow, out, sizeof out);
    assert_true(WIFSIGNALED(st));
    if (!T_ASAN) /* ASan may report it its own way and exit */
        assert_int_equal(WTERMSIG(st), SIGABRT);
    assert_non_null(strstr(out, "stack overflow"));
    if (getenv("WA_TEST_SHOW"))
        print_message("%s", out);
    if (!T_ASAN) {
        assert_non_null(strstr(out, "(stack 65536 bytes)"));
        assert_non_null(strstr(out, "wa_set_default_stack_size"));
    }
}

/* Past the guard budget stacks have no guard page; a fiber that overruns
 * its limit (into the gap below) is caught by the canary when it leaves. */
static __attribute__((noinline)) long recurse_fill(int n, int limit)
{
    volatile char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)n;
    if (n >= limit)
        return buf[7];
    return recurse_fill(n + 1, limit) + buf[7];
}

static void *canary_body(void *arg)
{
    (void)arg;
    recurse_fill(0, 24); /* ~25 KB of frames on a 16 KiB stack */
    wa__fiber_switch(fb, wa__fiber_main());
    _exit(4);
    return NULL;
}

static void child_canary(void)
{
    wa_fiber *f = NULL;
    for (int i = 0; i < 20000; i++) /* guard budget is at most 16384 */
        if (wa__fiber_create(&f, 16 * 1024, 0, noop_body, NULL, NULL) != 0)
            _exit(3);
    if (wa__fiber_create(&fb, 16 * 1024, 0, canary_body, NULL, NULL) != 0)
        _exit(3);
    wa__fiber_switch(wa__fiber_main(), fb);
    _exit(5);
}

static void test_canary_message(void **state)
{
    (void)state;
    char out[4096];
    int st = run_child(child_canary, out, sizeof out);
    if (!WIFSIGNALED(st))
        print_error("child status %#x, stderr: %s\n", st, out);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
    assert_non_null(strstr(out, "stack overflow"));
    assert_non_null(strstr(out, "canary"));
}

static void *returning_body(void *arg) { return arg; }

static void child_return(void)
{
    if (wa__fiber_create(&fa, 0, 0, returning_body, NULL, NULL) != 0)
        _exit(3);
    wa__fiber_switch(wa__fiber_main(), fa);
}

static void test_entry_return_aborts(void **state)
{
    (void)state;
    char out[4096];
    int st = run_child(child_return, out, sizeof out);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
    assert_non_null(strstr(out, "body returned with nowhere to go"));
}

/* A fault that is not a fiber overflow keeps its normal behaviour. */
static void child_plain_segv(void)
{
    static volatile uintptr_t where = 16;
    *(volatile int *)where = 1;
}

static void test_other_fault_untouched(void **state)
{
    (void)state;
    char out[4096];
    int st = run_child(child_plain_segv, out, sizeof out);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSEGV);
    assert_null(strstr(out, "stack overflow"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define CMOCKA_ENTRY(name) cmocka_unit_test_setup_teardown(test_##name, setup, teardown),
        FIBER_CASES(CMOCKA_ENTRY) cmocka_unit_test_setup_teardown(test_pool_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_churn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_recursion_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_fiber_stack_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_stack_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fp_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reinit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canary_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_return_aborts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_fault_untouched, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
