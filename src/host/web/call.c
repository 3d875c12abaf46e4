/* call.c: JavaScript calls a C coroutine and gets a Promise.
 *
 * Module.waCall(name, arg) finds the wa_fn exported with WA_JS_EXPORT(name)
 * (src/wasyncio.h) and calls wa__web_call. The coroutine runs as a child
 * task awaited by a small wrapper task, so a failure is delivered to the
 * Promise (rejection) instead of being reported as unawaited. If no loop is
 * running, the call starts one whose main task (the hub) lives while calls
 * are outstanding; otherwise the call joins the running loop (for example a
 * program's own wa_run).
 *
 * The coroutine receives its argument as a NUL-terminated JSON string and
 * returns a malloc'd JSON string (or NULL for null); the runtime frees it.
 */
#include "host/host.h"
#include "host/web/web.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

/* JS side: settle call `id`. code 0 resolves with json (NULL = null), else
 * rejects with message. The strings are copied before it returns. */
extern void wa__js_call_settled(int id, int code, const char *json,
                                const char *message);

struct web_call {
    wa_fn fn;
    char *arg;  /* JSON, malloc'd by JS; freed here */
    char *name;
    int id;
    int cancel_asked; /* cancelled before the child existed */
    wa_task *child;
    struct web_call *prev, *next;
};

static struct web_call *g_calls; /* outstanding calls (for cancellation) */
static unsigned g_outstanding;
static wa_event *g_hub_event;    /* set when a call finishes */

static void call_unlink(struct web_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        g_calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

static void call_free(struct web_call *c)
{
    free(c->arg);
    free(c->name);
    free(c);
}

static void *call_body(void *p)
{
    struct web_call *c = p;
    wa_task_opts o = {.name = c->name};
    void *res = NULL;
    int rc;
    c->child = wa_spawn_opts(c->fn, c->arg, &o);
    if (!c->child) {
        rc = wa_last_error();
        wa__js_call_settled(c->id, rc, NULL, wa_strerror(rc));
    } else {
        if (c->cancel_asked)
            wa_cancel(c->child);
        rc = wa_await(c->child, &res);
        const char *msg = wa_task_message(c->child);
        wa__js_call_settled(c->id, rc, rc == 0 ? res : NULL,
                            *msg ? msg : wa_strerror(rc));
        if (rc == 0)
            free(res);
        wa_release(c->child);
    }
    call_unlink(c);
    call_free(c);
    g_outstanding--;
    if (g_hub_event)
        wa_event_set(g_hub_event);
    return NULL;
}

static int start_call(struct web_call *c)
{
    wa_task_opts o = {.name = "wa-js-call"};
    wa_task *t = wa_spawn_opts(call_body, c, &o);
    if (!t)
        return wa_last_error();
    wa_release(t);
    c->next = g_calls;
    if (g_calls)
        g_calls->prev = c;
    g_calls = c;
    g_outstanding++;
    return 0;
}

/* Main task of a loop started by a JS call: keeps the loop alive while any
 * call is outstanding, so a finishing call never cancels the others. */
static void *hub_main(void *p)
{
    wa_event *ev = wa_event_new();
    if (!ev)
        return wa_raise(WA_ENOMEM, "wasyncio: no memory for a JS call");
    g_hub_event = ev;
    int rc = start_call(p);
    if (rc < 0) {
        struct web_call *c = p;
        wa__js_call_settled(c->id, rc, NULL, wa_strerror(rc));
        call_free(c);
    }
    while (g_outstanding > 0) {
        wa_event_clear(ev);
        if (wa_event_wait(ev) < 0)
            break; /* cancelled: the loop is ending */
    }
    g_hub_event = NULL;
    wa_event_free(ev);
    return NULL;
}

/* JS: run fn(arg) as a task; the result arrives through
 * wa__js_call_settled(id, ...). Returns 0, or an error code (nothing will be
 * settled then). */
EMSCRIPTEN_KEEPALIVE int wa__web_call(wa_fn fn, char *arg, int id, char *name)
{
    struct web_call *c = calloc(1, sizeof *c);
    if (!fn || !c) {
        free(arg);
        free(name);
        free(c);
        return fn ? WA_ENOMEM : WA_EINVAL;
    }
    c->fn = fn;
    c->arg = arg;
    c->name = name;
    c->id = id;
    if (wa_running()) {
        int rc = start_call(c);
        if (rc < 0) {
            call_free(c);
            return rc;
        }
        wa__web_kick();
        return 0;
    }
    int old = wa__web_lib_mode(1);
    int rc = wa_run(hub_main, c, NULL);
    wa__web_lib_mode(old);
    return rc == WA_EBUSY ? 0 : rc;
}

/* JS: cancel call id (an AbortSignal fired). Returns 0 or WA_EINVAL when the
 * call is not outstanding any more. */
EMSCRIPTEN_KEEPALIVE int wa__web_call_cancel(int id)
{
    for (struct web_call *c = g_calls; c; c = c->next) {
        if (c->id != id)
            continue;
        int rc = 0;
        if (c->child)
            rc = wa_cancel(c->child);
        else
            c->cancel_asked = 1;
        wa__web_kick();
        return rc == WA_EDONE ? 0 : rc;
    }
    return WA_EINVAL;
}
