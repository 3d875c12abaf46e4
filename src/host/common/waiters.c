/* waiters.c: the WASI backends' waiter list and poll arrays (waiters.h).
 * Only WASI builds (preview1 and 0.2) have a poll call to feed. */
#ifdef __wasi__
#include "host/common/waiters.h"

static void unlink_waiter(wa__waiters *l, wa__waiter *w)
{
    WA_LIST_UNLINK(l, w);
    l->count--;
}

/* The op is the waiter's first member; its data is the list. */
static void waiter_cancel(wa_op *op) { unlink_waiter(op->data, (wa__waiter *)op); }

int wa__waiters_wait(wa__waiters *l, wa__waiter *w)
{
    w->op.cancel = waiter_cancel;
    w->op.data = l;
    WA_LIST_APPEND(l, w);
    l->count++;
    return wa__op_wait(&w->op);
}

void wa__waiters_wake(wa__waiters *l, wa__waiter *w, int status)
{
    unlink_waiter(l, w);
    wa__wake_op(&w->op, status);
}

int wa__poll_arrays_reserve(wa__poll_arrays *p, size_t n, size_t a_elem, size_t b_elem)
{
    /* Both grow from the same capacity, so they end the same size; the
     * shared cap moves only when both did. */
    size_t a_cap = p->cap, b_cap = p->cap;
    if (wa__grow(&p->a, &a_cap, n, a_elem, 16) || wa__grow(&p->b, &b_cap, n, b_elem, 16))
        return WA_ENOMEM;
    p->cap = a_cap;
    return 0;
}
#endif
