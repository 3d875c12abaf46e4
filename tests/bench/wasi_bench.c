/* wasi_bench.c: the measurements behind bench_wasi.sh, run inside the wasm
 * build through the public API (so they include the core's own frames):
 *   switch N DEPTH  two tasks yield to each other N times each, DEPTH calls
 *                   below the task body; prints ns per switch
 *   spawn N         spawn N tasks that return at once, gather them; prints
 *                   ns per task (spawn + run + complete)
 *   park N          N tasks sleeping at once; prints linear-memory bytes per
 *                   parked task, and the fiber high-water marks
 * Each mode prints one line "key value". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasyncio.h>

/* fiber_asyncify.c's high-water marks (bytes of Asyncify buffer and C stack
 * any task used at a switch). */
void wa__fiber_stats(size_t *aux_used, size_t *stack_used);

static long n_iter;
static int depth;

/* Called through a volatile pointer so each level stays a real frame. */
static int (*volatile descend_ptr)(int);
__attribute__((noinline)) static int descend(int d)
{
    if (d > 1)
        return descend_ptr(d - 1) + 1;
    for (long i = 0; i < n_iter; i++)
        wa_yield();
    return 0;
}

static void *yielder(void *arg)
{
    (void)arg;
    descend(depth);
    return NULL;
}

static void *returns(void *arg) { return arg; }

static void *sleeper(void *arg)
{
    (void)arg;
    wa_sleep(10000);
    return NULL;
}

static size_t mem_bytes(void)
{
#if defined(__wasm__)
    return __builtin_wasm_memory_size(0) * 65536u;
#else
    return 0;
#endif
}

static const char *mode;
static long n;

static void *bench_main(void *arg)
{
    (void)arg;
    if (strcmp(mode, "switch") == 0) {
        n_iter = n;
        descend_ptr = descend;
        wa_task *t[2] = {wa_spawn(yielder, NULL), wa_spawn(yielder, NULL)};
        uint64_t t0 = wa_hrtime();
        wa_gather(t, 2, NULL, NULL, 0);
        uint64_t t1 = wa_hrtime();
        printf("ns_per_switch %.1f\n", (double)(t1 - t0) / (double)(2 * n));
    } else if (strcmp(mode, "spawn") == 0) {
        wa_task **t = malloc((size_t)n * sizeof *t);
        uint64_t t0 = wa_hrtime();
        for (long i = 0; i < n; i++)
            t[i] = wa_spawn(returns, NULL);
        wa_gather(t, (size_t)n, NULL, NULL, 0);
        for (long i = 0; i < n; i++)
            wa_release(t[i]);
        uint64_t t1 = wa_hrtime();
        printf("ns_per_task %.1f\n", (double)(t1 - t0) / (double)n);
        free(t);
    } else if (strcmp(mode, "park") == 0) {
        wa_task **t = malloc((size_t)n * sizeof *t);
        size_t before = mem_bytes();
        for (long i = 0; i < n; i++)
            t[i] = wa_spawn(sleeper, NULL);
        wa_yield(); /* every task starts and parks in its sleep */
        size_t after = mem_bytes();
        size_t aux = 0, stk = 0;
        wa__fiber_stats(&aux, &stk);
        printf("bytes_per_task %.0f\n", (double)(after - before) / (double)n);
        printf("memory_total_mib %.1f\n", (double)after / 1048576.0);
        printf("max_asyncify_used %zu\n", aux);
        printf("max_stack_used %zu\n", stk);
        for (long i = 0; i < n; i++)
            wa_cancel(t[i]);
        wa_gather(t, (size_t)n, NULL, NULL, WA_RETURN_ERRORS);
        for (long i = 0; i < n; i++)
            wa_release(t[i]);
        free(t);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: wasi_bench switch N DEPTH | spawn N | park N\n");
        return 2;
    }
    mode = argv[1];
    n = atol(argv[2]);
    depth = argc > 3 ? atoi(argv[3]) : 1;
    if (n <= 0 || depth < 1)
        return 2;
    int rc = wa_run(bench_main, NULL, NULL);
    if (rc != 0)
        fprintf(stderr, "wa_run: %s\n", wa_strerror(rc));
    return rc ? 1 : 0;
}
