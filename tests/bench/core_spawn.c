/* core_spawn.c: ns per spawn + run + complete of a trivial task, n tasks
 * spawned then gathered; best of several rounds (first round warms the
 * allocator and stack cache). Usage: core_spawn [n] [rounds]. */
#include <stdio.h>
#include <stdlib.h>
#include <wasyncio.h>

static long n_tasks = 100000;
static int rounds = 5;

static void *trivial(void *arg) { return arg; }

static void *bench(void *arg)
{
    wa_task **ts = malloc(sizeof *ts * (size_t)n_tasks);
    if (!ts)
        return wa_raise(WA_ENOMEM, "no memory");
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        uint64_t t0 = wa_hrtime();
        for (long i = 0; i < n_tasks; i++)
            ts[i] = wa_spawn(trivial, NULL);
        int rc = wa_gather(ts, (size_t)n_tasks, NULL, NULL, 0);
        uint64_t t1 = wa_hrtime();
        /* releasing is bookkeeping outside the measured spawn+run+complete */
        for (long i = 0; i < n_tasks; i++)
            wa_release(ts[i]);
        if (rc < 0) {
            free(ts);
            return wa_raise(rc, "gather failed");
        }
        double ns = (double)(t1 - t0) / (double)n_tasks;
        if (ns < best)
            best = ns;
    }
    free(ts);
    printf("%.1f\n", best);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n_tasks = atol(argv[1]);
    if (argc > 2)
        rounds = atoi(argv[2]);
    int rc = wa_run(bench, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "core_spawn: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
