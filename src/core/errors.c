/* errors.c: error names, the thread's last error, and small string helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static _Thread_local int last_error;

const char *wa_strerror(int code)
{
    switch (code) {
    case WA_OK: return "success";
    case WA_EINVAL: return "invalid argument (NULL, out of range, or a stale task handle)";
    case WA_ENOMEM: return "out of memory";
    case WA_ENOLOOP: return "no running event loop (call it from a task inside wa_run)";
    case WA_ENESTED: return "wa_run() cannot be called from a running event loop";
    case WA_ECANCELED: return "operation cancelled";
    case WA_ETIMEDOUT: return "deadline expired";
    case WA_EDEADLK: return "deadlock: awaiting itself, an await cycle, or every task blocked";
    case WA_ECLOSED: return "closed";
    case WA_EOF: return "generator exhausted";
    case WA_EDONE: return "task already finished";
    case WA_EBUSY: return "resource busy";
    case WA_EPERM: return "operation not permitted (not the holder, or over-release)";
    case WA_ENOTSUP: return "not supported on this target";
    case WA_EFAILED: return "task failed";
    case WA_EIO: return "I/O error";
    case WA_ESTACK: return "stack or Asyncify buffer overflow";
    case WA_ENOTCAPABLE: return "path outside every preopened directory (grant one, e.g. wasmtime run --dir)";
    case WA_EURL: return "malformed URL";
    case WA_ESCHEME: return "unsupported URL scheme";
    case WA_EDNS: return "host name not resolved";
    case WA_ECONNREFUSED: return "connection refused";
    case WA_ENET: return "network error";
    case WA_ETOOBIG: return "body over the size limit";
    case WA_EPROTO: return "malformed HTTP response";
    case WA_EHTTP: return "HTTP error status";
    case WA_EJS: return "JavaScript promise rejected";
    default: return code <= WA_EUSER ? "application error" : "unknown error";
    }
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
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
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
