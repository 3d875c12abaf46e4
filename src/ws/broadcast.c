/* broadcast.c: one message to many connections (a chat room), each send in
 * a task of its own so a slow reader holds back only itself. */
#include "ws/engine.h"
#include "core/backend.h"

#include <stdlib.h>

struct one_send {
    wa_ws *ws;
    int type;
    const void *data;
    size_t len;
};

/* The broadcast entered every connection before spawning its send, and
 * leaves them once the gather is over (every send has ended then, even when
 * the broadcast was cancelled), so a wa_ws_free meanwhile waits for it. */
static void *send_one(void *arg)
{
    struct one_send *s = arg;
    int rc = WA_ECLOSED;
    if (!s->ws->free_pending)
        rc = s->type == WA_WS_TEXT ? wa_ws_send_text_n(s->ws, s->data, s->len)
                                   : wa_ws_send_binary(s->ws, s->data, s->len);
    return rc < 0 ? wa_raise(rc, "broadcast send") : NULL;
}

int wa_ws_broadcast(wa_ws *const *conns, size_t n, int type, const void *data, size_t len)
{
    if ((!conns && n) || (!data && len) || (type != WA_WS_TEXT && type != WA_WS_BINARY))
        return WA_EINVAL;
    if (type == WA_WS_TEXT && !wa__utf8_valid(data, len))
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    if (n == 0)
        return 0;
    if (n == 1) /* no task needed */
        return conns[0] && !conns[0]->closed &&
                       (type == WA_WS_TEXT ? wa_ws_send_text_n(conns[0], data, len)
                                           : wa_ws_send_binary(conns[0], data, len)) == 0
                   ? 1
                   : 0;
    struct one_send *sends = calloc(n, sizeof *sends);
    wa_task **tasks = calloc(n, sizeof *tasks);
    int *errors = calloc(n, sizeof *errors);
    if (!sends || !tasks || !errors) {
        free(sends), free(tasks), free(errors);
        return WA_ENOMEM;
    }
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        if (!conns[i] || conns[i]->closed)
            continue;
        sends[started] = (struct one_send){conns[i], type, data, len};
        wa__ws_enter(conns[i]);
        tasks[started] = wa_spawn(send_one, &sends[started]);
        if (!tasks[started]) {
            wa__ws_leave(conns[i]);
            break;
        }
        started++;
    }
    /* gather: a cancel of the caller cancels the sends too (data is ours). */
    rc = wa_gather(tasks, started, NULL, errors, WA_RETURN_ERRORS);
    int ok = 0;
    for (size_t i = 0; i < started; i++) {
        ok += errors[i] == 0;
        wa_release(tasks[i]);
        wa__ws_leave(sends[i].ws);
    }
    free(sends), free(tasks), free(errors);
    return rc == WA_ECANCELED || rc == WA_ETIMEDOUT ? rc : ok;
}
