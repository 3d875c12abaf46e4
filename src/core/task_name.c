/* task_name.c: an unnamed task's default name, "task-<id>", written on the
 * first read (wa__task_name in internal.h). It sits at the bottom of the
 * core, beside timer.c and wlist.c, because the scheduler (loop.c, turn.c)
 * names tasks in its reports and must not call up into task.c. */
#include <string.h>
#include "internal.h"

/* "task-N" without snprintf (it may run in a signal handler's report). */
void wa__default_name(wa_task *t)
{
    char digits[24];
    int n = 0;
    uint64_t id = t->id;
    do {
        digits[n++] = (char)('0' + id % 10);
        id /= 10;
    } while (id && n < 20);
    memcpy(t->name, "task-", 5);
    int i = 5;
    while (n > 0 && i < (int)sizeof t->name - 1)
        t->name[i++] = digits[--n];
    t->name[i] = '\0';
}
