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
 * never leaves wasm.
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
 * Overflow. Binaryen traps with a bare `unreachable` in stop_unwind if the
 * data pointer passed the buffer's end, and it writes first, checks after.
 * So we give Binaryen an end it never reaches and check the real limit
 * ourselves after every unwind, naming the task before exiting. The C stack
 * is checked at every switch too: the stack pointer saved after the unwind
 * against the limit, and a canary at the limit for frames that went deeper
 * and came back. Both checks run in the uninstrumented loop, so they add
 * nothing to the instrumented path a switch unwinds through.
 *
 * Defaults (measured with the high-water marks wa__fiber_stats reports to
 * tests/bench/wasi_bench.c): 16 KiB C stack and 1 KiB
 * Asyncify buffer, about 17.6 KiB per task, so 100k parked tasks need ~1.7 GiB
 * of wasm32's 4 GiB. 16 KiB because musl's printf("%f") alone needs ~7.5 KiB
 * on wasm32. Tasks that need more pass wa_task_opts.stack_size /
 * asyncify_size.
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
#include "wasyncio.h"

/* --------------------------------------------------------------- imports */

__attribute__((import_module("asyncify"), import_name("start_unwind")))
void wa__asyncify_start_unwind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_unwind")))
void wa__asyncify_stop_unwind(void);
__attribute__((import_module("asyncify"), import_name("start_rewind")))
void wa__asyncify_start_rewind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_rewind")))
void wa__asyncify_stop_rewind(void);

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

/* ------------------------------------------------------------- the fiber */

#define WA_FIBER_DEFAULT_STACK (16u * 1024u)
#define WA_FIBER_DEFAULT_AUX (1024u)
#define WA_FIBER_MIN_STACK 1024u
#define WA_FIBER_MIN_AUX 256u
#define WA_FIBER_MAX_SIZE (256u * 1024u * 1024u)
#define WA_FIBER_POOL_MAX 1024u
#define WA_CANARY_SIZE 16u
#define WA_CANARY 0x5741cafe5741cafeull

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
    void (*entry)(void *);
    void *arg;
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
static size_t g_default_stack = WA_FIBER_DEFAULT_STACK;
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

static const char *task_name(void)
{
    const char *n = wa__fiber_running_name();
    return n ? n : "?";
}

__attribute__((noreturn, noinline)) static void report_aux_overflow(wa_fiber *f,
                                                                    size_t used)
{
    fprintf(stderr,
            "wasyncio: Asyncify buffer overflow in task '%s' (%zu bytes, "
            "buffer is %zu); raise it with wa_task_opts.asyncify_size\n",
            task_name(), used, f->aux_size);
    fflush(stderr);
    _Exit(134); /* abort() would add a bare trap report under most hosts */
}

__attribute__((noreturn, noinline)) static void report_stack_overflow(wa_fiber *f,
                                                                      size_t used)
{
    fprintf(stderr,
            "wasyncio: stack overflow in task '%s' (%zu bytes used, stack is "
            "%zu); raise it with wa_task_opts.stack_size\n",
            task_name(), used, f->stack_size);
    fflush(stderr);
    _Exit(134);
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
    fprintf(stderr, "wasyncio: %s (task '%s')\n", what, task_name());
    fflush(stderr);
    _Exit(134);
}

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
     * word, so run_tasks checks the real one and names the task. */
    self->ad.end = (char *)(uintptr_t)UINT32_MAX;
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
        if (f->started) {
            set_sp(f->sp);
            g_rewinding = 1;
            wa__asyncify_start_rewind(&f->ad);
        } else {
            f->started = 1;
            set_sp(f->top);
        }
        /* The entry is the bottom instrumented frame of the task: no frame
         * of ours sits between, since each one is unwound and rewound at
         * every switch. It must switch away for good, never return. */
        f->entry(f->arg);
        if (!g_unwinding)
            die("fiber entry returned");
        wa__asyncify_stop_unwind();
        f->sp = get_sp();
        set_sp(main_sp);
        g_unwinding = 0;
        check_limits(f);
        f = g_target;
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

/* ------------------------------------------------------------- lifecycle */

wa_fiber *wa__fiber_main(void) { return &g_main; }

int wa__fiber_init(const char *(*running_name)(void))
{
    wa__fiber_set_namer(running_name);
    g_current = &g_main;
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

int wa__fiber_create(wa_fiber **out, size_t stack_size, size_t aux_size,
                     void (*entry)(void *), void *arg)
{
    if (!out || !entry)
        return WA_EINVAL;
    *out = NULL;
    if (stack_size == 0)
        stack_size = g_default_stack;
    if (aux_size == 0)
        aux_size = WA_FIBER_DEFAULT_AUX;
    if (stack_size > WA_FIBER_MAX_SIZE || aux_size > WA_FIBER_MAX_SIZE)
        return WA_EINVAL;
    if (stack_size < WA_FIBER_MIN_STACK)
        stack_size = WA_FIBER_MIN_STACK;
    if (aux_size < WA_FIBER_MIN_AUX)
        aux_size = WA_FIBER_MIN_AUX;
    stack_size = round16(stack_size);
    aux_size = round16(aux_size);

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
    f->entry = entry;
    f->arg = arg;
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
    if (g_pool_len < WA_FIBER_POOL_MAX && f->stack_size == round16(g_default_stack) &&
        f->aux_size == WA_FIBER_DEFAULT_AUX) {
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
    if (bytes == 0)
        bytes = WA_FIBER_DEFAULT_STACK;
    if (bytes < WA_FIBER_MIN_STACK)
        bytes = WA_FIBER_MIN_STACK;
    if (bytes > WA_FIBER_MAX_SIZE)
        bytes = WA_FIBER_MAX_SIZE;
    g_default_stack = round16(bytes);
    wa__fiber_shutdown(); /* pooled fibers have the old size */
}
