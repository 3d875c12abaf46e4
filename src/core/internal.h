/* internal.h: the core's private contract: task layout, wait lists and the
 * park/wake primitive every suspending operation is built on. Only files in
 * src/core/ include it; backends and the protocol layers use core/backend.h.
 *
 * Layering (each file calls only files on its own line or below, never up):
 *   run.c                         wa_run, settings; drives the host
 *   as_completed.c                as_completed, a generator over gen.c
 *   gather gen group wait with    primitives (sync_cond over sync_lock;
 *   sync_*  pool  all_tasks.c     pool over the wait lists, as sync_sem);
 *                                 all_tasks reads the loop's task list
 *   timeout.c  ops.c              deadline scopes; host operations (wa_op)
 *   task.c                        the task API: spawn, await, cancel, release
 *   turn.c                        one loop turn, stall detection
 *   loop.c                        the scheduler: ready queue, a task's run on
 *                                 its fiber, switch, park and wake
 *   timer.c  wlist.c  errors.c    timer heap, wait lists, error strings,
 *   task_name.c                   a task's default name
 *
 * The rule that keeps cancellation race-free: a parked task is made ready by
 * exactly one cause. If a wake (wa__wake / wa__ready) came first, a later
 * cancel is left pending for the next suspension point; if an interruption
 * (cancel, deadline) came first, wait nodes did not fire. So when wa__park()
 * returns an error, none of the caller's wait nodes fired.
 */
#ifndef WA_CORE_INTERNAL_H
#define WA_CORE_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include "wasyncio.h"
#include "fiber/fiber.h"
#include "core/backend.h"

/* ------------------------------------------------------------ wlist.c */

typedef struct wa__wait wa__wait;
typedef struct wa_wlist {
    wa__wait *head, *tail;
} wa_wlist;

struct wa__wait {
    wa__wait *prev, *next;
    struct wa_task *task; /* who waits */
    void *data;           /* the waiter's own (e.g. the item a put carries) */
    wa_wlist *collect;    /* multi-waits: when fired, w is appended here */
    int status;           /* set when fired */
    unsigned char linked; /* in a list now */
    unsigned char fired;  /* woken by wa__wake */
};

/* Push and remove are inline: every hand-off between two tasks does one of
 * each, and the calls measured a tenth of a generator step. */
static inline void wa__wlist_push(wa_wlist *l, wa__wait *w)
{
    WA_LIST_APPEND(l, w);
    w->linked = 1;
}

static inline void wa__wlist_remove(wa_wlist *l, wa__wait *w) /* no-op if w is not linked */
{
    if (!w->linked)
        return;
    WA_LIST_UNLINK(l, w);
    w->linked = 0;
}

wa__wait *wa__wlist_pop(wa_wlist *l); /* NULL if empty */
static inline int wa__wlist_empty(const wa_wlist *l) { return l->head == NULL; }

/* ----------------------------------------------------------------- tasks */

/* A list of tasks through one pair of their links (core/list.h's _VIA
 * macros): the loop's tasks (all_prev/all_next), a group's live children
 * (kid_prev/kid_next). Oldest first. */
typedef struct wa__task_list {
    struct wa_task *head, *tail;
} wa__task_list;

enum wa_task_state {
    WA_T_NEW,   /* spawned, not yet run (no fiber yet) */
    WA_T_READY, /* in the ready queue */
    WA_T_RUNNING,
    WA_T_PARKED, /* suspended in wa__park */
    WA_T_DONE
};

#define WA_TASK_MAGIC 0x7761736bu /* "wask"; cleared when freed */

struct wa_task {
    uint32_t magic;
    uint8_t state;
    uint8_t cancel_pending;   /* cancel requested, not yet delivered */
    uint8_t cancel_delivered; /* a suspension point returned WA_ECANCELED */
    uint8_t released;         /* handle dropped: free when done */
    uint8_t retrieved;        /* someone took the result/error */
    uint8_t in_heap;          /* timer armed */
    uint8_t timer_is_scope;   /* armed deadline is a scope's, not a sleep's */
    uint8_t park_shielded;    /* parked with WA_PARK_SHIELD */
    uint8_t waits_on_tasks;   /* parked until other tasks progress (await,
                                 gather, group, generator): not a root
                                 cause when the loop stalls */
    uint8_t is_main;
    uint8_t owned;            /* a group child or generator body: the group
                                 or generator holds the handle, and
                                 wa_release refuses it */
    uint8_t forward_cancel;   /* parked in an await/gather/generator wait:
                                 a cancel goes on to the awaited tasks at
                                 once, as asyncio's Task.cancel does */
    uint8_t cancel_forwarded; /* ... and it did: the waiter need not */
    uint32_t cancel_requests; /* wa_cancel calls not taken back by
                                 wa_uncancel (asyncio's Task.cancelling) */
    uint32_t visit_mark;      /* wa__wait_cycle's "seen" stamp */
    int interrupt;            /* code wa__park returns when interrupted */
    int error;                /* 0 or failure code */
    char *message;            /* malloc'd failure message, or NULL */
    void *result;
    wa_fn fn;
    void *arg;
    wa_fiber *fiber;
    size_t stack_size, asyncify_size;
    struct wa_task *next_ready; /* ready queue link */
    /* What this task waits for, for the cycle check (wa__wait_cycle): one
     * task (await, join), a set (gather), or a group's live children. */
    struct wa_task *awaiting;
    struct wa_task *const *awaiting_set;
    size_t awaiting_n;
    struct wa_task *const *awaiting_kids; /* a group's live.head (kid_next) */
    struct wa_task *kid_prev, *kid_next;  /* a group's live children */
    struct wa_task *all_prev, *all_next;  /* the loop's list of live tasks */
    wa_wlist done_waiters;                /* woken when this task finishes */
    wa_timeout *scope;                    /* innermost deadline scope */
    uint64_t timer_at;                    /* armed deadline (ns) */
    uint64_t timer_seq;                   /* FIFO tie-break for equal deadlines */
    size_t heap_index;
    wa_done_hook on_done; /* groups, generators */
    void *on_done_data;
    void *ext; /* generator state when this task is a generator body */
    uint64_t id;
    char name[24];         /* short names inline ("" until read when
                                    unnamed); longer ones in long_name */
    char *long_name;       /* malloc'd, or borrowed (name_borrowed) */
    uint8_t name_borrowed; /* long_name outlives the task: not ours */
    uint8_t named;         /* given a name (perhaps ""): no "task-N" */
};

/* Validate a handle: 0, or WA_EINVAL for NULL / freed / foreign. */
static inline int wa__task_check(const wa_task *t)
{
    return (t && t->magic == WA_TASK_MAGIC) ? 0 : WA_EINVAL;
}

/* Free t's long name if it is t's own (not borrowed). */
static inline void wa__task_drop_long_name(wa_task *t)
{
    if (t->long_name && !t->name_borrowed)
        free(t->long_name);
}

/* Write an unnamed task's "task-N" into t->name (task_name.c). */
void wa__default_name(wa_task *t);

/* A valid task's name (wa_task_name checks the handle first). An unnamed
 * task's "task-N" is written on first use: spawn is a hot path and most
 * names are never read. Async-signal-safe (no allocation). */
static inline const char *wa__task_name(const wa_task *t)
{
    if (t->long_name)
        return t->long_name;
    if (!t->name[0] && !t->named)
        wa__default_name((wa_task *)t);
    return t->name;
}

/* --------------------------------------------------- loop.c: park / wake
 * wa__park, wa__ready, wa__self, wa__require_task: see core/backend.h. */

/* Fire wait node w (unlink from l, set status, ready its task; if
 * w->collect is set, append w there so a multi-wait finds it in O(1)). */
void wa__wake(wa_wlist *l, wa__wait *w, int status);

/* wa__wake, but w's task runs next, before every other ready task and with
 * no loop turn between (a generator's body and its consumer hand over as
 * asyncio runs an async generator's frame inside the consumer's step). */
void wa__wake_first(wa_wlist *l, wa__wait *w, int status);

/* t, parked or NEW and not queued yet (wa__spawn_first), runs next, as
 * wa__wake_first. */
void wa__run_first(wa_task *t);

/* Waits that end when other tasks progress (awaiting a task or a group, a
 * generator's next value): the waiter is marked so that a stall is blamed on
 * the tasks that block everyone, not on those waiting for them. */
#define WA__WAIT_FOR_TASKS 0x100u

/* wa__wait_here's loop (loop.c): node w, in the caller's frame, is linked
 * only while the caller is parked in here. */
int wa__wait_node(wa_wlist *l, wa__wait *w, unsigned flags);

/* wa__wait_here, the way a primitive waits on its list, is in core/wait_here.h. */

/* -------------------------------------------------------------- task.c */

/* wa__spawn_hooked, but the new task runs next (wa__run_first): a
 * generator's first step starts its body inside the consumer's step. */
wa_task *wa__spawn_first(wa_fn fn, void *arg, wa_done_hook hook, void *hook_data);

/* Record the running task's failure (message may be NULL). */
void wa__fail(wa_task *t, int code, const char *message);

/* Take a finished task's outcome: returns its error (0 on success) and marks
 * it retrieved. */
int wa__task_outcome(wa_task *t, void **result);

/* Wait for t to finish without interruption (after cancelling it). If the
 * waiter is processing a cancellation (merge_cancel), cancels that reach it
 * meanwhile are merged into it, as asyncio forwards them to the awaited task:
 * the waiter sees one WA_ECANCELED, and wa_task_cancelling counts them all.
 * Returns at once, t unfinished, if t (transitively) waits for the caller. */
void wa__join_shielded(wa_task *t, int merge_cancel);

/* Would self, waiting for these tasks, close a cycle of waits? Each start
 * may be NULL/empty: one task, a set of n, a list of a group's live
 * children (linked by kid_next). Follows awaits, gathers and group waits
 * transitively. */
int wa__wait_cycle(const wa_task *self, wa_task *one, wa_task *const *set, size_t n, wa_task *kids);

/* wa_release without the ownership check: a group or generator dropping the
 * handle it owns. */
void wa__task_release(wa_task *t);

/* The unfinished task with this id, or NULL: a safe way back to a task whose
 * handle may have been freed meanwhile (a group's owner). O(live tasks). */
wa_task *wa__task_find(uint64_t id);

/* --------------------------------------------------------------- gen.c */

/* wa_gen_new whose arg belongs to the generator: wa_gen_free frees it with
 * free_arg, after the body has finished (as_completed's copy of its tasks). */
wa_gen *wa__gen_new_owning(wa_fn fn, void *arg, void (*free_arg)(void *));

/* ---------------------------------------------------------- sync_lock.c */

/* Does the running task hold l? */
int wa__lock_held(const wa_lock *l);

/* Acquire l, not interruptible (a condition takes its lock back this way
 * after a cancelled or timed-out wait). */
int wa__lock_acquire_shielded(wa_lock *l);

/* errors.c: wa__set_last_error, wa__format, wa__strdup...: see core/backend.h. */

#endif
