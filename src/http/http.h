/* http.h: the portable half of HTTP (src/http/, no libuv/curl/wasi:http):
 * URL checks, header lists, the wa_response object, the fetch front end,
 * redirect rules, the app's route table and dispatch, request/reply objects
 * and the HTTP/1.1 reply serializer. Host backends use these to implement
 * the two hooks in http/host.h.
 */
#ifndef WA_HTTP_H
#define WA_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "wasyncio.h"

/* ------------------------------------------------------------ headers */

typedef struct wa__hdr {
    char *name;  /* NUL-terminated, as received */
    char *value; /* NUL-terminated, surrounding whitespace trimmed */
} wa__hdr;

typedef struct wa__hdrs {
    wa__hdr *v;
    size_t n, cap;
} wa__hdrs;

/* Copy name/value (lengths given; value is trimmed). 0 or WA_ENOMEM. */
int wa__hdrs_add(wa__hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen);
/* The same without trimming (captures, query values). */
int wa__hdrs_add_raw(wa__hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen);
/* First value whose name matches case-insensitively, or NULL. */
const char *wa__hdrs_get(const wa__hdrs *h, const char *name);
void wa__hdrs_clear(wa__hdrs *h); /* frees entries, keeps nothing */

/* A header name is an RFC 9110 token; a value has no CR, LF or NUL. */
int wa__http_token_ok(const char *s, size_t n);
int wa__http_value_ok(const char *s, size_t n);

/* Append n bytes to a growable, NUL-terminated byte buffer (first
 * allocation first_cap, then doubling). 0 or WA_ENOMEM. */
int wa__bytes_append(char **buf, size_t *len, size_t *cap, size_t first_cap, const void *data,
                     size_t n);

/* ------------------------------------------------------------ URLs */

typedef struct wa__url {
    int https;        /* 1 for https, 0 for http */
    const char *host; /* points into the checked string, host_len bytes */
    size_t host_len;  /* without brackets for [v6] */
    int port;         /* explicit port, or 80/443 */
    const char *path; /* "/..." incl. query, or "" when absent (means "/") */
} wa__url;

/* Check an absolute http(s) URL. 0, WA_EINVAL (NULL), WA_EURL (malformed)
 * or WA_ESCHEME (well-formed but not http/https). out may be NULL. */
int wa__url_parse(const char *url, wa__url *out);

/* An IPv6 address in RFC 4291 text form (no brackets, no zone id). */
int wa__ipv6_text_ok(const char *s, size_t n);

/* An authority a server is asked for (RFC 3986 3.2.2-3.2.3): host [":" port],
 * where host is a bracketed IP literal, or a name or IPv4 address of
 * unreserved, %-escaped and sub-delim characters; no userinfo, no space or
 * '/', no ".." (nginx refuses it too: it would climb out of a directory named
 * after the host), a port of at most 65535. Empty is refused. authority.c. */
int wa__http_authority_ok(const char *s, size_t n);

/* Decode %XX (and '+' as space when plus_is_space) into a new string; NULL
 * on OOM. Malformed escapes are kept literally. */
char *wa__pct_decode(const char *s, size_t n, int plus_is_space);

/* ------------------------------------------------------------ responses */

struct wa_response {
    int status;
    wa__hdrs headers;
    size_t head_bytes; /* this response's head so far, against the limit */
    size_t head_lines;
    uint64_t content_length; /* valid when has_length */
    int has_length;
    char *body; /* buffered body, NUL-terminated (non-stream) */
    size_t body_len, body_cap;
    size_t max_body; /* the limit wa__response_append enforces */
    size_t read_off; /* wa_response_read position in a buffered body */
    int streaming;   /* WA_FETCH_STREAM: body via read() */
    /* Streaming hooks, set by the backend (NULL when not streaming). */
    long (*read)(wa_response *r, void *buf, size_t n);
    void (*release)(wa_response *r); /* frees backend state, aborts transfer */
    void *backend;
};

wa_response *wa__response_new(size_t max_body);
/* Append body bytes; WA_ETOOBIG past max_body, WA_ENOMEM. */
int wa__response_append(wa_response *r, const void *data, size_t n);
/* Forget headers (a redirect's or 1xx's) before the next response's. */
void wa__response_reset_headers(wa_response *r);

/* A response head (status line and header lines, as sent) over either limit
 * fails with WA_ETOOBIG on every target: Node's fetch stops at 16 KiB of
 * head, Python's http.client at 100 header lines. */
#define WA_HTTP_MAX_RESPONSE_HEAD  (64 * 1024)
#define WA_HTTP_MAX_RESPONSE_LINES 500

/* Count one head line of n bytes (CRLF included): 0 or WA_ETOOBIG. */
int wa__response_head_line(wa_response *r, size_t n);
/* Count, check and add one response header (value trimmed): 0, WA_ETOOBIG,
 * WA_ENOMEM, or WA_EPROTO for a Content-Length that is not one decimal
 * number, or that disagrees with an earlier one (RFC 9110 8.6: the body
 * could be framed two ways). */
int wa__response_add_header(wa_response *r, const char *name, size_t nlen, const char *value,
                            size_t vlen);

#define WA_HTTP_DEFAULT_MAX_BODY  ((size_t)64 << 20)
#define WA_HTTP_DEFAULT_REDIRECTS 10

/* ------------------------------------------------------------ redirects
 * (redirect.c) for backends whose HTTP client does not follow them. */

/* 1 for the statuses that redirect (301, 302, 303, 307, 308). */
int wa__http_is_redirect(int status);

/* Resolve a Location against the URL it came from; malloc'd, NULL on OOM. */
char *wa__http_resolve_location(const char *base, const char *loc);

/* The request that follows a redirect: 303, and 301/302 after a POST,
 * become a GET (a HEAD stays a HEAD) without a body; 307/308 repeat the
 * request as it was. Returns 1 when the body must be dropped (*method is
 * updated then), else 0. */
int wa__http_redirect_drops_body(int status, const char **method);

/* ------------------------------------------------------------ server */

struct wa_request {
    char *method;
    char *target;      /* raw request target, owns path and query */
    char *path;        /* raw path (no query), NUL-terminated */
    const char *query; /* raw query after '?', or "" */
    wa__hdrs headers;
    wa__hdrs trailers; /* after a chunked body; never merged into headers */
    char *body;
    size_t body_len, body_cap;
    wa__hdrs params;  /* {name} captures, decoded */
    wa__hdrs qparams; /* query, decoded, parsed on first use */
    int qparsed;
};

struct wa_reply {
    int status;
    wa__hdrs headers;
    char *body;
    size_t body_len;
    int has_type; /* a Content-Type header was set */
    int text;     /* body set by wa_reply_text */
};

typedef struct wa__route {
    char *method;
    char *pattern;
    wa_handler h;
    void *ud;
} wa__route;

struct wa_app {
    wa__route *routes;
    size_t n, cap;
    int port; /* bound port once listening, else 0 */
    int listening;
    wa_server_opts opts; /* as the user set them (0 = default) */
};

/* Request bookkeeping (request.c, reply.c) for backends. */
void wa__request_init(wa_request *r);
void wa__request_clear(wa_request *r);
/* Take ownership of method and target (malloc'd); splits path/query. An
 * absolute-form target (http://host/p?q) gives path "/p" and query "q". */
void wa__request_set_line(wa_request *r, char *method, char *target);
int wa__request_body_append(wa_request *r, const void *data, size_t n);
/* The authority of an absolute-form target ("http://a:8080/p" -> "a:8080",
 * *len bytes, userinfo included as sent), or NULL for any other form. */
const char *wa__request_target_authority(const wa_request *r, size_t *len);
/* The memory a parsed request holds (a server bounds its read-ahead). */
size_t wa__request_footprint(const wa_request *r);
/* Replace the Host field's value (or add the field): an absolute-form
 * target's authority overrides Host (RFC 9112 3.2.2). 0 or WA_ENOMEM. */
int wa__request_set_host(wa_request *r, const char *value, size_t n);
/* Decode the query into qparams (dispatch does it before the handler). */
int wa__request_parse_query(wa_request *r);

void wa__reply_init(wa_reply *r);
void wa__reply_clear(wa_reply *r);
/* Replace the reply with a plain-text error page for status. */
int wa__reply_error(wa_reply *r, int status);

/* Route req and run its handler in the calling task: 400 for a path that
 * holds %00 (it would cut a parameter short), 404 for no path match,
 * 405 for a path match with another method, 500 when the handler returns
 * < 0. HEAD falls back to GET routes. */
void wa__app_dispatch(wa_app *app, wa_request *req, wa_reply *reply);

/* Serialize reply as HTTP/1.1 into a malloc'd buffer. Adds Content-Length,
 * a default Content-Type and "Connection: close" when !keep_alive, or
 * "Connection: keep-alive" when keep_alive is WA_HTTP_SAY_KEEP_ALIVE (an
 * HTTP/1.0 client keeps the connection only when told); head omits the
 * body. 0 or WA_ENOMEM. */
#define WA_HTTP_SAY_KEEP_ALIVE 2
int wa__reply_serialize(const wa_reply *r, int keep_alive, int head, char **out, size_t *out_len);

/* Headers the serializer writes itself (Content-Length, Transfer-Encoding,
 * Connection): a handler's copies are dropped so the framing can never be
 * contradicted. 1 or 0. */
int wa__http_framing_header(const char *name);

/* Reason phrase for a status ("OK", "Not Found"; "Unknown" otherwise). */
const char *wa__http_reason(int status);

#endif
