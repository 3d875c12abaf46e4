/* url.c: absolute http(s) URL checks (WA_EURL vs WA_ESCHEME) and
 * percent-decoding. Every backend validates through here first, so the
 * same URL fails the same way on every target, and nothing passes here that
 * libcurl's parser (the strictest of our clients) would refuse later. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Characters allowed anywhere in a URL we hand to a client: printable ASCII
 * without space, quotes, angle brackets, backslash, braces... (RFC 3986
 * unreserved + reserved + '%'). */
static int url_char_ok(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return 0;
    return !strchr("\"<>\\^`{|}", c);
}

/* A host name: letters, digits, '-', '.', '_', '~'. RFC 3986 also allows
 * sub-delims ("!$&'()*+,;=") and %-escapes there, but curl refuses those
 * (so do DNS names), and a host our check passed must not fail later. */
static int host_char_ok(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A dotted quad with no leading zeros (inet_pton's rule), s[0..n). */
static int ipv4_dotted_ok(const char *s, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        size_t start = i;
        int v = 0;
        while (i < n && is_digit(s[i]) && i - start < 3)
            v = v * 10 + (s[i++] - '0');
        if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
            return 0;
        parts++;
        if (i == n || parts == 4)
            break;
        if (s[i] != '.')
            return 0;
        i++;
    }
    return parts == 4 && i == n;
}

/* RFC 4291 2.2 text form, s[0..n) between the brackets: up to eight groups
 * of 1-4 hex digits, one "::" standing for one or more zero groups, and
 * optionally a dotted quad as the last two groups. No zone id. The server's
 * Host check (authority.c) reads IP literals with it too. */
int wa__ipv6_text_ok(const char *s, size_t n)
{
    int groups = 0, gap = 0;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 1;
        i = 2;
    } else if (n > 0 && s[0] == ':') {
        return 0;
    }
    while (i < n) {
        size_t j = i;
        while (j < n && is_hex(s[j]))
            j++;
        if (j < n && s[j] == '.') { /* the IPv4 tail ends the address */
            if (!ipv4_dotted_ok(s + i, n - i))
                return 0;
            groups += 2;
            break;
        }
        if (j == i || j - i > 4)
            return 0;
        groups++;
        if (j == n)
            break;
        if (s[j] != ':' || j + 1 == n)
            return 0;
        if (s[j + 1] == ':') {
            if (gap)
                return 0;
            gap = 1;
            i = j + 2;
        } else {
            i = j + 1;
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

/* Longer URLs are refused: curl stops at 8,000,000 bytes, Chromium at
 * 2 MiB, and servers at far less (414). */
#define WA_URL_MAX_LEN ((size_t)2 << 20)

int wa__url_parse(const char *url, wa__url *out)
{
    if (!url)
        return WA_EINVAL;
    if (strnlen(url, WA_URL_MAX_LEN + 1) > WA_URL_MAX_LEN)
        return WA_EURL;
    wa__url u = {0};
    const char *p = url;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    if (!is_alpha(*p))
        return WA_EURL;
    while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':')
        return WA_EURL;
    size_t slen = (size_t)(p - url);
    for (const char *q = url; *q; q++)
        if (!url_char_ok((unsigned char)*q))
            return WA_EURL;
    if (slen == 4 && strncasecmp(url, "http", 4) == 0)
        u.https = 0;
    else if (slen == 5 && strncasecmp(url, "https", 5) == 0)
        u.https = 1;
    else
        return WA_ESCHEME;
    p++;
    if (p[0] != '/' || p[1] != '/')
        return WA_EURL;
    p += 2;
    /* authority = [ userinfo "@" ] host [ ":" port ] */
    const char *auth = p;
    const char *auth_end = auth + strcspn(auth, "/?#");
    /* The userinfo ends at the first '@' (curl's reading); a second one
     * would be part of the host, which browsers read otherwise: refuse it. */
    const char *at = memchr(auth, '@', (size_t)(auth_end - auth));
    if (at && memchr(at + 1, '@', (size_t)(auth_end - at - 1)))
        return WA_EURL;
    const char *h = at ? at + 1 : auth;
    const char *hend;
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(auth_end - h));
        if (!close || !wa__ipv6_text_ok(h + 1, (size_t)(close - h - 1)))
            return WA_EURL;
        u.host = h + 1;
        u.host_len = (size_t)(close - h - 1);
        hend = close + 1;
    } else {
        hend = h;
        while (hend < auth_end && *hend != ':')
            hend++;
        u.host = h;
        u.host_len = (size_t)(hend - h);
        if (u.host_len == 0)
            return WA_EURL;
        for (const char *q = h; q < hend; q++)
            if (!host_char_ok(*q))
                return WA_EURL;
        if (*h == '.' || *h == '-')
            return WA_EURL;
    }
    u.port = u.https ? 443 : 80;
    if (hend < auth_end) {
        if (*hend != ':')
            return WA_EURL;
        const char *d = hend + 1;
        if (d < auth_end) { /* "host:" with an empty port means the default */
            long port = 0;
            for (; d < auth_end; d++) {
                if (!is_digit(*d))
                    return WA_EURL;
                port = port * 10 + (*d - '0');
                if (port > 65535)
                    return WA_EURL;
            }
            if (port == 0)
                return WA_EURL;
            u.port = (int)port;
        }
    }
    u.path = auth_end;
    /* A '#' fragment is never sent; '[' or ']' outside the host is invalid. */
    for (const char *q = auth_end; *q && *q != '#'; q++)
        if (*q == '[' || *q == ']')
            return WA_EURL;
    if (out)
        *out = u;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *wa__pct_decode(const char *s, size_t n, int plus_is_space)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}
