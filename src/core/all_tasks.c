/* all_tasks.c: wa_all_tasks, asyncio.all_tasks(): the loop's unfinished
 * tasks, read from its list of live tasks, oldest first. */
#include <limits.h>
#include "loop.h"

int wa_all_tasks(wa_task **tasks, size_t cap)
{
    wa__loop *L = wa__L;
    if (!L)
        return WA_ENOLOOP;
    if (cap && !tasks)
        return WA_EINVAL;
    size_t n = 0;
    for (wa_task *t = L->all.head; t; t = t->all_next) {
        if (t->state == WA_T_DONE)
            continue;
        if (n < cap)
            tasks[n] = t;
        n++;
    }
    return n > INT_MAX ? INT_MAX : (int)n;
}
