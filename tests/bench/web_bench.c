/* web_bench.c: the C side of the web benchmark (tests/bench/bench_web.sh):
 * task switches, spawn+complete, wa_sleep(0) round trips and an empty
 * coroutine for the JS->C->JS promise round trip. Each returns its elapsed
 * nanoseconds as JSON; tests/bench/web_bench_cases.mjs runs them beside
 * plain JS async/await doing the same work. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <emscripten.h>

#include <wasyncio.h>

static char *result(uint64_t ns, long ops)
{
    char *s = malloc(64);
    if (s)
        snprintf(s, 64, "{\"ns\":%llu,\"ops\":%ld}", (unsigned long long)ns, ops);
    return s;
}

static void *yielder(void *arg)
{
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++)
        wa_yield();
    return NULL;
}

/* Two tasks yield to each other n times each: 2n switches. */
static void *b_switch(void *arg)
{
    long n = atol(arg);
    wa_task *t[2];
    uint64_t t0 = wa_hrtime();
    t[0] = wa_spawn(yielder, (void *)(intptr_t)n);
    t[1] = wa_spawn(yielder, (void *)(intptr_t)n);
    wa_gather(t, 2, NULL, NULL, 0);
    uint64_t ns = wa_hrtime() - t0;
    wa_release(t[0]);
    wa_release(t[1]);
    return result(ns, 2 * n);
}
WA_JS_EXPORT(b_switch)

static void *noop(void *arg) { return arg; }

/* Spawn n tasks that return at once, in batches of 1000, and await them. */
static void *b_spawn(void *arg)
{
    long n = atol(arg);
    wa_task *t[1000];
    uint64_t t0 = wa_hrtime();
    for (long done = 0; done < n; done += 1000) {
        for (int i = 0; i < 1000; i++)
            t[i] = wa_spawn(noop, NULL);
        wa_gather(t, 1000, NULL, NULL, 0);
        for (int i = 0; i < 1000; i++)
            wa_release(t[i]);
    }
    return result(wa_hrtime() - t0, n);
}
WA_JS_EXPORT(b_spawn)

static void *b_sleep0(void *arg)
{
    long n = atol(arg);
    uint64_t t0 = wa_hrtime();
    for (long i = 0; i < n; i++)
        wa_sleep(0);
    return result(wa_hrtime() - t0, n);
}
WA_JS_EXPORT(b_sleep0)

static void *b_noop(void *arg)
{
    (void)arg;
    return NULL;
}
WA_JS_EXPORT(b_noop)
