/* task_helpers.h: small helpers shared by the portable scenarios
 * (scenarios/harness.h) and the native cmocka tests (native/test_util.h), so
 * a case reads the same in both and can move between them unchanged. */
#ifndef WA_TEST_TASK_HELPERS_H
#define WA_TEST_TASK_HELPERS_H

#include <stdint.h>
#include <wasyncio.h>

#define PTR(i) ((void *)(intptr_t)(i))
#define INT(p) ((int)(intptr_t)(p))

/* Spawn with a name. */
static inline wa_task *spawn_named(const char *name, wa_fn fn, void *arg)
{
    wa_task_opts o = {0};
    o.name = name;
    return wa_spawn_opts(fn, arg, &o);
}

/* Yield n times (lets other ready tasks run n rounds). */
static inline void yield_n(int n)
{
    while (n-- > 0)
        wa_yield();
}

#endif
