/* waiters.c: the WASI backends' waiter list and poll arrays (waiters.h).
 * Only WASI builds (preview1 and 0.2) have a poll call to feed. */
#ifdef __wasi__
#include <stdlib.h>
#include "host/common/waiters.h"

static void unlink_waiter(wa__waiters *l, wa__waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        l->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        l->tail = w->prev;
    w->prev = w->next = NULL;
    l->count--;
}

/* The op is the waiter's first member; its data is the list. */
static void waiter_cancel(wa_op *op) { unlink_waiter(op->data, (wa__waiter *)op); }

int wa__waiters_wait(wa__waiters *l, wa__waiter *w)
{
    w->op.cancel = waiter_cancel;
    w->op.data = l;
    w->next = NULL;
    w->prev = l->tail;
    if (l->tail)
        l->tail->next = w;
    else
        l->head = w;
    l->tail = w;
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
    if (n <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap : 16;
    while (cap < n)
        cap *= 2;
    void *a = realloc(p->a, cap * a_elem);
    if (!a)
        return WA_ENOMEM;
    p->a = a;
    void *b = realloc(p->b, cap * b_elem);
    if (!b)
        return WA_ENOMEM;
    p->b = b;
    p->cap = cap;
    return 0;
}
#endif
