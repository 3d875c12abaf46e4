/* to_thread.c: twin of pitfall 1: a blocking function runs on a worker
 * thread with wa_to_thread (asyncio.to_thread) while a ticker task keeps
 * printing, so the loop is never stalled.
 *     result = await asyncio.to_thread(blocking_function, arg1, arg2)   */
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <wasyncio.h>

typedef struct args {
    int arg1, arg2;
} args;

/* An ordinary blocking call (time.sleep(0.5) in the Python twin). */
static void *blocking_function(void *p)
{
    const args *a = p;
    struct timespec ts = {0, 500 * 1000000L};
    nanosleep(&ts, NULL);
    return (void *)(intptr_t)(a->arg1 + a->arg2);
}

static void *ticker(void *arg)
{
    for (int i = 1; i <= 3; i++) {
        if (wa_sleep(100) < 0)
            break;
        printf("tick %d\n", i);
        fflush(stdout);
    }
    return NULL;
}

static void *main_task(void *arg)
{
    wa_task *t = wa_spawn(ticker, NULL);
    printf("calling blocking_function in a thread\n");
    fflush(stdout);
    args a = {1, 2};
    void *result = NULL;
    int rc = wa_to_thread(blocking_function, &a, &result);
    if (rc < 0)
        return wa_raise(rc, "to_thread: %s", wa_strerror(rc));
    wa_await(t, NULL);
    printf("result: %d\n", (int)(intptr_t)result);
    return NULL;
}

int main(void)
{
    int rc = wa_run(main_task, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "to_thread: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
