/* task.c: the task API over the scheduler: spawn, names, await, cancel,
 * failure and release. A task's run on its fiber (start, completion, free)
 * is loop.c's, one layer down, because the switch path starts tasks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loop.h"

wa_task *wa_current(void) { return wa__self(); }

/* "task-N" without snprintf: spawn is a hot path. */
static void default_name(wa_task *t)
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
    while (n > 0 && i < (int)sizeof t->name - 1) t->name[i++] = digits[--n];
    t->name[i] = '\0';
}

int wa_task_set_name(wa_task *t, const char *name)
{
    if (wa__task_check(t) || !name) return WA_EINVAL;
    size_t n = strlen(name);
    free(t->long_name);
    t->long_name = NULL;
    if (n < sizeof t->name) {
        memcpy(t->name, name, n + 1);
    } else {
        t->long_name = wa__strdup(name);
        if (!t->long_name) return WA_ENOMEM;
    }
    return 0;
}

const char *wa_task_name(const wa_task *t)
{
    if (wa__task_check(t)) return "?";
    return wa__task_name(t);
}

wa_task *wa__spawn_hooked(wa_fn fn, void *arg, const wa_task_opts *opts,
                          wa_done_hook hook, void *hook_data)
{
    wa_loop *L = wa__L;
    if (!L) return wa__set_last_error(WA_ENOLOOP);
    if (!fn) return wa__set_last_error(WA_EINVAL);
    wa_task *t = L->free_tasks;
    if (t) {
        L->free_tasks = t->all_next;
        L->free_count--;
        memset(t, 0, sizeof *t);
    } else if ((t = calloc(1, sizeof *t)) == NULL) {
        return wa__set_last_error(WA_ENOMEM);
    }
    t->magic = WA_TASK_MAGIC;
    t->state = WA_T_NEW;
    t->fn = fn;
    t->arg = arg;
    t->id = ++L->next_id;
    t->on_done = hook;
    t->on_done_data = hook_data;
    if (opts) {
        t->stack_size = opts->stack_size;
        t->asyncify_size = opts->asyncify_size;
    }
    if (opts && opts->name) {
        if (wa_task_set_name(t, opts->name) != 0) {
            free(t);
            return wa__set_last_error(WA_ENOMEM);
        }
    } else {
        default_name(t);
    }
    t->all_next = L->all;
    if (L->all) L->all->all_prev = t;
    L->all = t;
    L->unfinished++;
    wa__ready_push(L, t);
    return t;
}

wa_task *wa_spawn_opts(wa_fn fn, void *arg, const wa_task_opts *opts)
{
    if (!wa__L) return wa__set_last_error(WA_ENOLOOP);
    return wa__spawn_hooked(fn, arg, opts, NULL, NULL);
}

wa_task *wa_spawn(wa_fn fn, void *arg) { return wa_spawn_opts(fn, arg, NULL); }

int wa_task_done(const wa_task *t)
{
    if (wa__task_check(t)) return WA_EINVAL;
    return t->state == WA_T_DONE;
}

int wa_task_error(const wa_task *t)
{
    if (wa__task_check(t)) return WA_EINVAL;
    return t->state == WA_T_DONE ? t->error : 0;
}

const char *wa_task_message(const wa_task *t)
{
    if (wa__task_check(t)) return "";
    if (t->message) return t->message;
    return t->error ? wa_strerror(t->error) : "";
}

void wa__fail(wa_task *t, int code, const char *message)
{
    t->error = code < 0 ? code : WA_EFAILED;
    free(t->message);
    t->message = message ? wa__strdup(message) : NULL;
}

void *wa_raise(int code, const char *fmt, ...)
{
    wa_task *self = wa__self();
    if (!self) return wa__set_last_error(WA_ENOLOOP);
    self->error = code < 0 ? code : WA_EFAILED;
    free(self->message);
    self->message = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        self->message = wa__vformat(fmt, ap);
        va_end(ap);
    }
    return NULL;
}

int wa__task_outcome(wa_task *t, void **result)
{
    t->retrieved = 1;
    if (result) *result = t->error ? NULL : t->result;
    return t->error;
}

/* The waiter stays marked as awaiting t, so a task that later awaits the
 * waiter sees the cycle (WA_EDEADLK) instead of two joins waiting on each
 * other forever. */
void wa__join_shielded(wa_task *t)
{
    wa_task *self = wa__self();
    wa_task *was = self->awaiting;
    self->awaiting = t;
    while (t->state != WA_T_DONE) {
        wa_wait w = {0};
        wa__wait_on_tasks(&t->done_waiters, &w, WA_PARK_SHIELD);
    }
    self->awaiting = was;
}

/* Is `target` (transitively) waiting on `self`? Then awaiting it deadlocks. */
static int would_deadlock(const wa_task *self, const wa_task *target)
{
    for (const wa_task *x = target; x && x->state != WA_T_DONE; x = x->awaiting)
        if (x == self) return 1;
    return 0;
}

static int await_task(wa_task *t, void **result, int shielded)
{
    int rc = wa__require_task();
    if (rc) return rc;
    if (wa__task_check(t)) return WA_EINVAL;
    wa_task *self = wa__L->current;
    if (t->state != WA_T_DONE) {
        if (would_deadlock(self, t)) return WA_EDEADLK;
        wa_wait w = {0};
        self->awaiting = t;
        rc = wa__wait_on_tasks(&t->done_waiters, &w, 0);
        int interrupted = rc != 0 && t->state != WA_T_DONE;
        if (interrupted && !shielded) {
            wa_cancel(t);
            wa__join_shielded(t);
        }
        self->awaiting = NULL;
        if (interrupted) return rc;
    }
    return wa__task_outcome(t, result);
}

int wa_await(wa_task *t, void **result) { return await_task(t, result, 0); }

int wa_await_shielded(wa_task *t, void **result) { return await_task(t, result, 1); }

int wa_cancel(wa_task *t)
{
    if (wa__task_check(t)) return WA_EINVAL;
    if (!wa__L) return WA_ENOLOOP;
    if (t->state == WA_T_DONE) return WA_EDONE;
    if (t->state == WA_T_PARKED && !t->park_shielded) wa__resume(t, WA_ECANCELED);
    else t->cancel_pending = 1;
    return 0;
}

int wa_uncancel(void)
{
    wa_task *self = wa__self();
    if (!self) return WA_ENOLOOP;
    self->cancel_delivered = 0;
    self->cancel_pending = 0;
    return 0;
}

void wa_release(wa_task *t)
{
    if (wa__task_check(t) || !wa__L) return;
    if (t->state == WA_T_DONE && t != wa__L->zombie) {
        wa__task_free(wa__L, t);
    } else {
        /* Still running, or just finished and not yet reaped: the reap
         * (or its completion) frees it. */
        t->released = 1;
    }
}
