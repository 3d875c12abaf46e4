/* core_timers.c: CPU ns per timer insert + fire with n timers pending:
 * n tasks each sleep `rounds` times for 1..50 ms (a fixed spread), so about
 * n timers are always armed. CPU time, not wall time, so the sleeping
 * itself is not counted; each fire includes waking its task. Tasks park on
 * an event after their last sleep, so task exit (stack release) stays out
 * of the measured region.
 * Usage: core_timers [n] [rounds]. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wasyncio.h>

static long n_tasks = 100000;
static int rounds = 3;

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long remaining;
static wa_event *all_fired, *finish;

static void *sleeper(void *arg)
{
    long i = (long)(intptr_t)arg;
    for (int r = 0; r < rounds; r++)
        wa_sleep(1 + (uint64_t)((i * 7919 + r * 104729) % 50));
    if (--remaining == 0)
        wa_event_set(all_fired);
    wa_event_wait(finish);
    return NULL;
}

static void *bench(void *arg)
{
    wa_task **ts = malloc(sizeof *ts * (size_t)n_tasks);
    if (!ts)
        return wa_raise(WA_ENOMEM, "no memory");
    all_fired = wa_event_new();
    finish = wa_event_new();
    remaining = n_tasks;
    for (long i = 0; i < n_tasks; i++)
        ts[i] = wa_spawn(sleeper, (void *)(intptr_t)i);
    wa_yield(); /* all started and armed: measure from here */
    uint64_t c0 = cpu_ns();
    wa_event_wait(all_fired);
    uint64_t c1 = cpu_ns();
    wa_event_set(finish);
    int rc = wa_gather(ts, (size_t)n_tasks, NULL, NULL, 0);
    free(ts);
    wa_event_free(all_fired);
    wa_event_free(finish);
    if (rc < 0)
        return wa_raise(rc, "gather failed");
    /* the first round's inserts happened before c0; count fires */
    printf("%.1f\n", (double)(c1 - c0) / ((double)n_tasks * rounds));
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
        fprintf(stderr, "core_timers: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
