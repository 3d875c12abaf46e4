/* wasip2.h: what the WASI 0.2 host files share: waiting on a pollable from
 * a task, and background watches. loop.c owns the lists; fetch.c, serve.c
 * and stream.c use them. */
#ifndef WA_HOST_WASIP2_H
#define WA_HOST_WASIP2_H

#include <stddef.h>
#include <stdint.h>

/* Suspend the calling task until `pollable` is ready (it joins the one
 * wasi:io/poll.poll call the loop makes, beside timers and other waits).
 * Returns 0, or WA_ECANCELED / WA_ETIMEDOUT if the task was interrupted.
 * The caller keeps ownership of the pollable and drops it afterwards. */
int wa__p2_wait(int32_t pollable);

/* A background watch: while started, pollable joins every poll call and
 * ready(w) runs (in loop context, from wa__host_poll) each time it is
 * ready. Used by the stream backend, whose reads, writes and accepts go on
 * while no task waits. The owner must not free a started watch, nor free a
 * watch inside a watch's callback (free it from a wa__p2_defer). Started
 * watches count as pending host work. */
typedef struct wa__p2_watch {
    int32_t pollable;
    void (*ready)(struct wa__p2_watch *w);
    int active;
    struct wa__p2_watch *prev, *next;
} wa__p2_watch;
void wa__p2_watch_start(wa__p2_watch *w); /* idempotent */
void wa__p2_watch_stop(wa__p2_watch *w);  /* idempotent */

/* A callback run once at the start of the next poll (never inside the call
 * that queued it): for reports a contract says come "later". */
typedef struct wa__p2_due {
    void (*run)(struct wa__p2_due *d);
    struct wa__p2_due *prev, *next;
} wa__p2_due;
void wa__p2_defer(wa__p2_due *d);

/* 1 between wa__host_open and wa__host_close. */
int wa__p2_open(void);

/* io.c: stream and error helpers shared by the client and server. */

/* Write len bytes to an output-stream, waiting (in the loop's poll) while
 * the host's buffer is full, then flush. 0 or an error code. */
int wa__p2_write_all(int32_t out, const void *data, size_t len);

/* Copy a wasi:http fields resource's entries into h and drop the fields
 * (request and response headers alike). 0 or WA_ENOMEM. */
struct wa__hdrs;
int wa__p2_fields_read(int32_t fields, struct wa__hdrs *h);

/* Map a wasi:http error-code (at ec) to a WA_E* code and free what it
 * owns. */
int wa__p2_take_error_code(const uint8_t *ec);

/* For a failed stream result in r (disc 1 at offset 0): 0 if the stream is
 * merely closed, else the mapped error; drops the io error resource. */
struct wa__p2_ret;
int wa__p2_take_stream_error(const struct wa__p2_ret *r);

#endif
