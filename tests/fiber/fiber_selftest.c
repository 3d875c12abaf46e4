/* fiber_selftest.c: tests the Asyncify fiber backend alone, without the core:
 * ping-pong between two fibers, many fibers, deep call stacks whose locals
 * and shadow-stack arrays must survive switches, and (by argument) the two
 * overflow reports. Prints `N passed, N failed`. wasi/build.mk builds it as
 * build/wasi/tools/fiber_selftest.wasm; wasi/test-wasi.sh runs it under
 * node:wasi and jco.
 *
 * Usage: fiber_selftest.wasm [overflow-aux | overflow-stack | bench N DEPTH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fiber/fiber.h"

static int passed, failed;
#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond)                                                            \
            passed++;                                                        \
        else {                                                               \
            failed++;                                                        \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
        }                                                                    \
    } while (0)

static const char *cur_name = NULL;
static const char *get_cur_name(void) { return cur_name; }

/* ---- ping-pong: A and B hand control to each other directly */
static wa_fiber *fa, *fb, *fmain;
static char trace[64];
static int tlen;

static void *ping(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        trace[tlen++] = 'a';
        wa__fiber_switch(fa, fb);
    }
    trace[tlen++] = 'A';
    wa__fiber_switch(fa, fmain);
    return NULL;
}

static void *pong(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        trace[tlen++] = 'b';
        wa__fiber_switch(fb, fa);
    }
    return NULL;
}

static void test_pingpong(void)
{
    fmain = wa__fiber_main();
    CHECK(wa__fiber_create(&fa, 0, 0, ping, NULL, NULL) == 0);
    CHECK(wa__fiber_create(&fb, 0, 0, pong, NULL, NULL) == 0);
    wa__fiber_switch(fmain, fa);
    trace[tlen] = 0;
    CHECK(strcmp(trace, "ababab" "A") == 0);
    wa__fiber_free(fa);
    wa__fiber_free(fb); /* pong is parked mid-loop: freeing a parked fiber is fine */
}

/* ---- many fibers, each switching back to main several times */
#define MANY 2000
static wa_fiber *many[MANY];
static int counts[MANY];

static void *counter(void *arg)
{
    int i = (int)(long)arg;
    for (;;) {
        counts[i]++;
        wa__fiber_switch(many[i], fmain);
    }
    return NULL;
}

static void test_many(void)
{
    int ok = 1;
    for (int i = 0; i < MANY; i++)
        ok &= wa__fiber_create(&many[i], 0, 0, counter, (void *)(long)i, NULL) == 0;
    CHECK(ok);
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < MANY; i++)
            wa__fiber_switch(fmain, many[i]);
    ok = 1;
    for (int i = 0; i < MANY; i++)
        ok &= counts[i] == 5;
    CHECK(ok);
    for (int i = 0; i < MANY; i++)
        wa__fiber_free(many[i]);
}

/* ---- deep stacks: arrays on the shadow stack and locals survive */
static wa_fiber *d1, *d2;

__attribute__((noinline)) static long deep(wa_fiber *self, wa_fiber *other, int depth,
                                           long seed)
{
    volatile char pad[64];
    for (int i = 0; i < 64; i++)
        pad[i] = (char)(seed + i + depth);
    long r;
    if (depth == 0) {
        wa__fiber_switch(self, other);
        r = seed;
    } else {
        r = deep(self, other, depth - 1, seed * 3 + depth) + depth;
    }
    for (int i = 0; i < 64; i++)
        if (pad[i] != (char)(seed + i + depth))
            return -1000000;
    return r;
}

static long deep_expect(int depth, long seed)
{
    if (depth == 0)
        return seed;
    return deep_expect(depth - 1, seed * 3 + depth) + depth;
}

static long res1, res2;
static void *deep1(void *arg)
{
    (void)arg;
    res1 = deep(d1, d2, 32, 7);
    wa__fiber_switch(d1, d2);
    return NULL;
}
static void *deep2(void *arg)
{
    (void)arg;
    res2 = deep(d2, d1, 32, 11);
    wa__fiber_switch(d2, fmain);
    return NULL;
}

static void test_deep(void)
{
    CHECK(wa__fiber_create(&d1, 16384, 4096, deep1, NULL, NULL) == 0);
    CHECK(wa__fiber_create(&d2, 16384, 4096, deep2, NULL, NULL) == 0);
    wa__fiber_switch(fmain, d1);
    CHECK(res1 == deep_expect(32, 7));
    CHECK(res2 == deep_expect(32, 11));
    wa__fiber_free(d1);
    wa__fiber_free(d2);
}

/* ---- errors */
static void *noop(void *arg) { return arg; }
static void test_errors(void)
{
    wa_fiber *f;
    CHECK(wa__fiber_create(NULL, 0, 0, noop, NULL, NULL) < 0);
    CHECK(wa__fiber_create(&f, 0, 0, NULL, NULL, NULL) < 0);
    CHECK(wa__fiber_create(&f, (size_t)1 << 30, 0, noop, NULL, NULL) < 0);
    CHECK(wa__fiber_create(&f, 1, 1, noop, NULL, NULL) == 0); /* clamped up to minimums */
    wa__fiber_free(f);
}

/* ---- overflow reports (each aborts the process) */
static wa_fiber *fo;
/* Called through a volatile pointer so the optimiser keeps real frames. */
static int (*volatile recurse_ptr)(int, int);
__attribute__((noinline)) static int recurse_switch(int n, int acc)
{
    if (n == 0) {
        wa__fiber_switch(fo, fmain);
        return acc;
    }
    int r = recurse_ptr(n - 1, acc + n);
    return r * 3 + n;
}
static void *overflow_aux(void *arg)
{
    (void)arg;
    recurse_ptr = recurse_switch;
    recurse_switch(200, 0);
    wa__fiber_switch(fo, fmain);
    return NULL;
}
__attribute__((noinline)) static int eat_stack(int n)
{
    volatile char big[512];
    for (int i = 0; i < 512; i++)
        big[i] = (char)n;
    if (n == 0) {
        wa__fiber_switch(fo, fmain);
        return big[0];
    }
    return eat_stack(n - 1) + big[0];
}
static void *overflow_stack(void *arg)
{
    (void)arg;
    eat_stack(22); /* ~12 KiB on an 8 KiB stack; the 8 KiB buffer absorbs it */
    wa__fiber_switch(fo, fmain);
    return NULL;
}

/* ---- switch benchmark: two fibers ping-pong at a given call depth */
static long bench_left;
static wa_fiber *b1, *b2;
static int (*volatile bench_ptr)(wa_fiber *, wa_fiber *, int);
__attribute__((noinline)) static int bench_at(wa_fiber *self, wa_fiber *other, int depth)
{
    if (depth > 1)
        return bench_ptr(self, other, depth - 1) + 1;
    while (bench_left-- > 0)
        wa__fiber_switch(self, other);
    return 0;
}
static int bench_depth;
static void *bench1(void *arg)
{
    (void)arg;
    bench_at(b1, b2, bench_depth);
    wa__fiber_switch(b1, fmain);
    return NULL;
}
static void *bench2(void *arg)
{
    (void)arg;
    bench_at(b2, b1, bench_depth);
    wa__fiber_switch(b2, fmain);
    return NULL;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    wa__fiber_init(&(wa_fiber_hooks){.running_name = get_cur_name});
    fmain = wa__fiber_main();
    if (argc > 1 && strcmp(argv[1], "overflow-aux") == 0) {
        cur_name = "deep-one";
        wa__fiber_create(&fo, 0, 512, overflow_aux, NULL, NULL);
        wa__fiber_switch(fmain, fo);
        printf("no overflow detected\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "overflow-stack") == 0) {
        cur_name = "greedy";
        wa__fiber_create(&fo, 8192, 8192, overflow_stack, NULL, NULL);
        wa__fiber_switch(fmain, fo);
        printf("no overflow detected\n");
        return 0;
    }
    if (argc > 3 && strcmp(argv[1], "bench") == 0) {
        long n = atol(argv[2]);
        bench_depth = atoi(argv[3]);
        bench_ptr = bench_at;
        bench_left = n;
        wa__fiber_create(&b1, 0, 4096, bench1, NULL, NULL);
        wa__fiber_create(&b2, 0, 4096, bench2, NULL, NULL);
        double t0 = now_ns();
        wa__fiber_switch(fmain, b1);
        double t1 = now_ns();
        printf("%.1f\n", (t1 - t0) / (double)n);
        return 0;
    }
    test_pingpong();
    test_many();
    test_deep();
    test_errors();
    wa__fiber_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
