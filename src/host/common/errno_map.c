/* errno_map.c: an operating-system error (errno, as libc reports it on every
 * target: Linux natively, wasi-libc on WASI) as a wasyncio code. libuv's
 * codes are negated errnos on Unix, so the native backend maps them here too.
 * Anything without a named code is WA_EIO. */
#include <errno.h>
#include "host/common/common.h"
#include "wasyncio.h"

int wa__errno_code(int err)
{
    switch (err) {
    case 0: return 0;
    case ENOMEM:
    case ENOBUFS: return WA_ENOMEM;
    /* A bad argument, a name too long, a directory where a file was meant. */
    case EINVAL:
    case ENAMETOOLONG:
    case EISDIR:
    case EBADF:
    case EFAULT:
    case ERANGE:
    case EOVERFLOW:
    case EILSEQ:
    case ESPIPE:
    case ENOTSOCK:
    case EDESTADDRREQ: return WA_EINVAL;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENXIO:
    case ENODEV: return WA_ENOENT;
    case EACCES:
    case EPERM:
    case EROFS: return WA_EACCES;
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return WA_ENOTCAPABLE;
#endif
    case EADDRINUSE: return WA_EADDRINUSE;
    case EADDRNOTAVAIL: return WA_EADDRNOTAVAIL;
    case EMFILE:
    case ENFILE: return WA_EMFILE;
    case ECONNREFUSED: return WA_ECONNREFUSED;
    case ECONNRESET:
    case ECONNABORTED: return WA_ECONNRESET;
    case EPIPE:
#ifdef ESHUTDOWN
    case ESHUTDOWN:
#endif
        return WA_EPIPE;
    case ETIMEDOUT: return WA_ETIMEDOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case ENOTCONN:
#ifdef EHOSTDOWN
    case EHOSTDOWN:
#endif
#ifdef ENONET
    case ENONET:
#endif
        return WA_ENET;
    case EPROTO: return WA_EPROTO;
    case ECANCELED: return WA_ECANCELED;
    case ENOSYS:
    case ENOTSUP:
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case EPROTOTYPE:
    case ENOPROTOOPT:
#ifdef ESOCKTNOSUPPORT
    case ESOCKTNOSUPPORT:
#endif
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
#endif
        return WA_ENOTSUP;
    case EBUSY:
    case ETXTBSY: return WA_EBUSY;
    /* EIO, ENOSPC, EFBIG, EXDEV, EEXIST...: the operation failed for a
     * reason no named code says better. */
    default: return WA_EIO;
    }
}
