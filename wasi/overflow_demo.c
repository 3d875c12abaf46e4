/* overflow_demo.c: makes a task overflow on purpose, through the public API,
 * so test-wasi can check the report names the task and the exit is
 * non-zero (never a bare `unreachable` trap).
 *   overflow_demo asyncify   task 'deep-recursion' outgrows a 256-byte buffer
 *   overflow_demo stack      task 'stack-hog' outgrows a 4 KiB stack by less than
 *                            the buffer below it (larger overruns can
 *                            corrupt memory before any check runs) */
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include <wasyncio.h>

/* Through a volatile pointer so every level is a real frame. */
static int (*volatile recurse_ptr)(int);
__attribute__((noinline)) static int recurse(int n)
{
    if (n == 0)
        return wa_sleep(1); /* a real switch: a lone yield may not switch */
    return recurse_ptr(n - 1) * 3 + n;
}

static void *deep(void *arg)
{
    (void)arg;
    recurse_ptr = recurse;
    recurse(200);
    return NULL;
}

static void *hog(void *arg)
{
    (void)arg;
    volatile char big[4600]; /* over the 4 KiB stack, within the 1 KiB headroom */
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)i;
    wa_sleep(1);
    return (void *)(long)big[10];
}

static void *main_task(void *arg)
{
    int stack = strcmp((const char *)arg, "stack") == 0;
    wa_task_opts o = stack ? (wa_task_opts){.name = "stack-hog", .stack_size = 4096}
                           : (wa_task_opts){.name = "deep-recursion", .asyncify_size = 256};
    wa_task *t = wa_spawn_opts(stack ? hog : deep, NULL, &o);
    wa_await(t, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    int rc = wa_run(main_task, argc > 1 ? argv[1] : "asyncify", NULL);
    printf("no overflow detected (rc %d)\n", rc);
    return 0;
}
