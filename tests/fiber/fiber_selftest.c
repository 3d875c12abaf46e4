/* fiber_selftest.c: the Asyncify fiber backend alone, without the core: the
 * portable fiber cases (fiber_cases.h: switch order, many fibers, deep
 * stacks whose locals and shadow-stack arrays survive switches, ...) and,
 * by argument, the two wasm overflow reports and the switch benchmark.
 * Prints `N passed, N failed`. wasi/build.mk builds it as
 * build/wasi/tools/fiber_selftest.wasm; tests/wasi/run.sh runs it under
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
#define CHECK(cond)                                                \
    do {                                                           \
        if (cond)                                                  \
            passed++;                                              \
        else {                                                     \
            failed++;                                              \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                          \
    } while (0)

#define FIBER_CHECK CHECK
#include "fiber_cases.h"

static const char *cur_name = NULL;
static const char *get_cur_name(void) { return cur_name; }
static wa_fiber *fmain;

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
#define RUN_CASE(name) name();
    FIBER_CASES(RUN_CASE)
    wa__fiber_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
