/* core_memory.c: bytes of RSS per parked task: n tasks all sleeping,
 * RSS from /proc/self/statm before spawning and once all are parked.
 * Usage: core_memory [n]. Prints bytes per task, then the stack size. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasyncio.h>

static long n_tasks = 100000;

static long rss_bytes(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void *parked(void *arg)
{
    wa_sleep(600000); /* cancelled when the main task returns */
    return NULL;
}

static void *bench(void *arg)
{
    long before = rss_bytes();
    for (long i = 0; i < n_tasks; i++)
        if (!wa_spawn(parked, NULL))
            return wa_raise(wa_last_error(), "spawn %ld failed", i);
    wa_yield(); /* every task runs up to its sleep and parks */
    long after = rss_bytes();
    printf("%.0f\n", (double)(after - before) / (double)n_tasks);
    printf("stack %zu\n", wa_default_stack_size());
    fflush(stdout);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n_tasks = atol(argv[1]);
    int rc = wa_run(bench, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "core_memory: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
