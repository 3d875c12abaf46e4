/* headers.c: header lists shared by responses, requests and replies,
 * and the token/value syntax checks that keep CR/LF out of messages. */
#include "http/http.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>

int wa__hdrs_add(wa__hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen)
{
    while (vlen > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        vlen--;
    }
    while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t' ||
                        value[vlen - 1] == '\r' || value[vlen - 1] == '\n'))
        vlen--;
    return wa__hdrs_add_raw(h, name, nlen, value, vlen);
}

int wa__hdrs_add_raw(wa__hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (wa__grow(&h->v, &h->cap, h->n + 1, sizeof *h->v, 8))
        return WA_ENOMEM;
    char *n = wa__strndup(name, nlen), *v = wa__strndup(value, vlen);
    if (!n || !v) {
        free(n);
        free(v);
        return WA_ENOMEM;
    }
    h->v[h->n].name = n;
    h->v[h->n].value = v;
    h->n++;
    return 0;
}

const char *wa__hdrs_get(const wa__hdrs *h, const char *name)
{
    if (!h || !name)
        return NULL;
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->v[i].name, name) == 0)
            return h->v[i].value;
    return NULL;
}

void wa__hdrs_clear(wa__hdrs *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

int wa__http_token_ok(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!s || n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && (c == '\0' || !strchr(extra, c)))
            return 0;
    }
    return 1;
}

int wa__http_value_ok(const char *s, size_t n)
{
    if (!s)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return 0;
    return 1;
}

int wa__bytes_append(char **buf, size_t *len, size_t *cap, size_t first_cap, const void *data,
                     size_t n)
{
    if (n > SIZE_MAX / 2 - *len)
        return WA_ENOMEM;
    if (wa__grow(buf, cap, *len + n + 1, 1, first_cap))
        return WA_ENOMEM;
    if (n)
        memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}
