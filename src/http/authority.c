/* authority.c: what a server accepts as the authority a request is for (the
 * Host field, or an absolute-form target's authority): RFC 3986's
 * host [":" port] with IP literals, so a handler or a virtual-host lookup
 * never sees a path, a space or a user name where a host belongs. */
#include "http/http.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_unreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static int is_sub_delim(char c) { return c != '\0' && strchr("!$&'()*+,;=", c) != NULL; }

/* IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
static int ipvfuture_ok(const char *s, size_t n)
{
    size_t i = 1;
    if (n < 4 || (s[0] != 'v' && s[0] != 'V'))
        return 0;
    while (i < n && is_hex(s[i]))
        i++;
    if (i == 1 || i >= n - 1 || s[i] != '.')
        return 0;
    for (i++; i < n; i++)
        if (!is_unreserved(s[i]) && !is_sub_delim(s[i]) && s[i] != ':')
            return 0;
    return 1;
}

/* reg-name (or an IPv4 address, which is one syntactically). */
static int reg_name_ok(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return 0;
            i += 2;
        } else if (s[i] == '.' && i + 1 < n && s[i + 1] == '.') {
            return 0;
        } else if (!is_unreserved(s[i]) && !is_sub_delim(s[i])) {
            return 0;
        }
    }
    return 1;
}

/* port = *DIGIT, read as a TCP port: empty (the default) or 0..65535. */
static int port_ok(const char *s, size_t n)
{
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (unsigned long)(s[i] - '0');
        if (v > 65535)
            return 0;
    }
    return 1;
}

int wa__http_authority_ok(const char *s, size_t n)
{
    size_t host_end;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return 0;
        size_t in = (size_t)(close - s) - 1;
        if (!wa__ipv6_text_ok(s + 1, in) && !ipvfuture_ok(s + 1, in))
            return 0;
        host_end = in + 2;
    } else {
        const char *colon = memchr(s, ':', n);
        host_end = colon ? (size_t)(colon - s) : n;
        if (!reg_name_ok(s, host_end))
            return 0;
    }
    if (host_end == n)
        return 1;
    return s[host_end] == ':' && port_ok(s + host_end + 1, n - host_end - 1);
}
