/* wait_here.h: "wait here on this list", the one way a waiting primitive
 * (lock, semaphore, event, condition, barrier, queue, pool, group,
 * generator, await) parks a task on its list. A header of its own, included
 * by those primitives and not by loop.c, whose wa__wait_node it calls. */
#ifndef WA_CORE_WAIT_HERE_H
#define WA_CORE_WAIT_HERE_H

#include "internal.h"

/* How a wait here ended (wa__wait_here). */
typedef struct wa__waited {
    int rc;     /* the waker's status if fired, else the interruption (< 0) */
    int fired;  /* a waker fired our node (rc is its status, perhaps < 0) */
    void *data; /* the node's data at the end: what a waker handed over */
} wa__waited;

/* "Wait here on this list", the one way a task waits its turn: a node
 * carrying data joins the tail of l (so wakers take waiters FIFO), the task
 * parks until a waker fires the node (wa__wake) or it is interrupted, and
 * the node leaves l either way. A wake that came first wins over a cancel
 * in the same step (the cancel stays pending). flags: WA_PARK_SHIELD (not
 * interruptible), WA__WAIT_FOR_TASKS. Inline, so the node sits in the
 * waiting primitive's own frame and what a caller does not read costs
 * nothing: out of line, the lock's hand-off measured 5-10% slower. */
static inline wa__waited wa__wait_here(wa_wlist *l, void *data, unsigned flags)
{
    wa__wait w = {.data = data};
    int rc = wa__wait_node(l, &w, flags);
    return (wa__waited){.rc = rc, .fired = w.fired, .data = w.data};
}

#endif
