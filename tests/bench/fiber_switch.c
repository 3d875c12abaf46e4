/* fiber_switch.c: micro-benchmark of the native fiber backend alone.
 * Prints one "name value" line per metric:
 *   fiber_switch_ns        one-way switch (main <-> fiber ping-pong), median
 *                          of 7 runs of 10M switches
 *   fiber_create_free_ns   wa__fiber_create + wa__fiber_free from the pool
 *   fiber_parked_rss_bytes RSS per fiber with 100k fibers each parked once
 *   fiber_parked_pte_bytes page-table memory per parked fiber (not in RSS)
 * Build: cc -O2 -Isrc tests/bench/fiber_switch.c build/native/libwasyncio.a ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fiber/fiber.h"

#define RUNS     7
#define SWITCHES 10000000L
#define PARKED   100000

#include "bench_clock.h"

static wa_fiber *pp;
static void *pingpong(void *arg)
{
    (void)arg;
    for (;;)
        wa__fiber_switch(pp, wa__fiber_main());
    return NULL;
}

static void *parked(void *arg)
{
    wa_fiber **self = arg;
    for (;;)
        wa__fiber_switch(*self, wa__fiber_main());
    return NULL;
}

/* Resident bytes (statm field 2) and page-table bytes (VmPTE). */
static long rss_bytes(void)
{
    long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * sysconf(_SC_PAGESIZE);
}

static long pte_bytes(void)
{
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

int main(void)
{
    if (wa__fiber_init(NULL) != 0) {
        fprintf(stderr, "wa__fiber_init failed\n");
        return 1;
    }
    wa_fiber *m = wa__fiber_main();
    double v[RUNS];

    if (wa__fiber_create(&pp, 0, 0, pingpong, NULL, NULL) != 0)
        return 1;
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_ns();
        for (long i = 0; i < SWITCHES / 2; i++)
            wa__fiber_switch(m, pp);
        v[r] = (now_ns() - t0) / SWITCHES;
    }
    printf("fiber_switch_ns %.2f\n", median(v, RUNS));
    wa__fiber_free(pp);

    enum { CF = 1000000 };
    for (int r = 0; r < RUNS; r++) {
        wa_fiber *f;
        double t0 = now_ns();
        for (int i = 0; i < CF; i++) {
            if (wa__fiber_create(&f, 0, 0, pingpong, NULL, NULL) != 0)
                return 1;
            wa__fiber_free(f);
        }
        v[r] = (now_ns() - t0) / CF;
    }
    printf("fiber_create_free_ns %.2f\n", median(v, RUNS));

    static wa_fiber *fs[PARKED];
    long rss0 = rss_bytes(), pte0 = pte_bytes();
    for (int i = 0; i < PARKED; i++) {
        if (wa__fiber_create(&fs[i], 0, 0, parked, &fs[i], NULL) != 0) {
            fprintf(stderr, "create failed at fiber %d\n", i);
            return 1;
        }
        wa__fiber_switch(m, fs[i]);
    }
    long rss1 = rss_bytes(), pte1 = pte_bytes();
    printf("fiber_parked_rss_bytes %ld\n", (rss1 - rss0) / PARKED);
    printf("fiber_parked_pte_bytes %ld\n", (pte1 - pte0) / PARKED);
    for (int i = 0; i < PARKED; i++) /* all still resumable */
        wa__fiber_switch(m, fs[i]);
    for (int i = 0; i < PARKED; i++)
        wa__fiber_free(fs[i]);
    wa__fiber_shutdown();
    return 0;
}
