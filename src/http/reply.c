/* reply.c: the reply object handlers fill, error pages, and the
 * HTTP/1.1 serializer every server backend writes from. */
#include "http/http.h"
#include "core/backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wa__reply_init(wa_reply *r)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
}

void wa__reply_clear(wa_reply *r)
{
    wa__hdrs_clear(&r->headers);
    free(r->body);
    wa__reply_init(r);
}

const char *wa__http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

int wa__reply_error(wa_reply *r, int status)
{
    wa__reply_clear(r);
    r->status = status;
    char text[96];
    int n = snprintf(text, sizeof text, "%d: %s", status, wa__http_reason(status));
    r->body = wa__strdup(text);
    if (!r->body)
        return WA_ENOMEM;
    r->body_len = (size_t)n;
    r->text = 1;
    return 0;
}

int wa_reply_status(wa_reply *r, int status)
{
    if (!r || status < 100 || status > 599)
        return WA_EINVAL;
    r->status = status;
    return 0;
}

int wa_reply_header(wa_reply *r, const char *name, const char *value)
{
    if (!r || !name || !value)
        return WA_EINVAL;
    size_t nl = strlen(name), vl = strlen(value);
    if (!wa__http_token_ok(name, nl) || !wa__http_value_ok(value, vl))
        return WA_EINVAL;
    int rc = wa__hdrs_add(&r->headers, name, nl, value, vl);
    if (rc == 0 && strcasecmp(name, "Content-Type") == 0)
        r->has_type = 1;
    return rc;
}

int wa_reply_body(wa_reply *r, const void *data, size_t len)
{
    if (!r || (!data && len > 0))
        return WA_EINVAL;
    char *b = malloc(len + 1);
    if (!b)
        return WA_ENOMEM;
    if (len)
        memcpy(b, data, len);
    b[len] = '\0';
    free(r->body);
    r->body = b;
    r->body_len = len;
    r->text = 0;
    return 0;
}

int wa_reply_text(wa_reply *r, const char *fmt, ...)
{
    if (!r || !fmt)
        return WA_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    char *s = wa__vformat(fmt, ap);
    va_end(ap);
    if (!s)
        return WA_ENOMEM;
    free(r->body);
    r->body = s;
    r->body_len = strlen(s);
    r->text = 1;
    return 0;
}

int wa__http_framing_header(const char *name)
{
    return strcasecmp(name, "Content-Length") == 0 || strcasecmp(name, "Transfer-Encoding") == 0 ||
           strcasecmp(name, "Connection") == 0;
}

int wa__reply_serialize(const wa_reply *r, int keep_alive, int head, char **out, size_t *out_len)
{
    const char *reason = wa__http_reason(r->status);
    const char *type = r->text ? "text/plain; charset=utf-8" : "application/octet-stream";
    int no_body = head || r->status == 204 || r->status == 304 || r->status < 200;
    size_t size = 64 + strlen(reason) + 64 + 40 + 24;
    for (size_t i = 0; i < r->headers.n; i++)
        size += strlen(r->headers.v[i].name) + strlen(r->headers.v[i].value) + 4;
    size += no_body ? 0 : r->body_len;
    char *buf = malloc(size);
    if (!buf)
        return WA_ENOMEM;
    char *p = buf;
    p += sprintf(p, "HTTP/1.1 %d %s\r\n", r->status, reason);
    for (size_t i = 0; i < r->headers.n; i++) {
        if (wa__http_framing_header(r->headers.v[i].name))
            continue;
        size_t nl = strlen(r->headers.v[i].name), vl = strlen(r->headers.v[i].value);
        memcpy(p, r->headers.v[i].name, nl);
        p += nl;
        *p++ = ':';
        *p++ = ' ';
        memcpy(p, r->headers.v[i].value, vl);
        p += vl;
        *p++ = '\r';
        *p++ = '\n';
    }
    if (!r->has_type && r->status != 204 && r->status != 304)
        p += sprintf(p, "Content-Type: %s\r\n", type);
    if (r->status != 204 && r->status != 304 && r->status >= 200)
        p += sprintf(p, "Content-Length: %zu\r\n", r->body_len);
    if (!keep_alive) {
        memcpy(p, "Connection: close\r\n", 19);
        p += 19;
    } else if (keep_alive == WA_HTTP_SAY_KEEP_ALIVE) {
        memcpy(p, "Connection: keep-alive\r\n", 24);
        p += 24;
    }
    *p++ = '\r';
    *p++ = '\n';
    if (!no_body && r->body_len) {
        memcpy(p, r->body, r->body_len);
        p += r->body_len;
    }
    *out = buf;
    *out_len = (size_t)(p - buf);
    return 0;
}
