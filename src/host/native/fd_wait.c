/* fd_wait.c: fd readiness on the native backend (wa__host_wait_fd). libuv
 * allows one poll handle per fd (a second uv_poll_init on it fails), so every
 * task waiting on an fd shares one watch: the handle polls the union of what
 * its waiters want, and readiness wakes each waiter it concerns. */
#include "core/host.h"
#include "core/backend.h"
#include "host/native/native.h"

#include <stdlib.h>

typedef struct fd_watch fd_watch;

/* One waiting task; lives in its frame. */
typedef struct fd_waiter {
    wa_op op;
    fd_watch *watch;
    struct fd_waiter *prev, *next;
    int events; /* UV_READABLE or UV_WRITABLE */
} fd_waiter;

struct fd_watch {
    uv_poll_t poll;
    int fd;
    int events;      /* what the handle polls for now */
    fd_waiter *head; /* its waiters, oldest first */
    fd_waiter *tail;
    fd_watch *prev, *next; /* in the thread's watches */
};

static _Thread_local struct {
    fd_watch *head, *tail;
} watches;

static fd_watch *find_watch(int fd)
{
    for (fd_watch *w = watches.head; w; w = w->next)
        if (w->fd == fd)
            return w;
    return NULL;
}

static void watch_closed(uv_handle_t *h) { free(h->data); }

static void poll_cb(uv_poll_t *p, int status, int events);

static void unlink_waiter(fd_waiter *x) { WA_LIST_UNLINK(x->watch, x); }

/* Poll for what the waiters want; with none left, close the handle. */
static void rearm(fd_watch *w)
{
    int want = 0;
    for (fd_waiter *x = w->head; x; x = x->next)
        want |= x->events;
    if (want == w->events)
        return;
    w->events = want;
    if (want && uv_poll_start(&w->poll, want, poll_cb) == 0)
        return;
    /* Nobody left, or the fd can no longer be polled: then the waiters
     * still here get the error rather than waiting forever. Forget it. */
    while (w->head) {
        fd_waiter *x = w->head;
        unlink_waiter(x);
        wa__wake_op(&x->op, WA_EIO);
    }
    WA_LIST_UNLINK(&watches, w);
    w->events = 0;
    uv_close((uv_handle_t *)&w->poll, watch_closed);
    wa__native_pending_add(-1);
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
    fd_watch *w = p->data;
    /* An error (e.g. the fd was closed) concerns every waiter. */
    int code = status < 0 ? (status == UV_EBADF ? WA_EINVAL : WA_EIO) : 0;
    fd_waiter *x = w->head;
    while (x) {
        fd_waiter *next = x->next;
        if (code || (x->events & events)) {
            unlink_waiter(x);
            wa__wake_op(&x->op, code);
        }
        x = next;
    }
    rearm(w);
}

static void waiter_cancel(wa_op *op)
{
    fd_waiter *x = op->data;
    fd_watch *w = x->watch;
    unlink_waiter(x);
    rearm(w);
}

static fd_watch *new_watch(int fd, int *rc)
{
    uv_loop_t *loop = wa__uv();
    if (!loop) {
        *rc = WA_ENOLOOP;
        return NULL;
    }
    fd_watch *w = calloc(1, sizeof *w);
    if (!w) {
        *rc = WA_ENOMEM;
        return NULL;
    }
    int r = uv_poll_init(loop, &w->poll, fd);
    if (r < 0) {
        /* Never registered with the loop, so plain free is right. Regular
         * files cannot be polled (EPERM): they are always ready. */
        free(w);
        *rc = r == UV_EPERM ? 0 : r == UV_EBADF ? WA_EINVAL : wa__uv_err(r);
        return NULL;
    }
    w->poll.data = w;
    w->fd = fd;
    WA_LIST_APPEND(&watches, w);
    wa__native_pending_add(1);
    return w;
}

int wa__host_wait_fd(int fd, int writable)
{
    if (fd < 0)
        return WA_EINVAL;
    int rc = 0;
    fd_watch *w = find_watch(fd);
    if (!w && (w = new_watch(fd, &rc)) == NULL)
        return rc;
    fd_waiter x = {0};
    x.watch = w;
    x.events = writable ? UV_WRITABLE : UV_READABLE;
    x.op.cancel = waiter_cancel;
    x.op.data = &x;
    WA_LIST_APPEND(w, &x);
    int want = w->events | x.events;
    if (want != w->events) {
        int r = uv_poll_start(&w->poll, want, poll_cb);
        if (r < 0) {
            unlink_waiter(&x);
            if (!w->head) {
                w->events = -1; /* force rearm to close it */
                rearm(w);
            }
            return r == UV_EBADF ? WA_EINVAL : wa__uv_err(r);
        }
        w->events = want;
    }
    return wa__op_wait(&x.op);
}
