/* loop.c: the Emscripten host backend (browser and Node): the clock, the
 * loop driver that never blocks the JS thread, and the simple operations.
 *
 * The loop runs in slices. A slice calls wa__loop_turn() until nothing is
 * ready (or the slice's time budget is spent), then asks JS for one wake-up:
 * setTimeout for the next timer, a MessageChannel message (setImmediate in
 * Node) when tasks are still ready, nothing when only host operations are
 * pending (their JS callbacks resume the loop). Task switches stay in C
 * (fiber_asyncify.c); JS only ever sees "run a slice now".
 *
 * Who started the loop decides what happens when the main task ends:
 *  - a program (main -> wa_run): wa__host_drive throws 'unwind' to JS, so wa_run
 *    never returns (wasyncio.h); at the end the program exits 0/1 (Node) or
 *    resolves Module.waDone (pages);
 *  - a JS call into C (call.c): wa__host_drive returns WA_EBUSY and the
 *    caller's promise is settled by the call itself.
 */
#include "core/host.h"
#include "core/backend.h"
#include "host/common/common.h"
#include "host/web/web.h"
#include "host/web/js_imports.h"
#include "fiber/fiber.h"

#include <emscripten.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_lib_request; /* the next wa_run comes from a JS call */

/* The host of the one loop a module runs. */
static struct {
    int open;
    unsigned pending; /* host operations in flight (fetches, promises) */
    int lib_mode;     /* the loop was started by a JS call (call.c) */
    int live;         /* wa__host_drive handed the loop to JS callbacks */
    int in_slice;     /* a slice is running: JS wake-ups are not re-entered */
    int finishing;    /* inside wa__run_finish */
    int timer_armed;  /* a JS setTimeout may be pending (cleared lazily) */
} host;

/* Time budget of one slice: long enough to amortise the trip through JS,
 * short enough that the page keeps painting and answering input. */
static double g_slice_ms = 2.0;

void wa__web_pending_add(int delta) { host.pending += (unsigned)delta; }
int wa__web_lib_mode(int on)
{
    int old = g_lib_request;
    g_lib_request = on;
    return old;
}

EMSCRIPTEN_KEEPALIVE void wa__web_set_slice_ms(double ms) { g_slice_ms = ms < 0 ? 0 : ms; }

uint64_t wa__host_hrtime(void)
{
    /* performance.now() in pages and Node: microsecond resolution (less
     * when the browser coarsens it), monotonic. */
    return (uint64_t)(wa__js_now_ms() * 1e6);
}

unsigned wa__host_pending(void) { return host.pending; }

/* A fiber backend is ending the program (an overflow, misuse): JS hears it
 * first, with the status a native abort() gives a shell. */
static void tell_js_the_program_ends(int code) { wa__js_fatal(code, 134); }

int wa__host_open(void)
{
    if (host.open)
        return WA_EBUSY;
    wa__fiber_set_exit_hook(tell_js_the_program_ends);
    WASYNCIO_LINK_WITH_wasyncio_emcc();
    memset(&host, 0, sizeof host);
    host.lib_mode = g_lib_request;
    host.open = 1;
    return 0;
}

void wa__host_close(void)
{
    /* Ops of tasks that were freed were cancelled (their JS callbacks
     * forgotten), so nothing calls back into this loop. Drop a stray wake. */
    wa__js_schedule(-1);
    host.open = 0;
    host.pending = 0;
}

/* Run turns until nothing is ready or the budget is spent. Returns 1 when the
 * main task (or, while ending, every task) is done; 0 when a JS wake-up was
 * arranged. */
/* noinline: js/wasyncio-emcc.sh names it in Asyncify's remove-list. */
__attribute__((noinline)) static int wa__web_run_slice(void)
{
    /* The budget's clock starts when a turn leaves work behind: a slice of
     * one turn (a JS call that returns at once) reads no clock at all. */
    double t0 = -1;
    for (;;) {
        uint64_t dl;
        if (wa__loop_turn(&dl))
            return 1;
        if (dl == 0) {
            double now = wa__js_now_ms();
            if (t0 < 0)
                t0 = now;
            if (now - t0 < g_slice_ms)
                continue;
            wa__js_schedule(0);
            return 0;
        }
        if (dl == WA_NEVER) {
            if (host.pending == 0) {
                wa__loop_stalled();
                continue;
            }
            /* A JS callback of a host op resumes us; drop a stale timer. */
            if (host.timer_armed) {
                host.timer_armed = 0;
                wa__js_schedule(-1);
            }
            return 0;
        }
        uint64_t now = wa__host_hrtime();
        if (dl <= now)
            continue;
        host.timer_armed = 1;
        wa__js_schedule((double)(dl - now) / 1e6);
        return 0;
    }
}

int wa__host_drive(void)
{
    host.in_slice++;
    int done = wa__web_run_slice();
    host.in_slice--;
    if (done)
        return 0;
    if (host.finishing || host.lib_mode) {
        host.live = 1;
        return WA_EBUSY;
    }
    host.live = 1;
    /* A program's wa_run never returns on the web (wasyncio.h): give the
     * thread back to JS without returning into main(). */
    wa__js_unwind();
    return WA_EBUSY; /* not reached */
}

void wa__host_poll(uint64_t deadline_ns)
{
    /* Nothing to poll: completions arrive as JS callbacks, which run the
     * loop themselves (wa__web_resume). */
    (void)deadline_ns;
}

/* The main task finished inside a JS callback: end wa_run and tell JS. */
static void finish_loop(void)
{
    int lib = host.lib_mode;
    host.finishing = 1;
    int rc = wa__run_finish(NULL);
    host.finishing = 0;
    if (rc == WA_EBUSY)
        return; /* a cancelled leftover still waits on JS; its callback resumes us */
    host.live = 0;
    fflush(stdout);
    fflush(stderr);
    if (wa__js_loop_ended(rc, !lib))
        exit(rc == 0 ? 0 : 1); /* Node program build: a plain exit status */
}

void wa__web_run_soon(void)
{
    /* A JS call spawned a task from outside a slice. In a loop started for
     * JS calls, run it now, on the caller's stack, as the call that started
     * the loop did. A program's loop gets a zero-delay wake-up instead: its
     * other tasks (and its exit) do not belong in the caller's stack. */
    if (!host.open || !host.live || host.in_slice)
        return;
    if (host.lib_mode && !host.finishing)
        wa__web_resume();
    else
        wa__js_schedule(0);
}

void wa__web_run_now(wa_task *t)
{
    /* The common case of a JS call into a loop started for JS calls, which
     * sits idle between calls: run the task straight away. The slice is
     * still taken when the run leaves work (a timer to arm, ready tasks) or
     * when no host operation is pending (a stall must be seen). */
    if (host.open && host.live && !host.in_slice && host.lib_mode && !host.finishing &&
        host.pending) {
        host.in_slice++;
        int idle = wa__run_now(t);
        host.in_slice--;
        if (idle)
            return;
    }
    wa__web_run_soon();
}

/* JS: a wake-up fired or a host operation completed. */
EMSCRIPTEN_KEEPALIVE void wa__web_resume(void)
{
    if (!host.open || !host.live || host.in_slice || host.finishing)
        return;
    host.in_slice++;
    int done = wa__web_run_slice();
    host.in_slice--;
    if (done)
        finish_loop();
}

int wa__host_wait_fd(int fd, int writable)
{
    /* Emscripten's descriptors are synchronous: writes (console, MEMFS,
     * NODERAWFS files) never block, and a regular file is always readable,
     * which is what poll() reports for them too. stdin, pipes and sockets
     * cannot be waited on without blocking the JS thread: WA_ENOTSUP. */
    if (fd == 1 || fd == 2) /* console (page) or the process's own (Node) */
        return writable ? wa_yield() : WA_ENOTSUP;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return WA_EINVAL;
    if (writable || S_ISREG(st.st_mode))
        return wa_yield(); /* still a suspension point, as natively */
    return WA_ENOTSUP;
}

/* Emscripten's file system is synchronous (MEMFS in a page, the real disk
 * with NODERAWFS in Node): read in chunks, yielding between them. */
int wa__host_read_file(const char *path, char **data, size_t *len)
{
    return wa__read_file_chunked(path, data, len);
}
