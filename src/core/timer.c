/* timer.c: the loop's timers, a binary min-heap of parked tasks keyed on
 * (deadline, insertion order). Each task holds at most one armed deadline
 * (its sleep or its innermost scope), and knows its heap slot, so arm,
 * disarm and pop are O(log n) with 100k timers pending. */
#include <stdlib.h>
#include "loop.h"

static int before(const wa_task *a, const wa_task *b)
{
    return a->timer_at < b->timer_at || (a->timer_at == b->timer_at && a->timer_seq < b->timer_seq);
}

static void place(wa__loop *L, size_t i, wa_task *t)
{
    L->heap[i] = t;
    t->heap_index = i;
}

static void sift_up(wa__loop *L, size_t i)
{
    wa_task *t = L->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(t, L->heap[p]))
            break;
        place(L, i, L->heap[p]);
        i = p;
    }
    place(L, i, t);
}

static void sift_down(wa__loop *L, size_t i)
{
    wa_task *t = L->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= L->heap_len)
            break;
        if (c + 1 < L->heap_len && before(L->heap[c + 1], L->heap[c]))
            c++;
        if (!before(L->heap[c], t))
            break;
        place(L, i, L->heap[c]);
        i = c;
    }
    place(L, i, t);
}

int wa__timer_arm(wa__loop *L, wa_task *t, uint64_t at, int is_scope)
{
    if (t->in_heap)
        wa__timer_disarm(L, t);
    if (wa__grow(&L->heap, &L->heap_cap, L->heap_len + 1, sizeof *L->heap, 64))
        return WA_ENOMEM;
    t->timer_at = at;
    t->timer_seq = L->timer_seq++;
    t->timer_is_scope = (uint8_t)is_scope;
    t->in_heap = 1;
    place(L, L->heap_len++, t);
    sift_up(L, L->heap_len - 1);
    return 0;
}

void wa__timer_disarm(wa__loop *L, wa_task *t)
{
    if (!t->in_heap)
        return;
    size_t i = t->heap_index;
    t->in_heap = 0;
    wa_task *last = L->heap[--L->heap_len];
    if (i == L->heap_len)
        return;
    place(L, i, last);
    if (i > 0 && before(last, L->heap[(i - 1) / 2]))
        sift_up(L, i);
    else
        sift_down(L, i);
}

wa_task *wa__timer_top(const wa__loop *L) { return L->heap_len ? L->heap[0] : NULL; }

void wa__timer_pop(wa__loop *L)
{
    if (L->heap_len)
        wa__timer_disarm(L, L->heap[0]);
}
