/* sync_event.c: wa_event, asyncio.Event. set() wakes every waiter; a waiter
 * that was woken returns 0 even if the event was cleared before it ran. */
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

struct wa_event {
    int set;
    wa_wlist waiters;
};

wa_event *wa_event_new(void)
{
    wa_event *e = calloc(1, sizeof *e);
    if (!e)
        return wa__set_last_error(WA_ENOMEM);
    return e;
}

int wa_event_set(wa_event *e)
{
    if (!e)
        return WA_EINVAL;
    e->set = 1;
    while (!wa__wlist_empty(&e->waiters))
        wa__wake(&e->waiters, e->waiters.head, 0);
    return 0;
}

int wa_event_clear(wa_event *e)
{
    if (!e)
        return WA_EINVAL;
    e->set = 0;
    return 0;
}

int wa_event_is_set(const wa_event *e)
{
    if (!e)
        return WA_EINVAL;
    return e->set;
}

int wa_event_wait(wa_event *e)
{
    if (!e)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    /* Like asyncio: a set event is not a suspension point. */
    if (e->set)
        return 0;
    return wa__wait_here(&e->waiters, NULL, 0).rc;
}

int wa_event_free(wa_event *e)
{
    if (!e)
        return WA_EINVAL;
    if (!wa__wlist_empty(&e->waiters))
        return WA_EBUSY;
    free(e);
    return 0;
}
