/* task.c: the task API over the scheduler: spawn, names, await, cancel
 * (counted requests, delivered once, forwarded down chains of waits),
 * failure and release, and the wait-cycle check that await, gather, groups
 * and generators share. A task's run on its fiber (start, completion, free)
 * is loop.c's, one layer down, because the switch path starts tasks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loop.h"
#include "wait_here.h"

wa_task *wa_current(void) { return wa__self(); }

int wa_task_set_name(wa_task *t, const char *name)
{
    if (wa__task_check(t) || !name)
        return WA_EINVAL;
    size_t n = strlen(name);
    /* Copy before freeing: name may be this task's own (wa_task_name(t)). */
    char *long_name = NULL;
    if (n >= sizeof t->name && (long_name = wa__strdup(name)) == NULL)
        return WA_ENOMEM;
    if (!long_name)
        memmove(t->name, name, n + 1);
    wa__task_drop_long_name(t);
    t->long_name = long_name;
    t->name_borrowed = 0;
    t->named = 1;
    return 0;
}

void wa__task_borrow_name(wa_task *t, const char *name)
{
    wa__task_drop_long_name(t);
    t->long_name = (char *)name;
    t->name_borrowed = 1;
    t->named = 1;
}

const char *wa_task_name(const wa_task *t)
{
    if (wa__task_check(t))
        return "?";
    return wa__task_name(t);
}

/* A new task, counted and listed but not queued yet. */
static wa_task *new_task(wa_fn fn, void *arg, const wa_task_opts *opts, wa_done_hook hook,
                         void *hook_data)
{
    wa__loop *L = wa__L;
    if (!L)
        return wa__set_last_error(WA_ENOLOOP);
    if (!fn)
        return wa__set_last_error(WA_EINVAL);
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
    if (opts && opts->name && wa_task_set_name(t, opts->name) != 0) {
        free(t);
        return wa__set_last_error(WA_ENOMEM);
    }
    WA_LIST_APPEND_VIA(&L->all, t, all_prev, all_next);
    L->unfinished++;
    if (L->ending) {
        /* wa_run is cancelling what is left: a task spawned now (by a
         * leftover's cleanup) is cancelled too, or wa_run would wait for it. */
        t->cancel_requests = 1;
        t->cancel_pending = 1;
    }
    return t;
}

wa_task *wa__spawn_hooked(wa_fn fn, void *arg, const wa_task_opts *opts, wa_done_hook hook,
                          void *hook_data)
{
    wa_task *t = new_task(fn, arg, opts, hook, hook_data);
    if (t)
        wa__ready_push(wa__L, t);
    return t;
}

wa_task *wa__spawn_first(wa_fn fn, void *arg, wa_done_hook hook, void *hook_data)
{
    wa_task *t = new_task(fn, arg, NULL, hook, hook_data);
    if (t)
        wa__run_first(t);
    return t;
}

wa_task *wa_spawn_opts(wa_fn fn, void *arg, const wa_task_opts *opts)
{
    if (!wa__L)
        return wa__set_last_error(WA_ENOLOOP);
    return wa__spawn_hooked(fn, arg, opts, NULL, NULL);
}

wa_task *wa_spawn(wa_fn fn, void *arg) { return wa_spawn_opts(fn, arg, NULL); }

int wa_task_done(const wa_task *t)
{
    if (wa__task_check(t))
        return WA_EINVAL;
    return t->state == WA_T_DONE;
}

int wa_task_error(const wa_task *t)
{
    if (wa__task_check(t))
        return WA_EINVAL;
    return t->state == WA_T_DONE ? t->error : 0;
}

const char *wa_task_message(const wa_task *t)
{
    if (wa__task_check(t))
        return "";
    if (t->message)
        return t->message;
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
    if (!self)
        return wa__set_last_error(WA_ENOLOOP);
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
    if (result)
        *result = t->error ? NULL : t->result;
    return t->error;
}

/* The waiter stays marked as awaiting t, so a task that later awaits the
 * waiter sees the cycle (WA_EDEADLK) instead of two joins waiting on each
 * other forever. */
void wa__join_shielded(wa_task *t, int merge_cancel)
{
    wa_task *self = wa__self();
    wa_task *was = self->awaiting;
    /* t waits (transitively) for us, uninterruptibly (a group being freed by
     * the task its child awaits): joining would close a cycle nothing can
     * break, so we do not wait and our caller returns its interruption. */
    int cycle = t->state != WA_T_DONE && wa__wait_cycle(self, t, NULL, 0, NULL);
    self->awaiting = t;
    while (!cycle && t->state != WA_T_DONE) {
        wa__wait_here(&t->done_waiters, NULL, WA_PARK_SHIELD | WA__WAIT_FOR_TASKS);
    }
    self->awaiting = was;
    if (merge_cancel)
        self->cancel_pending = 0;
}

/* ------------------------------------------------------------ wait cycles */

/* Stamp every task reached with a fresh mark, so a task reached twice (a
 * diamond of waits) is followed once. */
static uint32_t next_mark(wa__loop *L)
{
    if (++L->visit_mark == 0) {
        for (wa_task *x = L->all.head; x; x = x->all_next)
            x->visit_mark = 0;
        L->visit_mark = 1;
    }
    return L->visit_mark;
}

typedef struct task_stack {
    wa_task **items;
    size_t len, cap;
    wa_task *small[32];
} task_stack;

/* Not `= {0}`: that would clear the inline array on every await. */
static void stack_init(task_stack *st)
{
    st->items = st->small;
    st->len = 0;
    st->cap = sizeof st->small / sizeof st->small[0];
}

/* Grown by hand, not with wa__grow: the stack starts in the inline array,
 * which realloc cannot move, and it lives for one call. On a gather of 100k
 * tasks, realloc's growth cost twice the page faults of malloc, copy and
 * free, and made spawn slower (bench_core.sh's spawn row). */
static int stack_push(task_stack *st, wa_task *t)
{
    if (!t || t->state == WA_T_DONE)
        return 0;
    if (st->len == st->cap) {
        size_t cap = st->cap * 2;
        wa_task **items = malloc(cap * sizeof *items);
        if (!items)
            return WA_ENOMEM;
        memcpy(items, st->items, st->len * sizeof *items);
        if (st->items != st->small)
            free(st->items);
        st->items = items;
        st->cap = cap;
    }
    st->items[st->len++] = t;
    return 0;
}

/* Depth-first over "waits for" edges, with an explicit stack: a chain of
 * 100k awaits must not overflow a task's small C stack. */
int wa__wait_cycle(const wa_task *self, wa_task *one, wa_task *const *set, size_t n, wa_task *kids)
{
    wa__loop *L = wa__L;
    uint32_t mark = next_mark(L);
    task_stack st;
    stack_init(&st);
    int found = 0, oom = 0;
    oom |= stack_push(&st, one);
    for (size_t i = 0; i < n; i++)
        oom |= stack_push(&st, set[i]);
    for (wa_task *k = kids; k; k = k->kid_next)
        oom |= stack_push(&st, k);
    while (st.len > 0 && !found) {
        wa_task *x = st.items[--st.len];
        for (; x && x->state != WA_T_DONE && x->visit_mark != mark; x = x->awaiting) {
            if (x == self) {
                found = 1;
                break;
            }
            x->visit_mark = mark;
            for (size_t i = 0; i < x->awaiting_n; i++)
                oom |= stack_push(&st, x->awaiting_set[i]);
            if (x->awaiting_kids)
                for (wa_task *k = *x->awaiting_kids; k; k = k->kid_next)
                    oom |= stack_push(&st, k);
        }
    }
    if (st.items != st.small)
        free(st.items);
    (void)oom; /* out of memory: some edges were not followed; the stall
                  detector still catches a cycle we missed */
    return found;
}

static int await_task(wa_task *t, void **result, int shielded)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (wa__task_check(t))
        return WA_EINVAL;
    wa_task *self = wa__L->current;
    if (t->state != WA_T_DONE) {
        if (t == self || wa__wait_cycle(self, t, NULL, 0, NULL))
            return WA_EDEADLK;
        uint8_t delivered = self->cancel_delivered;
        self->awaiting = t;
        self->forward_cancel = !shielded;
        rc = wa__wait_here(&t->done_waiters, NULL, WA__WAIT_FOR_TASKS).rc;
        self->forward_cancel = 0;
        int forwarded = self->cancel_forwarded;
        self->cancel_forwarded = 0;
        int interrupted = rc != 0 && t->state != WA_T_DONE;
        if (interrupted && !shielded) {
            if (!forwarded)
                wa_cancel(t);
            wa__join_shielded(t, rc == WA_ECANCELED);
            /* asyncio: the awaited task has the last word. Unless it ended
             * cancelled, the await returns its outcome (a value if it
             * swallowed the cancellation) and the waiter's interruption is
             * withdrawn, as no CancelledError reaches the waiter there. */
            if (t->state == WA_T_DONE && t->error != WA_ECANCELED) {
                if (rc == WA_ECANCELED)
                    self->cancel_delivered = delivered;
                interrupted = 0;
            }
        }
        self->awaiting = NULL;
        if (interrupted)
            return rc;
    }
    return wa__task_outcome(t, result);
}

int wa_await(wa_task *t, void **result) { return await_task(t, result, 0); }

int wa_await_shielded(wa_task *t, void **result) { return await_task(t, result, 1); }

/* Push the tasks t waits for so that they pop in t's order: the awaited
 * task, a gather's arguments in argument order, a group's children oldest
 * first. */
static int push_awaited(task_stack *st, wa_task *t)
{
    size_t from = st->len;
    int oom = stack_push(st, t->awaiting);
    for (size_t i = 0; i < t->awaiting_n; i++)
        oom |= stack_push(st, t->awaiting_set[i]);
    if (t->awaiting_kids)
        for (wa_task *k = *t->awaiting_kids; k; k = k->kid_next)
            oom |= stack_push(st, k);
    for (size_t i = from, j = st->len; i + 1 < j; i++, j--) {
        wa_task *x = st->items[i];
        st->items[i] = st->items[j - 1];
        st->items[j - 1] = x;
    }
    return oom;
}

/* One request on t. Returns the tasks t waits for, to be cancelled too, on
 * st. */
static void cancel_one(wa_task *t, task_stack *st)
{
    t->cancel_requests++;
    if (t->state == WA_T_PARKED && !t->park_shielded) {
        wa__resume(t, WA_ECANCELED);
        if (t->forward_cancel)
            t->cancel_forwarded = !push_awaited(st, t); /* else the waiter cancels them itself */
    } else if (!(t->state == WA_T_READY && t->interrupt == WA_ECANCELED)) {
        /* One delivery per burst: a cancel that finds one already on its way
         * (a pending cancel, or a parked task already made ready by one) is
         * counted but not delivered again, as asyncio's Task.cancel sets one
         * _must_cancel. */
        t->cancel_pending = 1;
    }
}

/* A cancel goes down a chain of awaits at once, as asyncio's Task.cancel
 * cancels the future the task waits on: the awaited tasks get it in the same
 * step. An explicit stack, since such chains can be long. The walk is
 * depth-first in each waiter's own order (a gather's arguments, a group's
 * children oldest first), so the wake-ups are queued in the order asyncio
 * schedules them: gather(C, A, B) cleans up C, A, B. */
int wa_cancel(wa_task *t)
{
    if (wa__task_check(t))
        return WA_EINVAL;
    if (!wa__L)
        return WA_ENOLOOP;
    if (t->state == WA_T_DONE)
        return WA_EDONE;
    task_stack st;
    stack_init(&st);
    cancel_one(t, &st);
    while (st.len > 0) {
        wa_task *x = st.items[--st.len];
        if (x->state != WA_T_DONE)
            cancel_one(x, &st);
    }
    if (st.items != st.small)
        free(st.items);
    return 0;
}

int wa_uncancel(void)
{
    wa_task *self = wa__self();
    if (!self)
        return WA_ENOLOOP;
    if (self->cancel_requests > 0)
        self->cancel_requests--;
    if (self->cancel_requests == 0) {
        self->cancel_delivered = 0;
        self->cancel_pending = 0;
    }
    return (int)(self->cancel_requests > INT32_MAX ? INT32_MAX : self->cancel_requests);
}

int wa_task_cancelling(const wa_task *t)
{
    if (wa__task_check(t))
        return WA_EINVAL;
    return (int)(t->cancel_requests > INT32_MAX ? INT32_MAX : t->cancel_requests);
}

wa_task *wa__task_find(uint64_t id)
{
    for (wa_task *t = wa__L ? wa__L->all.head : NULL; t; t = t->all_next)
        if (t->id == id)
            return t->state == WA_T_DONE ? NULL : t;
    return NULL;
}

void wa__task_release(wa_task *t)
{
    if (t->state == WA_T_DONE && t != wa__L->zombie) {
        wa__task_free(wa__L, t);
    } else {
        /* Still running, or just finished and not yet reaped: the reap
         * (or its completion) frees it. */
        t->released = 1;
    }
}

int wa_release(wa_task *t)
{
    if (wa__task_check(t))
        return WA_EINVAL;
    if (!wa__L)
        return WA_ENOLOOP;
    if (t->owned)
        return WA_EPERM; /* its group or generator frees it */
    wa__task_release(t);
    return 0;
}
