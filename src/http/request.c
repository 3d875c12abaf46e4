/* request.c: the request object handlers read (method, path, {param}
 * captures, query, headers, body) and the bookkeeping backends use to build
 * it. */
#include "http/http.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wa__request_init(wa_request *r)
{
    memset(r, 0, sizeof *r);
    r->query = "";
}

void wa__request_clear(wa_request *r)
{
    free(r->method);
    free(r->target);
    free(r->path);
    free(r->body);
    wa__hdrs_clear(&r->headers);
    wa__hdrs_clear(&r->trailers);
    wa__hdrs_clear(&r->params);
    wa__hdrs_clear(&r->qparams);
    wa__request_init(r);
}

/* The origin-form part of an absolute-form target ("http://x/p?q" ->
 * "/p?q"; RFC 9112 3.2.2: a server MUST accept it); other targets as is. */
static const char *origin_part(const char *target, int *absolute)
{
    const char *p = NULL;
    if (strncasecmp(target, "http://", 7) == 0)
        p = target + 7;
    else if (strncasecmp(target, "https://", 8) == 0)
        p = target + 8;
    *absolute = p != NULL;
    return p ? p + strcspn(p, "/?#") : target;
}

void wa__request_set_line(wa_request *r, char *method, char *target)
{
    free(r->method);
    free(r->target);
    free(r->path);
    r->method = method;
    r->target = target;
    r->query = "";
    r->path = NULL;
    if (!target)
        return;
    int absolute;
    const char *rest = origin_part(target, &absolute);
    /* The path is kept apart from the target so the query stays intact. */
    size_t plen = strcspn(rest, "?#");
    r->path = absolute && plen == 0 ? wa__strdup("/") : wa__strndup(rest, plen);
    if (rest[plen] == '?') {
        char *q = target + (rest - target) + plen + 1;
        char *hash = strchr(q, '#');
        if (hash)
            *hash = '\0';
        r->query = q;
    }
}

const char *wa__request_target_authority(const wa_request *r, size_t *len)
{
    int absolute = 0;
    const char *rest = r->target ? origin_part(r->target, &absolute) : NULL;
    if (!absolute)
        return NULL;
    const char *auth = strstr(r->target, "://") + 3;
    *len = (size_t)(rest - auth);
    return auth;
}

int wa__request_set_host(wa_request *r, const char *value, size_t n)
{
    for (size_t i = 0; i < r->headers.n; i++)
        if (strcasecmp(r->headers.v[i].name, "Host") == 0) {
            char *v = wa__strndup(value, n);
            if (!v)
                return WA_ENOMEM;
            free(r->headers.v[i].value);
            r->headers.v[i].value = v;
            return 0;
        }
    return wa__hdrs_add_raw(&r->headers, "Host", 4, value, n);
}

/* What malloc takes for a string of n bytes: glibc's chunks are 16-byte
 * multiples with an 8-byte header, 32 at least (a 1-byte header value costs
 * 32, which is most of a parsed request). */
static size_t chunk(size_t n)
{
    size_t c = (n + 1 + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

static size_t hdrs_footprint(const wa__hdrs *h)
{
    size_t n = chunk(h->cap * sizeof *h->v);
    for (size_t i = 0; i < h->n; i++)
        n += chunk(strlen(h->v[i].name)) + chunk(strlen(h->v[i].value));
    return n;
}

size_t wa__request_footprint(const wa_request *r)
{
    size_t n = chunk(sizeof *r) + (r->body_cap ? chunk(r->body_cap) : 0);
    if (r->target)
        n += chunk(strlen(r->target)) + chunk(strlen(r->path ? r->path : "")) +
             chunk(strlen(r->method ? r->method : ""));
    return n + hdrs_footprint(&r->headers) + hdrs_footprint(&r->trailers);
}

int wa__request_body_append(wa_request *r, const void *data, size_t n)
{
    return wa__bytes_append(&r->body, &r->body_len, &r->body_cap, 256, data, n);
}

/* Split "a=1&b=x+y" into decoded pairs (done once, before the handler). */
int wa__request_parse_query(wa_request *r)
{
    if (r->qparsed)
        return 0;
    r->qparsed = 1;
    const char *p = r->query;
    while (*p) {
        size_t len = strcspn(p, "&;");
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = eq ? len - klen - 1 : 0;
            char *k = wa__pct_decode(p, klen, 1);
            char *dv = wa__pct_decode(v, vlen, 1);
            int rc =
                (k && dv) ? wa__hdrs_add_raw(&r->qparams, k, strlen(k), dv, strlen(dv)) : WA_ENOMEM;
            free(k);
            free(dv);
            if (rc < 0)
                return rc;
        }
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

const char *wa_request_method(const wa_request *r) { return r && r->method ? r->method : NULL; }

const char *wa_request_path(const wa_request *r) { return r && r->path ? r->path : NULL; }

/* Captures and query names are case-sensitive, unlike header names. */
static const char *find_exact(const wa__hdrs *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->v[i].name, name) == 0)
            return h->v[i].value;
    return NULL;
}

const char *wa_request_param(const wa_request *r, const char *name)
{
    if (!r || !name)
        return NULL;
    return find_exact(&r->params, name);
}

const char *wa_request_query(const wa_request *r, const char *name)
{
    if (!r || !name)
        return NULL;
    return find_exact(&r->qparams, name);
}

const char *wa_request_header(const wa_request *r, const char *name)
{
    if (!r || !name)
        return NULL;
    return wa__hdrs_get(&r->headers, name);
}

const char *wa_request_host(const wa_request *r)
{
    return r ? wa__hdrs_get(&r->headers, "Host") : NULL;
}

const char *wa_request_trailer(const wa_request *r, const char *name)
{
    if (!r || !name)
        return NULL;
    return wa__hdrs_get(&r->trailers, name);
}

const void *wa_request_body(const wa_request *r, size_t *len)
{
    if (len)
        *len = r ? r->body_len : 0;
    if (!r)
        return NULL;
    return r->body ? r->body : "";
}
