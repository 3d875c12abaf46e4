/* wasi_bench.c: the measurements behind bench_wasi.sh, run inside the wasm
 * build through the public API (so they include the core's own frames):
 *   switch N DEPTH  two tasks yield to each other N times each, DEPTH calls
 *                   below the task body; prints ns per switch
 *   spawn N         spawn N tasks that return at once, gather them; prints
 *                   ns per task (spawn + run + complete)
 *   park N          N tasks sleeping at once; prints linear-memory bytes per
 *                   parked task, the fiber high-water marks, and (when
 *                   /proc is mapped in) the host process's resident KiB
 *   calls N         a call-heavy loop: N calls of a small recursive function
 *                   whose frames live in linear memory; prints ns per call
 *   need OP STACK   runs one libc call OP in a task with a STACK-byte stack
 *                   and prints "ok"; an overflow stops it (bench_wasi.sh
 *                   bisects STACK for the smallest that passes)
 * Each mode prints "key value" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
static const char *need_op;

/* A call whose frame is in linear memory (the array's address escapes), so
 * each call moves the stack pointer twice, as most C functions with a local
 * buffer do. */
static int (*volatile framed_ptr)(int, int *);
__attribute__((noinline)) static int framed(int d, int *out)
{
    int local[4] = {d, d + 1, d + 2, d + 3};
    if (d > 0)
        return framed_ptr(d - 1, local) + local[d & 3];
    *out = local[1];
    return local[2];
}

/* Resident memory of the host process (Node), from /proc when the runner
 * maps it in (bench_wasi.sh: --dir /proc); -1 otherwise. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[128];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    fclose(f);
    return kib;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The libc calls a task commonly makes, one per OP, each in its own
 * function so a task pays only for the frame of the OP it runs. */
__attribute__((noinline)) static int op_printf(void)
{
    return printf("%s %d %x\n", "printf", 42, 42u) > 0;
}

__attribute__((noinline)) static int op_snprintf_float(void)
{
    char buf[128];
    return snprintf(buf, sizeof buf, "%f %.17g %e", 3.14159, 1e300, 2.5e-300) > 0;
}

__attribute__((noinline)) static int op_fopen_read(void)
{
    char buf[256];
    FILE *f = fopen("README.md", "r"); /* bench_wasi.sh maps the repository in */
    if (!f)
        return 0;
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return got > 0;
}

__attribute__((noinline)) static int op_qsort(void)
{
    int v[256];
    for (int i = 0; i < 256; i++)
        v[i] = (i * 7919) % 256;
    qsort(v, 256, sizeof v[0], cmp_int);
    return v[0] == 0;
}

__attribute__((noinline)) static int op_strtod(void)
{
    return strtod("1.7976931348623157e308", NULL) > 1e307;
}

__attribute__((noinline)) static int op_strftime(void)
{
    char buf[64];
    time_t t = 0;
    return strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", gmtime(&t)) > 0;
}

static void *run_op(void *arg)
{
    (void)arg;
    int ok = 0;
    if (strcmp(need_op, "sleep") == 0)
        ok = wa_sleep(1) == 0;
    else if (strcmp(need_op, "printf") == 0)
        ok = op_printf();
    else if (strcmp(need_op, "snprintf-float") == 0)
        ok = op_snprintf_float();
    else if (strcmp(need_op, "fopen-read") == 0)
        ok = op_fopen_read();
    else if (strcmp(need_op, "qsort") == 0)
        ok = op_qsort();
    else if (strcmp(need_op, "strtod") == 0)
        ok = op_strtod();
    else if (strcmp(need_op, "strftime") == 0)
        ok = op_strftime();
    return ok ? NULL : (void *)1;
}

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
    } else if (strcmp(mode, "calls") == 0) {
        framed_ptr = framed;
        int out = 0;
        long sum = 0;
        uint64_t t0 = wa_hrtime();
        for (long i = 0; i < n / 16; i++)
            sum += framed(15, &out); /* 16 calls */
        uint64_t t1 = wa_hrtime();
        printf("ns_per_call %.2f\n", (double)(t1 - t0) / (double)(n / 16 * 16));
        if (sum == 42)
            printf("(unlikely)\n");
    } else if (strcmp(mode, "need") == 0) {
        wa_task_opts o = {.name = need_op, .stack_size = (size_t)n};
        wa_task *t = wa_spawn_opts(run_op, NULL, &o);
        void *failed = NULL;
        wa_await(t, &failed);
        printf("%s %s %ld\n", failed ? "failed" : "ok", need_op, n);
    } else if (strcmp(mode, "park") == 0) {
        wa_task **t = malloc((size_t)n * sizeof *t);
        long rss_before = rss_kib();
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
        long rss_after = rss_kib();
        if (rss_before >= 0 && rss_after >= 0)
            printf("rss_bytes_per_task %.0f\nrss_total_mib %.1f\n",
                   (double)(rss_after - rss_before) * 1024.0 / (double)n,
                   (double)rss_after / 1024.0);
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
        fprintf(stderr, "usage: wasi_bench switch N DEPTH | spawn N | park N | calls N | "
                        "need OP STACK\n");
        return 2;
    }
    mode = argv[1];
    if (strcmp(mode, "need") == 0 && argc > 3) {
        need_op = argv[2];
        n = atol(argv[3]);
        argc = 3; /* no DEPTH */
    } else {
        n = atol(argv[2]);
    }
    depth = argc > 3 ? atoi(argv[3]) : 1;
    if (n <= 0 || depth < 1)
        return 2;
    int rc = wa_run(bench_main, NULL, NULL);
    if (rc != 0)
        fprintf(stderr, "wa_run: %s\n", wa_strerror(rc));
    return rc ? 1 : 0;
}
