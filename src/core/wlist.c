/* wlist.c: intrusive doubly-linked wait lists (who waits on what). */
#include "internal.h"

void wa__wlist_push(wa_wlist *l, wa__wait *w)
{
    w->next = NULL;
    w->prev = l->tail;
    if (l->tail) l->tail->next = w;
    else l->head = w;
    l->tail = w;
    w->linked = 1;
}

void wa__wlist_remove(wa_wlist *l, wa__wait *w)
{
    if (!w->linked) return;
    if (w->prev) w->prev->next = w->next;
    else l->head = w->next;
    if (w->next) w->next->prev = w->prev;
    else l->tail = w->prev;
    w->prev = w->next = NULL;
    w->linked = 0;
}

wa__wait *wa__wlist_pop(wa_wlist *l)
{
    wa__wait *w = l->head;
    if (w) wa__wlist_remove(l, w);
    return w;
}
