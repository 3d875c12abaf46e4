/* response.c: the wa_response object every fetch backend fills, the checks
 * every backend applies to a response head (size, lines, Content-Length),
 * and the public accessors. Streaming reads go to the backend's hooks. */
#include "http/http.h"
#include "core/backend.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

wa_response *wa__response_new(size_t max_body)
{
    wa_response *r = calloc(1, sizeof *r);
    if (r)
        r->max_body = max_body ? max_body : WA_HTTP_DEFAULT_MAX_BODY;
    return r;
}

int wa__response_append(wa_response *r, const void *data, size_t n)
{
    if (n > r->max_body - r->body_len)
        return WA_ETOOBIG;
    return wa__bytes_append(&r->body, &r->body_len, &r->body_cap, 1024, data, n);
}

void wa__response_reset_headers(wa_response *r)
{
    wa__hdrs_clear(&r->headers);
    r->head_bytes = r->head_lines = 0;
    r->has_length = 0;
}

int wa__response_head_line(wa_response *r, size_t n)
{
    if (r->head_lines >= WA_HTTP_MAX_RESPONSE_LINES ||
        n > WA_HTTP_MAX_RESPONSE_HEAD - r->head_bytes)
        return WA_ETOOBIG;
    r->head_lines++;
    r->head_bytes += n;
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* value: "N" or a list "N, N, ..." (a proxy may have merged repeats). */
static int content_length_check(wa_response *r, const char *value)
{
    const char *p = value;
    for (;;) {
        while (is_ows(*p))
            p++;
        if (!is_digit(*p))
            return WA_EPROTO;
        uint64_t n = 0;
        for (; is_digit(*p); p++) {
            if (n > (UINT64_MAX - 9) / 10)
                return WA_EPROTO;
            n = n * 10 + (uint64_t)(*p - '0');
        }
        if (r->has_length && n != r->content_length)
            return WA_EPROTO;
        r->has_length = 1;
        r->content_length = n;
        while (is_ows(*p))
            p++;
        if (!*p)
            return 0;
        if (*p++ != ',')
            return WA_EPROTO;
    }
}

int wa__response_add_header(wa_response *r, const char *name, size_t nlen, const char *value,
                            size_t vlen)
{
    int rc = wa__response_head_line(r, nlen + vlen + 4); /* "name: value\r\n" */
    if (rc == 0)
        rc = wa__hdrs_add(&r->headers, name, nlen, value, vlen);
    if (rc == 0 && nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0)
        rc = content_length_check(r, r->headers.v[r->headers.n - 1].value);
    return rc;
}

int wa_response_status(const wa_response *r) { return r ? r->status : WA_EINVAL; }

const char *wa_response_header(const wa_response *r, const char *name)
{
    if (!r || !name)
        return NULL;
    return wa__hdrs_get(&r->headers, name);
}

size_t wa_response_header_count(const wa_response *r) { return r ? r->headers.n : 0; }

int wa_response_header_at(const wa_response *r, size_t i, const char **name, const char **value)
{
    if (!r || i >= r->headers.n)
        return WA_EINVAL;
    if (name)
        *name = r->headers.v[i].name;
    if (value)
        *value = r->headers.v[i].value;
    return 0;
}

const void *wa_response_body(const wa_response *r, size_t *len)
{
    if (len)
        *len = 0;
    if (!r || r->streaming)
        return NULL;
    if (len)
        *len = r->body_len;
    return r->body ? r->body : "";
}

const char *wa_response_text(const wa_response *r)
{
    if (!r || r->streaming)
        return NULL;
    return r->body ? r->body : "";
}

long wa_response_read(wa_response *r, void *buf, size_t n)
{
    if (!r || (!buf && n > 0))
        return WA_EINVAL;
    if (!r->streaming) {
        /* A buffered response reads like a stream too: from the start. */
        size_t left = r->body_len - r->read_off;
        size_t k = left < n ? left : n;
        if (k > (size_t)LONG_MAX)
            k = (size_t)LONG_MAX;
        if (k) {
            memcpy(buf, r->body + r->read_off, k);
            r->read_off += k;
        }
        return (long)k;
    }
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    if (n == 0)
        return 0;
    if (n > (size_t)LONG_MAX)
        n = (size_t)LONG_MAX;
    return r->read ? r->read(r, buf, n) : 0;
}

void wa_response_free(wa_response *r)
{
    if (!r)
        return;
    if (r->release)
        r->release(r);
    wa__hdrs_clear(&r->headers);
    free(r->body);
    free(r);
}
