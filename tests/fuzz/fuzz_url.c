/* fuzz_url.c: libFuzzer harness for wa__url_parse, differential against
 * libcurl's curl_url: when both accept a URL they must agree on the scheme,
 * the host and the port (the WASI 0.2 backend connects where ours says; the
 * native one where curl says). Hosts curl rewrites (numeric IPv4 forms,
 * percent-escapes, case) are compared after the same rewrite or skipped. */
#include "http/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A host curl may normalise: an IPv4 address in any numeric form, or one
 * with escapes. */
static int rewritten_by_curl(const char *h, size_t n)
{
    int numeric = 1;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '%')
            return 1;
        if (!(isxdigit((unsigned char)h[i]) || h[i] == '.' || h[i] == 'x' || h[i] == 'X'))
            numeric = 0;
    }
    return numeric;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    wa__url u;
    int ours = wa__url_parse(s, &u);
    CURLU *h = curl_url();
    CURLUcode cu = curl_url_set(h, CURLUPART_URL, s, 0);
    if (ours == 0 && cu == CURLUE_OK) {
        char *scheme = NULL, *host = NULL, *port = NULL;
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
        curl_url_get(h, CURLUPART_HOST, &host, 0);
        curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
        if (!scheme || strcasecmp(scheme, u.https ? "https" : "http") != 0) {
            fprintf(stderr, "scheme: ours %s, curl %s\n", u.https ? "https" : "http", scheme);
            abort();
        }
        if (!port || atoi(port) != u.port) {
            fprintf(stderr, "port: ours %d, curl %s\n", u.port, port ? port : "(none)");
            abort();
        }
        const char *ch = host ? host : "";
        size_t cl = strlen(ch);
        if (cl >= 2 && ch[0] == '[') {
            /* curl keeps an IPv6 host's brackets and writes the address in
             * its shortest form: compare the addresses. */
            char a[64] = {0}, b[64] = {0};
            unsigned char x[16], y[16];
            if (cl - 2 < sizeof a && u.host_len < sizeof b) {
                memcpy(a, ch + 1, cl - 2);
                memcpy(b, u.host, u.host_len);
                if (inet_pton(AF_INET6, a, x) == 1 &&
                    (inet_pton(AF_INET6, b, y) != 1 || memcmp(x, y, 16) != 0)) {
                    fprintf(stderr, "v6 host: ours '%s', curl '%s'\n", b, a);
                    abort();
                }
            }
            cl = 0; /* compared (or a zone id, which curl rewrites) */
        }
        if (cl && !rewritten_by_curl(u.host, u.host_len) &&
            (cl != u.host_len || strncasecmp(ch, u.host, cl) != 0) && !memchr(ch, '%', cl) &&
            !memchr(u.host, '%', u.host_len)) {
            fprintf(stderr, "host: ours '%.*s', curl '%s'\n", (int)u.host_len, u.host, ch);
            abort();
        }
        curl_free(scheme);
        curl_free(host);
        curl_free(port);
    }
    curl_url_cleanup(h);
    free(s);
    return 0;
}
