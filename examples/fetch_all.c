/* fetch_all.c: the tutorial's sync-vs-async comparison. Fetches the URLs on
 * the command line one after another, then all at once with wa_gather,
 * printing the bytes per URL and both times. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const char *url;
    size_t bytes;
    int status;
} job;

/* One fetch: the twin of the tutorial's `fetch(session, url)`. */
static void *fetch(void *arg)
{
    job *j = arg;
    wa_response *r = NULL;
    int rc = wa_fetch(j->url, NULL, &r);
    if (rc < 0)
        return wa_raise(rc, "%s: %s", j->url, wa_strerror(rc));
    wa_response_body(r, &j->bytes);
    j->status = wa_response_status(r);
    wa_response_free(r);
    return NULL;
}

static void report(const char *what, job *jobs, int n, int *errs, uint64_t ns)
{
    printf("%s:\n", what);
    for (int i = 0; i < n; i++) {
        if (errs[i] < 0)
            printf("  %s: error: %s\n", jobs[i].url, wa_strerror(errs[i]));
        else
            printf("  %s: %d, %zu bytes\n", jobs[i].url, jobs[i].status, jobs[i].bytes);
    }
    printf("%s took %.3f s\n", what, (double)ns / 1e9);
}

struct args {
    int n;
    char **urls;
};

static void *main_task(void *arg)
{
    struct args *a = arg;
    int n = a->n;
    job *jobs = calloc((size_t)n, sizeof *jobs);
    int *errs = calloc((size_t)n, sizeof *errs);
    wa_task **tasks = calloc((size_t)n, sizeof *tasks);
    if (!jobs || !errs || !tasks) {
        free(jobs), free(errs), free(tasks);
        return wa_raise(WA_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++)
        jobs[i].url = a->urls[i];

    /* Sequential: each fetch waits for the previous one. */
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < n; i++) {
        wa_task *t = wa_spawn(fetch, &jobs[i]);
        errs[i] = t ? wa_await(t, NULL) : wa_last_error();
        if (t)
            wa_release(t);
    }
    report("sequential", jobs, n, errs, wa_hrtime() - t0);

    /* Concurrent: asyncio.gather(*[fetch(session, url) for url in urls]). */
    t0 = wa_hrtime();
    for (int i = 0; i < n; i++) {
        jobs[i].bytes = 0;
        jobs[i].status = 0;
        tasks[i] = wa_spawn(fetch, &jobs[i]);
    }
    int rc = wa_gather(tasks, (size_t)n, NULL, errs, WA_RETURN_ERRORS);
    report("concurrent", jobs, n, errs, wa_hrtime() - t0);
    for (int i = 0; i < n; i++)
        wa_release(tasks[i]);
    free(jobs);
    free(errs);
    free(tasks);
    return rc < 0 ? wa_raise(rc, "gather failed") : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL...\n", argv[0]);
        return 2;
    }
    struct args a = {argc - 1, argv + 1};
    int rc = wa_run(main_task, &a, NULL);
    if (rc < 0) {
        fprintf(stderr, "fetch_all: %s\n", wa_strerror(rc));
        return 1;
    }
    return 0;
}
