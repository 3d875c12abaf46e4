/* response.c: the wa_response object every fetch backend fills, and
 * its public accessors. Streaming reads are forwarded to the backend's
 * hooks; everything else is plain data. */
#include "http/http.h"
#include "core/backend.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
}

int wa_response_status(const wa_response *r)
{
    return r ? r->status : WA_EINVAL;
}

const char *wa_response_header(const wa_response *r, const char *name)
{
    if (!r || !name)
        return NULL;
    return wa__hdrs_get(&r->headers, name);
}

size_t wa_response_header_count(const wa_response *r)
{
    return r ? r->headers.n : 0;
}

int wa_response_header_at(const wa_response *r, size_t i, const char **name,
                          const char **value)
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
