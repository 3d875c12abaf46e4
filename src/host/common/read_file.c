/* read_file.c: wa_read_file for hosts whose file reads are
 * synchronous calls with nothing to wait on (WASI preview1 and 0.2, the
 * Emscripten file system): read in 64 KiB chunks with a yield before each,
 * so other tasks run while a large file is read. The native backend reads
 * through libuv's thread pool instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "core/host.h"
#include "core/backend.h"
#include "host/common/common.h"

#define READ_CHUNK (64u * 1024u)

#ifdef __wasi__
#include <string.h>
#include <wasi/api.h>

/* Is absolute path `path` under a preopen the host named by an absolute
 * path? wasi-libc serves absolute paths from a "." preopen as if "." were
 * "/" ("/etc/passwd" becomes "./etc/passwd"), so with `--dir .` a missing
 * "/etc/passwd" looks merely absent, when the user meant the host's file,
 * which no preopen grants. The preopens are fds 3.. up to the first EBADF. */
static int under_absolute_preopen(const char *path)
{
    for (__wasi_fd_t fd = 3;; fd++) {
        __wasi_prestat_t st;
        __wasi_errno_t e = __wasi_fd_prestat_get(fd, &st);
        if (e == __WASI_ERRNO_BADF)
            return 0;
        if (e != 0 || st.tag != __WASI_PREOPENTYPE_DIR)
            continue;
        char name[256];
        size_t n = st.u.dir.pr_name_len;
        if (n == 0 || n >= sizeof name ||
            __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, (__wasi_size_t)n) != 0)
            continue;
        name[n] = '\0';
        while (n > 1 && name[n - 1] == '/')
            name[--n] = '\0';
        if (name[0] == '/' && strncmp(path, name, n) == 0 &&
            (n == 1 || path[n] == '/' || path[n] == '\0'))
            return 1;
    }
}
#endif

static int open_error(const char *path, int err)
{
#ifdef __wasi__
    if (err == ENOENT && path[0] == '/' && !under_absolute_preopen(path))
        return WA_ENOTCAPABLE;
    /* wasi-libc says ENOTCAPABLE when no preopen covers the path; component
     * hosts (through the preview1 adapter) say EPERM for a path that
     * escapes its preopen ("../x"). */
    if (err == EPERM)
        return WA_ENOTCAPABLE;
#endif
    return wa__errno_code(err);
}

int wa__read_file_chunked(const char *path, char **data, size_t *len)
{
    *data = NULL;
    if (len)
        *len = 0;
    /* Codes match the native backend: a directory is WA_EINVAL, a missing
     * file WA_ENOENT, an unreadable one WA_EACCES (wa__errno_code). WASI adds
     * one: a path no preopened directory covers is WA_ENOTCAPABLE, so the
     * user learns to grant it (a bare "I/O error" hid that). */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return WA_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return open_error(path, errno);
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = 0;
    while (rc == 0) {
        rc = wa_yield();
        if (rc < 0)
            break;
        /* Room for the next chunk, and a byte for the NUL. */
        if (wa__grow(&buf, &cap, n + READ_CHUNK + 1, 1, READ_CHUNK + 1)) {
            rc = WA_ENOMEM;
            break;
        }
        size_t got = fread(buf + n, 1, READ_CHUNK, f);
        n += got;
        if (got < READ_CHUNK) {
            if (ferror(f))
                rc = wa__errno_code(errno);
            break;
        }
    }
    fclose(f);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}
