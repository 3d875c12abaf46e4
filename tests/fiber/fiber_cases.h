/* fiber_cases.h: the fiber layer's portable cases, written once. They use
 * src/fiber/fiber.h alone (no core, no loop) and run under every fiber
 * harness, as the scenarios run on every target:
 *   test_fiber.c      cmocka, native, plain and under ASan+UBSan
 *                     (make test-native, make test-asan)
 *   fiber_check.c     each CPU and switch variant this machine can run:
 *                     the asm switch, ucontext, the other CPU under qemu-user
 *                     (make test-fiber)
 *   fiber_selftest.c  the Asyncify backend on wasm (make test-wasi)
 * What only one backend can show (guard pages, pools, forked deaths, wasm
 * overflow reports) stays in that harness.
 *
 * The includer defines FIBER_CHECK(cond) and calls wa__fiber_init before a
 * case runs. A case frees every fiber it makes, and no fiber body returns
 * (a body that returns with no end hook is misuse). FIBER_CASES(X) lists
 * the cases: X(name) for each function `static void name(void)`.
 */
#ifndef WA_TESTS_FIBER_CASES_H
#define WA_TESTS_FIBER_CASES_H

#include <stdint.h>
#include <string.h>

#include <wasyncio.h>

#include "fiber/fiber.h"

#ifndef FIBER_CHECK
#error "define FIBER_CHECK(cond) before including fiber_cases.h"
#endif

#define FIBER_CASES(X)  \
    X(fiber_main_order) \
    X(fiber_ping_pong)  \
    X(fiber_symmetric)  \
    X(fiber_many)       \
    X(fiber_deep)       \
    X(fiber_registers)  \
    X(fiber_alignment)  \
    X(fiber_bad_input)

/* An order log: each fiber appends one letter as it runs. */
static char fc_order[64];
static size_t fc_order_len;
static void fc_mark(char c)
{
    if (fc_order_len + 1 < sizeof fc_order)
        fc_order[fc_order_len++] = c;
    fc_order[fc_order_len] = 0;
}
static void fc_order_reset(void)
{
    fc_order_len = 0;
    fc_order[0] = 0;
}

/* Every body ends here: parked for good, freed by the case. */
static void fc_park_forever(wa_fiber *self)
{
    for (;;)
        wa__fiber_switch(self, wa__fiber_main());
}

static wa_fiber *fc_a, *fc_b;

/* ---- main and one fiber take turns; nothing runs before the first switch */
static void *fc_turns(void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) {
        fc_mark('a');
        wa__fiber_switch(fc_a, wa__fiber_main());
    }
    fc_mark('A');
    fc_park_forever(fc_a);
    return NULL;
}

static void fiber_main_order(void)
{
    static int n = 3;
    fc_order_reset();
    FIBER_CHECK(wa__fiber_create(&fc_a, 0, 0, fc_turns, &n, NULL) == 0);
    FIBER_CHECK(fc_order[0] == 0);
    for (int i = 0; i < 4; i++) {
        fc_mark('m');
        wa__fiber_switch(wa__fiber_main(), fc_a);
    }
    FIBER_CHECK(strcmp(fc_order, "mamamamA") == 0);
    wa__fiber_free(fc_a);
}

/* ---- two fibers hand control to each other directly, never through main */
static void *fc_ping(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        fc_mark('a');
        wa__fiber_switch(fc_a, fc_b);
    }
    fc_mark('A');
    fc_park_forever(fc_a);
    return NULL;
}

static void *fc_pong(void *arg)
{
    (void)arg;
    for (;;) {
        fc_mark('b');
        wa__fiber_switch(fc_b, fc_a);
    }
    return NULL;
}

static void fiber_ping_pong(void)
{
    fc_order_reset();
    FIBER_CHECK(wa__fiber_create(&fc_a, 0, 0, fc_ping, NULL, NULL) == 0);
    FIBER_CHECK(wa__fiber_create(&fc_b, 0, 0, fc_pong, NULL, NULL) == 0);
    wa__fiber_switch(wa__fiber_main(), fc_a);
    FIBER_CHECK(strcmp(fc_order, "abababA") == 0);
    wa__fiber_free(fc_a);
    wa__fiber_free(fc_b); /* parked mid-loop: freeing a parked fiber is fine */
}

/* ---- a fiber switches to another, which ends the chain back in main */
static void *fc_sym_a(void *arg)
{
    (void)arg;
    fc_mark('1');
    wa__fiber_switch(fc_a, fc_b);
    fc_mark('3');
    wa__fiber_switch(fc_a, fc_b);
    fc_park_forever(fc_a);
    return NULL;
}

static void *fc_sym_b(void *arg)
{
    (void)arg;
    fc_mark('2');
    wa__fiber_switch(fc_b, fc_a);
    fc_mark('4');
    fc_park_forever(fc_b);
    return NULL;
}

static void fiber_symmetric(void)
{
    fc_order_reset();
    FIBER_CHECK(wa__fiber_create(&fc_a, 0, 0, fc_sym_a, NULL, NULL) == 0);
    FIBER_CHECK(wa__fiber_create(&fc_b, 0, 0, fc_sym_b, NULL, NULL) == 0);
    wa__fiber_switch(wa__fiber_main(), fc_a);
    fc_mark('M');
    FIBER_CHECK(strcmp(fc_order, "1234M") == 0);
    wa__fiber_free(fc_a);
    wa__fiber_free(fc_b);
}

/* ---- many parked fibers, resumed in reverse order; locals survive */
#define FC_MANY 2000
struct fc_worker {
    wa_fiber *f;
    int id;
    long sum;
    int done;
};

static void *fc_worker_body(void *arg)
{
    struct fc_worker *w = arg;
    long local = w->id; /* lives on this fiber's stack across switches */
    wa__fiber_switch(w->f, wa__fiber_main());
    local *= 3;
    wa__fiber_switch(w->f, wa__fiber_main());
    w->sum = local + 1;
    w->done = 1;
    fc_park_forever(w->f);
    return NULL;
}

static void fiber_many(void)
{
    static struct fc_worker w[FC_MANY];
    int created = 1, done = 1;
    for (int i = 0; i < FC_MANY; i++) {
        w[i] = (struct fc_worker){.id = i};
        created &= wa__fiber_create(&w[i].f, 0, 0, fc_worker_body, &w[i], NULL) == 0;
    }
    FIBER_CHECK(created);
    if (!created)
        return;
    for (int round = 0; round < 3; round++)
        for (int i = FC_MANY - 1; i >= 0; i--)
            wa__fiber_switch(wa__fiber_main(), w[i].f);
    for (int i = 0; i < FC_MANY; i++) {
        done &= w[i].done == 1 && w[i].sum == 3L * i + 1;
        wa__fiber_free(w[i].f);
    }
    FIBER_CHECK(done);
}

/* ---- two fibers switch at the bottom of deep call chains: every frame's
 * locals and arrays (on the shadow stack, on wasm) survive the switches */
static wa_fiber *fc_d1, *fc_d2;
static long fc_res1, fc_res2;

__attribute__((noinline)) static long fc_deep(wa_fiber *self, wa_fiber *other, int depth, long seed)
{
    volatile char pad[64];
    for (int i = 0; i < 64; i++)
        pad[i] = (char)(seed + i + depth);
    long r;
    if (depth == 0) {
        wa__fiber_switch(self, other);
        r = seed;
    } else {
        r = fc_deep(self, other, depth - 1, seed * 3 + depth) + depth;
    }
    for (int i = 0; i < 64; i++)
        if (pad[i] != (char)(seed + i + depth))
            return -1000000;
    return r;
}

static long fc_deep_expect(int depth, long seed)
{
    return depth == 0 ? seed : fc_deep_expect(depth - 1, seed * 3 + depth) + depth;
}

static void *fc_deep1(void *arg)
{
    (void)arg;
    fc_res1 = fc_deep(fc_d1, fc_d2, 32, 7);
    wa__fiber_switch(fc_d1, fc_d2);
    fc_park_forever(fc_d1);
    return NULL;
}

static void *fc_deep2(void *arg)
{
    (void)arg;
    fc_res2 = fc_deep(fc_d2, fc_d1, 32, 11);
    fc_park_forever(fc_d2);
    return NULL;
}

static void fiber_deep(void)
{
    /* 32 KiB of stack and 4 KiB of Asyncify buffer hold 33 frames of
     * ~100 bytes (a few hundred under ASan). */
    FIBER_CHECK(wa__fiber_create(&fc_d1, 32768, 4096, fc_deep1, NULL, NULL) == 0);
    FIBER_CHECK(wa__fiber_create(&fc_d2, 32768, 4096, fc_deep2, NULL, NULL) == 0);
    wa__fiber_switch(wa__fiber_main(), fc_d1);
    FIBER_CHECK(fc_res1 == fc_deep_expect(32, 7));
    FIBER_CHECK(fc_res2 == fc_deep_expect(32, 11));
    wa__fiber_free(fc_d1);
    wa__fiber_free(fc_d2);
}

/* ---- values main keeps in callee-saved integer and floating-point
 * registers come back after a fiber that uses them runs */
static volatile double fc_fsum;
static void *fc_clobber(void *arg)
{
    (void)arg;
    for (;;) {
        volatile double x = 1.0;
        for (int i = 0; i < 64; i++)
            x = x * 1.5 + (double)i;
        fc_fsum = x;
        wa__fiber_switch(fc_a, wa__fiber_main());
    }
    return NULL;
}

static void fiber_registers(void)
{
    FIBER_CHECK(wa__fiber_create(&fc_a, 0, 0, fc_clobber, NULL, NULL) == 0);
    register double d1 = 3.25, d2 = -7.5, d3 = 1e10;
    register long i1 = 12345, i2 = -99, i3 = 0x5a5a5a5a;
    for (int round = 0; round < 100; round++) {
        wa__fiber_switch(wa__fiber_main(), fc_a);
        d1 += 1.0;
        i1 += 1;
    }
    FIBER_CHECK(d1 == 103.25 && d2 == -7.5 && d3 == 1e10);
    FIBER_CHECK(i1 == 12445 && i2 == -99 && i3 == 0x5a5a5a5a);
    wa__fiber_free(fc_a);
}

/* ---- a fiber's first frame is ABI-aligned (16 bytes on every target) */
static int fc_aligned;
__attribute__((noinline)) static void fc_probe_alignment(void)
{
    /* The compiler trusts the ABI's alignment at calls, so this address is
     * misaligned exactly when the fiber's first frame was. */
    _Alignas(16) volatile char probe[16];
    probe[0] = 0;
    fc_aligned = ((uintptr_t)probe & 15) == 0;
}

static void *fc_align_body(void *arg)
{
    (void)arg;
    fc_probe_alignment();
    fc_park_forever(fc_a);
    return NULL;
}

static void fiber_alignment(void)
{
    fc_aligned = 0;
    FIBER_CHECK(wa__fiber_create(&fc_a, 0, 0, fc_align_body, NULL, NULL) == 0);
    wa__fiber_switch(wa__fiber_main(), fc_a);
    FIBER_CHECK(fc_aligned == 1);
    wa__fiber_free(fc_a);
}

/* ---- bad arguments are WA_EINVAL and leave no fiber; tiny sizes are
 * raised to the backend's minimum */
static void *fc_parked_body(void *arg)
{
    fc_park_forever(*(wa_fiber **)arg);
    return NULL;
}

static void fiber_bad_input(void)
{
    wa_fiber *f = (wa_fiber *)&f;
    FIBER_CHECK(wa__fiber_create(NULL, 0, 0, fc_parked_body, NULL, NULL) == WA_EINVAL);
    FIBER_CHECK(wa__fiber_create(&f, 0, 0, NULL, NULL, NULL) == WA_EINVAL);
    FIBER_CHECK(wa__fiber_create(&f, SIZE_MAX / 2, 0, fc_parked_body, &f, NULL) == WA_EINVAL);
    FIBER_CHECK(f == NULL);
    FIBER_CHECK(wa__fiber_create(&f, SIZE_MAX, 0, fc_parked_body, &f, NULL) == WA_EINVAL);
    FIBER_CHECK(wa__fiber_create(&f, 1, 1, fc_parked_body, &f, NULL) == 0);
    wa__fiber_switch(wa__fiber_main(), f);
    wa__fiber_free(f);
    /* Harmless: freeing NULL or the main fiber. */
    wa__fiber_free(NULL);
    wa__fiber_free(wa__fiber_main());
}

#endif
