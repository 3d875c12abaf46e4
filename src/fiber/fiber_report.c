/* fiber_report.c: the hooks the core passes at init, and every
 * message the fiber backends end a program with (stack and Asyncify-buffer
 * overflow, misuse), worded once for native and wasm. Written without stdio:
 * the native SIGSEGV handler and the wasm overflow handler call it on a
 * stack that may have little room left.
 */
#include "fiber_report.h"

#include <stdlib.h>
#include <unistd.h>

/* Set by every wa__fiber_init, per thread: each thread that runs a loop
 * has its own copy, so loops starting side by side never write one shared
 * struct (ThreadSanitizer would rightly call that a race, however equal
 * the values). */
_Thread_local wa_fiber_hooks wa__fiber_hooks;

void wa__fiber_set_hooks(const wa_fiber_hooks *hooks)
{
    wa__fiber_hooks = hooks ? *hooks : (wa_fiber_hooks){0};
}

const char *wa__fiber_running_name(void)
{
    return wa__fiber_hooks.running_name ? wa__fiber_hooks.running_name() : NULL;
}

/* One report line, built without stdio and written in one write(2). */
struct line {
    char buf[512];
    size_t n;
};

static void put_str(struct line *l, const char *s)
{
    while (*s && l->n + 1 < sizeof l->buf)
        l->buf[l->n++] = *s++;
}

static void put_num(struct line *l, size_t v)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i < (int)sizeof tmp);
    while (i > 0 && l->n + 1 < sizeof l->buf)
        l->buf[l->n++] = tmp[--i];
}

/* The running task's name, or "(loop)" in the loop's own context. */
static void put_running_name(struct line *l)
{
    const char *name = wa__fiber_running_name();
    put_str(l, name ? name : "(loop)");
}

static void put_line(const struct line *l)
{
    ssize_t w = write(STDERR_FILENO, l->buf, l->n);
    (void)w;
}

void wa__fiber_report_overflow(size_t stack_bytes, size_t needed, const char *how, int named)
{
    struct line l = {.n = 0};
    put_str(&l, "wasyncio: stack overflow in task '");
    if (named)
        put_running_name(&l);
    else
        put_str(&l, "(unknown: caught when it switched away)");
    put_str(&l, "' (stack ");
    put_num(&l, stack_bytes);
    put_str(&l, " bytes");
    if (needed) {
        put_str(&l, ", needs at least ");
        put_num(&l, needed);
    }
    put_str(&l, how);
    put_str(&l, "); raise it with wa_task_opts.stack_size or wa_set_default_stack_size()\n");
    put_line(&l);
}

void wa__fiber_report_program_overflow(size_t stack_bytes, size_t needed)
{
    struct line l = {.n = 0};
    put_str(&l, "wasyncio: stack overflow on the program's own stack (main() and the loop, "
                "not a task; ");
    put_num(&l, stack_bytes);
    put_str(&l, " bytes, needs at least ");
    put_num(&l, needed);
    put_str(&l, ", stopped before it wrote); raise it when linking: emcc -sSTACK_SIZE=N, "
                "wasi-sdk -Wl,-z,stack-size=N\n");
    put_line(&l);
}

void wa__fiber_report_aux_overflow(size_t aux_bytes, size_t used)
{
    struct line l = {.n = 0};
    put_str(&l, "wasyncio: Asyncify buffer overflow in task '");
    put_running_name(&l);
    put_str(&l, "' (");
    put_num(&l, used);
    put_str(&l, " bytes, buffer is ");
    put_num(&l, aux_bytes);
    put_str(&l, "); raise it with wa_task_opts.asyncify_size\n");
    put_line(&l);
}

void wa__fiber_report_misuse(const char *what)
{
    struct line l = {.n = 0};
    put_str(&l, "wasyncio: ");
    put_str(&l, what);
    put_str(&l, " (task '");
    put_running_name(&l);
    put_str(&l, "')\n");
    put_line(&l);
}

/* The host's last word before the program ends (wa__fiber_set_exit_hook). */
static void (*exit_hook)(int code);

void wa__fiber_set_exit_hook(void (*hook)(int code)) { exit_hook = hook; }

void wa__fiber_exit(int code)
{
    if (exit_hook)
        exit_hook(code);
#if defined(__wasm__)
    /* abort() would add a bare trap report under most hosts; 134 is the
     * status a native abort() gives a shell. */
    _Exit(134);
#else
    abort(); /* a core dump, and ASan's report, where those are wanted */
#endif
}
