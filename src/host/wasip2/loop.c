/* loop.c: the host backend of the WASI 0.2 component build. Its one
 * blocking call is wasi:io/poll.poll over every pollable some task waits on
 * (HTTP futures, body streams) plus one monotonic-clock pollable for the
 * core's next timer, so sleeps and fetches wait together.
 *
 * Why not the preview1 backend (src/host/wasi/): a preview1 module adapted
 * into a component cannot wait on poll_oneoff and 0.2 pollables in one call. Files still go through the
 * preview1 adapter (fds), which has no pollables to offer, so fd waits and
 * file reads complete inline; see wa__host_wait_fd and wa__host_read_file.
 */
#include "core/host.h"
#include "core/backend.h"
#include "host/common/common.h"
#include "host/common/waiters.h"
#include "host/wasip2/wasip2.h"
#include "host/wasip2/bindings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Brings host/common/cabi_realloc.c (the exported cabi_realloc) into every
 * program that links libwasyncio.a: component adapters and hosts allocate
 * through it, and without it they grow memory behind malloc's back. */
void *(*const wa__keep_cabi_realloc)(void *, size_t, size_t, size_t) = cabi_realloc;

/* One task waiting on one pollable; lives in that task's frame. */
typedef struct p2_waiter {
    wa__waiter w; /* first: the list links it */
    int32_t pollable;
} p2_waiter;

/* The host of the one loop a wasm module runs. */
static struct {
    int open;
    wa__waiters waiters;
    /* background watches (stream.c's reads, writes, accepts) and callbacks
     * due at the next poll, each a list (core/list.h), oldest first */
    struct {
        wa__p2_watch *head, *tail;
    } watches;
    unsigned nwatches;
    struct {
        wa__p2_due *head, *tail;
    } due;
    unsigned ndue;
    /* poll()'s argument (a) and the waiter each slot belongs to (b) */
    wa__poll_arrays arrays;
} host;

int wa__p2_open(void) { return host.open; }

uint64_t wa__host_hrtime(void) { return (uint64_t)wa__p2_clock_now(); }

unsigned wa__host_pending(void) { return host.waiters.count + host.nwatches + host.ndue; }

void wa__p2_watch_start(wa__p2_watch *w)
{
    if (w->active)
        return;
    w->active = 1;
    WA_LIST_APPEND(&host.watches, w);
    host.nwatches++;
}

void wa__p2_watch_stop(wa__p2_watch *w)
{
    if (!w->active)
        return;
    w->active = 0;
    WA_LIST_UNLINK(&host.watches, w);
    host.nwatches--;
}

void wa__p2_defer(wa__p2_due *d)
{
    WA_LIST_APPEND(&host.due, d);
    host.ndue++;
}

/* Run the callbacks that were due before this poll; those they add wait
 * for the next one. */
static void run_due(void)
{
    wa__p2_due *d = host.due.head;
    unsigned n = host.ndue;
    host.due.head = host.due.tail = NULL;
    host.ndue = 0;
    while (n--) {
        wa__p2_due *next = d->next;
        d->run(d);
        d = next;
    }
}

int wa__host_open(void)
{
    if (host.open)
        return WA_EBUSY;
    host.open = 1;
    host.waiters = (wa__waiters){0};
    /* Watches and due callbacks belong to one loop: a connection a program
     * left open when its wa_run ended must not be polled by the next one.
     * A watch left over is marked stopped, so stopping it later does not
     * unlink it from this loop's list. (Every watch still listed is alive: a
     * freed one stopped itself, which unlinked it.) */
    while (host.watches.head) {
        wa__p2_watch *w = host.watches.head;
        WA_LIST_UNLINK(&host.watches, w);
        w->active = 0;
    }
    host.nwatches = 0;
    host.due.head = host.due.tail = NULL;
    host.ndue = 0;
    return 0;
}

void wa__host_close(void)
{
    /* Every task has finished by now, so no waiter is left; the arrays are
     * kept for the next wa_run (each incoming request runs one). */
    host.open = 0;
}

int wa__p2_wait(int32_t pollable)
{
    if (!host.open)
        return WA_ENOLOOP;
    p2_waiter w = {0};
    w.pollable = pollable;
    return wa__waiters_wait(&host.waiters, &w.w);
}

void wa__host_poll(uint64_t deadline_ns)
{
    if (!host.open)
        return;
    if (host.ndue) {
        run_due();
        if (wa__loop_has_ready() || host.ndue)
            deadline_ns = 0; /* they woke someone: just look */
    }
    /* Nothing could ever make an empty poll return. */
    if (host.waiters.count + host.nwatches == 0 && (deadline_ns == 0 || deadline_ns == WA_NEVER))
        return;
    size_t slots = host.waiters.count + host.nwatches + 1;
    if (wa__poll_arrays_reserve(&host.arrays, slots, sizeof(int32_t), sizeof(void *)) < 0) {
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
    int32_t *list = host.arrays.a;
    void **owners = host.arrays.b;
    size_t n = 0;
    for (wa__waiter *x = host.waiters.head; x; x = x->next) {
        list[n] = ((p2_waiter *)x)->pollable;
        owners[n++] = x;
    }
    size_t first_watch = n;
    for (wa__p2_watch *w = host.watches.head; w; w = w->next) {
        list[n] = w->pollable;
        owners[n++] = w;
    }
    int32_t timer = -1;
    if (deadline_ns != WA_NEVER) {
        /* deadline 0 means "just look": a zero duration is ready at once */
        timer = deadline_ns == 0 ? wa__p2_subscribe_duration(0)
                                 : wa__p2_subscribe_instant((int64_t)deadline_ns);
        list[n] = timer;
        owners[n++] = NULL;
    }
    wa__p2_ret r;
    wa__p2_poll(list, (int32_t)n, &r);
    uint32_t *ready = wa__p2_ptr(&r, 0);
    size_t nready = (size_t)(uint32_t)wa__p2_i32(&r, 4);
    /* Waiters first (waking a task runs nothing now), then the watches'
     * callbacks. A callback may stop any watch, so each is checked before
     * its turn; none is freed before the next poll (stream.c frees through
     * wa__p2_defer), so the pointers stay valid. */
    for (size_t i = 0; i < nready; i++) {
        uint32_t k = ready[i];
        if (k < first_watch && owners[k])
            wa__waiters_wake(&host.waiters, owners[k], 0);
    }
    for (size_t i = 0; i < nready; i++) {
        uint32_t k = ready[i];
        if (k < first_watch || k >= n || !owners[k])
            continue;
        wa__p2_watch *w = owners[k];
        if (w->active && w->pollable == list[k])
            w->ready(w);
    }
    wa__p2_free(ready, nready);
    if (timer >= 0)
        wa__p2_pollable_drop(timer);
}

int wa__host_drive(void) { return wa__drive_blocking(wa__host_poll, wa__host_pending); }

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
