/* wasyncio/http.h: the HTTP client (wa_fetch, wa_response_*) and the
 * aiohttp-style server (wa_app_*, wa_request_*, wa_reply_*).
 * Part of the public API: include <wasyncio.h>, which includes this file. */
#ifndef WASYNCIO_HTTP_H
#define WASYNCIO_HTTP_H

#ifndef WASYNCIO_H
#error "include <wasyncio.h>, not <wasyncio/http.h>"
#endif

/* ----------------------------------------------------------- HTTP client */

/* One API on every target: libcurl natively, wasi:http on WASI 0.2, JS fetch
 * in the browser. WASI preview1 has no HTTP: WA_ENOTSUP. A non-2xx status is
 * not an error unless WA_FETCH_RAISE_FOR_STATUS is set. */
typedef struct wa_response wa_response;

#define WA_FETCH_RAISE_FOR_STATUS 1u /* non-2xx returns WA_EHTTP (response kept) */
#define WA_FETCH_STREAM           2u /* return after headers; read with wa_response_read */
#define WA_FETCH_INSECURE         4u /* https: skip certificate and host name checks (tests only) */

/* timeout_ms: the whole fetch (connect, head and body; for a stream, until
 * the body has been read) gets WA_FETCH_DEFAULT_TIMEOUT_MS unless set, like
 * aiohttp's ClientTimeout(total=300), so a peer that never answers cannot
 * hold a task forever. WA_NO_TIMEOUT asks for none. */
#define WA_FETCH_DEFAULT_TIMEOUT_MS 300000u
/* WA_NO_TIMEOUT is defined once, in wasyncio.h (wa_wait uses it too). */

typedef struct wa_fetch_opts {
    const char *method;         /* default "GET" */
    const char *const *headers; /* NULL-terminated "Name: value" strings */
    const void *body;
    size_t body_len;
    uint64_t timeout_ms; /* 0 = default 300 s; WA_NO_TIMEOUT = none (scopes still apply) */
    int max_redirects;   /* -1 = default (follow, up to 10); 0 = don't follow */
    size_t max_body;     /* 0 = default 64 MiB; over it: WA_ETOOBIG */
    unsigned flags;      /* WA_FETCH_* */
    /* TLS, native only: WASI 0.2 and web hosts do TLS themselves, and there
     * setting any of these (or WA_FETCH_INSECURE) returns WA_ENOTSUP. */
    const char *ca_file;     /* PEM CA bundle to trust instead of the system's */
    const char *ca_dir;      /* directory of hashed PEM CAs (openssl rehash), ditto */
    const char *client_cert; /* PEM client certificate, for servers that ask for one */
    const char *client_key;  /* its PEM private key (default: read from client_cert) */
} wa_fetch_opts;

/* Fetch url. On 0, *out is a response to free with wa_response_free. On error
 * *out is NULL, except WA_EHTTP which keeps the response. */
WA_EXTERN int wa_fetch(const char *url, const wa_fetch_opts *opts, wa_response **out);

WA_EXTERN int wa_response_status(const wa_response *r);
/* Case-insensitive header look-up; NULL if absent. */
WA_EXTERN const char *wa_response_header(const wa_response *r, const char *name);
WA_EXTERN size_t wa_response_header_count(const wa_response *r);
WA_EXTERN int wa_response_header_at(const wa_response *r, size_t i, const char **name,
                                    const char **value);
/* The whole body (not for WA_FETCH_STREAM); text is NUL-terminated. */
WA_EXTERN const void *wa_response_body(const wa_response *r, size_t *len);
WA_EXTERN const char *wa_response_text(const wa_response *r);
/* Streaming: read up to n body bytes; returns bytes read, 0 at the end, or an
 * error code. */
WA_EXTERN long wa_response_read(wa_response *r, void *buf, size_t n);
WA_EXTERN void wa_response_free(wa_response *r);

/* ----------------------------------------------------------- HTTP server */

/* An aiohttp-style app: routes are a method and a path pattern with {param}
 * captures; each request runs its handler in a task of its own. Native: libuv
 * TCP; WASI 0.2: a wasi:http/incoming-handler component; browser: WA_ENOTSUP. */
typedef struct wa_app wa_app;
typedef struct wa_request wa_request;
typedef struct wa_reply wa_reply;

/* Fill reply and return 0; a negative return sends 500. */
typedef int (*wa_handler)(const wa_request *req, wa_reply *reply, void *ud);

WA_EXTERN wa_app *wa_app_new(void);
WA_EXTERN int wa_app_route(wa_app *app, const char *method, const char *pattern, wa_handler h,
                           void *ud);
#define wa_app_get(app, pattern, h, ud) wa_app_route((app), "GET", (pattern), (h), (ud))
/* A program that is also built as a WASI 0.2 server component defines
 * wa_build_app(): the component calls it once per instance and routes each
 * incoming request through the app (`wasmtime serve`). Natively, call it
 * yourself and wa_app_listen(). Optional: without it the component runs
 * main() for each request. */
WA_EXTERN wa_app *wa_build_app(void);
/* Serve until the calling task is cancelled: stop accepting, let requests in
 * flight finish within shutdown_grace_ms, close the rest, then return
 * WA_ECANCELED. port 0 picks a free port; wa_app_port() tells which once
 * listening. */
WA_EXTERN int wa_app_listen(wa_app *app, const char *host, int port);

/* The native server's limits and timeouts (nginx's and aiohttp's defaults).
 * 0 in any field means its default; WA_NO_TIMEOUT turns a timeout off
 * (for shutdown_grace_ms: wait for every handler). Timeouts close the
 * connection, answering 408 when a request was under way. */
typedef struct wa_server_opts {
    uint64_t head_timeout_ms;      /* 60000: request line + headers, from the first byte */
    uint64_t keepalive_timeout_ms; /* 75000: idle between requests */
    uint64_t body_timeout_ms;      /* 60000: between two reads of a request body */
    uint64_t send_timeout_ms;      /* 60000: between two writes to a client not reading */
    uint64_t shutdown_grace_ms;    /* 60000: for requests in flight after a cancel */
    size_t max_head_bytes;         /* 8192: every byte of request line + headers: 431 */
    unsigned max_header_lines;     /* 100 header (or trailer) lines: 431 */
    size_t max_body_bytes;         /* 1 MiB: 413 */
    size_t max_unsent_bytes;       /* 1 MiB of unsent replies per connection: stop reading */
    unsigned max_connections;      /* open-file limit - 64 (at least 16): the oldest idle
                                      connection makes room, else 503 and close */
    /* Loops serving the app, each on a thread of its own with its own
     * listener on the same port (natively; nginx's worker_processes).
     * 0 = 1, the calling task's loop alone (nginx's default); N = that loop
     * and N-1 more threads (N up to 1024, else wa_app_set_opts says
     * WA_EINVAL); WA_THREADS_AUTO = one per core. Every setting
     * above holds per loop (see README "Every core"). WASI 0.2: ignored,
     * the host runs instances as it sees fit. */
    unsigned threads;
    /* Slow clients and read-ahead. */
    size_t min_body_rate;            /* 500 bytes/s: past body_timeout_ms, a request body must
                                      average this (Apache's MinRate), or 408 and close;
                                      WA_NO_TIMEOUT in body_timeout_ms turns both off */
    uint64_t busy_head_timeout_ms;   /* 10000: the head timeout once 3/4 of max_connections
                                      are open (a connection that has sent nothing yet,
                                      too); WA_NO_TIMEOUT: head_timeout_ms always */
    unsigned max_client_connections; /* 0 = no limit: connections one client IP address
                                        may hold open; past it, 503 and close */
    size_t max_read_ahead_bytes;     /* 16 KiB: parsed requests (their memory) waiting behind
                                      the one being handled; reading stops past it */
} wa_server_opts;
#define WA_THREADS_AUTO 0xFFFFFFFFu /* wa_server_opts.threads: one loop per core */
/* Copy opts into app (before wa_app_listen; WA_EBUSY while listening). */
WA_EXTERN int wa_app_set_opts(wa_app *app, const wa_server_opts *opts);
WA_EXTERN int wa_app_port(const wa_app *app);
WA_EXTERN void wa_app_free(wa_app *app);

WA_EXTERN const char *wa_request_method(const wa_request *r);
WA_EXTERN const char *wa_request_path(const wa_request *r);
WA_EXTERN const char *wa_request_param(const wa_request *r, const char *name); /* {name} */
WA_EXTERN const char *wa_request_query(const wa_request *r, const char *name); /* ?name= */
WA_EXTERN const char *wa_request_header(const wa_request *r, const char *name);
/* The authority the request is for, as aiohttp's request.host: an
 * absolute-form target's ("GET http://a.example:8080/x" -> "a.example:8080"),
 * which replaces the Host field as RFC 9112 3.2.2 asks (so
 * wa_request_header(r, "Host") says the same), else the Host field (on
 * WASI 0.2, the host's authority for the request when it passes no Host).
 * Natively always a valid host[:port] (the server answers 400 otherwise);
 * NULL for an HTTP/1.0 request without Host. */
WA_EXTERN const char *wa_request_host(const wa_request *r);
WA_EXTERN const void *wa_request_body(const wa_request *r, size_t *len);
/* A trailer field of a chunked body; trailers are never merged into the
 * headers. NULL if absent. */
WA_EXTERN const char *wa_request_trailer(const wa_request *r, const char *name);

WA_EXTERN int wa_reply_status(wa_reply *r, int status);
WA_EXTERN int wa_reply_header(wa_reply *r, const char *name, const char *value);
WA_EXTERN int wa_reply_body(wa_reply *r, const void *data, size_t len);
WA_EXTERN int wa_reply_text(wa_reply *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif /* WASYNCIO_HTTP_H */
