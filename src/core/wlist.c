/* wlist.c: wait lists (who waits on what): core/list.h's list, with each
 * node knowing whether it is linked, so removing twice is harmless. */
#include "internal.h"

void wa__wlist_push(wa_wlist *l, wa__wait *w)
{
    WA_LIST_APPEND(l, w);
    w->linked = 1;
}

void wa__wlist_remove(wa_wlist *l, wa__wait *w)
{
    if (!w->linked)
        return;
    WA_LIST_UNLINK(l, w);
    w->linked = 0;
}

wa__wait *wa__wlist_pop(wa_wlist *l)
{
    wa__wait *w = l->head;
    if (w)
        wa__wlist_remove(l, w);
    return w;
}
