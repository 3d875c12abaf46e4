/* errors.c: error messages and names (from the list in wasyncio/errors.h),
 * the thread's last error, and small string helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static _Thread_local int last_error;

/* Both switches come from the one list in wasyncio/errors.h. The name is only
 * pasted or stringised, never expanded, so X(EOF, ...) is safe beside
 * <stdio.h>'s EOF. */
const char *wa_strerror(int code)
{
#define WA__ERROR_MESSAGE(name, value, message) \
    case WA_##name: return message;
    switch (code < WA_EUSER ? WA_EUSER : code) {
        WA_ERRORS(WA__ERROR_MESSAGE)
    default: return "unknown error";
    }
#undef WA__ERROR_MESSAGE
}

const char *wa_error_name(int code)
{
#define WA__ERROR_NAME(name, value, message) \
    case WA_##name: return "WA_" #name;
    switch (code < WA_EUSER ? WA_EUSER : code) {
        WA_ERRORS(WA__ERROR_NAME)
    default: return NULL;
    }
#undef WA__ERROR_NAME
}

int wa_last_error(void) { return last_error; }

void *wa__set_last_error(int code)
{
    last_error = code;
    return NULL;
}

char *wa__vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *wa__strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *wa__strdup(const char *s) { return wa__strndup(s, strlen(s)); }

char *wa__format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = wa__vformat(fmt, ap);
    va_end(ap);
    return s;
}
