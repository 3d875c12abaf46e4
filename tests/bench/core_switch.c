/* core_switch.c: ns per await round trip (A -> B -> A) of two tasks
 * ping-ponging, either through wa_yield or through a pair of wa_events.
 * Usage: core_switch yield|event [round_trips]. Prints the ns figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio.h>

static long n_trips;
static wa_event *ev_a, *ev_b;

static void *yielder(void *arg)
{
    for (long i = 0; i < n_trips; i++)
        wa_yield();
    return NULL;
}

/* A wakes B and waits to be woken back: one round trip per iteration. */
static void *ping(void *arg)
{
    for (long i = 0; i < n_trips; i++) {
        wa_event_set(ev_b);
        wa_event_wait(ev_a);
        wa_event_clear(ev_a);
    }
    return NULL;
}

static void *pong(void *arg)
{
    for (long i = 0; i < n_trips; i++) {
        wa_event_wait(ev_b);
        wa_event_clear(ev_b);
        wa_event_set(ev_a);
    }
    return NULL;
}

static void *bench(void *arg)
{
    int use_event = *(int *)arg;
    ev_a = wa_event_new();
    ev_b = wa_event_new();
    uint64_t t0 = wa_hrtime();
    wa_task *ts[2] = {wa_spawn(use_event ? ping : yielder, NULL),
                      wa_spawn(use_event ? pong : yielder, NULL)};
    int rc = wa_gather(ts, 2, NULL, NULL, 0);
    uint64_t t1 = wa_hrtime();
    wa_event_free(ev_a);
    wa_event_free(ev_b);
    if (rc < 0)
        return wa_raise(rc, "gather failed");
    printf("%.2f\n", (double)(t1 - t0) / (double)n_trips);
    return NULL;
}

int main(int argc, char **argv)
{
    int use_event = argc > 1 && strcmp(argv[1], "event") == 0;
    n_trips = argc > 2 ? atol(argv[2]) : 5000000;
    int rc = wa_run(bench, &use_event, NULL);
    if (rc < 0)
        fprintf(stderr, "core_switch: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
