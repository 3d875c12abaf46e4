/* sync_queue.c: wa_queue, a FIFO of void* (asyncio.Queue(maxsize); 0 is
 * unbounded, as in asyncio).
 * Items never get lost between tasks: a put that finds a getter waiting hands
 * the item over through the getter's node, and a get that frees a slot pulls
 * the first blocked putter's item into the buffer before waking it. Getters
 * wait only while the buffer is empty, putters only while it is full. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "wait_here.h"

struct wa_queue {
    void **buf;  /* ring buffer, grown on demand up to capacity */
    size_t size; /* allocated slots */
    size_t capacity;
    size_t head, len;
    int closed;
    wa_wlist getters, putters;
};

#define QUEUE_FIRST_SLOTS 16

wa_queue *wa_queue_new(size_t capacity)
{
    wa_queue *q = calloc(1, sizeof *q);
    if (!q)
        return wa__set_last_error(WA_ENOMEM);
    q->capacity = capacity ? capacity : SIZE_MAX; /* grow() stops at memory */
    return q;
}

/* Make room for one more item; the caller checked len < capacity. Slots
 * double, but never past the capacity. */
static int grow(wa_queue *q)
{
    if (q->len < q->size)
        return 0;
    size_t old = q->size;
    size_t first = QUEUE_FIRST_SLOTS < q->capacity ? QUEUE_FIRST_SLOTS : q->capacity;
    int rc = wa__grow_upto(&q->buf, &q->size, q->len + 1, sizeof *q->buf, first, q->capacity);
    if (rc)
        return rc;
    /* The ring was full: from head it ran to the old end and wrapped to 0.
     * Its part from head moves to the new end, so it wraps there now. */
    if (q->head) {
        size_t from_head = old - q->head;
        memmove(q->buf + q->size - from_head, q->buf + q->head, from_head * sizeof *q->buf);
        q->head = q->size - from_head;
    }
    return 0;
}

static int push(wa_queue *q, void *item)
{
    int rc = grow(q);
    if (rc)
        return rc;
    q->buf[(q->head + q->len) % q->size] = item;
    q->len++;
    return 0;
}

static void *pop(wa_queue *q)
{
    void *item = q->buf[q->head];
    q->head = (q->head + 1) % q->size;
    q->len--;
    return item;
}

/* Non-suspending part of put: 0, WA_EBUSY (full), WA_ECLOSED, WA_ENOMEM. */
static int put_now(wa_queue *q, void *item)
{
    if (q->closed)
        return WA_ECLOSED;
    wa__wait *g = q->getters.head;
    if (g) {
        g->data = item;
        wa__wake(&q->getters, g, 0);
        return 0;
    }
    if (q->len >= q->capacity)
        return WA_EBUSY;
    return push(q, item);
}

/* Non-suspending part of get: 0, WA_EBUSY (empty), WA_ECLOSED. */
static int get_now(wa_queue *q, void **item)
{
    if (q->len == 0)
        return q->closed ? WA_ECLOSED : WA_EBUSY;
    *item = pop(q);
    wa__wait *p = q->putters.head;
    if (p) {
        /* Cannot fail: pop just freed an allocated slot. */
        push(q, p->data);
        wa__wake(&q->putters, p, 0);
    }
    return 0;
}

int wa_queue_put(wa_queue *q, void *item)
{
    if (!q)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    rc = put_now(q, item);
    if (rc != WA_EBUSY)
        return rc;
    /* 0: a getter moved our item into the queue; WA_ECLOSED: close(). */
    return wa__wait_here(&q->putters, item, 0).rc;
}

int wa_queue_get(wa_queue *q, void **item)
{
    if (!q || !item) /* a NULL out-pointer would drop the item */
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    rc = get_now(q, item);
    if (rc != WA_EBUSY)
        return rc;
    /* 0: a putter handed its item over through our node. */
    wa__waited got = wa__wait_here(&q->getters, NULL, 0);
    if (got.rc == 0)
        *item = got.data;
    return got.rc;
}

int wa_queue_try_put(wa_queue *q, void *item)
{
    if (!q)
        return WA_EINVAL;
    return put_now(q, item);
}

int wa_queue_try_get(wa_queue *q, void **item)
{
    if (!q || !item)
        return WA_EINVAL;
    return get_now(q, item);
}

int wa_queue_close(wa_queue *q)
{
    if (!q)
        return WA_EINVAL;
    if (q->closed)
        return WA_ECLOSED;
    q->closed = 1;
    /* Waiting getters imply an empty buffer, so they are done too. */
    while (!wa__wlist_empty(&q->putters))
        wa__wake(&q->putters, q->putters.head, WA_ECLOSED);
    while (!wa__wlist_empty(&q->getters))
        wa__wake(&q->getters, q->getters.head, WA_ECLOSED);
    return 0;
}

size_t wa_queue_len(const wa_queue *q) { return q ? q->len : 0; }

int wa_queue_free(wa_queue *q)
{
    if (!q)
        return WA_EINVAL;
    if (!wa__wlist_empty(&q->getters) || !wa__wlist_empty(&q->putters))
        return WA_EBUSY;
    free(q->buf);
    free(q);
    return 0;
}
