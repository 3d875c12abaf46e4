/* host.h: what the core asks of an event-loop backend.
 *
 * The core owns tasks, timers and the ready queue. A host backend provides the
 * clock, a way to wait for I/O until a deadline, and the operations that only
 * a platform can do (threads, fds, files, HTTP). Backends: native.c (libuv),
 * wasi.c (poll_oneoff), wasip2.c (wasi:io/poll), web.c (Emscripten).
 * Exactly one is linked.
 *
 * Host operations complete by calling wa__wake_op() from inside wa__host_poll()
 * (or on the web, from a JS callback that then runs the loop).
 */
#ifndef WA_HOST_H
#define WA_HOST_H

#include <stdint.h>
#include "wasyncio.h"

#define WA_NEVER UINT64_MAX

/* Monotonic clock in nanoseconds. */
uint64_t wa__host_hrtime(void);

/* Per-loop set-up / tear-down. close waits for outstanding host work (thread
 * pool jobs) so nothing calls back into a dead loop. */
int wa__host_open(void);
void wa__host_close(void);

/* Run the loop until the main task is done: call wa__loop_turn() and, when
 * it says to, wa__host_poll(). Native and WASI block; the web backend returns to
 * JavaScript and continues from callbacks (then it returns WA_EBUSY, meaning
 * "still running"). Returns 0 when the main task is done. */
int wa__host_drive(void);

/* Wait for I/O or a wake-up until deadline_ns (wa__host_hrtime units). 0 = just
 * poll; WA_NEVER = no deadline. Completions run inside. */
void wa__host_poll(uint64_t deadline_ns);

/* Number of outstanding host operations (in flight or queued). While it is
 * 0 and no task is ready or timed, the loop knows nothing can wake anyone. */
unsigned wa__host_pending(void);

/* Debug warnings that a target lacks something (e.g. to_thread inline). */
void wa__host_debug_note(const char *what);

/* ---- operations, each implemented by every backend (WA_ENOTSUP allowed) */
int wa__host_to_thread(wa_fn fn, void *arg, void **result);
int wa__host_wait_fd(int fd, int writable);
int wa__host_read_file(const char *path, char **data, size_t *len);
/* Await a JS promise by handle (browser/Node only; elsewhere WA_ENOTSUP). */
int wa__host_js_await(int promise_handle, char **json);

/* ---- shared by backends (src/host/common_*.c, in every target's build) */

/* The blocking driver: turn, then wa__host_poll until the next deadline; a
 * stall (nothing ready, timed or pending) goes to wa__loop_stalled. */
int wa__drive_blocking(void);
/* wa_read_file by synchronous reads in chunks, yielding between them. */
int wa__read_file_chunked(const char *path, char **data, size_t *len);

/* wasm builds (wasm_cabi_realloc.c): the exported allocator, and its answer
 * to zero-byte requests (never freed). Each wasm host backend refers to
 * cabi_realloc so that linking libwasyncio.a always brings it along. */
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size);
extern unsigned char wa__cabi_zero_block[16];

/* ---- what the core offers host backends */

/* A pending host operation a task waits on. Lives in the waiting task's
 * frame. The host fills `cancel` if it can abort; the core calls it when the
 * task is interrupted, and after that the host must not touch the op. */
typedef struct wa_op {
    struct wa_task *task;           /* set by wa__op_wait */
    int status;                     /* result code, set by wa__wake_op */
    int done;                       /* set by wa__wake_op */
    void (*cancel)(struct wa_op *); /* host: abort and forget this op */
    void *data;                     /* host's own */
} wa_op;

/* In a task: suspend until the host calls wa__wake_op(op) or the task is
 * interrupted (cancel/timeout: op->cancel runs, the code is returned). */
int wa__op_wait(wa_op *op);
/* From wa__host_poll or a host callback: complete op with status and make its
 * task ready. Safe to call only once per op, and never after cancel. */
void wa__wake_op(wa_op *op, int status);

/* One scheduling turn: fire due timers and run ready tasks (bounded). Returns
 * 1 when the main task has finished. *deadline_ns gets the time to poll until:
 * 0 if tasks are still ready, the next timer, or WA_NEVER. */
int wa__loop_turn(uint64_t *deadline_ns);

/* 1 when a task is ready to run. A host checks it just before it blocks:
 * a completion made by a callback that ran earlier in the same wait (e.g. a
 * libuv timer, which runs before libuv polls) must not wait for another
 * event to be seen. */
int wa__loop_has_ready(void);

/* The loop found nothing ready, no timer and no host operation: every task
 * is blocked forever. The core wakes the main task's chain with WA_EDEADLK. */
void wa__loop_stalled(void);

/* Debug mode flag, for hosts. */
int wa__debug_on(void);

/* The end of wa_run: cancel leftovers, free the loop, return the main
 * task's outcome. The web host calls it when the main task finishes from a
 * JavaScript callback (wa__host_drive returned WA_EBUSY). Returns WA_EBUSY if a
 * cancelled leftover task still waits on JavaScript: call it again later. */
int wa__run_finish(void **result);

#endif
