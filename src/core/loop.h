/* loop.h: the per-thread loop state shared by the scheduler's own files
 * (loop.c, turn.c, task.c, timer.c, timeout.c, run.c), with their private
 * prototypes grouped under the file that owns them. Other core files go
 * through internal.h.
 */
#ifndef WA_CORE_LOOP_H
#define WA_CORE_LOOP_H

#include "internal.h"

/* How many task-to-task switches may happen before control goes back to the
 * loop context to fire timers and poll I/O. Large enough that the poll
 * syscall is amortised over many switches, small enough that a yielding
 * pair cannot starve timers and I/O for long. */
#define WA_SWITCH_BUDGET 128

typedef struct wa__loop {
    wa_task *current;                 /* running task, NULL in the loop context */
    wa_task *ready_head, *ready_tail; /* FIFO of WA_T_READY / WA_T_NEW tasks */
    wa_task *main_task;
    wa__task_list all; /* every task not yet freed, oldest first */
    wa_fiber *main_fiber;
    wa_task *zombie; /* just finished: its fiber (and, if released,
                                         the task) is freed by whoever runs next */
    wa_task **heap;  /* timer min-heap on (timer_at, timer_seq) */
    size_t heap_len, heap_cap;
    uint64_t timer_seq;
    uint64_t next_id;
    size_t unfinished; /* tasks spawned and not done */
    unsigned budget;
    int main_done;
    int ending; /* wa_run is cancelling leftovers */
    int debug;
    uint64_t slow_ns;
    uint64_t slice_start; /* debug: when the running task got the CPU */
    wa_task *free_tasks;  /* cache of freed task structs: a stack through
                             all_next, which a freed task no longer needs */
    size_t free_count;
    uint32_t visit_mark; /* last stamp used by wa__wait_cycle */
} wa__loop;

/* Freed task structs kept for reuse: spawning then costs no malloc and the
 * pages stay mapped. Bounded, so a burst does not pin memory for good. */
#define WA_TASK_CACHE_MAX 65536

extern _Thread_local wa__loop *wa__L;

/* loop.c: the ready queue, a task's run on its fiber, switch, park/wake */
void wa__ready_push(wa__loop *L, wa_task *t);
wa_task *wa__next_runnable(wa__loop *L); /* pop, starting NEW tasks */
void wa__reap(wa__loop *L);
void wa__resume(wa_task *t, int interrupt); /* ready a parked task, with a code */
void wa__keep_cancel_pending(wa_task *self, int interrupt, uint8_t delivered_before);
void wa__scopes_expire(wa_task *t, uint64_t now); /* mark passed deadline scopes */
const char *wa__running_task_name(void);
extern const wa_fiber_hooks wa__task_hooks;      /* run.c hands them to wa__fiber_init */
void wa__task_complete(wa__loop *L, wa_task *t); /* bookkeeping when t ends */
void wa__task_free(wa__loop *L, wa_task *t);
int wa__task_start(wa__loop *L, wa_task *t); /* give a NEW task its fiber */

/* timer.c */
int wa__timer_arm(wa__loop *L, wa_task *t, uint64_t at, int is_scope); /* WA_ENOMEM */
void wa__timer_disarm(wa__loop *L, wa_task *t);
wa_task *wa__timer_top(const wa__loop *L);
void wa__timer_pop(wa__loop *L);

#endif
