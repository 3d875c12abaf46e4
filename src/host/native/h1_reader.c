/* h1_reader.c: turns request bytes into wa_request objects and refuses what
 * RFC 9112 says a server MUST reject: a header glued to an empty one, space
 * before a colon, no Host or two, a Host that is no authority, a target with
 * userinfo, a request line (414) or head (431) or header count over its
 * limit (every byte counts), a body over its limit (chunk extensions
 * included), a transfer coding other than chunked (501), an unknown method
 * (501), an HTTP/0.9 request line, an unknown expectation. */
#include "host/native/h1_reader.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(wa__h1_reader *r, int status)
{
    if (!r->status)
        r->status = status;
    return -1;
}

static int grow_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    return wa__bytes_append(buf, len, cap, 64, data, n);
}

/* ------------------------------------------------------------ headers */

/* A field name and value are complete: check the name and file the pair
 * under headers, or trailers once the head is done. */
static int commit_field(wa__h1_reader *r)
{
    if (!r->in_value)
        return 0;
    r->in_value = 0;
    size_t nlen = r->hname_len, vlen = r->hval_len;
    r->hname_len = r->hval_len = 0;
    /* "Content-Length : 3" would frame the body for http_parser: a name with
     * anything but token characters is a 400 (RFC 9112 5.1). */
    if (!wa__http_token_ok(r->hname, nlen))
        return fail(r, 400);
    if (++r->lines > r->opts->max_header_lines)
        return fail(r, 431);
    int trailer = r->phase == WA_H1_BODY;
    if (trailer) {
        r->field_bytes += nlen + vlen;
        if (r->field_bytes > r->opts->max_head_bytes)
            return fail(r, 431);
    }
    wa__hdrs *list = trailer ? &r->cur->trailers : &r->cur->headers;
    if (wa__hdrs_add(list, r->hname, nlen, r->hval ? r->hval : "", vlen) < 0)
        return fail(r, 503);
    return 0;
}

static int on_begin(http_parser *p)
{
    wa__h1_reader *r = p->data;
    if (r->cur)
        wa__request_clear(r->cur);
    else
        r->cur = malloc(sizeof *r->cur);
    if (!r->cur)
        return fail(r, 503);
    wa__request_init(r->cur);
    r->phase = WA_H1_HEAD;
    r->lines = 0;
    r->field_bytes = 0;
    r->in_value = 0;
    r->hname_len = r->hval_len = r->url_len = 0;
    /* http_parser sets the version once the request line has it (0.9 when
     * the line ends after the target): until then the line is unfinished. */
    p->http_major = p->http_minor = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    wa__h1_reader *r = p->data;
    return grow_append(&r->url, &r->url_len, &r->url_cap, at, n) < 0 ? fail(r, 503) : 0;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
    wa__h1_reader *r = p->data;
    /* A field after a value (even an empty one) is a new header: committing
     * only non-empty values glued "Auth:" onto the next line's name. */
    if (commit_field(r) < 0)
        return -1;
    return grow_append(&r->hname, &r->hname_len, &r->hname_cap, at, n) < 0 ? fail(r, 503) : 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
    wa__h1_reader *r = p->data;
    r->in_value = 1;
    return grow_append(&r->hval, &r->hval_len, &r->hval_cap, at, n) < 0 ? fail(r, 503) : 0;
}

static int count_named(const wa__hdrs *h, const char *name, const char **value)
{
    int n = 0;
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->v[i].name, name) == 0) {
            if (n++ == 0 && value)
                *value = h->v[i].value;
        }
    return n;
}

static int body_expected(const http_parser *p)
{
    return (p->flags & F_CHUNKED) || (p->content_length > 0 && p->content_length != UINT64_MAX);
}

/* RFC 9112 6.1: chunked is the only transfer coding a server must know;
 * nginx answers any other (or a list such as "identity, chunked") 501, a
 * repeated field or one in an HTTP/1.0 request 400. */
static int framing_check(wa__h1_reader *r, const http_parser *p)
{
    const char *te = NULL;
    int n = count_named(&r->cur->headers, "transfer-encoding", &te);
    if (n == 0)
        return 0;
    if (n > 1 || p->http_minor == 0)
        return fail(r, 400);
    if (strcasecmp(te, "chunked") != 0)
        return fail(r, 501);
    return 0;
}

/* The authority the request is for: an absolute-form target's replaces
 * Host (RFC 9112 3.2.2); both must be host[:port], and a target may not
 * carry userinfo (RFC 9110 4.2.4). */
static int authority_check(wa__h1_reader *r, const char *host)
{
    if (host && !wa__http_authority_ok(host, strlen(host)))
        return fail(r, 400);
    size_t alen = 0;
    const char *auth = wa__request_target_authority(r->cur, &alen);
    if (!auth)
        return 0;
    if (memchr(auth, '@', alen) || !wa__http_authority_ok(auth, alen))
        return fail(r, 400);
    return wa__request_set_host(r->cur, auth, alen) < 0 ? fail(r, 503) : 0;
}

static int on_headers_complete(http_parser *p)
{
    wa__h1_reader *r = p->data;
    if (commit_field(r) < 0)
        return -1;
    if (p->http_major != 1)
        return fail(r, p->http_major == 0 ? 400 : 505); /* 0.9 has no headers to end */
    const wa__hdrs *h = &r->cur->headers;
    const char *host = NULL;
    int hosts = count_named(h, "host", &host);
    if (hosts > 1 || (hosts == 0 && p->http_minor >= 1))
        return fail(r, 400); /* RFC 9112 3.2 */
    if (framing_check(r, p) < 0)
        return -1;
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > r->opts->max_body_bytes)
        return fail(r, 413);
    char *method = wa__strdup(http_method_str((enum http_method)p->method));
    char *target = wa__strndup(r->url ? r->url : "", r->url_len);
    if (!method || !target) {
        free(method);
        free(target);
        return fail(r, 503);
    }
    wa__request_set_line(r->cur, method, target);
    if (!r->cur->path || r->cur->path[0] != '/')
        return fail(r, 400); /* "*", authority form, another scheme */
    if (authority_check(r, host) < 0)
        return -1;
    const char *expect = NULL;
    if (count_named(h, "expect", &expect) > 0 && p->http_minor >= 1) {
        if (strcasecmp(expect, "100-continue") != 0)
            return fail(r, 417);
        if (body_expected(p) && r->ev->expect_continue && r->ev->expect_continue(r->ctx) < 0)
            return fail(r, 503);
    }
    r->phase = WA_H1_BODY;
    r->lines = 0; /* trailers have a count of their own */
    wa__chunk_scan_init(&r->chunks);
    r->head_lf_owed = 1;
    http_parser_pause(p, 1); /* so wa__h1_feed knows where the head ended */
    return 0;
}

/* Chunk data, extensions included, against the body limit. */
static size_t body_room(const wa__h1_reader *r)
{
    size_t used = r->cur->body_len + r->chunks.ext_bytes;
    return used >= r->opts->max_body_bytes ? 0 : r->opts->max_body_bytes - used;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    wa__h1_reader *r = p->data;
    if (n > body_room(r))
        return fail(r, 413);
    if (wa__request_body_append(r->cur, at, n) < 0)
        return fail(r, 503);
    return 0;
}

/* A chunk announces its size first: refuse before receiving it. */
static int on_chunk_header(http_parser *p)
{
    wa__h1_reader *r = p->data;
    if (p->content_length > body_room(r))
        return fail(r, 413);
    return 0;
}

static int on_complete(http_parser *p)
{
    wa__h1_reader *r = p->data;
    if (commit_field(r) < 0) /* the last trailer */
        return -1;
    wa_request *req = r->cur;
    r->cur = NULL;
    r->phase = WA_H1_IDLE;
    wa__h1_msg m = {
        .keep_alive = http_should_keep_alive(p) && p->method != HTTP_CONNECT,
        .head = p->method == HTTP_HEAD,
    };
    if (m.keep_alive && p->http_minor == 0)
        m.keep_alive = WA_HTTP_SAY_KEEP_ALIVE;
    int rc = r->ev->request(r->ctx, req, &m);
    if (rc < 0)
        return fail(r, 503);
    r->paused = rc > 0;
    http_parser_pause(p, 1); /* always: the next head is counted from here */
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
    .on_chunk_header = on_chunk_header,
};

/* ------------------------------------------------------------ feeding */

void wa__h1_init(wa__h1_reader *r, const wa_server_opts *opts, const wa__h1_events *ev, void *ctx)
{
    memset(r, 0, sizeof *r);
    http_parser_init(&r->parser, HTTP_REQUEST);
    r->parser.data = r;
    r->opts = opts;
    r->ev = ev;
    r->ctx = ctx;
}

void wa__h1_free(wa__h1_reader *r)
{
    if (r->cur) {
        wa__request_clear(r->cur);
        free(r->cur);
        r->cur = NULL;
    }
    free(r->hname);
    free(r->hval);
    free(r->url);
    r->hname = r->hval = r->url = NULL;
}

void wa__h1_resume(wa__h1_reader *r) { r->paused = 0; }

/* Over the head budget: 414 while the request line is unfinished (its
 * version not yet read), as nginx and RFC 9112 3 have it, else 431. */
static int head_too_long(const wa__h1_reader *r)
{
    int in_line = r->phase == WA_H1_HEAD && r->parser.http_major == 0 && r->parser.http_minor == 0;
    return in_line ? 414 : 431;
}

/* http_parser knows a fixed list of methods. A method of token characters
 * it does not know is 501 (RFC 9110 9.1); anything else is 400. The bytes
 * from the one it stopped at to the space tell which. */
static int unknown_method_status(const char *at, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (at[i] == ' ')
            return i > 0 ? 501 : 400;
        if (!wa__http_token_ok(at + i, 1))
            return 400;
    }
    return 501; /* the line goes on in the next read: a token so far */
}

/* A chunked body's framing is checked before the parser sees it: the parser
 * would run a request whose extensions are malformed before we could see
 * them. Returns how many of n bytes to give the parser, or 0 on an error. */
static size_t scan_chunks(wa__h1_reader *r, const char *data, size_t n)
{
    size_t lf = r->head_lf_owed && n > 0 && data[0] == '\n';
    r->head_lf_owed = 0;
    if (r->phase != WA_H1_BODY || !(r->parser.flags & F_CHUNKED) ||
        wa__chunk_scan_done(&r->chunks) || n == lf)
        return n;
    long k = wa__chunk_scan_feed(&r->chunks, data + lf, n - lf);
    if (k <= 0) {
        fail(r, 400);
        return 0;
    }
    if (r->cur->body_len + r->chunks.ext_bytes > r->opts->max_body_bytes) {
        fail(r, 413); /* extensions count as body bytes */
        return 0;
    }
    return lf + (size_t)k;
}

size_t wa__h1_feed(wa__h1_reader *r, const char *data, size_t n)
{
    size_t off = 0;
    /* head_bytes: every byte since the last request ended, up to the end of
     * this one's head; the parser pauses at both ends so it can be counted
     * exactly, and is never given more than the room left. */
    while (off < n && !r->status && !r->paused) {
        size_t len = n - off;
        int heading = r->phase != WA_H1_BODY;
        if (heading) {
            size_t max = r->opts->max_head_bytes;
            if (r->head_bytes >= max) {
                fail(r, head_too_long(r));
                break;
            }
            if (len > max - r->head_bytes)
                len = max - r->head_bytes;
        } else if ((len = scan_chunks(r, data + off, len)) == 0) {
            break;
        }
        size_t done = http_parser_execute(&r->parser, &settings, data + off, len);
        off += done;
        if (heading)
            r->head_bytes += done;
        /* The parser keeps CONNECT / Upgrade requests' flag: they get one
         * ordinary answer here, never a switch of protocol. */
        r->parser.upgrade = 0;
        enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
        if (e == HPE_PAUSED) {
            http_parser_pause(&r->parser, 0);
            if (r->phase == WA_H1_IDLE)
                r->head_bytes = 0; /* a request ended; the next starts here */
            continue;
        }
        if (e == HPE_INVALID_METHOD) {
            fail(r, unknown_method_status(data + off, n - off));
            break;
        }
        if (e == HPE_HEADER_OVERFLOW) { /* in a body: a chunk line's extensions */
            fail(r, r->phase == WA_H1_BODY ? 413 : head_too_long(r));
            break;
        }
        if (e != HPE_OK) {
            fail(r, 400);
            break;
        }
        if (r->phase == WA_H1_HEAD && r->parser.http_major == 0 && r->parser.http_minor == 9) {
            /* HTTP/0.9 ("GET /" and a line end): it has no headers to wait
             * for and cannot read a status line; answer at once and close. */
            fail(r, 400);
            break;
        }
        if (done != len) {
            fail(r, 400);
            break;
        }
    }
    return off;
}
