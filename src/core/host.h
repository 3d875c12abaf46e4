/* host.h (src/core/): what each host backend implements for the core, and
 * nothing else. It lives with the core, which calls it, as http/host.h and
 * stream/host.h live with theirs: the core builds without src/host/.
 *
 * The core owns tasks, timers and the ready queue. A host backend provides the
 * clock, a way to wait for I/O until a deadline, and the operations that only
 * a platform can do (threads, fds, files). Backends: src/host/native/ (libuv),
 * wasi/ (poll_oneoff), wasip2/ (wasi:io/poll), web/ (Emscripten); exactly one
 * is linked.
 *
 * The contract headers, named by one rule: <layer>/host.h is what a host
 * backend implements for that layer, so this one (the core's), http/host.h
 * (fetch and serve) and stream/host.h (byte streams). What the core offers a
 * backend in return is core/backend.h; helpers several backends share are
 * host/common/common.h.
 *
 * Host operations complete by calling wa__wake_op() from inside wa__host_poll()
 * (or on the web, from a JS callback that then runs the loop).
 */
#ifndef WA_CORE_HOST_H
#define WA_CORE_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "wasyncio.h"

/* No deadline: what wa__host_poll and wa__park take for "wait forever". */
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

/* ---- operations, each implemented by every backend (WA_ENOTSUP allowed).
 * The core has checked the arguments and that a task is running. */
int wa__host_to_thread(wa_fn fn, void *arg, void **result);
int wa__host_wait_fd(int fd, int writable);
int wa__host_read_file(const char *path, char **data, size_t *len);
/* Await a JS promise by handle (browser/Node only; elsewhere WA_ENOTSUP). */
int wa__host_js_await(int promise_handle, char **json);

#endif
