/* wlist.c: wait lists (who waits on what): core/list.h's list, with each
 * node knowing whether it is linked, so removing twice is harmless. Push and
 * remove are inline in internal.h; pop is here. */
#include "internal.h"

wa__wait *wa__wlist_pop(wa_wlist *l)
{
    wa__wait *w = l->head;
    if (w)
        wa__wlist_remove(l, w);
    return w;
}
