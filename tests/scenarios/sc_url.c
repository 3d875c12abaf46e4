/* sc_url.c: scenario: wa_fetch's URL check is the same on every target. The
 * shapes libcurl refuses (two '@', sub-delims or %-escapes in a host name,
 * IPv6 literals that are not RFC 4291 text) fail with WA_EURL at once, even
 * where the host's own client would take them; the well-formed shapes next
 * to them are let through to the backend. */
#include "harness.h"

#include <stdlib.h>

static const char *const refused[] = {
    "http://a@b@c/",        "http://e$xample.com/", "http://ex%41mple.com/",
    "http://h(x)/",         "http://a!b/",          "http://a+b/",
    "http://a,b/",          "http://a;b/",          "http://a=b/",
    "http://a'b/",          "http://a*b/",          "http://a&b/",
    "http://[1]/",          "http://[::1%25eth0]/", "http://[1:2:3:4:5:6:7:8:9]/",
    "http://[::1.2.3.4.]/", "http://[::01.2.3.4]/", "http://[1::2::3]/",
    "http://[:1::2]/",      "http://[12345::]/",    "http://[]/",
    "http://[::1]x/",       "https://x:y@z@w/",
};

static void test_curl_refused_shapes(void)
{
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        wa_response *r = NULL;
        int rc = 1, scope;
        uint64_t t0 = wa_hrtime();
        {
            WA_TIMEOUT_SCOPE(2000, scope);
            rc = wa_fetch(refused[i], NULL, &r);
        }
        uint64_t ms = (wa_hrtime() - t0) / 1000000;
        if (rc != WA_EURL || ms > 500)
            printf("  %s: %d after %llu ms\n", refused[i], rc, (unsigned long long)ms);
        CHECK_INT(rc, WA_EURL);
        CHECK(ms <= 500);
        CHECK(r == NULL);
    }
}

/* Over 2 MiB: curl and browsers give up on such URLs, so the check does. */
static void test_too_long(void)
{
    size_t n = ((size_t)2 << 20) + 16;
    char *url = malloc(n + 1);
    CHECK(url != NULL);
    if (!url)
        return;
    memcpy(url, "http://h/", 9);
    memset(url + 9, 'a', n - 9);
    url[n] = 0;
    wa_response *r = NULL;
    CHECK_INT(wa_fetch(url, NULL, &r), WA_EURL);
    url[(size_t)2 << 20] = 0; /* exactly the limit: let through */
    int rc = 1, scope;
    {
        WA_TIMEOUT_SCOPE(3000, scope);
        rc = wa_fetch(url, NULL, &r);
    }
    CHECK(rc != WA_EURL);
    wa_response_free(r);
    free(url);
}

/* Nobody listens on port 1: each reaches the backend and fails there (or
 * is WA_ENOTSUP where there is no HTTP), but never as a malformed URL. */
static const char *const accepted[] = {
    "http://user:p%40ss@127.0.0.1:1/",
    "http://127.0.0.1:1/?q=a@b&r=(1)#frag",
    "http://[::1]:1/",
    "http://[::ffff:127.0.0.1]:1/",
    "http://[0:0:0:0:0:0:0:1]:1/",
    "http://my_host.invalid:1/",
};

static void test_well_formed_shapes(void)
{
    for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
        wa_response *r = NULL;
        int rc = 1, scope;
        {
            WA_TIMEOUT_SCOPE(3000, scope);
            rc = wa_fetch(accepted[i], NULL, &r);
        }
        if (rc == WA_EURL)
            printf("  %s: refused as a malformed URL\n", accepted[i]);
        CHECK(rc != WA_EURL);
        wa_response_free(r);
    }
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_curl_refused_shapes),
    WA_H_TEST(test_well_formed_shapes),
    WA_H_TEST(test_too_long),
    {0},
};

int main(void) { return wa_h_main(tests); }
