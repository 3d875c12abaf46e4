/* cancel.c: asking the server to stop the query it runs. PQcancel opens a
 * connection of its own and blocks, so it runs on a worker thread; the
 * request carries only the connection's cancel key, so it can outlive the
 * connection (wa_pg_close sends one and frees at once). */
#include <stdint.h>
#include "pg.h"

static void *cancel_on_thread(void *arg)
{
    PGcancel *pc = arg;
    char err[256];
    int ok = PQcancel(pc, err, sizeof err);
    PQfreeCancel(pc); /* the thread's own: the task may be gone already */
    return (void *)(intptr_t)ok;
}

int wa__pg_send_cancel(PGcancel *pc)
{
    /* pc is the thread's to free once handed over (wa_to_thread's rule: it
     * runs even if this task is cancelled first, or the loop ends). */
    int rc = wa_to_thread(cancel_on_thread, pc, NULL);
    if (rc == WA_ENOMEM || rc == WA_ENOLOOP)
        PQfreeCancel(pc); /* refused */
    return rc;
}

static void *cancel_detached_task(void *pc)
{
    wa__pg_send_cancel(pc);
    return NULL;
}

void wa__pg_cancel_detached(wa_pg_conn *c)
{
    PGcancel *pc = PQgetCancel(c->pg);
    if (!pc)
        return;
    wa_task_opts o = {.name = "wa_pg cancel"};
    wa_task *t = wa_current() ? wa_spawn_opts(cancel_detached_task, pc, &o) : NULL;
    if (t)
        wa_release(t);
    else
        PQfreeCancel(pc);
}
