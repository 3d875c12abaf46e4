/* call.c: JavaScript calls a C coroutine and gets a Promise.
 *
 * Module.waCall(name, arg) finds the wa_fn exported with WA_JS_EXPORT(name)
 * (JSON text in, JSON text out) or WA_JS_EXPORT_VALUE(name) (a wa_js_value
 * in and out, no JSON; src/wasyncio/js.h) and calls wa__web_call. The
 * coroutine runs as one task; a completion hook takes its outcome (so a
 * failure rejects the Promise instead of being reported as unawaited) and
 * settles the Promise from inside the task's last step.
 *
 * The loop. A call made while a loop runs joins it. Otherwise the call starts
 * a loop whose main task (the hub) keeps it open while calls are outstanding
 * and for one more JS macrotask after the last one ends, so a JS loop of
 * `await m.waCall(...)` pays for one loop, not one per call. A call into that
 * idle loop runs at once, on the caller's stack, as the first call did.
 */
#include "core/host.h"
#include "core/backend.h"
#include "host/web/web.h"
#include "host/web/js_imports.h"

#include <emscripten.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* wa__js_call_settled reads a wa_js_value at these offsets: it takes v by
 * address and reads it from wasm memory (three i32 arguments cross to JS
 * faster than six mixed ones), copying what it needs before it returns. */
_Static_assert(offsetof(wa_js_value, type) == 0 && offsetof(wa_js_value, number) == 8 &&
                   offsetof(wa_js_value, data) == 16 && offsetof(wa_js_value, len) == 20,
               "js/wasyncio_call.js reads wa_js_value at fixed offsets");

/* The JSON form's result in wa__js_call_settled (not a wa_js_type). */
#define WEB_CALL_JSON 100

struct web_call {
    wa_js_value value; /* the value form's argument (often its result too) */
    void *arg_copy;    /* the argument's string/bytes copy, ours to free: the
                         * coroutine may overwrite value with its result */
    char *json;        /* the JSON form's argument (malloc'd by JS, or null_json) */
    char null_json[5]; /* "null" without a malloc */
    int is_value;
    int id;
    wa_task *task; /* while outstanding (for cancellation) */
    struct web_call *prev, *next;
};

static struct {
    struct {
        struct web_call *head, *tail;
    } calls; /* outstanding calls (core/list.h) */
    unsigned outstanding;
    wa_event *idle; /* the hub's: set when the last call ends */
    int hub_waits_idle;
    wa_op *linger; /* the hub waiting out one macrotask */
} hub;             /* the calls JS has made into C, and the loop serving them */

/* Settled call records are kept for the next calls (a few: enough for a
 * burst of concurrent calls to skip malloc). */
#define WEB_CALL_CACHE_MAX 64
static struct web_call *g_spare;
static unsigned g_spare_count;

static struct web_call *call_new(void)
{
    struct web_call *c = g_spare;
    if (c) {
        g_spare = c->next;
        g_spare_count--;
    } else if (!(c = malloc(sizeof *c))) {
        return NULL;
    }
    memset(c, 0, sizeof *c);
    return c;
}

static void call_free(struct web_call *c)
{
    if (c->json && c->json != c->null_json)
        free(c->json);
    if (c->arg_copy)
        free(c->arg_copy);
    if (g_spare_count < WEB_CALL_CACHE_MAX) {
        c->next = g_spare;
        g_spare = c;
        g_spare_count++;
    } else {
        free(c);
    }
}

static void settle(int id, int code, int type, double number, const void *data, size_t len)
{
    wa_js_value v = {.type = (wa_js_type)type, .number = number, .data = (void *)data, .len = len};
    wa__js_call_settled(id, code, &v);
}

/* A call that ends during its own start (its coroutine did not suspend:
 * the common case) hands its value back as wa__web_call's return value
 * instead of calling JS, one crossing less. Only the outermost start uses
 * it (a call made from C code that a start runs settles through JS). JS
 * reads the value before it calls into C again; what the value points at
 * is freed at the next outermost start, or when the loop's linger ends. */
static struct {
    int starting; /* the outermost call being started (JS ids are >= 1) */
    int id;       /* whose value is in `value` (0: none) */
    wa_js_value value;
    void *owned[2]; /* freed once JS has read value */
} g_sync;

static void sync_release(void)
{
    if (g_sync.owned[0])
        free(g_sync.owned[0]);
    if (g_sync.owned[1])
        free(g_sync.owned[1]);
    g_sync.owned[0] = g_sync.owned[1] = NULL;
    g_sync.id = 0;
}

/* Settle call c with a value (type may be WEB_CALL_JSON). drop: what to
 * free once JS has its copy; the argument's copy may be the value itself. */
static void deliver(struct web_call *c, int type, double number, void *data, size_t len, void *drop)
{
    if (c->id == g_sync.starting && !g_sync.id) {
        g_sync.id = c->id;
        g_sync.value =
            (wa_js_value){.type = (wa_js_type)type, .number = number, .data = data, .len = len};
        g_sync.owned[0] = drop;
        if (data && data == c->arg_copy) {
            g_sync.owned[1] = c->arg_copy; /* call_free must not free it yet */
            c->arg_copy = NULL;
        }
        return;
    }
    settle(c->id, 0, type, number, data, len);
    if (drop)
        free(drop);
}

static void settle_error(int id, int code, const char *message)
{
    if (!message || !*message)
        message = wa_strerror(code);
    settle(id, code, WA_JS_NULL, 0, message, strlen(message));
}

static void settle_value(struct web_call *c, const wa_js_value *v)
{
    if (!v) {
        deliver(c, WA_JS_NULL, 0, NULL, 0, NULL);
        return;
    }
    size_t len = v->len;
    if (v->type == WA_JS_STRING && len == 0 && v->data)
        len = strlen(v->data); /* a plain C string */
    /* An owned result is freed once JS has its copy, unless it is the
     * argument's own copy, which call_free frees anyway. */
    void *drop = v->owned && v->data && v->data != c->arg_copy &&
                         (v->type == WA_JS_STRING || v->type == WA_JS_BYTES)
                     ? v->data
                     : NULL;
    deliver(c, v->type, v->number, v->data, len, drop);
}

/* The task ended (ran, failed, or was cancelled before it started). */
static void call_done(wa_task *t, void *data)
{
    struct web_call *c = data;
    void *res = NULL;
    int rc = wa__task_outcome(t, &res);
    if (rc)
        settle_error(c->id, rc, wa_task_message(t));
    else if (c->is_value)
        settle_value(c, res);
    else
        deliver(c, WEB_CALL_JSON, 0, res, res ? strlen(res) : 0, res);
    WA_LIST_UNLINK(&hub.calls, c);
    call_free(c);
    if (--hub.outstanding == 0 && hub.hub_waits_idle)
        wa_event_set(hub.idle);
}

static int start_call(wa_fn fn, const char *name, struct web_call *c)
{
    void *arg = c->is_value ? (void *)&c->value : (void *)c->json;
    wa_task *t = wa__spawn_hooked(fn, arg, NULL, call_done, c);
    if (!t)
        return wa_last_error();
    if (name)
        wa__task_borrow_name(t, name); /* JS keeps it as long as the module */
    c->task = t;
    wa_release(t); /* the hook delivers the outcome; nobody awaits t */
    WA_LIST_APPEND(&hub.calls, c);
    hub.outstanding++;
    return 0;
}

/* ------------------------------------------------------------- the hub */

static void linger_cancel(wa_op *op)
{
    (void)op;
    hub.linger = NULL;
    wa__js_linger_forget();
    wa__web_pending_add(-1);
}

/* Suspend the hub until JS has run one macrotask (so every microtask-chained
 * waCall of the current JS turn has come in). Counts as a host operation:
 * the loop is waiting on JS, not stalled. */
static int linger_one_macrotask(void)
{
    wa_op op = {.cancel = linger_cancel};
    hub.linger = &op;
    wa__web_pending_add(1);
    wa__js_linger();
    int rc = wa__op_wait(&op);
    hub.linger = NULL;
    return rc;
}

/* JS: the macrotask posted by wa__js_linger ran. */
EMSCRIPTEN_KEEPALIVE void wa__web_linger_end(void)
{
    if (!g_sync.starting)
        sync_release(); /* JS read it long ago */
    wa_op *op = hub.linger;
    if (!op)
        return;
    hub.linger = NULL;
    wa__web_pending_add(-1);
    wa__wake_op(op, 0);
    wa__web_resume();
}

struct first_call {
    wa_fn fn;
    const char *name;
    struct web_call *c;
    int taken; /* the hub owns c (it settles the call whatever happens) */
};

/* Main task of a loop started by a JS call: keeps the loop open while calls
 * are outstanding, and one macrotask longer. */
static void *hub_main(void *p)
{
    struct first_call *first = p;
    struct web_call *c = first->c;
    first->taken = 1;
    wa_event *ev = wa_event_new();
    int rc = ev ? start_call(first->fn, first->name, c) : WA_ENOMEM;
    if (rc < 0) {
        settle_error(c->id, rc, NULL);
        call_free(c);
        if (!ev)
            return NULL;
    }
    hub.idle = ev;
    for (;;) {
        if (hub.outstanding > 0) {
            wa_event_clear(ev);
            hub.hub_waits_idle = 1;
            rc = wa_event_wait(ev);
            hub.hub_waits_idle = 0;
            if (rc < 0)
                break; /* a deadlock among the calls: end, cancelling them */
            continue;
        }
        if (linger_one_macrotask() < 0 || hub.outstanding == 0)
            break;
    }
    hub.idle = NULL;
    wa_event_free(ev);
    return NULL;
}

/* ------------------------------------------------------- JS entry points */

/* Start call c: run it now if the loop can. Returns 0 or an error code. */
/* noinline: js/wasyncio-emcc.sh names it in Asyncify's remove-list. */
__attribute__((noinline)) static int wa__web_call_start(wa_fn fn, const char *name,
                                                        struct web_call *c)
{
    if (wa_running()) {
        int rc = start_call(fn, name, c);
        if (rc < 0) {
            call_free(c);
            return rc;
        }
        wa__web_run_now(c->task); /* c may be gone afterwards */
        return 0;
    }
    /* Static, not on the stack: this function then has no stack frame to
     * set up on the hot path above (the loop runs one at a time). */
    static struct first_call first;
    first = (struct first_call){fn, name, c, 0};
    int old = wa__web_lib_mode(1);
    int rc = wa_run(hub_main, &first, NULL);
    wa__web_lib_mode(old);
    if (!first.taken) {
        call_free(c); /* the loop never started */
        return rc < 0 ? rc : WA_ENOMEM;
    }
    return 0;
}

/* JS: run fn as a task. The JSON form passes json (malloc'd, or NULL for
 * "null"); the value form passes type/number/data/len (data malloc'd by JS
 * for STRING/BYTES, in place for MEMORY). Ownership of json/data moves
 * here. Returns an error code (nothing will be settled then); 0 when the
 * outcome comes through wa__js_call_settled(id) (perhaps already has); or,
 * when the call succeeded at once, the address of its value (a wa_js_value,
 * type WEB_CALL_JSON for the JSON form), which JS reads before it calls
 * into C again. */
EMSCRIPTEN_KEEPALIVE int wa__web_call(wa_fn fn, const char *name, int id, int is_value, char *json,
                                      int type, double number, void *data, size_t len)
{
    struct web_call *c = fn ? call_new() : NULL;
    if (!c) {
        free(json);
        if (type == WA_JS_STRING || type == WA_JS_BYTES)
            free(data);
        return fn ? WA_ENOMEM : WA_EINVAL;
    }
    c->id = id;
    c->is_value = is_value;
    if (is_value) {
        c->value.type = (wa_js_type)type;
        c->value.number = number;
        c->value.data = data;
        c->value.len = len;
        if (type == WA_JS_STRING || type == WA_JS_BYTES)
            c->arg_copy = data;
    } else if (json) {
        c->json = json;
    } else {
        memcpy(c->null_json, "null", 5);
        c->json = c->null_json;
    }
    if (g_sync.starting)
        return wa__web_call_start(fn, name, c); /* settles through JS */
    sync_release();                             /* JS has read the last one */
    g_sync.starting = id;
    int rc = wa__web_call_start(fn, name, c);
    g_sync.starting = 0;
    if (rc == 0 && g_sync.id == id)
        return (int)(uintptr_t)&g_sync.value;
    return rc;
}

/* JS: cancel call id (an AbortSignal fired). Returns 0 or WA_EINVAL when the
 * call is not outstanding any more. */
EMSCRIPTEN_KEEPALIVE int wa__web_call_cancel(int id)
{
    for (struct web_call *c = hub.calls.head; c; c = c->next) {
        if (c->id != id)
            continue;
        int rc = wa_cancel(c->task);
        wa__web_run_soon();
        return rc == WA_EDONE ? 0 : rc;
    }
    return WA_EINVAL;
}
