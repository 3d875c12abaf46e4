/* demo_lib.c: the demo page's C side. Coroutines the page calls with
 * Module.waCall: the tutorial's fetch_all (sequential and concurrent under
 * wa_gather, reporting each task's start and end for the live timeline),
 * and a stress run of many tasks that sleep and switch while the page's JS
 * ticker keeps running. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <emscripten.h>
#include <string.h>

#include <wasyncio.h>

/* Timeline events for the page: kind 0 = start, 1 = end (status or error). */
EM_JS(void, demo_event, (int run, int idx, int kind, int value), {
    if (globalThis.waDemoEvent)
        globalThis.waDemoEvent(run, idx, kind, value);
});

typedef struct job {
    char url[512];
    int run, idx;
    int status;
    size_t bytes;
} job;

/* The twin of the tutorial's `fetch(session, url)`. */
static void *fetch_one(void *arg)
{
    job *j = arg;
    demo_event(j->run, j->idx, 0, 0);
    wa_response *r = NULL;
    int rc = wa_fetch(j->url, NULL, &r);
    if (rc < 0) {
        demo_event(j->run, j->idx, 1, rc);
        return wa_raise(rc, "%s: %s", j->url, wa_strerror(rc));
    }
    j->status = wa_response_status(r);
    wa_response_body(r, &j->bytes);
    wa_response_free(r);
    demo_event(j->run, j->idx, 1, j->status);
    return NULL;
}

/* arg: {"base":"http://...","n":N,"delay":MS,"mode":"sequential"|"concurrent","run":K}
 * (parsed loosely: the page writes it). Returns the timings and results. */
static void *demo_fetch_all(void *arg)
{
    const char *a = arg;
    char base[256] = "";
    int n = 0, delay = 0, run = 0, seq = strstr(a, "\"sequential\"") != NULL;
    const char *p;
    if ((p = strstr(a, "\"base\":\"")) != NULL)
        sscanf(p + 8, "%255[^\"]", base);
    if ((p = strstr(a, "\"n\":")) != NULL)
        n = atoi(p + 4);
    if ((p = strstr(a, "\"delay\":")) != NULL)
        delay = atoi(p + 8);
    if ((p = strstr(a, "\"run\":")) != NULL)
        run = atoi(p + 6);
    if (n <= 0 || n > 100 || !*base)
        return wa_raise(WA_EINVAL, "demo_fetch_all: bad arguments %s", a);

    job *jobs = calloc((size_t)n, sizeof *jobs);
    wa_task **ts = calloc((size_t)n, sizeof *ts);
    int *errs = calloc((size_t)n, sizeof *errs);
    char *out = malloc((size_t)n * 48 + 64);
    if (!jobs || !ts || !errs || !out) {
        free(jobs), free(ts), free(errs), free(out);
        return wa_raise(WA_ENOMEM, "demo_fetch_all");
    }
    for (int i = 0; i < n; i++) {
        snprintf(jobs[i].url, sizeof jobs[i].url, "%s/api/item/%d?delay=%d", base, i + 1,
                 delay + (i * 37) % 120);
        jobs[i].run = run;
        jobs[i].idx = i;
    }
    uint64_t t0 = wa_hrtime();
    if (seq) {
        for (int i = 0; i < n; i++) {
            wa_task *t = wa_spawn(fetch_one, &jobs[i]);
            errs[i] = t ? wa_await(t, NULL) : wa_last_error();
            wa_release(t);
        }
    } else {
        for (int i = 0; i < n; i++)
            ts[i] = wa_spawn(fetch_one, &jobs[i]);
        wa_gather(ts, (size_t)n, NULL, errs, WA_RETURN_ERRORS);
        for (int i = 0; i < n; i++)
            wa_release(ts[i]);
    }
    uint64_t ns = wa_hrtime() - t0;
    /* Integers only: printf's %f needs ~7.5 KB of stack on wasm32 (128-bit
     * long double), most of a task's default 8 KiB. */
    int len = sprintf(out, "{\"us\":%llu,\"results\":[", (unsigned long long)(ns / 1000));
    for (int i = 0; i < n; i++)
        len += sprintf(out + len, "%s{\"rc\":%d,\"status\":%d,\"bytes\":%zu}", i ? "," : "",
                       errs[i], jobs[i].status, jobs[i].bytes);
    strcpy(out + len, "]}");
    free(jobs), free(ts), free(errs);
    return out;
}
WA_JS_EXPORT(demo_fetch_all)

static uint64_t g_switches;

static void *worker(void *arg)
{
    intptr_t i = (intptr_t)arg;
    uint64_t until = wa_now() + 1000;
    while (wa_now() < until) {
        if (wa_sleep((uint64_t)(1 + (i % 5))) < 0)
            break;
        for (int k = 0; k < 3; k++) {
            wa_yield();
            g_switches++;
        }
    }
    return NULL;
}

/* arg: number of tasks. Each sleeps and yields for about a second. */
static void *demo_stress(void *arg)
{
    int n = atoi(arg);
    if (n <= 0 || n > 100000)
        return wa_raise(WA_EINVAL, "demo_stress: bad task count");
    wa_group *g = wa_group_new();
    if (!g)
        return wa_raise(WA_ENOMEM, "demo_stress");
    g_switches = 0;
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < n; i++)
        wa_group_spawn(g, worker, (void *)(intptr_t)i);
    int rc = wa_group_wait(g);
    wa_group_free(g);
    char *out = malloc(96);
    if (out)
        snprintf(out, 96, "{\"rc\":%d,\"tasks\":%d,\"switches\":%llu,\"us\":%llu}", rc, n,
                 (unsigned long long)g_switches, (unsigned long long)((wa_hrtime() - t0) / 1000));
    return out;
}
WA_JS_EXPORT(demo_stress)
