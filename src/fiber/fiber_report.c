/* fiber_report.c: the hooks the core passes at init, and every
 * message the fiber backends end a program with (stack and Asyncify-buffer
 * overflow, misuse), worded once for native and wasm. Written without stdio:
 * the native SIGSEGV handler and the wasm overflow handler call it on a
 * stack that may have little room left.
 */
#include "fiber_report.h"

#include <stdlib.h>
#include <unistd.h>

/* Set by every wa__fiber_init; the core always passes the same functions,
 * so threads that each run a loop write the same values. */
wa_fiber_hooks wa__fiber_hooks;

void wa__fiber_set_hooks(const wa_fiber_hooks *hooks)
{
    wa__fiber_hooks = hooks ? *hooks : (wa_fiber_hooks){0};
}

const char *wa__fiber_running_name(void)
{
    return wa__fiber_hooks.running_name ? wa__fiber_hooks.running_name() : NULL;
}

static void put_str(char *buf, size_t cap, size_t *len, const char *s)
{
    while (*s && *len + 1 < cap)
        buf[(*len)++] = *s++;
}

static void put_num(char *buf, size_t cap, size_t *len, size_t v)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i < (int)sizeof tmp);
    while (i > 0 && *len + 1 < cap)
        buf[(*len)++] = tmp[--i];
}

void wa__fiber_report_overflow(size_t stack_bytes, size_t needed, const char *how, int named)
{
    const char *name = "(unknown: caught when it switched away)";
    if (named)
        name = wa__fiber_running_name();
    char msg[512];
    size_t n = 0;
    put_str(msg, sizeof msg, &n, "wasyncio: stack overflow in task '");
    put_str(msg, sizeof msg, &n, name ? name : "(loop)");
    put_str(msg, sizeof msg, &n, "' (stack ");
    put_num(msg, sizeof msg, &n, stack_bytes);
    put_str(msg, sizeof msg, &n, " bytes");
    if (needed) {
        put_str(msg, sizeof msg, &n, ", needs at least ");
        put_num(msg, sizeof msg, &n, needed);
    }
    put_str(msg, sizeof msg, &n, how);
    put_str(msg, sizeof msg, &n,
            "); raise it with wa_task_opts.stack_size or "
            "wa_set_default_stack_size()\n");
    ssize_t w = write(STDERR_FILENO, msg, n);
    (void)w;
}

void wa__fiber_report_program_overflow(size_t stack_bytes, size_t needed)
{
    char msg[512];
    size_t n = 0;
    put_str(msg, sizeof msg, &n,
            "wasyncio: stack overflow on the program's own stack (main() and the loop, "
            "not a task; ");
    put_num(msg, sizeof msg, &n, stack_bytes);
    put_str(msg, sizeof msg, &n, " bytes, needs at least ");
    put_num(msg, sizeof msg, &n, needed);
    put_str(msg, sizeof msg, &n,
            ", stopped before it wrote); raise it when linking: emcc -sSTACK_SIZE=N, "
            "wasi-sdk -Wl,-z,stack-size=N\n");
    ssize_t w = write(STDERR_FILENO, msg, n);
    (void)w;
}

void wa__fiber_report_aux_overflow(size_t aux_bytes, size_t used)
{
    char msg[512];
    size_t n = 0;
    const char *name = wa__fiber_running_name();
    put_str(msg, sizeof msg, &n, "wasyncio: Asyncify buffer overflow in task '");
    put_str(msg, sizeof msg, &n, name ? name : "(loop)");
    put_str(msg, sizeof msg, &n, "' (");
    put_num(msg, sizeof msg, &n, used);
    put_str(msg, sizeof msg, &n, " bytes, buffer is ");
    put_num(msg, sizeof msg, &n, aux_bytes);
    put_str(msg, sizeof msg, &n, "); raise it with wa_task_opts.asyncify_size\n");
    ssize_t w = write(STDERR_FILENO, msg, n);
    (void)w;
}

void wa__fiber_report_misuse(const char *what)
{
    char msg[512];
    size_t n = 0;
    const char *name = wa__fiber_running_name();
    put_str(msg, sizeof msg, &n, "wasyncio: ");
    put_str(msg, sizeof msg, &n, what);
    put_str(msg, sizeof msg, &n, " (task '");
    put_str(msg, sizeof msg, &n, name ? name : "(loop)");
    put_str(msg, sizeof msg, &n, "')\n");
    ssize_t w = write(STDERR_FILENO, msg, n);
    (void)w;
}

#if defined(__EMSCRIPTEN__)
/* js/wasyncio_lib.js: the module is stopping for good. Module.waDone
 * resolves with {code, status}, every waCall (outstanding or later)
 * rejects with code, and no JS callback runs C again. */
extern void wa__js_fatal(int code, int status);
#endif

void wa__fiber_exit(int code)
{
#if defined(__EMSCRIPTEN__)
    wa__js_fatal(code, 134);
#else
    (void)code;
#endif
#if defined(__wasm__)
    /* abort() would add a bare trap report under most hosts; 134 is the
     * status a native abort() gives a shell. */
    _Exit(134);
#else
    abort(); /* a core dump, and ASan's report, where those are wanted */
#endif
}
