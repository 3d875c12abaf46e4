/* wasi.c: the WASI preview1 host backend: the monotonic clock, the blocking
 * loop driver and poll_oneoff (one clock subscription for the next deadline
 * plus one fd subscription per task waiting in wa__host_wait_fd), to_thread run
 * inline, and whole-file reads in chunks that let other tasks run.
 *
 * Preview1 has one blocking call, poll_oneoff, and no threads, so there is
 * nothing to wait for except timers and fds: the loop is a plain
 * turn / poll cycle on the thread that called wa_run.
 */
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

/* Brings wasm_cabi_realloc.c (the exported cabi_realloc) into every
 * program that links libwasyncio.a: component adapters and hosts allocate
 * through it, and without it they grow memory behind malloc's back. */
void *(*const wa__keep_cabi_realloc)(void *, size_t, size_t, size_t) = cabi_realloc;

/* A task waiting for an fd, registered for the next poll_oneoff. Lives in the
 * waiting task's frame (wa__host_wait_fd). */
struct fd_wait {
    wa_op op;
    int fd;
    int writable;
    struct fd_wait *prev, *next;
};

static struct {
    int open;
    struct fd_wait *head;
    unsigned nwait;
    __wasi_subscription_t *subs; /* poll arrays, grown to fit, reused */
    __wasi_event_t *events;
    unsigned cap;
    int noted_to_thread;
} W;

uint64_t wa__host_hrtime(void)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t) != 0)
        return 0;
    return (uint64_t)t;
}

int wa__host_open(void)
{
    if (W.open)
        return WA_EBUSY;
    W.open = 1;
    W.head = NULL;
    W.nwait = 0;
    return 0;
}

void wa__host_close(void)
{
    /* Nothing runs in the background on preview1; the arrays are kept for
     * the next loop. Waiters are gone: their tasks were finished. */
    W.head = NULL;
    W.nwait = 0;
    W.open = 0;
}

unsigned wa__host_pending(void) { return W.nwait; }

/* ------------------------------------------------------------ fd waits */

static void fd_unlink(struct fd_wait *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        W.head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    W.nwait--;
}

static void fd_cancel(wa_op *op) { fd_unlink(op->data); }

static int grow_arrays(unsigned n)
{
    if (n <= W.cap)
        return 0;
    unsigned cap = W.cap ? W.cap : 8;
    while (cap < n)
        cap *= 2;
    __wasi_subscription_t *s = realloc(W.subs, cap * sizeof *s);
    if (!s)
        return WA_ENOMEM;
    W.subs = s;
    __wasi_event_t *e = realloc(W.events, cap * sizeof *e);
    if (!e)
        return WA_ENOMEM;
    W.events = e;
    W.cap = cap;
    return 0;
}

/* Wake every fd waiter with code: used when poll_oneoff itself fails, so a
 * broken fd never leaves its task waiting forever. */
static void fail_all_waiters(int code)
{
    while (W.head) {
        struct fd_wait *w = W.head;
        fd_unlink(w);
        wa__wake_op(&w->op, code);
    }
}

void wa__host_poll(uint64_t deadline_ns)
{
    if (!W.open)
        return;
    if (deadline_ns == 0 && W.nwait == 0)
        return; /* tasks are ready and no fd to look at: no syscall */
    unsigned n = W.nwait + (deadline_ns != WA_NEVER ? 1u : 0u);
    if (n == 0)
        return; /* never poll an empty set: it would fail or block forever */
    if (grow_arrays(n) < 0) {
        fail_all_waiters(WA_ENOMEM);
        return;
    }
    unsigned i = 0;
    if (deadline_ns != WA_NEVER) {
        uint64_t now = wa__host_hrtime();
        __wasi_subscription_t *s = &W.subs[i++];
        memset(s, 0, sizeof *s);
        s->userdata = 0; /* fd waiters use their address, never 0 */
        s->u.tag = __WASI_EVENTTYPE_CLOCK;
        s->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        /* Relative: every preview1 host supports it; 0 means just look. */
        s->u.u.clock.timeout = deadline_ns > now ? deadline_ns - now : 0;
        s->u.u.clock.precision = 0;
        s->u.u.clock.flags = 0;
    }
    for (struct fd_wait *w = W.head; w; w = w->next) {
        __wasi_subscription_t *s = &W.subs[i++];
        memset(s, 0, sizeof *s);
        s->userdata = (__wasi_userdata_t)(uintptr_t)w;
        s->u.tag = w->writable ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
        if (w->writable)
            s->u.u.fd_write.file_descriptor = (__wasi_fd_t)w->fd;
        else
            s->u.u.fd_read.file_descriptor = (__wasi_fd_t)w->fd;
    }
    __wasi_size_t got = 0;
    __wasi_errno_t err = __wasi_poll_oneoff(W.subs, W.events, n, &got);
    if (err != 0) {
        fail_all_waiters(err == __WASI_ERRNO_BADF ? WA_EINVAL : WA_EIO);
        return;
    }
    for (__wasi_size_t k = 0; k < got; k++) {
        __wasi_event_t *e = &W.events[k];
        if (e->type == __WASI_EVENTTYPE_CLOCK || e->userdata == 0)
            continue;
        struct fd_wait *w = (struct fd_wait *)(uintptr_t)e->userdata;
        int code = e->error == 0 ? 0 : e->error == __WASI_ERRNO_BADF ? WA_EINVAL : WA_EIO;
        fd_unlink(w);
        wa__wake_op(&w->op, code);
    }
}

int wa__host_drive(void) { return wa__drive_blocking(); }

/* Some hosts cannot poll an fd that never blocks: Node's node:wasi fails
 * the whole poll_oneoff with EPERM when stdout is /dev/null (epoll refuses
 * it), which would fail every waiter with WA_EIO. poll(2) calls such fds
 * ready, and so do we: one zero-timeout probe decides before we wait. */
static int host_can_poll(int fd, int writable)
{
    __wasi_subscription_t s[2];
    __wasi_event_t e[2];
    memset(s, 0, sizeof s);
    s[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[1].userdata = 1;
    s[1].u.tag = writable ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
    s[1].u.u.fd_read.file_descriptor = (__wasi_fd_t)fd; /* same layout for write */
    __wasi_size_t got = 0;
    __wasi_errno_t err = __wasi_poll_oneoff(s, e, 2, &got);
    return !(err == __WASI_ERRNO_PERM || err == __WASI_ERRNO_NOTSUP);
}

int wa__host_wait_fd(int fd, int writable)
{
    if (fd < 0)
        return WA_EINVAL;
    if (!W.open)
        return WA_ENOLOOP;
    __wasi_fdstat_t st;
    __wasi_errno_t err = __wasi_fd_fdstat_get((__wasi_fd_t)fd, &st);
    if (err == __WASI_ERRNO_BADF)
        return WA_EINVAL;
    if (err != 0)
        return WA_EIO;
    /* Regular files are always ready (as poll(2) says); do not poll them,
     * nor fds the host refuses to poll. */
    if (st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE || !host_can_poll(fd, writable))
        return 0;
    struct fd_wait w = {0};
    w.fd = fd;
    w.writable = writable ? 1 : 0;
    w.op.cancel = fd_cancel;
    w.op.data = &w;
    w.next = W.head;
    if (W.head)
        W.head->prev = &w;
    W.head = &w;
    W.nwait++;
    return wa__op_wait(&w.op);
}

/* ------------------------------------------------------------ to_thread */

int wa__host_to_thread(wa_fn fn, void *arg, void **result)
{
    if (!fn)
        return WA_EINVAL;
    if (!W.noted_to_thread) {
        W.noted_to_thread = 1;
        wa__host_debug_note("wa_to_thread runs inline on WASI preview1 (no threads): "
                        "other tasks wait until it returns");
    }
    void *r = fn(arg);
    if (result)
        *result = r;
    return 0;
}

/* ------------------------------------------------------------ file reads */


/* Reads chunk by chunk, yielding before each one, so a big file never stops
 * the other tasks for long and cancellation lands between chunks. The yield
 * before the first chunk makes the call a suspension point, as natively. */
/* File reads have nothing to wait on in preview1: read in chunks, yielding. */
int wa__host_read_file(const char *path, char **data, size_t *len)
{
    return wa__read_file_chunked(path, data, len);
}
