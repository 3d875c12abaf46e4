/* with.c: the guards behind WA_WITH_LOCK / WA_WITH_SEM (`async with`).
 * wa__guard_exit runs from both the for-loop step and the cleanup attribute,
 * so it clears obj before releasing: the second call is a no-op. */
#include "internal.h"

static int release_lock(void *l) { return wa_lock_release(l); }
static int release_sem(void *s) { return wa_sem_release(s); }

static wa__guard make(void *obj, int rc, int (*release)(void *), int *out)
{
    wa__guard g = {NULL, NULL};
    if (out)
        *out = rc;
    if (rc == 0) {
        g.obj = obj;
        g.release = release;
    }
    return g;
}

wa__guard wa__guard_lock(wa_lock *l, int *rc)
{
    return make(l, wa_lock_acquire(l), release_lock, rc);
}

wa__guard wa__guard_sem(wa_sem *s, int *rc)
{
    return make(s, wa_sem_acquire(s), release_sem, rc);
}

void wa__guard_exit(wa__guard *g)
{
    if (!g || !g->obj)
        return;
    void *obj = g->obj;
    g->obj = NULL;
    if (g->release)
        g->release(obj);
}
