/* host.h (src/http/): what each host backend implements for the HTTP layer,
 * and nothing else: perform one fetch, and serve an app (the core's half of
 * the contract is core/host.h). A backend that cannot
 * returns WA_ENOTSUP (and may say why once). Everything a backend uses to
 * implement them (header lists, responses, request/reply objects, dispatch,
 * the serializer, redirect rules) is in http/http.h, included here.
 */
#ifndef WA_HTTP_HOST_H
#define WA_HTTP_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "wasyncio.h"
#include "http/http.h"

/* What wa_fetch hands the backend, normalised (never NULL fields except
 * headers/body). */
typedef struct wa__fetch_req {
    const char *url;
    const char *method;
    const char *const *headers;
    const void *body;
    size_t body_len;
    uint64_t timeout_ms; /* 0 = none (wa_fetch's default already applied) */
    int max_redirects;   /* >= 0 */
    size_t max_body;     /* > 0 */
    int stream;
    /* TLS, as given (NULL: not set); backends whose host does TLS refuse
     * them with WA_ENOTSUP (wa__fetch_req_has_tls). */
    const char *ca_file, *ca_dir, *client_cert, *client_key;
    int insecure;
} wa__fetch_req;

/* Check opts and fill req with every default applied (the total timeout
 * included): 0 or WA_EINVAL. The URL is checked by the caller. */
int wa__fetch_req_init(wa__fetch_req *req, const char *url, const wa_fetch_opts *opts,
                       unsigned *flags);

/* Any TLS option set. */
int wa__fetch_req_has_tls(const wa__fetch_req *req);

/* Perform req, filling resp (status, headers, and body or stream
 * hooks). Suspends the calling task. Returns 0 or an error code; on error
 * the caller frees resp (release() is called if set). */
int wa__http_fetch_backend(const wa__fetch_req *req, wa_response *resp);

/* Defaults of wa_server_opts (wasyncio/http.h): the limits and timeouts a
 * serving backend enforces. */
#define WA_HTTP_MAX_HEADER_BYTES     (8 * 1024) /* request line + headers: 431 */
#define WA_HTTP_MAX_HEADER_LINES     100
#define WA_HTTP_MAX_REQ_BODY         ((size_t)1 << 20) /* 413, like aiohttp's 1 MiB */
#define WA_HTTP_MAX_UNSENT           ((size_t)1 << 20)
#define WA_HTTP_HEAD_TIMEOUT_MS      60000 /* nginx client_header_timeout */
#define WA_HTTP_KEEPALIVE_TIMEOUT_MS 75000 /* nginx keepalive_timeout, aiohttp */
#define WA_HTTP_BODY_TIMEOUT_MS      60000 /* nginx client_body_timeout */
#define WA_HTTP_SEND_TIMEOUT_MS      60000 /* nginx send_timeout */
#define WA_HTTP_SHUTDOWN_GRACE_MS    60000 /* aiohttp shutdown_timeout */
#define WA_HTTP_FD_RESERVE           64    /* fds kept for handlers, files, fetches */
#define WA_HTTP_MAX_THREADS          1024  /* wa_server_opts.threads, WA_THREADS_AUTO aside */
#define WA_HTTP_MIN_BODY_RATE        500   /* bytes/s, Apache mod_reqtimeout's MinRate */
#define WA_HTTP_BUSY_HEAD_TIMEOUT_MS 10000 /* the head timeout near the connection cap */
#define WA_HTTP_MAX_READ_AHEAD       ((size_t)16 << 10)

/* opts with every 0 replaced by its default (max_connections from the
 * process's open-file limit fd_limit; 0 = unknown). server_opts.c. */
void wa__server_opts_resolve(const wa_server_opts *in, uint64_t fd_limit, wa_server_opts *out);

/* Bind host:port, set app->port, and serve until the calling task
 * is interrupted; returns WA_ECANCELED (or the bind error: WA_EINVAL for a
 * bad host, WA_EIO for address in use). */
int wa__http_listen_backend(wa_app *app, const char *host, int port);

#endif
