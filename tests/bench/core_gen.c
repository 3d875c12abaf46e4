/* core_gen.c: ns per generator step: one wa_gen_next that resumes the body
 * and one wa_gen_yield that hands a value back (`async for` over an async
 * generator). Usage: core_gen [steps]. Prints the ns figure. */
#include <stdio.h>
#include <stdlib.h>
#include <wasyncio.h>

static long n_steps;

static void *counter(void *arg)
{
    for (long i = 0; i < n_steps; i++)
        if (wa_gen_yield((void *)(intptr_t)i) != 0)
            break;
    return NULL;
}

static void *bench(void *arg)
{
    wa_gen *g = wa_gen_new(counter, NULL);
    void *v;
    long sum = 0;
    uint64_t t0 = wa_hrtime();
    WA_FOR(v, g) sum += (long)(intptr_t)v;
    uint64_t t1 = wa_hrtime();
    int rc = wa_gen_status(g);
    wa_gen_free(g);
    if (rc < 0 || sum != n_steps * (n_steps - 1) / 2)
        return wa_raise(WA_EFAILED, "wrong sum");
    printf("%.2f\n", (double)(t1 - t0) / (double)n_steps);
    return NULL;
}

int main(int argc, char **argv)
{
    n_steps = argc > 1 ? atol(argv[1]) : 2000000;
    int rc = wa_run(bench, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "core_gen: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
