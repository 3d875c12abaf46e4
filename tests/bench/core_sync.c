/* core_sync.c: the synchronisation rows of the core benchmark, each timed
 * as the best of a few rounds:
 *   lock  - 2 tasks contending one wa_lock: ns per acquire+release hand-off
 *   sem   - the same through wa_sem_new(1): ns per hand-off
 *   queue - a producer and a consumer through wa_queue_new(1): ns per item
 *   group - wa_group of 100 trivial children spawned and joined: ns per child
 * Usage: core_sync lock|sem|queue|group [n] [rounds]. Prints the ns figure.
 * peer_core.py and peer_core.mjs run the same workloads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio.h>

#define GROUP_CHILDREN 100

static long n_ops;
static int use_sem;
static wa_lock *lock;
static wa_sem *sem;
static wa_queue *queue;
static int last_owner;
static long hand_offs;

static int take(void) { return use_sem ? wa_sem_acquire(sem) : wa_lock_acquire(lock); }

static int give(void) { return use_sem ? wa_sem_release(sem) : wa_lock_release(lock); }

/* Counts every time the lock changes hands, so the figure is per hand-off
 * and the run fails if the primitive let one task take it twice in a row. */
static void *contender(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (long i = 0; i < n_ops; i++) {
        int rc = take();
        if (rc)
            return wa_raise(rc, "acquire failed");
        if (last_owner != me)
            hand_offs++;
        last_owner = me;
        if ((rc = give()))
            return wa_raise(rc, "release failed");
    }
    return NULL;
}

/* The parent holds the lock while both contenders queue on it, so they
 * contend from the first acquire; the clock starts at its release. */
static double contend_round(void)
{
    int rc = take();
    wa_task *ts[2] = {wa_spawn(contender, (void *)1), wa_spawn(contender, (void *)2)};
    if (rc || !ts[0] || !ts[1])
        return -1;
    wa_yield(); /* both run up to their first acquire and wait there */
    last_owner = 0;
    hand_offs = 0;
    uint64_t t0 = wa_hrtime();
    give();
    rc = wa_gather(ts, 2, NULL, NULL, 0);
    uint64_t t1 = wa_hrtime();
    if (rc < 0 || hand_offs != 2 * n_ops) {
        fprintf(stderr, "core_sync: %ld hand-offs of %ld acquires\n", hand_offs, 2 * n_ops);
        return -1;
    }
    return (double)(t1 - t0) / (double)hand_offs;
}

static void *producer(void *arg)
{
    for (long i = 1; i <= n_ops; i++) {
        int rc = wa_queue_put(queue, (void *)(intptr_t)i);
        if (rc)
            return wa_raise(rc, "put failed");
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long *sum = arg;
    for (long i = 0; i < n_ops; i++) {
        void *item;
        int rc = wa_queue_get(queue, &item);
        if (rc)
            return wa_raise(rc, "get failed");
        *sum += (long)(intptr_t)item;
    }
    return NULL;
}

static double queue_round(void)
{
    long sum = 0;
    uint64_t t0 = wa_hrtime();
    wa_task *ts[2] = {wa_spawn(producer, NULL), wa_spawn(consumer, &sum)};
    if (!ts[0] || !ts[1])
        return -1;
    int rc = wa_gather(ts, 2, NULL, NULL, 0);
    uint64_t t1 = wa_hrtime();
    if (rc < 0 || sum != n_ops * (n_ops + 1) / 2)
        return -1;
    return (double)(t1 - t0) / (double)n_ops;
}

static void *child(void *arg) { return NULL; }

/* n_ops children in groups of GROUP_CHILDREN, each group spawned, joined
 * and freed (`async with TaskGroup()` around 100 create_task calls). */
static double group_round(void)
{
    long groups = n_ops / GROUP_CHILDREN;
    uint64_t t0 = wa_hrtime();
    for (long i = 0; i < groups; i++) {
        wa_group *g = wa_group_new();
        if (!g)
            return -1;
        for (int c = 0; c < GROUP_CHILDREN; c++)
            if (!wa_group_spawn(g, child, NULL))
                return -1;
        if (wa_group_wait(g) || wa_group_free(g))
            return -1;
    }
    uint64_t t1 = wa_hrtime();
    return (double)(t1 - t0) / (double)(groups * GROUP_CHILDREN);
}

struct job {
    const char *what;
    int rounds;
};

static void *bench(void *arg)
{
    const struct job *job = arg;
    double best = -1;
    for (int r = 0; r < job->rounds; r++) {
        double ns;
        if (strcmp(job->what, "queue") == 0)
            ns = queue_round();
        else if (strcmp(job->what, "group") == 0)
            ns = group_round();
        else
            ns = contend_round();
        if (ns < 0)
            return wa_raise(WA_EFAILED, "%s round failed", job->what);
        if (best < 0 || ns < best)
            best = ns;
    }
    printf("%.2f\n", best);
    return NULL;
}

int main(int argc, char **argv)
{
    struct job job = {argc > 1 ? argv[1] : "lock", argc > 3 ? atoi(argv[3]) : 3};
    n_ops = argc > 2 ? atol(argv[2]) : 1000000;
    if (strcmp(job.what, "lock") && strcmp(job.what, "sem") && strcmp(job.what, "queue") &&
        strcmp(job.what, "group")) {
        fprintf(stderr, "usage: core_sync lock|sem|queue|group [n] [rounds]\n");
        return 2;
    }
    use_sem = strcmp(job.what, "sem") == 0;
    lock = wa_lock_new();
    sem = wa_sem_new(1);
    queue = wa_queue_new(1);
    int rc = lock && sem && queue ? wa_run(bench, &job, NULL) : WA_ENOMEM;
    if (rc < 0)
        fprintf(stderr, "core_sync: %s\n", wa_strerror(rc));
    wa_lock_free(lock);
    wa_sem_free(sem);
    wa_queue_free(queue);
    return rc == 0 ? 0 : 1;
}
