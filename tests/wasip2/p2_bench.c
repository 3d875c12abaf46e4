/* p2_bench.c: client throughput of the WASI 0.2 build (bench_wasip2.sh):
 * N GETs of URL with C in flight at once (C worker tasks pulling from a
 * shared counter, like a semaphore-bounded gather). Prints requests per
 * second on the first line, then the failures count.
 *
 * Usage: p2_bench.wasm URL [N=1000] [C=100] */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>

static const char *target;
static int total, next_i, failures;

static void *worker(void *arg)
{
    (void)arg;
    while (next_i < total) {
        next_i++;
        wa_response *r = NULL;
        int rc = wa_fetch(target, NULL, &r);
        if (rc < 0 || wa_response_status(r) != 200)
            failures++;
        wa_response_free(r);
    }
    return NULL;
}

static void *main_task(void *arg)
{
    int c = *(int *)arg;
    wa_task **ts = calloc((size_t)c, sizeof *ts);
    if (!ts)
        return wa_raise(WA_ENOMEM, "out of memory");
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < c; i++)
        ts[i] = wa_spawn(worker, NULL);
    int rc = wa_gather(ts, (size_t)c, NULL, NULL, 0);
    double s = (double)(wa_hrtime() - t0) / 1e9;
    for (int i = 0; i < c; i++)
        wa_release(ts[i]);
    free(ts);
    printf("%.0f\n%d failures\n", total / s, failures);
    return rc < 0 ? wa_raise(rc, "gather") : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [N] [C]\n", argv[0]);
        return 2;
    }
    target = argv[1];
    total = argc > 2 ? atoi(argv[2]) : 1000;
    int c = argc > 3 ? atoi(argv[3]) : 100;
    if (total <= 0 || c <= 0)
        return 2;
    int rc = wa_run(main_task, &c, NULL);
    if (rc < 0) {
        fprintf(stderr, "p2_bench: %s\n", wa_strerror(rc));
        return 1;
    }
    return failures ? 1 : 0;
}
