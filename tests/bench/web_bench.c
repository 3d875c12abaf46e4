/* web_bench.c: the C side of the web benchmark (tests/bench/bench_web.sh):
 * task switches, spawn+complete, wa_sleep(0) round trips and an empty
 * coroutine for the JS->C->JS promise round trip (JSON and value forms), and
 * C awaiting resolved JS promises (beside JSPI). Each returns its elapsed
 * nanoseconds as JSON; tests/bench/web_bench_cases.mjs runs them beside
 * plain JS async/await doing the same work. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <emscripten.h>

#include <wasyncio.h>
#include "fiber/fiber.h" /* internal: the raw Asyncify figures below */

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

/* The JSON form: the argument's JSON text back as the result (a malloc'd
 * copy: the call frees its argument and its result), so the call does what
 * its JS peer `async (x) => x` does: take a value and return it. */
static void *b_echo_json(void *arg) { return arg ? strdup(arg) : NULL; }
WA_JS_EXPORT(b_echo_json)

/* The value form (WA_JS_EXPORT_VALUE): a number in, the same number out, no
 * JSON on either side. */
static void *b_noop_value(void *arg) { return arg; }
WA_JS_EXPORT_VALUE(b_noop_value)

/* C awaits a JS promise that is already resolved, n times: the task parks,
 * the slice returns to JS, the promise's reaction resumes the loop. The JSPI
 * peer (peer_jspi.c) does the same with WebAssembly.Suspending. */
EM_JS(int, bench_resolved_promise, (void), { return Module['waPromise'](Promise.resolve(1)); });

static void *b_js_await(void *arg)
{
    long n = atol(arg);
    uint64_t t0 = wa_hrtime();
    for (long i = 0; i < n; i++) {
        char *json = NULL;
        int rc = wa_js_await(bench_resolved_promise(), &json);
        free(json);
        if (rc < 0)
            return wa_raise(rc, "wa_js_await failed");
    }
    return result(wa_hrtime() - t0, n);
}
WA_JS_EXPORT(b_js_await)

/* ------------------------- the fiber layer alone: what Asyncify costs */

/* Called from JS outside any loop (no waCall in flight), these time the
 * Asyncify fiber layer with no scheduler: a main <-> fiber ping-pong (each
 * one-way switch is one unwind or one rewind; a task-to-task switch is one
 * of each) and a fiber's whole life (create from the pool, first run, its
 * body returns, free), which is a task's. Returns ns per operation, or -1. */
static wa_fiber *g_raw;
static void *raw_pingpong(void *arg)
{
    (void)arg;
    for (;;)
        wa__fiber_switch(g_raw, wa__fiber_main());
    return NULL;
}

/* A task's whole life on the fiber layer: it runs and ends, and the end
 * hook sends the loop back to the main fiber (as the core's does when
 * nothing else is ready). */
static void *raw_once(void *arg) { return arg; }
static wa_fiber *raw_end(void *owner, void *result)
{
    (void)owner;
    (void)result;
    return wa__fiber_main();
}
static const wa_fiber_hooks raw_hooks = {.end = raw_end};

EMSCRIPTEN_KEEPALIVE double b_raw_switch_ns(int n)
{
    if (wa_running() || wa__fiber_init(NULL) != 0)
        return -1;
    double ns = -1;
    if (wa__fiber_create(&g_raw, 0, 0, raw_pingpong, NULL, NULL) == 0) {
        uint64_t t0 = wa_hrtime();
        for (int i = 0; i < n / 2; i++)
            wa__fiber_switch(wa__fiber_main(), g_raw);
        ns = (double)(wa_hrtime() - t0) / n;
        wa__fiber_free(g_raw);
    }
    wa__fiber_shutdown();
    return ns;
}

EMSCRIPTEN_KEEPALIVE double b_raw_spawn_ns(int n)
{
    if (wa_running() || wa__fiber_init(&raw_hooks) != 0)
        return -1;
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < n; i++) {
        if (wa__fiber_create(&g_raw, 0, 0, raw_once, NULL, NULL) != 0) {
            wa__fiber_shutdown();
            return -1;
        }
        wa__fiber_switch(wa__fiber_main(), g_raw);
        wa__fiber_free(g_raw);
    }
    double ns = (double)(wa_hrtime() - t0) / n;
    wa__fiber_shutdown();
    return ns;
}
