/* fiber_asyncify.c: the wasm fiber backend (WASI and Emscripten), built on
 * Binaryen's Asyncify with no JavaScript in a switch.
 *
 * How a switch works. The main fiber (the thread that called wa_run) owns a
 * bottom loop, run_tasks(), the only function that calls stop_unwind and
 * start_rewind, so Binaryen leaves it uninstrumented. A task runs as a call
 * from that loop on its own C stack. To switch away, a task records its
 * target and unwinds (suspend(), the "topmost runtime" function that calls
 * start_unwind/stop_rewind, also left uninstrumented); the loop stops the
 * unwind and rewinds the target, or returns when the target is the main
 * fiber. A task-to-task switch is therefore one unwind plus one rewind, and
 * never leaves wasm. The loop calls a task's body itself (no frame of the
 * core's under it), and a body that returns has ended: the core's end hook
 * names the next fiber, so a task that never suspends costs no Asyncify
 * work at all.
 *
 * Memory. One allocation per task:
 *   [Asyncify buffer -> ... | canary | <- C stack | struct wa_fiber]
 * The header sits above the stack so a stack overflow runs into the (idle
 * while the task runs) buffer, not into the bookkeeping.
 * Asyncify saves wasm locals, not linear memory, so every task needs its own
 * shadow stack; we move __stack_pointer ourselves with inline wasm asm. An
 * unwind skips function epilogues, so the stack pointer is saved after the
 * unwind and put back before the rewind.
 *
 * Overflow. The stack: the post-link step (wasi/wasyncio-stack-check.sh)
 * checks every new __stack_pointer against wa__stack_lo/wa__stack_hi, which
 * run_tasks keeps on the running fiber's stack, so the frame that crosses
 * the floor is stopped before it writes and wa__fiber_stack_overflow names
 * the task. The canary at the floor and the saved stack pointer are still
 * checked at every switch, for modules built without that step. The
 * Asyncify buffer: Binaryen traps with a bare `unreachable` in stop_unwind
 * if the data pointer passed the buffer's end, and it writes every frame
 * first, checks once at the end. So we give Binaryen an end near the top of
 * the fiber's own memory, the post-link step checks it after every frame
 * (wa__fiber_aux_overflow names the task before anything outside the fiber
 * is written), and run_tasks checks the real limit after every unwind. These
 * checks run in the uninstrumented loop, so they add nothing to the
 * instrumented path a switch unwinds through.
 *
 * Defaults (fiber_sizes.h; argued in README "Stacks and memory"): 16 KiB
 * C stack and 1 KiB Asyncify buffer, about 17.6 KiB per task. Tasks that
 * need more pass wa_task_opts.stack_size / asyncify_size.
 *
 * Only the asyncify.* imports and __stack_pointer are used, so the same file
 * serves the Emscripten build. Task names for the reports come from the hook
 * the core passes to wa__fiber_init (fiber_report.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber.h"
#include "fiber_report.h"
#include "fiber_sizes.h"
#include "wasyncio.h"

/* --------------------------------------------------------------- imports */

__attribute__((import_module("asyncify"), import_name("start_unwind"))) void
wa__asyncify_start_unwind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_unwind"))) void
wa__asyncify_stop_unwind(void);
__attribute__((import_module("asyncify"), import_name("start_rewind"))) void
wa__asyncify_start_rewind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_rewind"))) void
wa__asyncify_stop_rewind(void);

/* The linker's shadow-stack global. The .globaltype line declares it to the
 * assembler; wasm-ld resolves it to its own __stack_pointer. */
__asm__(".globaltype __stack_pointer, i32\n");

static inline char *get_sp(void)
{
    char *sp;
    __asm__ volatile("global.get __stack_pointer\n\tlocal.set %0" : "=r"(sp));
    return sp;
}

static inline void set_sp(char *sp)
{
    __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" : : "r"(sp));
}

/* The running fiber's stack limits, which Binaryen's --stack-check compares
 * every new __stack_pointer against (wasi/wasyncio-stack-check.sh points its
 * checks at these two globals and starts them at "no limit"). */
__asm__(".globaltype wa__stack_lo, i32\n.globl wa__stack_lo\n.hidden wa__stack_lo\n"
        "wa__stack_lo:\n"
        ".globaltype wa__stack_hi, i32\n.globl wa__stack_hi\n.hidden wa__stack_hi\n"
        "wa__stack_hi:\n");

static inline char *get_limit_lo(void)
{
    char *v;
    __asm__ volatile("global.get wa__stack_lo\n\tlocal.set %0" : "=r"(v));
    return v;
}

static inline char *get_limit_hi(void)
{
    char *v;
    __asm__ volatile("global.get wa__stack_hi\n\tlocal.set %0" : "=r"(v));
    return v;
}

static inline void set_limits(char *lo, char *hi)
{
    __asm__ volatile("local.get %0\n\tglobal.set wa__stack_lo\n\t"
                     "local.get %1\n\tglobal.set wa__stack_hi"
                     :
                     : "r"(lo), "r"(hi));
}

/* ------------------------------------------------------------- the fiber */

#define WA_FIBER_POOL_MAX 1024u
#define WA_CANARY_SIZE    16u
#define WA_CANARY         0x5741cafe5741cafeull

/* Binaryen's data header: where the next byte goes, and the end. */
struct wa_asyncify_data {
    char *cur;
    char *end;
};

struct wa_fiber {
    struct wa_asyncify_data ad; /* first: start_unwind/start_rewind take &ad */
    char *sp;                   /* saved __stack_pointer while suspended */
    char *buf;                  /* Asyncify buffer start = the allocation */
    char *limit;                /* buffer limit = canary = stack floor */
    char *top;                  /* stack top (16-aligned) */
    size_t stack_size, aux_size;
    void *(*body)(void *);
    void *arg, *owner;
    wa_fiber *pool_next;
    unsigned char started;
    unsigned char is_main;
};

/* Loop state. One loop per thread and wasm32 has no threads in these
 * builds, so plain statics. */
static wa_fiber g_main = {.is_main = 1};
static wa_fiber *g_current = &g_main; /* running fiber */
static wa_fiber *g_target;            /* where a task's unwind wants to go */
static int g_rewinding;               /* suspend() is being re-entered */
static int g_unwinding;               /* a suspend() started an unwind */
static int g_in_loop;
static size_t g_default_stack = WA__FIBER_STACK_DEFAULT;
static wa_fiber *g_pool;
static unsigned g_pool_len;

/* High-water marks, for sizing the defaults (wa__fiber_stats). */
static size_t g_max_aux_used, g_max_stack_used;

void wa__fiber_stats(size_t *aux_used, size_t *stack_used);

void wa__fiber_stats(size_t *aux_used, size_t *stack_used)
{
    if (aux_used)
        *aux_used = g_max_aux_used;
    if (stack_used)
        *stack_used = g_max_stack_used;
}

__attribute__((noreturn, noinline)) static void report_aux_overflow(wa_fiber *f, size_t used)
{
    fflush(stdout);
    wa__fiber_report_aux_overflow(f->aux_size, used);
    wa__fiber_exit(WA_ESTACK);
}

/* Caught at a switch: the stack pointer the task left behind is below its
 * floor, or the canary at the floor changed. */
__attribute__((noreturn, noinline)) static void report_stack_overflow(wa_fiber *f, size_t used)
{
    fflush(stdout);
    wa__fiber_report_overflow(f->stack_size, used > f->stack_size ? used : 0,
                              ", caught at a switch", 1);
    wa__fiber_exit(WA_ESTACK);
}

static inline int canary_ok(const wa_fiber *f)
{
    const uint64_t *c = (const uint64_t *)f->limit;
    return c[0] == WA_CANARY && c[1] == WA_CANARY;
}

/* After f unwound: its buffer first (an overrun also clobbers the canary),
 * then its stack. */
static inline void check_limits(wa_fiber *f)
{
    size_t aux_used = (size_t)(f->ad.cur - f->buf);
    if (f->ad.cur > f->limit)
        report_aux_overflow(f, aux_used);
    size_t stack_used = (size_t)(f->top - f->sp);
    if (f->sp < f->limit + WA_CANARY_SIZE || !canary_ok(f))
        report_stack_overflow(f, stack_used);
    if (aux_used > g_max_aux_used)
        g_max_aux_used = aux_used;
    if (stack_used > g_max_stack_used)
        g_max_stack_used = stack_used;
}

__attribute__((noreturn, noinline)) static void die(const char *what)
{
    wa__fiber_report_misuse(what);
    wa__fiber_exit(WA_EFAILED);
}

/* ------------------------------------------------------ stack check */

/* The main fiber's stack (the program's own), and a reserve the overflow
 * report runs on: the stack that overflowed has no room left for it. */
static char *g_main_lo, *g_main_hi;
static char g_reserve_stack[8192] __attribute__((aligned(16)));

#ifdef __EMSCRIPTEN__
#include <emscripten/stack.h>
#else
extern char __stack_low[], __stack_high[]; /* wasm-ld's bounds of the stack */
#endif

/* Runs before main() and again at every wa_run: the loop's own context is
 * checked like a task's. */
__attribute__((constructor)) static void limit_main_stack(void)
{
#ifdef __EMSCRIPTEN__
    emscripten_stack_init();
    g_main_lo = (char *)emscripten_stack_get_end();
    g_main_hi = (char *)emscripten_stack_get_base();
#else
    g_main_lo = __stack_low;
    g_main_hi = __stack_high;
#endif
    if (g_current == &g_main)
        set_limits(g_main_lo, g_main_hi);
}

__attribute__((noreturn, noinline)) static void report_checked_overflow(char *want, char *lo,
                                                                        char *hi)
{
    /* Modulo 2^32: a frame bigger than the address below the stack wraps
     * `want` past zero; a distance over 2 GiB means the pointer moved up
     * (a corrupt restore), not a size anyone needs. */
    uint32_t need = (uint32_t)((uintptr_t)hi - (uintptr_t)want);
    if (need > UINT32_MAX / 2)
        need = 0;
    fflush(stdout);
    if (g_current == &g_main) /* main() or the loop: the link sets its size */
        wa__fiber_report_program_overflow((size_t)(hi - lo), need);
    else
        wa__fiber_report_overflow((size_t)(hi - lo), need, ", stopped before it wrote", 1);
    wa__fiber_exit(WA_ESTACK);
}

/* Lift the limits and move to the reserve stack, where an overflow handler
 * reports. Inlined: the handlers have no frame of their own until then (a
 * prologue would be checked against the limits that just failed). */
static inline __attribute__((always_inline)) void to_reserve_stack(void)
{
    set_limits(NULL, (char *)UINTPTR_MAX);
    set_sp(g_reserve_stack + sizeof g_reserve_stack);
}

/* Binaryen's stack check calls this with the value a function was about to
 * give __stack_pointer, outside the running fiber's limits: the frame that
 * crosses the floor has not written anything yet. It has no frame of its
 * own (its prologue would be checked against the same limits): it lifts the
 * limits, moves to the reserve stack, and reports from there. Kept alive
 * for the post-link step by the table entry below (and, since emcc drops
 * that, by wasyncio-emcc.sh exporting it). */
__attribute__((noreturn, noinline)) void wa__fiber_stack_overflow(char *want);
void wa__fiber_stack_overflow(char *want)
{
    char *lo = get_limit_lo(), *hi = get_limit_hi();
    to_reserve_stack();
    report_checked_overflow(want, lo, hi);
}
__attribute__((used)) static void (*volatile g_keep_handler)(char *) = wa__fiber_stack_overflow;

/* What an unwind may write past the end it gives Binaryen: the largest
 * frame record (saved locals and call index) the post-link step accepts. */
#define WA_AUX_SLACK 1024u

/* Binaryen writes each frame's record during an unwind and checks the data
 * pointer against the end only once the unwind is over (in stop_unwind):
 * an unwind much larger than its buffer would write far past the task's
 * own memory first. So the post-link step (wasi/wasyncio-stack-check.sh)
 * checks after every record, and calls this once the records pass the end
 * suspend() gives, WA_AUX_SLACK below the top of this fiber's own memory:
 * nothing outside it has been written. Up to that end an overflow only
 * overwrites the task's own idle stack, and run_tasks reports it after the
 * unwind. Named and kept alive like the stack handler above. */
__attribute__((noreturn, noinline)) void wa__fiber_aux_overflow(void);
void wa__fiber_aux_overflow(void)
{
    wa_fiber *f = g_current;
    f->ad.end = (char *)(uintptr_t)UINT32_MAX; /* stop_unwind checks it too */
    wa__asyncify_stop_unwind();
    g_unwinding = 0;
    to_reserve_stack();
    report_aux_overflow(f, (size_t)(f->ad.cur - f->buf));
}
__attribute__((used)) static void (*volatile g_keep_aux_handler)(void) = wa__fiber_aux_overflow;

/* ------------------------------------------------------------- switching */

/* Starts the unwind, and when re-entered by the rewind, ends it. Inlined
 * into wa__fiber_switch: every frame costs time at each switch, and during a
 * rewind Asyncify re-runs plain code and guards only calls, so the code of
 * wa__fiber_switch before this point must stay idempotent (it only checks
 * arguments and stores g_target, which is read only after an unwind). */
static inline __attribute__((always_inline)) void suspend(wa_fiber *self)
{
    if (g_rewinding) {
        g_rewinding = 0;
        wa__asyncify_stop_rewind();
        return;
    }
    self->ad.cur = self->buf;
    /* Not the real limit: Binaryen checks after writing and traps without a
     * word, so run_tasks checks the real one and names the task. This end
     * is where the post-link step's check stops an unwind that would leave
     * the fiber's own memory (wa__fiber_aux_overflow). */
    self->ad.end = self->top - WA_AUX_SLACK;
    g_unwinding = 1;
    wa__asyncify_start_unwind(&self->ad);
}

/* Bottom loop: runs `to` and follows task-to-task switches until a task
 * switches back to the main fiber. */
__attribute__((noinline)) static void run_tasks(wa_fiber *to)
{
    char *main_sp = get_sp();
    wa_fiber *f = to;
    g_in_loop = 1;
    for (;;) {
        g_current = f;
        /* Limits first: the checked set_sp below must pass them. */
        set_limits(f->limit + WA_CANARY_SIZE, f->top);
        if (f->started) {
            set_sp(f->sp);
            g_rewinding = 1;
            wa__asyncify_start_rewind(&f->ad);
        } else {
            f->started = 1;
            set_sp(f->top);
            if (wa__fiber_hooks.begin)
                wa__fiber_hooks.begin(f->owner);
        }
        /* The body is the bottom instrumented frame of the task: no frame
         * of ours sits between, since each one is unwound and rewound at
         * every switch. It returns when it unwinds (a switch away) or when
         * it ends. */
        void *result = f->body(f->arg);
        if (g_unwinding) {
            wa__asyncify_stop_unwind();
            f->sp = get_sp();
            set_limits(g_main_lo, g_main_hi);
            set_sp(main_sp);
            g_unwinding = 0;
            check_limits(f);
            f = g_target;
        } else {
            /* The task ended: the core's end hook runs on its stack, as
             * natively, and names where to go. Nothing of it is saved. */
            wa_fiber *next = wa__fiber_hooks.end ? wa__fiber_hooks.end(f->owner, result) : NULL;
            set_limits(g_main_lo, g_main_hi);
            set_sp(main_sp);
            if (!canary_ok(f))
                report_stack_overflow(f, 0);
            if (!next || next == f)
                die("a fiber's body returned with nowhere to go (no end hook)");
            f = next;
        }
        if (f->is_main)
            break;
    }
    g_current = &g_main;
    g_in_loop = 0;
}

void wa__fiber_switch(wa_fiber *from, wa_fiber *to)
{
    if (from != g_current || to == NULL || from == to)
        die("bad fiber switch");
    if (from->is_main) {
        run_tasks(to);
        return;
    }
    g_target = to;
    suspend(from);
}

void wa__fiber_run(wa_fiber *to)
{
    if (g_current != &g_main || to == NULL || to->is_main)
        die("bad fiber run");
    run_tasks(to);
}

/* ------------------------------------------------------------- lifecycle */

wa_fiber *wa__fiber_main(void) { return &g_main; }

int wa__fiber_init(const wa_fiber_hooks *hooks)
{
    wa__fiber_set_hooks(hooks);
    g_current = &g_main;
    limit_main_stack();
    g_target = NULL;
    g_rewinding = g_unwinding = g_in_loop = 0;
    return 0;
}

void wa__fiber_shutdown(void)
{
    while (g_pool) {
        wa_fiber *f = g_pool;
        g_pool = f->pool_next;
        free(f->buf);
    }
    g_pool_len = 0;
}

static size_t round16(size_t n) { return (n + 15u) & ~(size_t)15u; }

int wa__fiber_create(wa_fiber **out, size_t stack_size, size_t aux_size, void *(*body)(void *),
                     void *arg, void *owner)
{
    if (!out || !body)
        return WA_EINVAL;
    *out = NULL;
    if (wa__fiber_size(&stack_size, g_default_stack, WA__FIBER_STACK_MIN, WA__FIBER_STACK_MAX,
                       WA__FIBER_STACK_ALIGN, 0) ||
        wa__fiber_size(&aux_size, WA__FIBER_AUX_DEFAULT, WA__FIBER_AUX_MIN, WA__FIBER_STACK_MAX,
                       WA__FIBER_STACK_ALIGN, 0))
        return WA_EINVAL;

    /* Only default-sized fibers are pooled, so checking the head is enough;
     * pool hits are the common case (tasks of default size come and go). */
    wa_fiber *f = NULL;
    if (g_pool && g_pool->stack_size == stack_size && g_pool->aux_size == aux_size) {
        f = g_pool;
        g_pool = f->pool_next;
        g_pool_len--;
    }
    if (!f) {
        size_t hdr = round16(sizeof(struct wa_fiber));
        char *mem = aligned_alloc(16, aux_size + WA_CANARY_SIZE + stack_size + hdr);
        if (!mem)
            return WA_ENOMEM;
        char *top = mem + aux_size + WA_CANARY_SIZE + stack_size;
        f = (wa_fiber *)top;
        memset(f, 0, sizeof *f);
        f->buf = mem;
        f->limit = mem + aux_size;
        f->top = top;
        f->stack_size = stack_size;
        f->aux_size = aux_size;
    }
    uint64_t *c = (uint64_t *)f->limit;
    c[0] = c[1] = WA_CANARY;
    f->body = body;
    f->arg = arg;
    f->owner = owner;
    f->started = 0;
    f->pool_next = NULL;
    *out = f;
    return 0;
}

void wa__fiber_free(wa_fiber *f)
{
    if (!f || f->is_main)
        return;
    if (f == g_current)
        die("freeing the running fiber");
    if (g_pool_len < WA_FIBER_POOL_MAX && f->stack_size == g_default_stack &&
        f->aux_size == WA__FIBER_AUX_DEFAULT) {
        f->pool_next = g_pool;
        g_pool = f;
        g_pool_len++;
        return;
    }
    free(f->buf);
}

size_t wa__fiber_default_stack(void) { return g_default_stack; }

void wa__fiber_set_default_stack(size_t bytes)
{
    wa__fiber_size(&bytes, WA__FIBER_STACK_DEFAULT, WA__FIBER_STACK_MIN, WA__FIBER_STACK_MAX,
                   WA__FIBER_STACK_ALIGN, 1);
    g_default_stack = bytes;
    wa__fiber_shutdown(); /* pooled fibers have the old size */
}
