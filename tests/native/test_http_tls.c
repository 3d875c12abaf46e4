/* test_http_tls.c: wa_fetch's TLS options against local HTTPS peers
 * (tests/http/tls_server.py) with a CA and certificates made for the run by
 * tests/http/tls_certs.sh (Debian's openssl): a trusted CA passes, an
 * unknown or self-signed certificate fails with WA_ETLS, the insecure
 * switch passes it, and a server that requires a client certificate
 * accepts the one given in the options. */
#define _GNU_SOURCE
#include "test_util.h"
#include "http_helpers.h"

static hh_proc signed_srv, self_srv, mtls_srv, mtls12_srv;
static char pki[64];
static char path_buf[8][128];

/* A file of the run's PKI; a few live at once. */
static const char *P(const char *name)
{
    static int slot;
    char *b = path_buf[slot++ % 8];
    snprintf(b, sizeof path_buf[0], "%s/%s", pki, name);
    return b;
}

static char url_buf[96];
static const char *U(const hh_proc *srv)
{
    snprintf(url_buf, sizeof url_buf, "https://127.0.0.1:%d/hello", srv->port);
    return url_buf;
}

static int group_teardown(void **state)
{
    (void)state;
    hh_kill(&signed_srv);
    hh_kill(&self_srv);
    hh_kill(&mtls_srv);
    hh_kill(&mtls12_srv);
    hh_pki_remove(pki);
    return 0;
}

static int group_setup(void **state)
{
    if (hh_pki_make(pki, sizeof pki, "tls") < 0) {
        if (pki[0])
            fprintf(stderr, "tls_certs.sh failed: see %s/openssl.log\n", pki);
        return -1;
    }
    /* The key paths come from P(): the three servers each take theirs now. */
    if (hh_tls_server(&signed_srv, P("server.pem"), P("server.key"), NULL, NULL) < 0 ||
        hh_tls_server(&self_srv, P("self.pem"), P("self.key"), NULL, NULL) < 0 ||
        hh_tls_server(&mtls_srv, P("server.pem"), P("server.key"), P("ca.pem"), NULL) < 0 ||
        hh_tls_server(&mtls12_srv, P("server.pem"), P("server.key"), P("ca.pem"), "tls1.2") < 0) {
        fprintf(stderr, "cannot start tests/http/tls_server.py\n");
        group_teardown(state); /* cmocka skips teardown when setup fails */
        return -1;
    }
    return 0;
}

/* Fetch url with o; on success *text gets a copy of the body. */
static int get(const char *url, const wa_fetch_opts *o, char *text, size_t cap)
{
    wa_response *r = NULL;
    int rc = wa_fetch(url, o, &r);
    if (text)
        snprintf(text, cap, "%s", r ? wa_response_text(r) : "");
    wa_response_free(r);
    return rc;
}

static void *trust_main(void *arg)
{
    (void)arg;
    char text[128];
    wa_fetch_opts o = {0};
    /* The system's store does not know the run's CA. */
    CHECK_EQ(get(U(&signed_srv), &o, NULL, 0), WA_ETLS);
    o.ca_file = P("ca.pem");
    CHECK_EQ(get(U(&signed_srv), &o, text, sizeof text), 0);
    CHECK_STR(text, "hello tls");
    o = (wa_fetch_opts){0};
    o.ca_dir = P("cadir");
    CHECK_EQ(get(U(&signed_srv), &o, text, sizeof text), 0);
    CHECK_STR(text, "hello tls");
    /* A CA file that is not there is named before connecting. */
    o = (wa_fetch_opts){0};
    o.ca_file = P("no-such-ca.pem");
    CHECK_EQ(get(U(&signed_srv), &o, NULL, 0), WA_ENOENT);
    return NULL;
}

static void test_trusted_ca(void **state)
{
    (void)state;
    run_main(trust_main, NULL);
}

static void *self_signed_main(void *arg)
{
    (void)arg;
    char text[128];
    wa_fetch_opts o = {0};
    CHECK_EQ(get(U(&self_srv), &o, NULL, 0), WA_ETLS);
    o.ca_file = P("ca.pem"); /* trusting our CA does not make it trusted */
    CHECK_EQ(get(U(&self_srv), &o, NULL, 0), WA_ETLS);
    o = (wa_fetch_opts){0};
    o.flags = WA_FETCH_INSECURE;
    CHECK_EQ(get(U(&self_srv), &o, text, sizeof text), 0);
    CHECK_STR(text, "hello tls");
    /* The unchecked connection stays in curl's pool; a checked fetch to the
     * same server must not be handed it. */
    o.flags = 0;
    CHECK_EQ(get(U(&self_srv), &o, NULL, 0), WA_ETLS);
    /* Nor may a fetch without a client certificate reuse one that had it. */
    o.ca_file = P("ca.pem");
    o.client_cert = P("client.pem");
    o.client_key = P("client.key");
    CHECK_EQ(get(U(&mtls12_srv), &o, text, sizeof text), 0);
    o.client_cert = o.client_key = NULL;
    CHECK_EQ(get(U(&mtls12_srv), &o, NULL, 0), WA_ETLS);
    return NULL;
}

static void test_self_signed(void **state)
{
    (void)state;
    run_main(self_signed_main, NULL);
}

static void *client_cert_main(void *arg)
{
    (void)arg;
    char text[128];
    wa_fetch_opts o = {0};
    o.ca_file = P("ca.pem");
    /* Without one: TLS 1.2 refuses inside the handshake. TLS 1.3 refuses
     * after it, with an alert the server's close can overtake (a reset or
     * a broken pipe: WA_ECONNRESET, WA_EPIPE, or WA_ENET when curl gives no
     * OS error). */
    CHECK_EQ(get(U(&mtls12_srv), &o, NULL, 0), WA_ETLS);
    int rc = get(U(&mtls_srv), &o, NULL, 0);
    CHECK(rc == WA_ETLS || rc == WA_ECONNRESET || rc == WA_EPIPE || rc == WA_ENET);
    o.client_cert = P("client.pem");
    o.client_key = P("client.key");
    CHECK_EQ(get(U(&mtls_srv), &o, text, sizeof text), 0);
    CHECK_STR(text, "hello tls, wasyncio test client");
    CHECK_EQ(get(U(&mtls12_srv), &o, text, sizeof text), 0);
    CHECK_STR(text, "hello tls, wasyncio test client");
    /* A key without a certificate is refused before anything is sent. */
    o.client_cert = NULL;
    CHECK_EQ(get(U(&mtls_srv), &o, NULL, 0), WA_EINVAL);
    return NULL;
}

static void test_client_certificate(void **state)
{
    (void)state;
    run_main(client_cert_main, NULL);
}

static void test_error_named(void **state)
{
    (void)state;
    assert_string_not_equal(wa_strerror(WA_ETLS), wa_strerror(WA_ENET));
    assert_non_null(strstr(wa_strerror(WA_ETLS), "TLS"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_named),
        cmocka_unit_test(test_trusted_ca),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_client_certificate),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
