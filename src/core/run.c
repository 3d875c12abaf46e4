/* run.c: wa_run (the twin of asyncio.run), the clocks and runtime settings.
 * wa_run sets up a loop on this thread, runs the main task through the host
 * backend's driver, then cancels and finishes the leftovers as asyncio.run
 * does, and reports failures nobody awaited. */
#include <stdio.h>
#include <stdlib.h>
#include "loop.h"

static int debug_default = -1; /* -1: read WASYNCIO_DEBUG */
void wa_set_debug(int on)
{
    debug_default = on ? 1 : 0;
    if (wa__L)
        wa__L->debug = debug_default;
}

int wa_debug(void)
{
    if (wa__L)
        return wa__L->debug;
    if (debug_default < 0) {
        const char *e = getenv("WASYNCIO_DEBUG");
        return e && *e && *e != '0';
    }
    return debug_default;
}

/* The fiber backend owns the default: it knows the page size and limits. */
int wa_set_default_stack_size(size_t bytes)
{
    if (bytes < 4096 || bytes > ((size_t)1 << 30))
        return WA_EINVAL;
    wa__fiber_set_default_stack(bytes);
    return 0;
}

size_t wa_default_stack_size(void) { return wa__fiber_default_stack(); }

uint64_t wa_hrtime(void) { return wa__host_hrtime(); }
uint64_t wa_now(void) { return wa__host_hrtime() / 1000000u; }

static uint64_t slow_ms_setting(void)
{
    const char *e = getenv("WASYNCIO_SLOW_MS");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v > 0 ? (uint64_t)v : 100;
}

/* Cancel what is left when the main task ends, and let it finish. On the
 * web a leftover may still wait on JavaScript: then wa__host_drive returns
 * WA_EBUSY and the web host calls wa__run_finish again when it is done. */
static int finish_leftovers(wa__loop *L)
{
    if (L->unfinished == 0)
        return 0;
    if (!L->ending) {
        L->ending = 1;
        /* Oldest first: the leftovers' cleanups run in the order the
         * tasks were spawned. */
        for (wa_task *t = L->all.head; t; t = t->all_next) {
            if (t->state == WA_T_DONE)
                continue;
            if (L->debug)
                fprintf(stderr,
                        "wasyncio: debug: task '%s' was still pending when "
                        "wa_run ended; cancelling it\n",
                        wa_task_name(t));
            wa_cancel(t);
        }
    }
    return wa__host_drive() == WA_EBUSY ? WA_EBUSY : 0;
}

int wa_run(wa_fn fn, void *arg, void **result)
{
    if (wa__L)
        return WA_ENESTED;
    if (!fn)
        return WA_EINVAL;
    wa__loop *L = calloc(1, sizeof *L);
    if (!L)
        return WA_ENOMEM;
    int rc = wa__fiber_init(&wa__task_hooks);
    if (rc) {
        free(L);
        return rc;
    }
    L->main_fiber = wa__fiber_main();
    L->debug = wa_debug();
    L->slow_ns = slow_ms_setting() * 1000000u;
    wa__L = L;
    rc = wa__host_open();
    if (rc) {
        wa__L = NULL;
        wa__fiber_shutdown();
        free(L);
        return rc;
    }
    wa_task_opts opts = {.name = "main"};
    wa_task *main = wa__spawn_hooked(fn, arg, &opts, NULL, NULL);
    if (!main) {
        rc = wa_last_error();
    } else {
        main->is_main = 1;
        L->main_task = main;
        rc = wa__host_drive();
        if (rc == WA_EBUSY)
            return rc; /* the web: JS drives the rest */
        rc = wa__run_finish(result);
        return rc;
    }
    wa__host_close();
    wa__L = NULL;
    wa__fiber_shutdown();
    free(L);
    return rc;
}

/* The end of wa_run, also called by the web host when the main task ends
 * from a JavaScript callback. */
int wa__run_finish(void **result)
{
    wa__loop *L = wa__L;
    wa_task *main = L->main_task;
    if (finish_leftovers(L) == WA_EBUSY)
        return WA_EBUSY;
    int rc = wa__task_outcome(main, result);
    while (L->all.tail) /* newest first */
        wa__task_free(L, L->all.tail);
    wa__reap(L);
    while (L->free_tasks) {
        wa_task *t = L->free_tasks;
        L->free_tasks = t->all_next;
        free(t);
    }
    wa__host_close();
    wa__L = NULL;
    wa__fiber_shutdown();
    free(L->heap);
    free(L);
    return rc;
}
