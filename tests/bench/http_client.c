/* http_client.c: client benchmark: N GETs of one URL with `conc` tasks in
 * flight (each task fetches in a loop), printing requests per second on
 * the first line. Usage: http_client URL N CONC */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>

static const char *url;
static int next, total, failures;

static void *worker(void *arg)
{
    (void)arg;
    while (next < total) {
        next++;
        wa_response *r = NULL;
        if (wa_fetch(url, NULL, &r) < 0 || wa_response_status(r) != 200)
            failures++;
        wa_response_free(r);
    }
    return NULL;
}

static void *bench(void *arg)
{
    int conc = *(int *)arg;
    wa_task **ts = calloc((size_t)conc, sizeof *ts);
    if (!ts)
        return wa_raise(WA_ENOMEM, "oom");
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < conc; i++)
        ts[i] = wa_spawn(worker, NULL);
    int rc = wa_gather(ts, (size_t)conc, NULL, NULL, 0);
    double secs = (double)(wa_hrtime() - t0) / 1e9;
    for (int i = 0; i < conc; i++)
        wa_release(ts[i]);
    free(ts);
    if (rc < 0)
        return wa_raise(rc, "gather failed");
    printf("%.0f\n", total / secs);
    if (failures)
        fprintf(stderr, "http_client: %d failures\n", failures);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL N CONC\n", argv[0]);
        return 2;
    }
    url = argv[1];
    total = atoi(argv[2]);
    int conc = atoi(argv[3]);
    if (total <= 0 || conc <= 0)
        return 2;
    return wa_run(bench, &conc, NULL) == 0 && failures == 0 ? 0 : 1;
}
