/* overflow_demo.c: makes a task overflow on purpose, through the public API,
 * so test-wasi, test-wasip2 and test-web can check the report names the task
 * and the exit is non-zero (never a bare `unreachable` trap).
 *   overflow_demo asyncify   task 'deep-recursion' outgrows a 256-byte buffer
 *   overflow_demo asyncify-far  task 'deep-far' suspends 1,000 frames deep:
 *                            its Asyncify records outgrow the default buffer
 *                            and the whole 16 KiB stack, so they must be
 *                            stopped before they leave the task's memory
 *   overflow_demo stack      task 'stack-hog' outgrows a 4 KiB stack and fills it
 *   overflow_demo far        task 'far-writer' (4 KiB stack) writes only the
 *                            far end of a 32 KiB local array, which lies in
 *                            a sibling task's heap block; the frame must be
 *                            stopped before that write. Built without the
 *                            stack check (test-wasi does), the demo shows
 *                            the corruption the check prevents.
 *   overflow_demo main       the program's own stack (the loop's context):
 *                            a 16 MiB local array in main(), before wa_run */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
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
    recurse_ptr = recurse;
    recurse(arg ? (int)(long)arg : 200);
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

/* The sibling's heap block, allocated just before the far writer's stack. */
#define SIBLING_BYTES (64u * 1024u)
static unsigned char *sibling_data;
static wa_event *writer_done; /* set once the far writer has finished */

static int sibling_intact(void)
{
    for (size_t i = 0; i < SIBLING_BYTES; i++)
        if (sibling_data[i] != 0xA5)
            return 0;
    return 1;
}

static void *sibling(void *arg)
{
    (void)arg;
    sibling_data = malloc(SIBLING_BYTES);
    if (!sibling_data)
        return NULL;
    memset(sibling_data, 0xA5, SIBLING_BYTES);
    wa_event_wait(writer_done); /* an event, not a timer: order, not timing */
    printf("sibling heap %s\n", sibling_intact() ? "intact" : "corrupted");
    return NULL;
}

static void write_first(unsigned char *p) { p[0] = 0x5A; }
/* Opaque to the compiler, so the whole array is a real part of the frame. */
static void (*volatile write_first_ptr)(unsigned char *) = write_first;

static void *far_writer(void *arg)
{
    (void)arg;
    unsigned char big[32 * 1024]; /* 8x the task's stack */
    write_first_ptr(big);         /* the far end only: nothing in between is touched */
    /* Only reached without the stack check: say what the write hit. */
    printf("far write done; sibling heap %s\n", sibling_intact() ? "intact" : "corrupted");
    fflush(stdout);
    return (void *)(long)big[0];
}

static void *main_task(void *arg)
{
    if (strcmp((const char *)arg, "far") == 0) {
        writer_done = wa_event_new();
        wa_task *s = wa_spawn(sibling, NULL);
        wa_yield(); /* the sibling allocates its block first */
        wa_task_opts o = {.name = "far-writer", .stack_size = 4096};
        wa_task *t = wa_spawn_opts(far_writer, NULL, &o);
        wa_await(t, NULL);
        wa_event_set(writer_done);
        wa_await(s, NULL);
        return NULL;
    }
    if (strcmp((const char *)arg, "asyncify-far") == 0) {
        /* 1,000 frames deep with the default buffer and stack: the unwind's
         * records outgrow both; unchecked, they ran on past the task's
         * memory before anything reported it. */
        wa_task_opts o = {.name = "deep-far"};
        wa_task *t = wa_spawn_opts(deep, (void *)1000L, &o);
        wa_await(t, NULL);
        return NULL;
    }
    int stack = strcmp((const char *)arg, "stack") == 0;
    wa_task_opts o = stack ? (wa_task_opts){.name = "stack-hog", .stack_size = 4096}
                           : (wa_task_opts){.name = "deep-recursion", .asyncify_size = 256};
    wa_task *t = wa_spawn_opts(stack ? hog : deep, NULL, &o);
    wa_await(t, NULL);
    return NULL;
}

/* Bigger than the program stack of any of our builds (WASI 64 KiB,
 * Emscripten 5 MiB). */
__attribute__((noinline)) static void *main_stack_hog(void)
{
    unsigned char big[16 * 1024 * 1024];
    write_first_ptr(big);
    return (void *)(long)big[0];
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "main") == 0) {
        main_stack_hog();
        printf("no overflow detected\n");
        return 0;
    }
    int rc = wa_run(main_task, argc > 1 ? argv[1] : "asyncify", NULL);
    printf("no overflow detected (rc %d)\n", rc);
    return 0;
}
