/* sync_barrier.c: wa_barrier, asyncio.Barrier. Rounds fill, then drain: the
 * last arrival releases the round and later arrivals wait (on `blocked`)
 * until every released task has left. A waiter's outcome is decided when its
 * node fires (0 released, WA_EBROKEN aborted or reset), so an abort after a
 * release cannot take back an index already given. */
#include <limits.h>
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

enum barrier_state { FILLING, DRAINING, RESETTING, BROKEN };

struct wa_barrier {
    int parties;
    int count; /* tasks inside wait(): filling, or not yet left */
    enum barrier_state state;
    wa_wlist filling; /* arrived, waiting for the round to fill */
    wa_wlist blocked; /* arrived while the last round drains or resets */
};

wa_barrier *wa_barrier_new(unsigned parties)
{
    if (parties == 0 || parties > INT_MAX)
        return wa__set_last_error(WA_EINVAL);
    wa_barrier *b = calloc(1, sizeof *b);
    if (!b)
        return wa__set_last_error(WA_ENOMEM);
    b->parties = (int)parties;
    return b;
}

static void wake_all(wa_wlist *l, int status)
{
    while (!wa__wlist_empty(l))
        wa__wake(l, l->head, status);
}

/* A task leaves wait(): the last one out of a drained or reset round lets
 * the blocked arrivals in. */
static void leave(wa_barrier *b)
{
    b->count--;
    if (b->count == 0 && (b->state == DRAINING || b->state == RESETTING)) {
        b->state = FILLING;
        wake_all(&b->blocked, 0);
    }
}

int wa_barrier_wait(wa_barrier *b)
{
    if (!b)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    while (b->state == DRAINING || b->state == RESETTING) {
        rc = wa__wait_here(&b->blocked, NULL, 0).rc;
        if (rc)
            return rc;
    }
    if (b->state == BROKEN)
        return WA_EBROKEN;
    int index = b->count++;
    if (index + 1 == b->parties) {
        b->state = DRAINING;
        wake_all(&b->filling, 0);
        rc = 0;
    } else {
        rc = wa__wait_here(&b->filling, NULL, 0).rc;
    }
    leave(b);
    return rc ? rc : index;
}

int wa_barrier_reset(wa_barrier *b)
{
    if (!b)
        return WA_EINVAL;
    if (b->count > 0) {
        b->state = RESETTING; /* the tasks still inside leave, then it refills */
        wake_all(&b->filling, WA_EBROKEN);
    } else {
        b->state = FILLING;
        wake_all(&b->blocked, 0);
    }
    return 0;
}

int wa_barrier_abort(wa_barrier *b)
{
    if (!b)
        return WA_EINVAL;
    b->state = BROKEN;
    wake_all(&b->filling, WA_EBROKEN);
    wake_all(&b->blocked, WA_EBROKEN);
    return 0;
}

int wa_barrier_parties(const wa_barrier *b) { return b ? b->parties : WA_EINVAL; }

int wa_barrier_n_waiting(const wa_barrier *b)
{
    if (!b)
        return WA_EINVAL;
    return b->state == FILLING ? b->count : 0;
}

int wa_barrier_broken(const wa_barrier *b)
{
    if (!b)
        return WA_EINVAL;
    return b->state == BROKEN;
}

int wa_barrier_free(wa_barrier *b)
{
    if (!b)
        return WA_EINVAL;
    if (!wa__wlist_empty(&b->filling) || !wa__wlist_empty(&b->blocked) || b->count > 0)
        return WA_EBUSY;
    free(b);
    return 0;
}
