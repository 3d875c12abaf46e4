/* buffer.c: the stream layer's two small tools: a byte buffer that grows at
 * its end and is consumed from its start, and a queue of waiting tasks that
 * are all woken at once (bytes came, the write buffer drained, it closed). */
#include <stdlib.h>
#include <string.h>

#include "stream/stream.h"

int wa__sbuf_reserve(wa__sbuf *b, size_t n)
{
    if (b->cap - b->end >= n)
        return 0;
    size_t len = b->end - b->start;
    if (n > SIZE_MAX - len)
        return WA_ENOMEM;
    /* Slide the unread bytes down first: often the consumed head alone
     * makes the room (lines read one by one), and then nothing grows. */
    if (b->start) {
        memmove(b->data, b->data + b->start, len);
        b->start = 0;
        b->end = len;
    }
    return wa__grow(&b->data, &b->cap, len + n, 1, 4096);
}

int wa__sbuf_append(wa__sbuf *b, const void *p, size_t n)
{
    int rc = wa__sbuf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->end, p, n);
    b->end += n;
    return 0;
}

void wa__sbuf_consume(wa__sbuf *b, size_t n)
{
    b->start += n;
    if (b->start == b->end)
        b->start = b->end = 0;
}

void wa__sbuf_free(wa__sbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------ wait queues */

static void unlink_waiter(wa__swaiter *w)
{
    if (!w->q)
        return;
    WA_LIST_UNLINK(w->q, w);
    w->q = NULL;
}

/* An interrupted waiter leaves the queue; the op is the first member. */
static void waiter_cancel(wa_op *op) { unlink_waiter((wa__swaiter *)op); }

int wa__swait(wa__swaitq *q)
{
    wa__swaiter w = {.op = {.cancel = waiter_cancel}};
    w.q = q;
    WA_LIST_APPEND(q, &w);
    return wa__op_wait(&w.op);
}

void wa__swake_all(wa__swaitq *q, int status)
{
    while (q->head) {
        wa__swaiter *w = q->head;
        unlink_waiter(w);
        wa__wake_op(&w->op, status);
    }
}
