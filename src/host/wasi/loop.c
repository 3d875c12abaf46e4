/* loop.c: the WASI preview1 host backend: the monotonic clock, the blocking
 * loop driver and poll_oneoff (one clock subscription for the next deadline
 * plus one fd subscription per task waiting in wa__host_wait_fd), and
 * whole-file reads in chunks that let other tasks run (to_thread runs
 * inline: host/common/no_threads.c).
 *
 * Preview1 has one blocking call, poll_oneoff, and no threads, so there is
 * nothing to wait for except timers and fds: the loop is a plain
 * turn / poll cycle on the thread that called wa_run.
 */
#include "core/host.h"
#include "core/backend.h"
#include "host/common/common.h"
#include "host/common/waiters.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

/* Brings host/common/cabi_realloc.c (the exported cabi_realloc) into every
 * program that links libwasyncio.a: component adapters and hosts allocate
 * through it, and without it they grow memory behind malloc's back. */
void *(*const wa__keep_cabi_realloc)(void *, size_t, size_t, size_t) = cabi_realloc;

/* A task waiting for an fd, registered for the next poll_oneoff. Lives in the
 * waiting task's frame (wa__host_wait_fd). */
struct fd_wait {
    wa__waiter w; /* first: the list links it */
    int fd;
    int writable;
};

/* The host of the one loop a wasm module runs. */
static struct {
    int open;
    wa__waiters waiters;
    wa__poll_arrays arrays; /* subscriptions (a) and events (b) */
} host;

uint64_t wa__host_hrtime(void)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t) != 0)
        return 0;
    return (uint64_t)t;
}

int wa__host_open(void)
{
    if (host.open)
        return WA_EBUSY;
    host.open = 1;
    host.waiters = (wa__waiters){0};
    return 0;
}

void wa__host_close(void)
{
    /* Nothing runs in the background on preview1; the arrays are kept for
     * the next loop. Waiters are gone: their tasks were finished. */
    host.waiters = (wa__waiters){0};
    host.open = 0;
}

unsigned wa__host_pending(void) { return host.waiters.count; }

/* ------------------------------------------------------------ fd waits */

/* Wake every fd waiter with code: used when poll_oneoff itself fails, so a
 * broken fd never leaves its task waiting forever. */
static void fail_all_waiters(int code)
{
    while (host.waiters.head)
        wa__waiters_wake(&host.waiters, host.waiters.head, code);
}

void wa__host_poll(uint64_t deadline_ns)
{
    if (!host.open)
        return;
    if (deadline_ns == 0 && host.waiters.count == 0)
        return; /* tasks are ready and no fd to look at: no syscall */
    unsigned n = host.waiters.count + (deadline_ns != WA_NEVER ? 1u : 0u);
    if (n == 0)
        return; /* never poll an empty set: it would fail or block forever */
    if (wa__poll_arrays_reserve(&host.arrays, n, sizeof(__wasi_subscription_t),
                                sizeof(__wasi_event_t)) < 0) {
        fail_all_waiters(WA_ENOMEM);
        return;
    }
    __wasi_subscription_t *subs = host.arrays.a;
    __wasi_event_t *events = host.arrays.b;
    unsigned i = 0;
    if (deadline_ns != WA_NEVER) {
        uint64_t now = wa__host_hrtime();
        __wasi_subscription_t *s = &subs[i++];
        memset(s, 0, sizeof *s);
        s->userdata = 0; /* fd waiters use their address, never 0 */
        s->u.tag = __WASI_EVENTTYPE_CLOCK;
        s->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        /* Relative: every preview1 host supports it; 0 means just look. */
        s->u.u.clock.timeout = deadline_ns > now ? deadline_ns - now : 0;
        s->u.u.clock.precision = 0;
        s->u.u.clock.flags = 0;
    }
    for (wa__waiter *x = host.waiters.head; x; x = x->next) {
        struct fd_wait *w = (struct fd_wait *)x;
        __wasi_subscription_t *s = &subs[i++];
        memset(s, 0, sizeof *s);
        s->userdata = (__wasi_userdata_t)(uintptr_t)w;
        s->u.tag = w->writable ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
        if (w->writable)
            s->u.u.fd_write.file_descriptor = (__wasi_fd_t)w->fd;
        else
            s->u.u.fd_read.file_descriptor = (__wasi_fd_t)w->fd;
    }
    __wasi_size_t got = 0;
    __wasi_errno_t err = __wasi_poll_oneoff(subs, events, n, &got);
    if (err != 0) {
        fail_all_waiters(err == __WASI_ERRNO_BADF ? WA_EINVAL : WA_EIO);
        return;
    }
    for (__wasi_size_t k = 0; k < got; k++) {
        __wasi_event_t *e = &events[k];
        if (e->type == __WASI_EVENTTYPE_CLOCK || e->userdata == 0)
            continue;
        struct fd_wait *w = (struct fd_wait *)(uintptr_t)e->userdata;
        int code = e->error == 0 ? 0 : e->error == __WASI_ERRNO_BADF ? WA_EINVAL : WA_EIO;
        wa__waiters_wake(&host.waiters, &w->w, code);
    }
}

int wa__host_drive(void) { return wa__drive_blocking(wa__host_poll, wa__host_pending); }

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
    if (!host.open)
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
    return wa__waiters_wait(&host.waiters, &w.w);
}

/* ------------------------------------------------------------ file reads */

/* File reads have nothing to wait on in preview1: read in chunks, yielding. */
int wa__host_read_file(const char *path, char **data, size_t *len)
{
    return wa__read_file_chunked(path, data, len);
}
