/* internal.h: the core's private contract: task layout, wait lists and the
 * park/wake primitive every suspending operation is built on.
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
#include "wasyncio.h"
#include "fiber/fiber.h"
#include "host/host.h"

/* ------------------------------------------------------------ wait lists */

typedef struct wa_wait wa_wait;
typedef struct wa_wlist {
    wa_wait *head, *tail;
} wa_wlist;

struct wa_wait {
    wa_wait *prev, *next;
    struct wa_task *task; /* who waits */
    void *data;           /* the waiter's own (e.g. the item a put carries) */
    wa_wlist *collect;    /* multi-waits: when fired, w is appended here */
    int status;           /* set when fired */
    unsigned char linked; /* in a list now */
    unsigned char fired;  /* woken by wa__wake */
};

void wa__wlist_push(wa_wlist *l, wa_wait *w);
void wa__wlist_remove(wa_wlist *l, wa_wait *w); /* no-op if w is not linked */
wa_wait *wa__wlist_pop(wa_wlist *l);            /* NULL if empty */
static inline int wa__wlist_empty(const wa_wlist *l) { return l->head == NULL; }

/* ----------------------------------------------------------------- tasks */

enum wa_task_state {
    WA_T_NEW,     /* spawned, not yet run (no fiber yet) */
    WA_T_READY,   /* in the ready queue */
    WA_T_RUNNING,
    WA_T_PARKED,  /* suspended in wa__park */
    WA_T_DONE
};

#define WA_TASK_MAGIC 0x7761736bu /* "wask"; cleared when freed */

typedef void (*wa_done_hook)(struct wa_task *t, void *data);

struct wa_task {
    uint32_t magic;
    uint8_t state;
    uint8_t cancel_pending;   /* cancel requested, not yet delivered */
    uint8_t cancel_delivered; /* a suspension point returned WA_ECANCELED */
    uint8_t released;         /* handle dropped: free when done */
    uint8_t retrieved;        /* someone took the result/error */
    uint8_t in_heap;          /* timer armed */
    uint8_t timer_is_scope;   /* armed deadline is a scope's, not a sleep's */
    uint8_t ever_ran;
    uint8_t park_shielded;    /* parked with WA_PARK_SHIELD */
    uint8_t waits_on_tasks;   /* parked until other tasks progress (await,
                                 gather, group, generator): not a root
                                 cause when the loop stalls */
    uint8_t is_main;
    int interrupt;            /* code wa__park returns when interrupted */
    int error;                /* 0 or failure code */
    char *message;            /* malloc'd failure message, or NULL */
    void *result;
    wa_fn fn;
    void *arg;
    wa_fiber *fiber;
    size_t stack_size, asyncify_size;
    struct wa_task *next_ready;  /* ready queue link */
    struct wa_task *awaiting;    /* task this one waits on (cycle check) */
    struct wa_task *all_prev, *all_next; /* the loop's list of live tasks */
    wa_wlist done_waiters;       /* woken when this task finishes */
    wa_timeout *scope;           /* innermost deadline scope */
    uint64_t timer_at;           /* armed deadline (ns) */
    uint64_t timer_seq;          /* FIFO tie-break for equal deadlines */
    size_t heap_index;
    wa_done_hook on_done;        /* groups, generators */
    void *on_done_data;
    void *ext;                   /* generator state when this task is a generator body */
    uint64_t id;
    char name[24];               /* short names inline; longer ones in long_name */
    char *long_name;
};

/* The running task, or NULL (loop context / no loop). */
struct wa_task *wa__self(void);

/* 0 if called inside a task of a running loop, else WA_ENOLOOP. */
int wa__require_task(void);

/* Spawn with a completion hook (called after the task finished, before its
 * awaiters wake). */
wa_task *wa__spawn_hooked(wa_fn fn, void *arg, const wa_task_opts *opts,
                          wa_done_hook hook, void *hook_data);

/* Validate a handle: 0, or WA_EINVAL for NULL / freed / foreign. */
static inline int wa__task_check(const wa_task *t)
{
    return (t && t->magic == WA_TASK_MAGIC) ? 0 : WA_EINVAL;
}

/* ------------------------------------------------------------ park / wake */

#define WA_PARK_SHIELD 1u /* not interruptible: no cancel, no scope deadline */

/* Suspend the running task until wa__ready(t) or an interruption. wake_at is
 * an absolute hrtime (ns) at which to return 0 on its own (sleeps), or
 * WA_NEVER. Returns 0, WA_ECANCELED or WA_ETIMEDOUT. A pending cancel or an
 * already-expired scope returns at once without suspending. */
int wa__park(uint64_t wake_at, unsigned flags);

/* Make a parked task ready (no-op unless parked). */
void wa__ready(wa_task *t);

/* Fire wait node w (unlink from l, set status, ready its task; if
 * w->collect is set, append w there so a multi-wait finds it in O(1)). */
void wa__wake(wa_wlist *l, wa_wait *w, int status);

/* Push w onto l and park. Returns w->status if it fired; otherwise unlinks w
 * and returns the interruption code. */
int wa__wait_on(wa_wlist *l, wa_wait *w, unsigned flags);

/* Record the running task's failure (message may be NULL). */
void wa__fail(wa_task *t, int code, const char *message);

/* Take a finished task's outcome: returns its error (0 on success) and marks
 * it retrieved. */
int wa__task_outcome(wa_task *t, void **result);

/* Wait for t to finish without interruption (after cancelling it). */
void wa__join_shielded(wa_task *t);

/* wa__wait_on for waits that end when other tasks progress (awaiting a task
 * or a group, a generator's next value): marks the waiter so a stall is
 * blamed on the tasks that block everyone, not on those waiting for them. */
int wa__wait_on_tasks(wa_wlist *l, wa_wait *w, unsigned flags);

/* --------------------------------------------------------------- errors */

/* Set the thread's last error (for NULL-returning functions); returns NULL. */
void *wa__set_last_error(int code);

/* printf into a malloc'd string (NULL on OOM). */
char *wa__vformat(const char *fmt, va_list ap);
char *wa__strdup(const char *s);
char *wa__strndup(const char *s, size_t n); /* n bytes of s, NUL added */
char *wa__format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
