/* bench_clock.h: the clock and median that the native switch benchmarks
 * share (fiber_switch.c for ours, peer_fcontext.c for Boost.Context), so
 * both rows of a comparison are timed the same way. */
#ifndef WA_BENCH_CLOCK_H
#define WA_BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place; the middle value. */
static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

#endif
