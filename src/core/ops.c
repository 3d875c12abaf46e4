/* ops.c: host operations seen from a task (wa_op), and the public calls that
 * go to the host backend after the core's argument checks. */
#include "loop.h"

int wa__op_wait(wa_op *op)
{
    wa_task *self = wa__self();
    op->task = self;
    op->done = 0;
    op->status = 0;
    int r = 0;
    while (!op->done) {
        unsigned flags = r ? WA_PARK_SHIELD : 0;
        uint8_t delivered = self->cancel_delivered;
        int p = wa__park(WA_NEVER, flags);
        if (op->done) {
            /* Completed in the same step as the interruption: keep the
             * result, and deliver a cancel at the next suspension point. */
            wa__keep_cancel_pending(self, p, delivered);
            break;
        }
        if (p == 0)
            continue;
        if (op->cancel) {
            op->cancel(op);
            op->task = NULL;
            return p;
        }
        /* The host cannot abort this op: it still owns memory in our frame,
         * so wait for it, shielded, and report the interruption after. */
        r = p;
    }
    op->task = NULL;
    return r ? r : op->status;
}

void wa__wake_op(wa_op *op, int status)
{
    if (!op || !op->task || op->done)
        return;
    op->done = 1;
    op->status = status;
    wa__ready(op->task);
}

int wa_to_thread(wa_fn fn, void *arg, void **result)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!fn)
        return WA_EINVAL;
    return wa__host_to_thread(fn, arg, result);
}

int wa_wait_readable(int fd)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    return fd < 0 ? WA_EINVAL : wa__host_wait_fd(fd, 0);
}

int wa_wait_writable(int fd)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    return fd < 0 ? WA_EINVAL : wa__host_wait_fd(fd, 1);
}

int wa_read_file(const char *path, char **data, size_t *len)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (!path || !data)
        return WA_EINVAL;
    return wa__host_read_file(path, data, len);
}

int wa_js_await(int promise_handle, char **json)
{
    if (json)
        *json = NULL;
    if (!json || promise_handle <= 0)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    return wa__host_js_await(promise_handle, json);
}
