/* redirect.c: the portable rules for following an HTTP redirect, for host
 * backends whose client does not follow them itself (wasi:http): which
 * statuses redirect, where a Location points, and what the next request is. */
#include <stdlib.h>
#include <string.h>
#include "http/http.h"
#include "core/backend.h"

int wa__http_is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Resolve a Location against the URL it came from (RFC 3986 in the forms
 * servers send: absolute, scheme-relative, absolute path, relative path). */
char *wa__http_resolve_location(const char *base, const char *loc)
{
    const char *sep = strstr(base, "://");
    if (!sep)
        return NULL;
    const char *p = loc;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    if (p > loc && *p == ':')
        return wa__strdup(loc);
    size_t scheme_len = (size_t)(sep - base) + 1; /* "http:" */
    const char *auth_end = sep + 3 + strcspn(sep + 3, "/?#");
    size_t keep;
    if (loc[0] == '/' && loc[1] == '/')
        keep = scheme_len;
    else if (loc[0] == '/')
        keep = (size_t)(auth_end - base);
    else {
        const char *path_end = auth_end + strcspn(auth_end, "?#");
        const char *slash = path_end;
        while (slash > auth_end && slash[-1] != '/')
            slash--;
        keep = (size_t)(slash - base);
        if (slash == auth_end) { /* no path: relative to "/" */
            size_t ll = strlen(loc);
            char *s = malloc(keep + 1 + ll + 1);
            if (!s)
                return NULL;
            memcpy(s, base, keep);
            s[keep] = '/';
            memcpy(s + keep + 1, loc, ll + 1);
            return s;
        }
    }
    size_t ll = strlen(loc);
    char *s = malloc(keep + ll + 1);
    if (!s)
        return NULL;
    memcpy(s, base, keep);
    memcpy(s + keep, loc, ll + 1);
    return s;
}

int wa__http_redirect_drops_body(int status, const char **method)
{
    /* As libcurl and browsers do. */
    if (status == 303 || ((status == 301 || status == 302) && strcmp(*method, "POST") == 0)) {
        if (strcmp(*method, "HEAD") != 0)
            *method = "GET";
        return 1;
    }
    return 0;
}
