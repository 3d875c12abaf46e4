/* proxy/preview1.c: wasi-libc's preview1 imports answered from inside the
 * module with wasi:http/proxy interfaces only (stdio streams, clocks, random),
 * linked into server components instead of the preview1 adapter.
 *
 * Why: the adapter imports wasi:cli/environment, exit, terminal-* and
 * wasi:filesystem, which `wasmtime serve` (without -Scli), Spin, wasmCloud and
 * Fastly-style hosts do not offer to a wasi:http/proxy component. wasi-libc
 * calls preview1 through `__imported_wasi_snapshot_preview1_<name>` symbols;
 * defining them here makes wasm-ld resolve them to these functions instead of
 * emitting imports, so the core module imports no preview1 at all.
 *
 * The proxy world has stdin, stdout and stderr and nothing else: fds 0-2 are
 * those streams, there are no preopened directories (so files fail with
 * ENOTCAPABLE before reaching us), no arguments, no environment, and no way
 * to exit: proc_exit reports itself on stderr and traps, which fails the
 * request it ran in. */
#include "host/wasip2/bindings.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define WA_P2_STDIN  "wasi:cli/stdin"
#define WA_P2_STDOUT "wasi:cli/stdout"
#define WA_P2_STDERR "wasi:cli/stderr"
#define WA_P2_RANDOM "wasi:random/random"
#define WA_P2_WALL   "wasi:clocks/wall-clock"

WA_P2_IMPORT(WA_P2_STDIN, "get-stdin") int32_t wa__p2_get_stdin(void);
WA_P2_IMPORT(WA_P2_STDOUT, "get-stdout") int32_t wa__p2_get_stdout(void);
WA_P2_IMPORT(WA_P2_STDERR, "get-stderr") int32_t wa__p2_get_stderr(void);
/* result<list<u8>, stream-error>: as input-stream.read. */
WA_P2_IMPORT(WA_P2_STREAMS, "[method]input-stream.blocking-read")
void wa__p2_in_blocking_read(int32_t s, int64_t len, wa__p2_ret *ret);
/* list<u8>: (ptr, len) at 0, 4. */
WA_P2_IMPORT(WA_P2_RANDOM, "get-random-bytes")
void wa__p2_random_bytes(int64_t len, wa__p2_ret *ret);
/* datetime {seconds: u64, nanoseconds: u32}: at 0 and 8. */
WA_P2_IMPORT(WA_P2_WALL, "now") void wa__p2_wall_now(wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_WALL, "resolution") void wa__p2_wall_resolution(wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_CLOCK, "resolution") int64_t wa__p2_clock_resolution(void);

/* The names wasi-libc calls (libc-bottom-half/sources/__wasilibc_real.c). */
#define P1(name) __imported_wasi_snapshot_preview1_##name

/* Stream handles for fds 0-2, fetched once; a closed fd is -2. */
static int32_t std_streams[3] = {-1, -1, -1};

static int32_t std_stream(int32_t fd)
{
    if (fd < 0 || fd > 2 || std_streams[fd] == -2)
        return -1;
    if (std_streams[fd] == -1)
        std_streams[fd] = fd == 0   ? wa__p2_get_stdin()
                          : fd == 1 ? wa__p2_get_stdout()
                                    : wa__p2_get_stderr();
    return std_streams[fd];
}

/* ------------------------------------------------------ args, environment */

/* A proxy component has neither: both lists are empty. */
int32_t P1(args_sizes_get)(int32_t argc, int32_t bufsize)
{
    *(uint32_t *)(uintptr_t)argc = 0;
    *(uint32_t *)(uintptr_t)bufsize = 0;
    return 0;
}
int32_t P1(args_get)(int32_t argv, int32_t buf) { return 0; }
int32_t P1(environ_sizes_get)(int32_t n, int32_t bufsize) { return P1(args_sizes_get)(n, bufsize); }
int32_t P1(environ_get)(int32_t env, int32_t buf) { return 0; }

/* ------------------------------------------------------ clocks, random */

int32_t P1(clock_time_get)(int32_t id, int64_t precision, int32_t out)
{
    uint64_t *t = (uint64_t *)(uintptr_t)out;
    if (id == __WASI_CLOCKID_MONOTONIC) {
        *t = (uint64_t)wa__p2_clock_now();
        return 0;
    }
    if (id == __WASI_CLOCKID_REALTIME) {
        wa__p2_ret r;
        wa__p2_wall_now(&r);
        *t = wa__p2_u64(&r, 0) * 1000000000u + (uint32_t)wa__p2_i32(&r, 8);
        return 0;
    }
    return __WASI_ERRNO_INVAL; /* no CPU-time clocks in the proxy world */
}

int32_t P1(clock_res_get)(int32_t id, int32_t out)
{
    uint64_t *t = (uint64_t *)(uintptr_t)out;
    if (id == __WASI_CLOCKID_MONOTONIC) {
        *t = (uint64_t)wa__p2_clock_resolution();
        return 0;
    }
    if (id == __WASI_CLOCKID_REALTIME) {
        wa__p2_ret r;
        wa__p2_wall_resolution(&r);
        *t = wa__p2_u64(&r, 0) * 1000000000u + (uint32_t)wa__p2_i32(&r, 8);
        return 0;
    }
    return __WASI_ERRNO_INVAL;
}

int32_t P1(random_get)(int32_t buf, int32_t len)
{
    uint8_t *dst = (uint8_t *)(uintptr_t)buf;
    while (len > 0) {
        wa__p2_ret r;
        wa__p2_random_bytes(len, &r);
        uint8_t *got = wa__p2_ptr(&r, 0);
        int32_t n = wa__p2_i32(&r, 4);
        if (n <= 0)
            return __WASI_ERRNO_IO;
        if (n > len)
            n = len;
        memcpy(dst, got, (size_t)n);
        wa__p2_free(got, (size_t)wa__p2_i32(&r, 4));
        dst += n;
        len -= n;
    }
    return 0;
}

int32_t P1(sched_yield)(void) { return 0; /* one thread: nothing to yield to */ }

/* ------------------------------------------------------ stdio */

int32_t P1(fd_write)(int32_t fd, int32_t iovs, int32_t n, int32_t out)
{
    int32_t s = fd == 0 ? -1 : std_stream(fd);
    if (s < 0)
        return __WASI_ERRNO_BADF;
    const __wasi_ciovec_t *iov = (const __wasi_ciovec_t *)(uintptr_t)iovs;
    uint32_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        const uint8_t *p = iov[i].buf;
        size_t left = iov[i].buf_len;
        while (left > 0) {
            /* blocking-write-and-flush takes at most 4096 bytes a call */
            int32_t chunk = left > 4096 ? 4096 : (int32_t)left;
            wa__p2_ret r;
            wa__p2_out_blocking_write_and_flush(s, p, chunk, &r);
            if (wa__p2_u8(&r, 0)) {
                if (wa__p2_u8(&r, 4) == WA_P2_STREAM_FAILED)
                    wa__p2_error_drop(wa__p2_i32(&r, 8));
                if (total)
                    break;
                return __WASI_ERRNO_IO;
            }
            p += chunk;
            left -= (size_t)chunk;
            total += (uint32_t)chunk;
        }
    }
    *(uint32_t *)(uintptr_t)out = total;
    return 0;
}

int32_t P1(fd_read)(int32_t fd, int32_t iovs, int32_t n, int32_t out)
{
    int32_t s = fd == 0 ? std_stream(0) : -1;
    if (s < 0)
        return __WASI_ERRNO_BADF;
    const __wasi_iovec_t *iov = (const __wasi_iovec_t *)(uintptr_t)iovs;
    uint32_t got = 0;
    for (int32_t i = 0; i < n; i++) {
        if (iov[i].buf_len == 0)
            continue;
        wa__p2_ret r;
        wa__p2_in_blocking_read(s, (int64_t)iov[i].buf_len, &r);
        if (wa__p2_u8(&r, 0)) { /* closed is end of file */
            if (wa__p2_u8(&r, 4) == WA_P2_STREAM_FAILED) {
                wa__p2_error_drop(wa__p2_i32(&r, 8));
                if (!got)
                    return __WASI_ERRNO_IO;
            }
            break;
        }
        uint8_t *p = wa__p2_ptr(&r, 4);
        size_t len = (size_t)(uint32_t)wa__p2_i32(&r, 8);
        memcpy(iov[i].buf, p, len);
        wa__p2_free(p, len);
        got += (uint32_t)len;
        break; /* one read per call, like read(2) */
    }
    *(uint32_t *)(uintptr_t)out = got;
    return 0;
}

int32_t P1(fd_fdstat_get)(int32_t fd, int32_t out)
{
    if (std_stream(fd) < 0)
        return __WASI_ERRNO_BADF;
    __wasi_fdstat_t *st = (__wasi_fdstat_t *)(uintptr_t)out;
    memset(st, 0, sizeof *st);
    st->fs_filetype = __WASI_FILETYPE_CHARACTER_DEVICE;
    st->fs_rights_base = fd == 0 ? __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_POLL_FD_READWRITE
                                 : __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_POLL_FD_READWRITE;
    return 0;
}

int32_t P1(fd_close)(int32_t fd)
{
    int32_t s = std_stream(fd);
    if (s < 0)
        return __WASI_ERRNO_BADF;
    if (fd == 0)
        wa__p2_in_drop(s);
    else
        wa__p2_out_drop(s);
    std_streams[fd] = -2;
    return 0;
}

/* Streams cannot seek. */
int32_t P1(fd_seek)(int32_t fd, int64_t off, int32_t whence, int32_t out)
{
    return std_stream(fd) < 0 ? __WASI_ERRNO_BADF : __WASI_ERRNO_SPIPE;
}
int32_t P1(fd_tell)(int32_t fd, int32_t out)
{
    return std_stream(fd) < 0 ? __WASI_ERRNO_BADF : __WASI_ERRNO_SPIPE;
}

/* ------------------------------------------------------ poll_oneoff */

/* Clocks and the stdio streams, through wasi:io/poll (sleep(), nanosleep()). */
int32_t P1(poll_oneoff)(int32_t in, int32_t out, int32_t n, int32_t nevents)
{
    const __wasi_subscription_t *subs = (const __wasi_subscription_t *)(uintptr_t)in;
    __wasi_event_t *ev = (__wasi_event_t *)(uintptr_t)out;
    uint32_t done = 0;
    if (n <= 0 || n > 64)
        return __WASI_ERRNO_INVAL;
    int32_t pollables[64];
    int32_t index[64]; /* pollable slot -> subscription */
    int32_t np = 0;
    for (int32_t i = 0; i < n; i++) {
        const __wasi_subscription_t *s = &subs[i];
        int32_t p = -1;
        __wasi_errno_t err = 0;
        if (s->u.tag == __WASI_EVENTTYPE_CLOCK) {
            const __wasi_subscription_clock_t *c = &s->u.u.clock;
            uint64_t t = c->timeout;
            if (c->id == __WASI_CLOCKID_REALTIME &&
                (c->flags & __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME)) {
                uint64_t now = 0;
                P1(clock_time_get)(__WASI_CLOCKID_REALTIME, 1, (int32_t)(uintptr_t)&now);
                p = wa__p2_subscribe_duration((int64_t)(t > now ? t - now : 0));
            } else if (c->id == __WASI_CLOCKID_MONOTONIC || c->id == __WASI_CLOCKID_REALTIME) {
                p = (c->flags & __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME)
                        ? wa__p2_subscribe_instant((int64_t)t)
                        : wa__p2_subscribe_duration((int64_t)t);
            } else {
                err = __WASI_ERRNO_INVAL;
            }
        } else {
            int32_t fd = (int32_t)s->u.u.fd_read.file_descriptor;
            int reading = s->u.tag == __WASI_EVENTTYPE_FD_READ;
            int32_t st = (reading ? fd == 0 : fd == 1 || fd == 2) ? std_stream(fd) : -1;
            if (st < 0)
                err = __WASI_ERRNO_BADF;
            else
                p = reading ? wa__p2_in_subscribe(st) : wa__p2_out_subscribe(st);
        }
        if (p < 0) {
            memset(&ev[done], 0, sizeof ev[done]);
            ev[done].userdata = s->userdata;
            ev[done].error = err;
            ev[done].type = s->u.tag;
            done++;
            continue;
        }
        pollables[np] = p;
        index[np++] = i;
    }
    /* Failed subscriptions are reported at once, without waiting. */
    if (!done && np) {
        wa__p2_ret r;
        wa__p2_poll(pollables, np, &r);
        uint32_t *ready = wa__p2_ptr(&r, 0);
        int32_t nready = wa__p2_i32(&r, 4);
        for (int32_t k = 0; k < nready; k++) {
            const __wasi_subscription_t *s = &subs[index[ready[k]]];
            memset(&ev[done], 0, sizeof ev[done]);
            ev[done].userdata = s->userdata;
            ev[done].type = s->u.tag;
            if (s->u.tag != __WASI_EVENTTYPE_CLOCK)
                ev[done].fd_readwrite.nbytes = 1;
            done++;
        }
        wa__p2_free(ready, (size_t)nready * sizeof *ready);
    }
    for (int32_t k = 0; k < np; k++)
        wa__p2_pollable_drop(pollables[k]);
    *(uint32_t *)(uintptr_t)nevents = done;
    return 0;
}

/* ------------------------------------------------------ exit */

_Noreturn void P1(proc_exit)(int32_t code)
{
    static const char msg[] =
        "wasyncio: exit() called in a wasi:http/proxy component, which has no "
        "wasi:cli/exit; the request fails\n";
    int32_t s = std_stream(2);
    if (s >= 0) {
        wa__p2_ret r;
        wa__p2_out_blocking_write_and_flush(s, msg, (int32_t)sizeof msg - 1, &r);
    }
    __builtin_trap();
}

/* ------------------------------------------------------ what the world lacks */

/* No files, directories or sockets exist in the proxy world: every fd other
 * than 0-2 is unknown (EBADF; wasi-libc's preopen scan stops at fd 3 on
 * it), and the stdio streams support no file operations (ENOTSUP). */
#define NO_FD(name, ...)                                                     \
    int32_t P1(name)(int32_t fd, __VA_ARGS__)                                \
    {                                                                        \
        return std_stream(fd) < 0 ? __WASI_ERRNO_BADF : __WASI_ERRNO_NOTSUP; \
    }
NO_FD(fd_advise, int64_t a, int64_t b, int32_t c)
NO_FD(fd_allocate, int64_t a, int64_t b)
NO_FD(fd_fdstat_set_flags, int32_t a)
NO_FD(fd_fdstat_set_rights, int64_t a, int64_t b)
NO_FD(fd_filestat_get, int32_t a)
NO_FD(fd_filestat_set_size, int64_t a)
NO_FD(fd_filestat_set_times, int64_t a, int64_t b, int32_t c)
NO_FD(fd_pread, int32_t a, int32_t b, int64_t c, int32_t d)
NO_FD(fd_pwrite, int32_t a, int32_t b, int64_t c, int32_t d)
NO_FD(fd_prestat_get, int32_t a)
NO_FD(fd_prestat_dir_name, int32_t a, int32_t b)
NO_FD(fd_readdir, int32_t a, int32_t b, int64_t c, int32_t d)
NO_FD(fd_renumber, int32_t a)
NO_FD(path_create_directory, int32_t a, int32_t b)
NO_FD(path_filestat_get, int32_t a, int32_t b, int32_t c, int32_t d)
NO_FD(path_filestat_set_times, int32_t a, int32_t b, int32_t c, int64_t d, int64_t e, int32_t f)
NO_FD(path_link, int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, int32_t f)
NO_FD(path_open, int32_t a, int32_t b, int32_t c, int32_t d, int64_t e, int64_t f, int32_t g,
      int32_t h)
NO_FD(path_readlink, int32_t a, int32_t b, int32_t c, int32_t d, int32_t e)
NO_FD(path_remove_directory, int32_t a, int32_t b)
NO_FD(path_rename, int32_t a, int32_t b, int32_t c, int32_t d, int32_t e)
NO_FD(path_symlink, int32_t a, int32_t b, int32_t c, int32_t d)
NO_FD(path_unlink_file, int32_t a, int32_t b)
NO_FD(sock_accept, int32_t a, int32_t b)
NO_FD(sock_recv, int32_t a, int32_t b, int32_t c, int32_t d, int32_t e)
NO_FD(sock_send, int32_t a, int32_t b, int32_t c, int32_t d)
NO_FD(sock_shutdown, int32_t a)

int32_t P1(fd_datasync)(int32_t fd) { return std_stream(fd) < 0 ? __WASI_ERRNO_BADF : 0; }
int32_t P1(fd_sync)(int32_t fd) { return std_stream(fd) < 0 ? __WASI_ERRNO_BADF : 0; }
