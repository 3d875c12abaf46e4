/* sync_sem.c: wa_sem, asyncio.Semaphore (no upper bound) and
 * BoundedSemaphore. A release with waiters gives its permit straight to the
 * first waiter (value stays 0), so permits are never lost to a cancelled
 * waiter nor stolen by a later arrival. */
#include <limits.h>
#include <stdlib.h>
#include "internal.h"
#include "wait_here.h"

struct wa_sem {
    unsigned value, bound;
    wa_wlist waiters; /* non-empty only while value == 0 */
};

static wa_sem *sem_new(unsigned value, unsigned bound)
{
    if (value > INT_MAX) /* wa_sem_value must fit the count in an int */
        return wa__set_last_error(WA_EINVAL);
    wa_sem *s = calloc(1, sizeof *s);
    if (!s)
        return wa__set_last_error(WA_ENOMEM);
    s->value = value;
    s->bound = bound;
    return s;
}

wa_sem *wa_sem_new(unsigned value) { return sem_new(value, INT_MAX); }

wa_sem *wa_sem_new_bounded(unsigned value) { return sem_new(value, value); }

int wa_sem_acquire(wa_sem *s)
{
    if (!s)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (s->value > 0 && wa__wlist_empty(&s->waiters)) {
        s->value--;
        return 0;
    }
    /* On 0 the releaser handed us its permit. */
    return wa__wait_here(&s->waiters, NULL, 0).rc;
}

int wa_sem_release(wa_sem *s)
{
    if (!s)
        return WA_EINVAL;
    if (s->value >= s->bound)
        return WA_EPERM;
    if (!wa__wlist_empty(&s->waiters))
        wa__wake(&s->waiters, s->waiters.head, 0);
    else
        s->value++;
    return 0;
}

int wa_sem_value(const wa_sem *s)
{
    if (!s)
        return WA_EINVAL;
    return (int)s->value;
}

int wa_sem_free(wa_sem *s)
{
    if (!s)
        return WA_EINVAL;
    if (!wa__wlist_empty(&s->waiters))
        return WA_EBUSY;
    free(s);
    return 0;
}
