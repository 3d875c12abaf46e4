/* waiters.h: the list of tasks a WASI backend's one poll call waits for
 * (fd waits on preview1, pollables on 0.2), and the poll arrays that call
 * takes, grown to fit and reused. Shared by src/host/wasi/ and wasip2/.
 */
#ifndef WA_HOST_WAITERS_H
#define WA_HOST_WAITERS_H

#include <stddef.h>
#include "core/backend.h"

/* One waiting task; lives in its frame, as the first member of the
 * backend's own record (which adds the fd or pollable). */
typedef struct wa__waiter {
    wa_op op;
    struct wa__waiter *prev, *next;
} wa__waiter;

typedef struct wa__waiters {
    wa__waiter *head, *tail; /* in the order they started waiting */
    unsigned count;
} wa__waiters;

/* Link w at the tail and wait on its op. An interruption unlinks w before
 * this returns; otherwise wa__waiters_wake did. */
int wa__waiters_wait(wa__waiters *l, wa__waiter *w);

/* Unlink w and complete its op with status (from wa__host_poll). */
void wa__waiters_wake(wa__waiters *l, wa__waiter *w, int status);

/* Two parallel arrays for the poll call (what to poll, and what came back
 * or who owns each slot), grown together to at least n entries. */
typedef struct wa__poll_arrays {
    void *a, *b;
    size_t cap;
} wa__poll_arrays;

/* 0, or WA_ENOMEM (the arrays keep their old capacity). */
int wa__poll_arrays_reserve(wa__poll_arrays *p, size_t n, size_t a_elem, size_t b_elem);

#endif
