/* tasks.c: twin of "Running Multiple Tasks": three tasks gathered, each
 * sleeping a different time; the whole run takes about 3 s, not 6, and the
 * results come back in argument order.                                   */
#include <stdio.h>
#include <wasyncio.h>

typedef struct job {
    const char *name;
    unsigned delay_s;
} job;

static void *task(void *arg)
{
    const job *j = arg;
    printf("%s starting\n", j->name);
    fflush(stdout);
    int rc = wa_sleep(j->delay_s * 1000u);
    if (rc < 0)
        return wa_raise(rc, "%s interrupted", j->name);
    printf("%s done\n", j->name);
    fflush(stdout);
    return (void *)j->name;
}

static void *main_task(void *arg)
{
    static const job jobs[3] = {{"A", 2}, {"B", 1}, {"C", 3}};
    wa_task *ts[3];
    for (int i = 0; i < 3; i++) {
        ts[i] = wa_spawn(task, (void *)&jobs[i]);
        if (!ts[i])
            return wa_raise(wa_last_error(), "spawn failed");
    }
    void *results[3];
    int rc = wa_gather(ts, 3, results, NULL, 0);
    if (rc < 0)
        return wa_raise(rc, "gather: %s", wa_strerror(rc));
    /* print like Python's list repr: ['A', 'B', 'C'] */
    printf("[");
    for (int i = 0; i < 3; i++)
        printf("%s'%s'", i ? ", " : "", (const char *)results[i]);
    printf("]\n");
    return NULL;
}

int main(void)
{
    int rc = wa_run(main_task, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "tasks: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
