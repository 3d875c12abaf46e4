/* loop.c: the scheduler, the lowest layer of the core: the ready queue, a
 * task's run on its fiber (first start, completion, reaping and freeing),
 * switching between tasks, and park and wake. It calls only timer.c,
 * wlist.c, errors.c, the fiber layer and the host clock.
 *
 * A task that suspends switches straight to the next ready task, so a yield
 * between two tasks is one context switch. Every WA_SWITCH_BUDGET switches,
 * or when nothing is ready, control returns to the loop context, which fires
 * timers and lets the host poll for I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include "loop.h"

_Thread_local wa__loop *wa__L;

int wa_running(void) { return wa__L != NULL; }

void wa__ready_push(wa__loop *L, wa_task *t)
{
    t->next_ready = NULL;
    if (L->ready_tail)
        L->ready_tail->next_ready = t;
    else
        L->ready_head = t;
    L->ready_tail = t;
}

static wa_task *ready_pop(wa__loop *L)
{
    wa_task *t = L->ready_head;
    if (t) {
        L->ready_head = t->next_ready;
        if (!L->ready_head)
            L->ready_tail = NULL;
        t->next_ready = NULL;
    }
    return t;
}

static void reap_zombie(wa__loop *L)
{
    wa_task *t = L->zombie;
    L->zombie = NULL;
    if (t->fiber) {
        wa__fiber_free(t->fiber);
        t->fiber = NULL;
    }
    if (t->released)
        wa__task_free(L, t);
}

void wa__reap(wa__loop *L)
{
    if (L->zombie)
        reap_zombie(L);
}

static void debug_slice_end(wa__loop *L, wa_task *t)
{
    uint64_t now = wa__host_hrtime();
    uint64_t ran = now - L->slice_start;
    if (t && ran > L->slow_ns)
        fprintf(stderr,
                "wasyncio: debug: task '%s' ran %.1f ms without suspending "
                "(a blocking call? use wa_to_thread)\n",
                wa__task_name(t), (double)ran / 1e6);
    L->slice_start = now;
}

wa_task *wa__self(void) { return wa__L ? wa__L->current : NULL; }

int wa__require_task(void) { return (wa__L && wa__L->current) ? 0 : WA_ENOLOOP; }

static void report_unretrieved(wa_task *t)
{
    if (t->error && t->error != WA_ECANCELED && !t->retrieved) {
        fprintf(stderr, "wasyncio: task '%s' failed and was never awaited: %s (%s)\n",
                wa__task_name(t), t->message ? t->message : wa_strerror(t->error),
                wa_strerror(t->error));
        t->retrieved = 1;
    }
}

void wa__task_free(wa__loop *L, wa_task *t)
{
    report_unretrieved(t);
    WA_LIST_UNLINK_VIA(&L->all, t, all_prev, all_next);
    if (t->in_heap)
        wa__timer_disarm(L, t);
    if (t->fiber)
        wa__fiber_free(t->fiber);
    /* Most tasks have neither: skip the calls into free. */
    if (t->message)
        free(t->message);
    wa__task_drop_long_name(t);
    t->magic = 0;
    if (L->free_count < WA_TASK_CACHE_MAX) {
        t->all_next = L->free_tasks;
        L->free_tasks = t;
        L->free_count++;
    } else {
        free(t);
    }
}

/* Bookkeeping when t ends, in whatever context that happens. */
void wa__task_complete(wa__loop *L, wa_task *t)
{
    /* A cancel still pending when the body returns (it arrived with a wake-up
     * in the same step, or the task cancelled itself) ends the task as
     * cancelled, as asyncio's _must_cancel does; wa_uncancel takes it back. */
    if (!t->error && (t->cancel_delivered || t->cancel_pending))
        t->error = WA_ECANCELED;
    t->cancel_pending = 0;
    if (t->error)
        t->result = NULL;
    t->state = WA_T_DONE;
    t->scope = NULL;
    t->awaiting = NULL;
    L->unfinished--;
    if (t->is_main)
        L->main_done = 1;
    if (t->on_done)
        t->on_done(t, t->on_done_data);
    wa__wait *w;
    while ((w = t->done_waiters.head) != NULL)
        wa__wake(&t->done_waiters, w, 0);
}

int wa__task_start(wa__loop *L, wa_task *t)
{
    if (t->cancel_pending) {
        t->error = WA_ECANCELED;
        t->cancel_pending = 0;
    } else {
        size_t stack = t->stack_size; /* 0: the fiber backend's default */
        int rc = wa__fiber_create(&t->fiber, stack, t->asyncify_size, t->fn, t->arg, t);
        if (rc == 0)
            return 0;
        t->error = rc;
        t->message = wa__format("cannot allocate a %zu-byte stack for task '%s'",
                                stack ? stack : wa__fiber_default_stack(), wa__task_name(t));
    }
    wa__task_complete(L, t);
    if (t->released)
        wa__task_free(L, t);
    return -1;
}

/* Next task to run, starting NEW ones (a cancelled NEW task never runs). */
wa_task *wa__next_runnable(wa__loop *L)
{
    wa_task *t;
    while ((t = ready_pop(L)) != NULL) {
        if (t->state == WA_T_NEW && wa__task_start(L, t) != 0)
            continue;
        return t;
    }
    return NULL;
}

/* The task to run after self (self again: go on; NULL: the loop's own
 * context). Inlined into wa_yield and wa__park: on wasm every call frame
 * between a task and the switch is unwound and rewound by Asyncify on each
 * switch. */
static inline __attribute__((always_inline)) wa_task *next_after(wa__loop *L, wa_task *self)
{
    wa_task *next = NULL;
    if (__builtin_expect(L->debug, 0))
        debug_slice_end(L, self);
    if (L->budget > 0 && (!L->main_done || L->ending)) {
        L->budget--;
        next = L->ready_head;
        if (next && next->state == WA_T_NEW) {
            next = wa__next_runnable(L);
        } else if (next) {
            /* The common case, inline (a hand-off leaves next alone). */
            L->ready_head = next->next_ready;
            if (!L->ready_head)
                L->ready_tail = NULL;
            next->next_ready = NULL;
        }
    }
    return next;
}

static inline __attribute__((always_inline)) wa_fiber *fiber_to_run(wa__loop *L, wa_task *next)
{
    if (!next)
        return L->main_fiber;
    next->state = WA_T_RUNNING;
    return next->fiber;
}

static inline __attribute__((always_inline)) void switch_away(wa_task *self)
{
    wa__loop *L = wa__L;
    wa_task *next = next_after(L, self);
    if (next == self) {
        self->state = WA_T_RUNNING;
        return;
    }
    /* L->current changes only once the switch is done, so an overflow
     * caught while switching away is reported under the right name. */
    wa__fiber_switch(self->fiber, fiber_to_run(L, next));
    L = wa__L;
    L->current = self;
    if (L->zombie)
        reap_zombie(L);
}

/* The fiber layer runs a task's body itself and calls these around it
 * (fiber.h), on the task's own stack: no frame of ours sits under the body,
 * so an Asyncify switch has one frame less to unwind and rewind. A task
 * gets its fiber (stack) only when it first runs and gives it back as soon
 * as it finishes, so a finished task costs only its small struct and a
 * gather of 100k trivial tasks reuses one stack. */
static void task_begin(void *owner)
{
    wa_task *t = owner;
    wa__loop *L = wa__L;
    L->current = t;
    wa__reap(L);
}

static wa_fiber *task_end(void *owner, void *result)
{
    wa_task *t = owner;
    wa__loop *L = wa__L;
    if (!t->error)
        t->result = result;
    wa__task_complete(L, t);
    L->zombie = t; /* freed by whoever runs next: we are still on its stack */
    return fiber_to_run(L, next_after(L, t));
}

const wa_fiber_hooks wa__task_hooks = {wa__running_task_name, task_begin, task_end};

static int deliver_cancel(wa_task *self)
{
    self->cancel_pending = 0;
    self->cancel_delivered = 1;
    return WA_ECANCELED;
}

void wa__scopes_expire(wa_task *t, uint64_t now)
{
    for (wa_timeout *s = t->scope; s; s = s->parent)
        if (s->deadline <= now)
            s->expired = 1;
}

/* A pending cancel, or a deadline scope already past, ends a suspension
 * point before it suspends. */
static inline __attribute__((always_inline)) int interrupt_now(wa_task *self)
{
    if (self->cancel_pending)
        return deliver_cancel(self);
    if (self->scope) {
        uint64_t now = wa__host_hrtime();
        if (self->scope->effective <= now) {
            wa__scopes_expire(self, now);
            return WA_ETIMEDOUT;
        }
    }
    return 0;
}

/* wa__park for self (the running task). Inlined into wa__park and into
 * wa__wait_node, the path of every hand-off (a generator step is two): a
 * call less there measured a tenth of a generator step. */
static inline __attribute__((always_inline)) int park_self(wa__loop *L, wa_task *self,
                                                           uint64_t wake_at, unsigned flags)
{
    int is_scope = 0;
    uint64_t at = wake_at;
    if (!(flags & WA_PARK_SHIELD)) {
        int early = interrupt_now(self);
        if (early)
            return early;
        if (self->scope && self->scope->effective <= at) {
            at = self->scope->effective;
            is_scope = 1;
        }
    }
    if (at != WA_NEVER && wa__timer_arm(L, self, at, is_scope) != 0)
        return WA_ENOMEM;
    self->interrupt = 0;
    self->state = WA_T_PARKED;
    self->park_shielded = (uint8_t)(flags & WA_PARK_SHIELD);
    switch_away(self);
    if (self->in_heap)
        wa__timer_disarm(wa__L, self);
    int r = self->interrupt;
    self->interrupt = 0;
    if (r == WA_ECANCELED)
        self->cancel_delivered = 1;
    return r;
}

int wa__park(uint64_t wake_at, unsigned flags)
{
    wa__loop *L = wa__L;
    return park_self(L, L->current, wake_at, flags);
}

/* Make a parked task ready with an interruption code (0 = plain wake). */
void wa__resume(wa_task *t, int interrupt)
{
    if (t->state != WA_T_PARKED)
        return;
    wa__loop *L = wa__L;
    if (t->in_heap)
        wa__timer_disarm(L, t);
    t->interrupt = interrupt;
    t->state = WA_T_READY;
    wa__ready_push(L, t);
}

void wa__ready(wa_task *t) { wa__resume(t, 0); }

/* Queue t (NEW or READY, not yet queued) first, and let the next switch go
 * to it rather than back to the loop: the running task hands the CPU to t
 * with no loop turn and no other task between them. */
static void ready_push_first(wa__loop *L, wa_task *t)
{
    t->next_ready = L->ready_head;
    L->ready_head = t;
    if (!L->ready_tail)
        L->ready_tail = t;
    if (L->budget == 0)
        L->budget = 1;
}

static inline __attribute__((always_inline)) void run_first(wa__loop *L, wa_task *t)
{
    if (t->state == WA_T_PARKED) {
        if (t->in_heap)
            wa__timer_disarm(L, t);
        t->interrupt = 0;
        t->state = WA_T_READY;
    } else if (t->state != WA_T_NEW) {
        return;
    }
    ready_push_first(L, t);
}

void wa__run_first(wa_task *t) { run_first(wa__L, t); }

/* Unlink w from l and mark it fired (its task is readied by the caller). */
static void fire(wa_wlist *l, wa__wait *w, int status)
{
    wa__wlist_remove(l, w);
    w->status = status;
    w->fired = 1;
    if (w->collect)
        wa__wlist_push(w->collect, w);
}

void wa__wake_first(wa_wlist *l, wa__wait *w, int status)
{
    fire(l, w, status);
    run_first(wa__L, w->task);
}

void wa__wake(wa_wlist *l, wa__wait *w, int status)
{
    fire(l, w, status);
    wa__ready(w->task);
}

/* A hand-off (w fired) and a cancel reached the task in the same step: the
 * hand-off wins, and the cancel goes back to pending for the next suspension
 * point, as if it had arrived just after. A deadline that lost the same way
 * was reported by no suspension, so its scope has not expired (yet): the
 * next suspension in it reports the deadline, which has passed. No scope of
 * the task was marked before this park, or the park would not have begun. */
void wa__keep_cancel_pending(wa_task *self, int interrupt, uint8_t delivered_before)
{
    if (interrupt == WA_ECANCELED) {
        self->cancel_pending = 1;
        self->cancel_delivered = delivered_before;
    } else if (interrupt == WA_ETIMEDOUT) {
        for (wa_timeout *s = self->scope; s; s = s->parent)
            s->expired = 0;
    }
}

int wa__wait_node(wa_wlist *l, wa__wait *w, unsigned flags)
{
    wa__loop *L = wa__L;
    wa_task *self = L->current;
    uint8_t waited_on_tasks = self->waits_on_tasks;
    if (flags & WA__WAIT_FOR_TASKS)
        self->waits_on_tasks = 1;
    w->task = self;
    wa__wlist_push(l, w);
    int rc;
    for (;;) {
        uint8_t delivered = self->cancel_delivered;
        int r = park_self(L, self, WA_NEVER, flags & WA_PARK_SHIELD);
        L = wa__L; /* re-read after the switch, as switch_away does */
        if (w->fired) {
            if (r)
                wa__keep_cancel_pending(self, r, delivered);
            rc = w->status;
            break;
        }
        if (r != 0) {
            wa__wlist_remove(l, w);
            rc = r;
            break;
        }
        /* A plain wake without our node firing: spurious, wait again. */
    }
    self->waits_on_tasks = waited_on_tasks;
    return rc;
}

int wa_yield(void)
{
    wa__loop *L = wa__L;
    wa_task *self = L ? L->current : NULL;
    if (!self)
        return WA_ENOLOOP;
    int r = interrupt_now(self);
    if (r)
        return r;
    self->state = WA_T_READY;
    wa__ready_push(L, self);
    switch_away(self);
    if (self->cancel_pending)
        return deliver_cancel(self);
    return 0;
}

int wa_sleep(uint64_t ms)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (ms == 0)
        return wa_yield();
    uint64_t now = wa__host_hrtime();
    uint64_t ns = ms > UINT64_MAX / 2000000u ? UINT64_MAX / 2 : ms * 1000000u;
    return wa__park(now + ns, 0);
}

const char *wa__running_task_name(void)
{
    wa__loop *L = wa__L;
    if (!L || !L->current)
        return NULL;
    return wa__task_name(L->current);
}

int wa__loop_has_ready(void) { return wa__L && wa__L->ready_head != NULL; }

int wa__debug_on(void) { return wa__L ? wa__L->debug : 0; }
