/* native.h: internals shared by the native (libuv) host files: the thread's
 * loop, the pending-operation count and tear-down hooks. loop.c owns them;
 * fetch.c and server.c use them. */
#ifndef WA_HOST_NATIVE_H
#define WA_HOST_NATIVE_H

#include <uv.h>

/* This thread's libuv loop (valid between wa__host_open and wa__host_close). */
uv_loop_t *wa__uv(void);

/* Adjust wa__host_pending()'s count of outstanding operations that can wake a
 * task (fetches in flight, listening servers, polls). */
void wa__native_pending_add(int delta);

/* Requests that must finish before the loop may close (in-flight fs or
 * thread-pool work): wa__host_close runs the loop until this count is 0. */
void wa__native_drain_add(int delta);

/* Register a function wa__host_close calls first, before closing every handle,
 * so a subsystem (e.g. the curl multi) frees what it owns. Returns 0 or
 * WA_ENOMEM. Hooks are cleared after each wa__host_close. */
int wa__native_at_close(void (*fn)(void));

/* uv error -> wasyncio code: name-lookup failures are WA_EDNS, the rest go
 * through wa__errno_code (host/common/common.h); WA_EIO when unnamed. */
int wa__uv_err(int uv_status);

/* tls_files.c: a TLS option's file (dir: a directory) exists and holds PEM:
 * 0, or WA_ENOENT / WA_EACCES / WA_EINVAL after a line on stderr naming the
 * file. NULL path: 0. */
int wa__tls_file_check(const char *what, const char *path, int dir);
/* fetch.c: a curl result (CURLcode) as a wasyncio code, given curl's
 * CURLINFO_OS_ERRNO and error message, and whether the reply's head was
 * complete. */
int wa__curl_code(int code, long os_errno, const char *errbuf, int headers_done);

/* sigpipe.c: ignore SIGPIPE once (unless the program handles it), so a
 * write to a peer that left is WA_EPIPE. Servers and streams call it. */
void wa__native_ignore_sigpipe(void);

#endif
