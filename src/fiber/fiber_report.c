/* fiber_report.c: the task-name hook the core passes at init, and the native
 * stack-overflow message (written without stdio: the SIGSEGV handler calls
 * it). The fiber layer never calls up into the core; it asks this hook.
 */
#include "fiber_report.h"

#include <unistd.h>

/* Set by every wa__fiber_init; the core always passes the same function. */
static const char *(*g_running_name)(void);

void wa__fiber_set_namer(const char *(*running_name)(void))
{
    g_running_name = running_name;
}

const char *wa__fiber_running_name(void)
{
    return g_running_name ? g_running_name() : NULL;
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

void wa__fiber_report_overflow(size_t stack_bytes, const char *how, int named)
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
    put_str(msg, sizeof msg, &n, how);
    put_str(msg, sizeof msg, &n,
            "); raise it with wa_task_opts.stack_size or "
            "wa_set_default_stack_size()\n");
    ssize_t w = write(STDERR_FILENO, msg, n);
    (void)w;
}
