/* tls_files.c: the PEM files and directory a native fetch or TLS stream is
 * given (ca_file, ca_dir, client_cert, client_key of wa_fetch_opts and
 * wa_stream_opts, so wss:// too), checked before
 * any connection is made: a wrong path is the caller's mistake, not a
 * handshake failure, so it gets its own code and a line naming the file. */
#include "host/common/common.h"
#include "host/native/native.h"
#include "wasyncio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int say(const char *what, const char *path, int code, const char *why)
{
    fprintf(stderr, "wasyncio: TLS %s \"%s\": %s\n", what, path, why);
    return code;
}

/* The file holds at least one PEM block ("-----BEGIN ..."), read in pieces
 * so that a large bundle costs no more than a buffer. */
static int has_pem_block(FILE *f)
{
    static const char mark[] = "-----BEGIN ";
    char buf[4096 + sizeof mark];
    size_t keep = 0, n;
    while ((n = fread(buf + keep, 1, sizeof buf - keep - 1, f)) > 0) {
        size_t len = keep + n;
        buf[len] = '\0';
        for (size_t i = 0; i + sizeof mark - 1 <= len; i++)
            if (memcmp(buf + i, mark, sizeof mark - 1) == 0)
                return 1;
        keep = len < sizeof mark - 1 ? len : sizeof mark - 1;
        memmove(buf, buf + len - keep, keep);
    }
    return 0;
}

int wa__tls_file_check(const char *what, const char *path, int dir)
{
    struct stat st;
    if (!path)
        return 0;
    if (stat(path, &st) < 0)
        return say(what, path, wa__errno_code(errno), strerror(errno));
    if (dir)
        return S_ISDIR(st.st_mode) ? 0 : say(what, path, WA_EINVAL, "not a directory");
    if (!S_ISREG(st.st_mode))
        return say(what, path, WA_EINVAL, "not a regular file");
    FILE *f = fopen(path, "rb");
    if (!f)
        return say(what, path, wa__errno_code(errno), strerror(errno));
    int pem = has_pem_block(f);
    fclose(f);
    if (!pem)
        return say(what, path, WA_EINVAL, st.st_size ? "no PEM block in it" : "empty file");
    return 0;
}
