/* request.c: the request object handlers read (method, path, {param}
 * captures, query, headers, body) and the bookkeeping backends use to build
 * it. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

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
    wa__hdrs_clear(&r->params);
    wa__hdrs_clear(&r->qparams);
    wa__request_init(r);
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
    /* The path is kept apart from the target so the query stays intact. */
    size_t plen = strcspn(target, "?#");
    r->path = malloc(plen + 1);
    if (r->path) {
        memcpy(r->path, target, plen);
        r->path[plen] = '\0';
    }
    if (target[plen] == '?') {
        char *q = target + plen + 1;
        char *hash = strchr(q, '#');
        if (hash)
            *hash = '\0';
        r->query = q;
    }
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
            int rc = (k && dv) ? wa__hdrs_add_raw(&r->qparams, k, strlen(k), dv, strlen(dv))
                               : WA_ENOMEM;
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

const char *wa_request_method(const wa_request *r)
{
    return r && r->method ? r->method : NULL;
}

const char *wa_request_path(const wa_request *r)
{
    return r && r->path ? r->path : NULL;
}

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

const void *wa_request_body(const wa_request *r, size_t *len)
{
    if (len)
        *len = r ? r->body_len : 0;
    if (!r)
        return NULL;
    return r->body ? r->body : "";
}
