/* async_range.c: twin of "Async Iterators": a generator task yields 0..4
 * with a 0.1 s sleep before each value, and WA_FOR is the `async for`.   */
#include <stdio.h>
#include <stdint.h>
#include <wasyncio.h>

/* async def async_range(n): for i in range(n): await sleep(0.1); yield i */
static void *async_range(void *arg)
{
    intptr_t n = (intptr_t)arg;
    for (intptr_t i = 0; i < n; i++) {
        if (wa_sleep(100) < 0)
            break;
        /* non-zero: the consumer closed us (or we were cancelled) */
        if (wa_gen_yield((void *)i) != 0)
            break;
    }
    return NULL;
}

static void *main_task(void *arg)
{
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)5);
    if (!g)
        return wa_raise(wa_last_error(), "wa_gen_new failed");
    void *value;
    WA_FOR(value, g)
    {
        printf("%d\n", (int)(intptr_t)value);
        fflush(stdout);
    }
    int rc = wa_gen_status(g);
    wa_gen_free(g);
    return rc < 0 ? wa_raise(rc, "async_range: %s", wa_strerror(rc)) : NULL;
}

int main(void)
{
    int rc = wa_run(main_task, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "async_range: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
