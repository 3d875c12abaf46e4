/* loop.c: the native host backend on libuv: clock, the blocking loop
 * driver, polling until a deadline, the thread pool and whole-file reads
 * (fd readiness is fd_wait.c's). One uv loop per thread, created by wa__host_open. */
#include "core/host.h"
#include "core/backend.h"
#include "host/common/common.h"
#include "host/native/native.h"
#include "host/native/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WA_MAX_CLOSE_HOOKS 8

struct native_state {
    uv_loop_t loop;
    uv_timer_t poll_timer;   /* armed only for the length of one wa__host_poll */
    uv_prepare_t wake_check; /* runs after timers, before libuv blocks */
    int open;
    unsigned pending; /* operations that can wake a task */
    unsigned drain;   /* requests wa__host_close must wait for */
    void (*close_hooks[WA_MAX_CLOSE_HOOKS])(void);
    int n_close_hooks;
};

/* This thread's host: one libuv loop per thread that runs wa_run. */
static _Thread_local struct native_state host;

uv_loop_t *wa__uv(void) { return host.open ? &host.loop : NULL; }

void wa__native_pending_add(int delta) { host.pending += (unsigned)delta; }
void wa__native_drain_add(int delta) { host.drain += (unsigned)delta; }

int wa__native_at_close(void (*fn)(void))
{
    for (int i = 0; i < host.n_close_hooks; i++)
        if (host.close_hooks[i] == fn)
            return 0;
    if (host.n_close_hooks == WA_MAX_CLOSE_HOOKS)
        return WA_ENOMEM;
    host.close_hooks[host.n_close_hooks++] = fn;
    return 0;
}

int wa__uv_err(int uv_status)
{
    switch (uv_status) {
    case UV_EAI_NONAME:
    case UV_EAI_AGAIN:
    case UV_EAI_FAIL:
    case UV_EAI_NODATA:
    case UV_EAI_ADDRFAMILY:
    case UV_EAI_SERVICE:
    case UV_EAI_BADHINTS:
    case UV_EAI_PROTOCOL:
    case UV_EAI_SOCKTYPE:
    case UV_EAI_FAMILY:
    case UV_EAI_BADFLAGS:
    case UV_EAI_OVERFLOW: return WA_EDNS;
    case UV_EAI_MEMORY: return WA_ENOMEM;
    case UV_EAI_CANCELED: return WA_ECANCELED;
    case UV_EOF: return WA_EINCOMPLETE; /* the peer closed where more was due */
    case UV_ECHARSET: return WA_EINVAL;
    case UV_EFTYPE: return WA_EINVAL;
    default:
        /* Every other libuv code on Unix is a negated errno. */
        return wa__errno_code(-uv_status);
    }
}

uint64_t wa__host_hrtime(void) { return uv_hrtime(); }

/* A loop that another thread holds may get mail: it is waiting, not stalled. */
unsigned wa__host_pending(void) { return host.pending + wa__mail_expected(); }

/* libuv runs due timers, then prepare handles, then blocks in its poll. A
 * timer callback (curl's, say) that completes an operation has made a task
 * ready; without this check the poll would then block until some unrelated
 * event, or forever. uv_stop makes this one poll return at once. */
static void wake_check_cb(uv_prepare_t *p)
{
    if (wa__loop_has_ready())
        uv_stop(p->loop);
}

int wa__host_open(void)
{
    if (host.open)
        return WA_EBUSY;
    memset(&host, 0, sizeof host);
    int rc = uv_loop_init(&host.loop);
    if (rc < 0)
        return wa__uv_err(rc);
    uv_timer_init(&host.loop, &host.poll_timer);
    /* Unreferenced: it never keeps the loop alive by itself. */
    uv_prepare_init(&host.loop, &host.wake_check);
    uv_prepare_start(&host.wake_check, wake_check_cb);
    uv_unref((uv_handle_t *)&host.wake_check);
    rc = wa__mail_open(&host.loop);
    if (rc < 0) {
        uv_close((uv_handle_t *)&host.poll_timer, NULL);
        uv_close((uv_handle_t *)&host.wake_check, NULL);
        uv_run(&host.loop, UV_RUN_DEFAULT);
        uv_loop_close(&host.loop);
        return rc;
    }
    host.open = 1;
    return 0;
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void wa__host_close(void)
{
    if (!host.open)
        return;
    /* From here no task runs: the drain below must block, not spin. */
    uv_prepare_stop(&host.wake_check);
    /* Subsystems free their own handles first (their close callbacks free
     * memory that a blind uv_close would leak). */
    for (int i = 0; i < host.n_close_hooks; i++)
        host.close_hooks[i]();
    host.n_close_hooks = 0;
    /* Other threads' mail is refused from here; what was not run is dropped. */
    wa__mail_close();
    /* Thread-pool and fs requests call back into this loop: let them land
     * (orphaned ones free themselves in their callbacks). */
    while (host.drain > 0)
        uv_run(&host.loop, UV_RUN_ONCE);
    uv_walk(&host.loop, close_walk_cb, NULL);
    uv_run(&host.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&host.loop) != 0 && wa__debug_on())
        fprintf(stderr, "wasyncio: debug: libuv loop still busy at close\n");
    host.open = 0;
}

static void poll_timer_cb(uv_timer_t *t) { (void)t; }

void wa__host_poll(uint64_t deadline_ns)
{
    if (!host.open)
        return;
    if (deadline_ns == 0) {
        uv_run(&host.loop, UV_RUN_NOWAIT);
        return;
    }
    if (deadline_ns == WA_NEVER) {
        uv_run(&host.loop, UV_RUN_ONCE);
        return;
    }
    uint64_t now = uv_hrtime();
    if (deadline_ns <= now) {
        uv_run(&host.loop, UV_RUN_NOWAIT);
        return;
    }
    /* libuv timers count from the loop's cached millisecond clock, which is
     * never ahead of uv_hrtime; measuring from it and rounding up means the
     * timer never fires before the deadline (no early wake, no spin). */
    uv_update_time(&host.loop);
    uint64_t base_ns = uv_now(&host.loop) * 1000000ull;
    uint64_t ms = (deadline_ns - base_ns + 999999ull) / 1000000ull;
    if (ms == 0)
        ms = 1;
    uv_timer_start(&host.poll_timer, poll_timer_cb, ms, 0);
    uv_run(&host.loop, UV_RUN_ONCE);
    /* Stopped, it no longer keeps the loop alive. */
    uv_timer_stop(&host.poll_timer);
}

int wa__host_drive(void) { return wa__drive_blocking(wa__host_poll, wa__host_pending); }

/* ------------------------------------------------------------ thread pool */

/* Once queued, a job runs to its end exactly once, whatever happens to the
 * task waiting for it (wa_to_thread's rule, in wasyncio.h): a waiter that
 * gives up only orphans it, so fn can own its argument's cleanup. */
struct thread_job {
    uv_work_t req;
    wa_fn fn;
    void *arg;
    void *result;
    void **out; /* in the waiting task's frame; NULL once orphaned */
    wa_op *op;  /* NULL once the waiter gave up */
};

static void job_work(uv_work_t *req)
{
    struct thread_job *j = req->data;
    j->result = j->fn(j->arg);
}

static void job_after(uv_work_t *req, int status)
{
    struct thread_job *j = req->data;
    host.pending--;
    host.drain--;
    (void)status; /* never cancelled (no uv_cancel): always 0 */
    if (j->op) {
        if (j->out)
            *j->out = j->result;
        wa__wake_op(j->op, 0);
    }
    free(j);
}

/* The waiter was interrupted. No uv_cancel, even for a job still queued:
 * its fn may own what arg points to, and it runs at its turn, its result
 * dropped here. The loop's close waits for it (drain). */
static void job_cancel(wa_op *op)
{
    struct thread_job *j = op->data;
    j->op = NULL;
    j->out = NULL;
}

int wa__host_to_thread(wa_fn fn, void *arg, void **result)
{
    if (!fn)
        return WA_EINVAL;
    if (!host.open)
        return WA_ENOLOOP;
    struct thread_job *j = calloc(1, sizeof *j);
    if (!j)
        return WA_ENOMEM;
    void *res = NULL;
    wa_op op = {0};
    j->req.data = j;
    j->fn = fn;
    j->arg = arg;
    j->out = &res;
    j->op = &op;
    op.cancel = job_cancel;
    op.data = j;
    int rc = uv_queue_work(&host.loop, &j->req, job_work, job_after);
    if (rc < 0) {
        free(j);
        return wa__uv_err(rc);
    }
    host.pending++;
    host.drain++;
    rc = wa__op_wait(&op);
    if (rc == 0 && result)
        *result = res;
    return rc;
}

/* ------------------------------------------------------------ file reads */

/* The whole read runs as a chain of libuv fs callbacks; the task waits once
 * for the end. If the task gives up, the chain runs on and frees itself. */
struct file_read {
    uv_fs_t req;
    uv_file fd;
    int err;
    char *buf;
    size_t len, cap;
    wa_op *op; /* NULL once orphaned */
    char **data;
    size_t *out_len;
};

static void fr_finish(struct file_read *fr)
{
    host.pending--;
    host.drain--;
    if (fr->op) {
        if (fr->err == 0) {
            fr->buf[fr->len] = '\0';
            *fr->data = fr->buf;
            if (fr->out_len)
                *fr->out_len = fr->len;
            fr->buf = NULL;
        }
        wa__wake_op(fr->op, fr->err);
    }
    free(fr->buf);
    free(fr);
}

static void fr_closed(uv_fs_t *req)
{
    struct file_read *fr = req->data;
    uv_fs_req_cleanup(req);
    fr_finish(fr);
}

static void fr_close(struct file_read *fr)
{
    if (uv_fs_close(&host.loop, &fr->req, fr->fd, fr_closed) < 0)
        fr_finish(fr);
}

static void fr_read_more(struct file_read *fr);

static void fr_read_cb(uv_fs_t *req)
{
    struct file_read *fr = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    if (n < 0) {
        fr->err = n == UV_EISDIR ? WA_EINVAL : wa__uv_err((int)n);
        fr_close(fr);
    } else if (n == 0 || !fr->op) {
        fr_close(fr);
    } else {
        fr->len += (size_t)n;
        fr_read_more(fr);
    }
}

static void fr_read_more(struct file_read *fr)
{
    /* Room for one byte more, and a byte for the NUL. */
    if (wa__grow(&fr->buf, &fr->cap, fr->len + 2, 1, 4096)) {
        fr->err = WA_ENOMEM;
        fr_close(fr);
        return;
    }
    uv_buf_t b = uv_buf_init(
        fr->buf + fr->len,
        (unsigned)(fr->cap - fr->len - 1 > (1u << 30) ? (1u << 30) : fr->cap - fr->len - 1));
    int rc = uv_fs_read(&host.loop, &fr->req, fr->fd, &b, 1, -1, fr_read_cb);
    if (rc < 0) {
        fr->err = wa__uv_err(rc);
        fr_close(fr);
    }
}

static void fr_stat_cb(uv_fs_t *req)
{
    struct file_read *fr = req->data;
    int bad = req->result < 0 ? (int)req->result : 0;
    /* Sized from fstat (+1 so EOF is seen without a realloc); files that
     * report 0 (/proc) grow as they are read. */
    uint64_t size = bad ? 0 : req->statbuf.st_size;
    int is_dir = !bad && S_ISDIR(req->statbuf.st_mode);
    uv_fs_req_cleanup(req);
    if (bad || is_dir) {
        fr->err = is_dir ? WA_EINVAL : wa__uv_err(bad);
        fr_close(fr);
        return;
    }
    if (size > SIZE_MAX / 2) {
        fr->err = WA_ENOMEM;
        fr_close(fr);
        return;
    }
    fr->cap = (size_t)size + 2 < 4096 ? 4096 : (size_t)size + 2;
    fr->buf = malloc(fr->cap);
    if (!fr->buf) {
        fr->err = WA_ENOMEM;
        fr_close(fr);
        return;
    }
    fr_read_more(fr);
}

static void fr_open_cb(uv_fs_t *req)
{
    struct file_read *fr = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fr->err = wa__uv_err((int)r); /* WA_ENOENT, WA_EACCES, WA_EMFILE... */
        fr_finish(fr);
        return;
    }
    fr->fd = (uv_file)r;
    int rc = uv_fs_fstat(&host.loop, &fr->req, fr->fd, fr_stat_cb);
    if (rc < 0) {
        fr->err = wa__uv_err(rc);
        fr_close(fr);
    }
}

static void fr_cancel(wa_op *op)
{
    struct file_read *fr = op->data;
    fr->op = NULL; /* the chain finishes and frees itself */
}

int wa__host_read_file(const char *path, char **data, size_t *len)
{
    if (!path || !data)
        return WA_EINVAL;
    *data = NULL;
    if (len)
        *len = 0;
    if (!host.open)
        return WA_ENOLOOP;
    struct file_read *fr = calloc(1, sizeof *fr);
    if (!fr)
        return WA_ENOMEM;
    wa_op op = {0};
    op.cancel = fr_cancel;
    op.data = fr;
    fr->op = &op;
    fr->data = data;
    fr->out_len = len;
    fr->fd = -1;
    fr->req.data = fr;
    int rc = uv_fs_open(&host.loop, &fr->req, path, UV_FS_O_RDONLY, 0, fr_open_cb);
    if (rc < 0) {
        uv_fs_req_cleanup(&fr->req);
        free(fr);
        return wa__uv_err(rc);
    }
    host.pending++;
    host.drain++;
    return wa__op_wait(&op);
}

/* JavaScript promises exist only in the Emscripten build. */
int wa__host_js_await(int promise_handle, char **json)
{
    (void)promise_handle;
    (void)json;
    return WA_ENOTSUP;
}
