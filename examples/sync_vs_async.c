/* sync_vs_async.c: twin of "Sync vs Async" until HTTP exists: three 0.2 s
 * waits one after another, then the same three gathered. Times are rounded
 * to 0.1 s so the output is comparable across runs and targets.          */
#include <stdio.h>
#include <wasyncio.h>

#define N       3
#define WAIT_MS 200

static void *wait_once(void *arg)
{
    int rc = wa_sleep(WAIT_MS); /* stands in for one request */
    return rc < 0 ? wa_raise(rc, "wait interrupted") : NULL;
}

static double seconds_since(uint64_t t0) { return (double)(wa_hrtime() - t0) / 1e9; }

static void *main_task(void *arg)
{
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < N; i++) { /* sequential: each wait blocks the next */
        void *r;
        int rc = wa_await(wa_spawn(wait_once, NULL), &r);
        if (rc < 0)
            return wa_raise(rc, "sequential: %s", wa_strerror(rc));
    }
    printf("sequential: %.1f s\n", seconds_since(t0));

    t0 = wa_hrtime();
    wa_task *ts[N];
    for (int i = 0; i < N; i++)
        ts[i] = wa_spawn(wait_once, NULL);
    int rc = wa_gather(ts, N, NULL, NULL, 0);
    if (rc < 0)
        return wa_raise(rc, "gather: %s", wa_strerror(rc));
    printf("concurrent: %.1f s\n", seconds_since(t0));
    return NULL;
}

int main(void)
{
    int rc = wa_run(main_task, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "sync_vs_async: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
