/* sync_lock.c: wa_lock, a FIFO-fair non-recursive mutex between tasks.
 * release() never frees the lock while tasks wait: it hands ownership to the
 * first waiter by firing its node, so no later arrival can barge in and an
 * interrupted waiter (whose node did not fire) never owns it by mistake. */
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

struct wa_lock {
    wa_task *owner;    /* NULL when free */
    uint64_t owner_id; /* guards against a freed owner's address being reused */
    wa_wlist waiters;
};

wa_lock *wa_lock_new(void)
{
    wa_lock *l = calloc(1, sizeof *l);
    if (!l)
        return wa__set_last_error(WA_ENOMEM);
    return l;
}

static int held_by(const wa_lock *l, const wa_task *t)
{
    return l->owner && l->owner == t && l->owner_id == t->id;
}

int wa__lock_held(const wa_lock *l) { return held_by(l, wa__self()); }

static int acquire(wa_lock *l, unsigned flags)
{
    if (!l)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    wa_task *self = wa__self();
    if (held_by(l, self))
        return WA_EDEADLK;
    if (!l->owner && wa__wlist_empty(&l->waiters)) {
        l->owner = self;
        l->owner_id = self->id;
        return 0;
    }
    /* On 0 the releaser already made us the owner. */
    return wa__wait_here(&l->waiters, NULL, flags).rc;
}

int wa_lock_acquire(wa_lock *l) { return acquire(l, 0); }

int wa__lock_acquire_shielded(wa_lock *l) { return acquire(l, WA_PARK_SHIELD); }

int wa_lock_release(wa_lock *l)
{
    if (!l)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!held_by(l, wa__self()))
        return WA_EPERM;
    wa__wait *next = l->waiters.head;
    if (!next) {
        l->owner = NULL;
        l->owner_id = 0;
        return 0;
    }
    l->owner = next->task;
    l->owner_id = next->task->id;
    wa__wake(&l->waiters, next, 0);
    return 0;
}

int wa_lock_locked(const wa_lock *l)
{
    if (!l)
        return WA_EINVAL;
    return l->owner != NULL;
}

int wa_lock_free(wa_lock *l)
{
    if (!l)
        return WA_EINVAL;
    if (!wa__wlist_empty(&l->waiters))
        return WA_EBUSY;
    free(l);
    return 0;
}
