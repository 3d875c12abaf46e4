/* sync_cond.c: wa_cond, asyncio.Condition: wait releases the lock, parks on
 * the condition's wait list until a notify fires its node, and takes the
 * lock back, uninterruptibly, so the caller holds it on every return. A
 * notify fires nodes, so a waiter notified and cancelled in the same step
 * keeps the notification (wa__wait_here's rule) and none is lost. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

struct wa_cond {
    wa_lock *lock;
    int owns_lock; /* made by wa_cond_new(NULL): freed with the condition */
    wa_wlist waiters;
};

wa_cond *wa_cond_new(wa_lock *lock)
{
    wa_cond *c = calloc(1, sizeof *c);
    if (!c)
        return wa__set_last_error(WA_ENOMEM);
    c->lock = lock;
    if (!lock) {
        c->lock = wa_lock_new();
        if (!c->lock) {
            free(c);
            return wa__set_last_error(WA_ENOMEM);
        }
        c->owns_lock = 1;
    }
    return c;
}

wa_lock *wa_cond_lock(const wa_cond *c)
{
    if (!c)
        return wa__set_last_error(WA_EINVAL);
    return c->lock;
}

int wa_cond_wait(wa_cond *c)
{
    if (!c)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!wa__lock_held(c->lock))
        return WA_EPERM;
    /* Releasing hands the lock on without running anyone, so no notify can
     * come between it and the wait. */
    wa_lock_release(c->lock);
    rc = wa__wait_here(&c->waiters, NULL, 0).rc;
    wa__lock_acquire_shielded(c->lock);
    return rc;
}

int wa_cond_wait_for(wa_cond *c, int (*pred)(void *arg), void *arg)
{
    if (!c || !pred)
        return WA_EINVAL;
    if (!wa__self() || !wa__lock_held(c->lock))
        return wa__self() ? WA_EPERM : WA_ENOLOOP;
    while (!pred(arg)) {
        int rc = wa_cond_wait(c);
        if (rc)
            return rc;
    }
    return 0;
}

int wa_cond_notify(wa_cond *c, size_t n)
{
    if (!c)
        return WA_EINVAL;
    if (!wa__self() || !wa__lock_held(c->lock))
        return WA_EPERM;
    int woken = 0;
    while (n-- > 0 && !wa__wlist_empty(&c->waiters) && woken < INT_MAX) {
        wa__wake(&c->waiters, c->waiters.head, 0);
        woken++;
    }
    return woken;
}

int wa_cond_notify_all(wa_cond *c) { return wa_cond_notify(c, SIZE_MAX); }

int wa_cond_free(wa_cond *c)
{
    if (!c)
        return WA_EINVAL;
    if (!wa__wlist_empty(&c->waiters))
        return WA_EBUSY;
    if (c->owns_lock) {
        int rc = wa_lock_free(c->lock);
        if (rc)
            return rc;
    }
    free(c);
    return 0;
}
