/* wasip2.c: the host backend of the WASI 0.2 component build. Its one
 * blocking call is wasi:io/poll.poll over every pollable some task waits on
 * (HTTP futures, body streams) plus one monotonic-clock pollable for the
 * core's next timer, so sleeps and fetches wait together.
 *
 * Why not wasi.c: a preview1 module adapted into a component cannot wait on
 * poll_oneoff and 0.2 pollables in one call. Files still go through the
 * preview1 adapter (fds), which has no pollables to offer, so fd waits and
 * file reads complete inline; see wa__host_wait_fd and wa__host_read_file.
 */
#include "host/host.h"
#include "host/wasip2/wasip2.h"
#include "host/wasip2/bindings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Brings wasm_cabi_realloc.c (the exported cabi_realloc) into every
 * program that links libwasyncio.a: component adapters and hosts allocate
 * through it, and without it they grow memory behind malloc's back. */
void *(*const wa__keep_cabi_realloc)(void *, size_t, size_t, size_t) = cabi_realloc;

/* One task waiting on one pollable; lives in that task's frame. */
typedef struct p2_waiter {
    wa_op op;
    int32_t pollable;
    struct p2_waiter *prev, *next;
} p2_waiter;

static struct {
    int open;
    unsigned count;
    p2_waiter *head, *tail;
    /* poll()'s argument and the waiter each slot belongs to, reused */
    int32_t *list;
    p2_waiter **owners;
    size_t cap;
} P;

int wa__p2_open(void) { return P.open; }

uint64_t wa__host_hrtime(void) { return (uint64_t)wa__p2_clock_now(); }

unsigned wa__host_pending(void) { return P.count; }

int wa__host_open(void)
{
    if (P.open)
        return WA_EBUSY;
    P.open = 1;
    P.count = 0;
    P.head = P.tail = NULL;
    return 0;
}

void wa__host_close(void)
{
    /* Every task has finished by now, so no waiter is left; the arrays are
     * kept for the next wa_run (each incoming request runs one). */
    P.open = 0;
}

static void unlink_waiter(p2_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        P.head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        P.tail = w->prev;
    w->prev = w->next = NULL;
    P.count--;
}

static void waiter_cancel(wa_op *op)
{
    unlink_waiter(op->data);
}

int wa__p2_wait(int32_t pollable)
{
    if (!P.open)
        return WA_ENOLOOP;
    p2_waiter w = {0};
    w.pollable = pollable;
    w.op.cancel = waiter_cancel;
    w.op.data = &w;
    w.prev = P.tail;
    if (P.tail)
        P.tail->next = &w;
    else
        P.head = &w;
    P.tail = &w;
    P.count++;
    /* An interruption unlinks us through waiter_cancel before returning. */
    return wa__op_wait(&w.op);
}

static int reserve(size_t n)
{
    if (n <= P.cap)
        return 0;
    size_t cap = P.cap ? P.cap : 16;
    while (cap < n)
        cap *= 2;
    int32_t *l = realloc(P.list, cap * sizeof *l);
    if (!l)
        return WA_ENOMEM;
    P.list = l;
    p2_waiter **o = realloc(P.owners, cap * sizeof *o);
    if (!o)
        return WA_ENOMEM;
    P.owners = o;
    P.cap = cap;
    return 0;
}

void wa__host_poll(uint64_t deadline_ns)
{
    if (!P.open)
        return;
    /* Nothing could ever make an empty poll return. */
    if (P.count == 0 && (deadline_ns == 0 || deadline_ns == WA_NEVER))
        return;
    if (reserve(P.count + 1) < 0) {
        /* No memory for the list: wait for the timer alone rather than
         * spin; waiters are retried on the next turn. */
        if (deadline_ns != WA_NEVER && deadline_ns != 0) {
            int32_t t = wa__p2_subscribe_instant((int64_t)deadline_ns);
            wa__p2_ret r;
            wa__p2_poll(&t, 1, &r);
            wa__p2_free(wa__p2_ptr(&r, 0), (size_t)wa__p2_i32(&r, 4));
            wa__p2_pollable_drop(t);
        }
        return;
    }
    size_t n = 0;
    for (p2_waiter *w = P.head; w; w = w->next) {
        P.list[n] = w->pollable;
        P.owners[n++] = w;
    }
    int32_t timer = -1;
    if (deadline_ns != WA_NEVER) {
        /* deadline 0 means "just look": a zero duration is ready at once */
        timer = deadline_ns == 0 ? wa__p2_subscribe_duration(0)
                                 : wa__p2_subscribe_instant((int64_t)deadline_ns);
        P.list[n] = timer;
        P.owners[n++] = NULL;
    }
    wa__p2_ret r;
    wa__p2_poll(P.list, (int32_t)n, &r);
    uint32_t *ready = wa__p2_ptr(&r, 0);
    size_t nready = (size_t)(uint32_t)wa__p2_i32(&r, 4);
    for (size_t i = 0; i < nready; i++) {
        uint32_t k = ready[i];
        if (k >= n || !P.owners[k])
            continue;
        p2_waiter *w = P.owners[k];
        unlink_waiter(w);
        wa__wake_op(&w->op, 0);
    }
    wa__p2_free(ready, nready);
    if (timer >= 0)
        wa__p2_pollable_drop(timer);
}

int wa__host_drive(void) { return wa__drive_blocking(); }

/* ------------------------------------------------------------ operations */

int wa__host_to_thread(wa_fn fn, void *arg, void **result)
{
    if (!fn)
        return WA_EINVAL;
    /* WASI 0.2 components have no threads: run inline, as documented. */
    wa__host_debug_note("wa_to_thread runs inline on WASI 0.2 (no threads)");
    void *r = fn(arg);
    if (result)
        *result = r;
    return 0;
}

int wa__host_wait_fd(int fd, int writable)
{
    if (fd < 0)
        return WA_EINVAL;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return errno == EBADF ? WA_EINVAL : WA_EIO;
    /* Regular files and directories are always ready, and so is every
     * write: the preview1 adapter writes files and stdio with blocking calls
     * (blocking-write-and-flush), which never report "would block". Reading
     * a stream (stdin) would need a pollable the adapter does not expose to
     * join our poll call. */
    if (writable || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        return 0;
    return WA_ENOTSUP;
}

/* The adapter's file reads are synchronous host calls with no pollable:
 * read in chunks, yielding between them. */
int wa__host_read_file(const char *path, char **data, size_t *len)
{
    return wa__read_file_chunked(path, data, len);
}
