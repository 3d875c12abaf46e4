/* js.c: C awaits a JavaScript promise (wa_js_await). JS registers the
 * promise with Module.waPromise(p) and passes the returned handle to C; the
 * settled value comes back as a JSON string, a rejection as WA_EJS with the
 * rejection's message. A handle is consumed by the await that takes it. */
#include "core/host.h"
#include "core/backend.h"
#include "host/web/web.h"
#include "host/web/js_imports.h"

#include <emscripten.h>
#include <stdlib.h>

struct js_wait {
    wa_op op;
    int handle;
    char *text; /* JSON value or rejection message, malloc'd by JS */
};

static void js_wait_cancel(wa_op *op)
{
    struct js_wait *w = op->data;
    wa__js_promise_forget(w->handle);
    wa__web_pending_add(-1);
}

/* JS: the promise behind op settled. text is malloc'd (ownership moves). */
EMSCRIPTEN_KEEPALIVE void wa__web_promise_settled(wa_op *op, int ok, char *text)
{
    struct js_wait *w = op->data;
    w->text = text;
    wa__web_pending_add(-1);
    wa__wake_op(op, ok ? 0 : WA_EJS);
    wa__web_resume();
}

/* The core has checked the arguments and that a task is running. */
int wa__host_js_await(int promise_handle, char **json)
{
    int rc;
    struct js_wait w = {.handle = promise_handle};
    w.op.cancel = js_wait_cancel;
    w.op.data = &w;
    if (wa__js_promise_watch(promise_handle, &w.op) < 0)
        return WA_EINVAL;
    wa__web_pending_add(1);
    rc = wa__op_wait(&w.op);
    if (!w.op.done)
        return rc; /* interrupted: cancel ran, JS will not call back */
    if (!w.text)
        return rc < 0 ? rc : WA_ENOMEM;
    *json = w.text;
    return rc;
}
