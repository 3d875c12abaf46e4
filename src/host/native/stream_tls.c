/* stream_tls.c: the TLS client of native streams: OpenSSL driven through
 * two memory BIOs, so libuv moves the ciphertext and OpenSSL never touches
 * a socket. Verification follows wa_fetch (libcurl's rules): the system's CA
 * store unless a CA file or directory is given, the peer's name (or IP
 * address) checked against its certificate, TLS 1.2 at least. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "host/native/native.h"
#include "host/native/stream_native.h"

struct wa__tls {
    SSL *ssl;
    BIO *in;  /* ciphertext from the network, read by OpenSSL */
    BIO *out; /* ciphertext OpenSSL wrote, to send */
};

/* One write of ciphertext; the user's plaintext write completes with it. */
struct cipher_write {
    uv_write_t req;
    wa__sconn *c;
    int user;
    char data[];
};

/* The context for the common case (system CAs, no client certificate) is
 * made once per thread: loading the system store costs milliseconds. */
static _Thread_local SSL_CTX *default_ctx;

static SSL_CTX *make_ctx(const wa_stream_opts *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
    int ok = 1;
    if (o->ca_file || o->ca_dir)
        ok = SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_dir) == 1;
    else
        ok = SSL_CTX_set_default_verify_paths(ctx) == 1;
    if (ok && o->client_cert) {
        ok = SSL_CTX_use_certificate_chain_file(ctx, o->client_cert) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx, o->client_key ? o->client_key : o->client_cert,
                                         SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_check_private_key(ctx) == 1;
    }
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, (o->flags & WA_STREAM_INSECURE) ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       NULL);
    return ctx;
}

static int is_ip(const char *name)
{
    struct sockaddr_storage ss;
    return uv_inet_pton(AF_INET, name, &ss) == 0 || uv_inet_pton(AF_INET6, name, &ss) == 0;
}

int wa__tls_attach(wa__sconn *c, const char *name, const wa_stream_opts *o)
{
    int common = !o->ca_file && !o->ca_dir && !o->client_cert && !(o->flags & WA_STREAM_INSECURE);
    SSL_CTX *ctx = common ? default_ctx : NULL;
    if (!ctx) {
        ctx = make_ctx(o);
        if (!ctx) {
            ERR_clear_error();
            return WA_ETLS;
        }
        if (common)
            default_ctx = ctx;
    }
    struct wa__tls *t = calloc(1, sizeof *t);
    if (!t)
        goto oom;
    t->ssl = SSL_new(ctx);
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->in || !t->out) {
        BIO_free(t->in);
        BIO_free(t->out);
        SSL_free(t->ssl);
        free(t);
        goto oom;
    }
    BIO_set_mem_eof_return(t->in, -1); /* empty means "wait", not EOF */
    SSL_set_bio(t->ssl, t->in, t->out);
    SSL_set_connect_state(t->ssl);
    if (!is_ip(name))
        SSL_set_tlsext_host_name(t->ssl, name);
    if (!(o->flags & WA_STREAM_INSECURE)) {
        X509_VERIFY_PARAM *p = SSL_get0_param(t->ssl);
        X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = is_ip(name) ? X509_VERIFY_PARAM_set1_ip_asc(p, name)
                             : X509_VERIFY_PARAM_set1_host(p, name, 0);
        if (ok != 1) {
            wa__tls_free(t);
            if (!common)
                SSL_CTX_free(ctx);
            return WA_ETLS;
        }
    }
    if (!common)
        SSL_CTX_free(ctx); /* the SSL holds its own reference */
    c->tls = t;
    c->timer.data = c;
    uv_timer_init(wa__uv(), &c->timer);
    c->handles_open++;
    return 0;
oom:
    if (!common)
        SSL_CTX_free(ctx);
    return WA_ENOMEM;
}

void wa__tls_free(struct wa__tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl); /* frees both BIOs */
    free(t);
}

/* ----------------------------------------------------------- ciphertext out */

static void on_cipher_written(uv_write_t *req, int status)
{
    struct cipher_write *w = req->data;
    wa__sconn *c = w->c;
    int user = w->user;
    free(w);
    if (c->closing || !c->s)
        return;
    if (status < 0)
        wa__stream_on_lost(c->s, wa__uv_err(status));
    else if (user)
        wa__stream_on_written(c->s, 0);
}

/* Send everything OpenSSL has written; user marks the portable layer's
 * write (on_written when this last piece is sent). */
static int send_pending(wa__sconn *c, int user)
{
    size_t n = (size_t)BIO_ctrl_pending(c->tls->out);
    if (n == 0) /* SSL_write of n > 0 bytes always leaves a record */
        return user ? WA_ETLS : 0;
    struct cipher_write *w = malloc(sizeof *w + n);
    if (!w)
        return WA_ENOMEM;
    if (BIO_read(c->tls->out, w->data, (int)n) != (int)n) {
        free(w);
        return WA_ETLS;
    }
    w->c = c;
    w->user = user;
    w->req.data = w;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
    int r = uv_write(&w->req, &c->u.stream, &b, 1, on_cipher_written);
    if (r < 0) {
        free(w);
        return wa__uv_err(r);
    }
    return 0;
}

int wa__tls_flush(wa__sconn *c) { return send_pending(c, 0); }

int wa__tls_send(wa__sconn *c, const void *data, size_t n, int user)
{
    const char *p = data;
    while (n > 0) {
        int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
        int r = SSL_write(c->tls->ssl, p, chunk);
        if (r <= 0) {
            ERR_clear_error();
            return WA_ETLS;
        }
        p += r;
        n -= (size_t)r;
    }
    /* A memory BIO takes everything, so there is always ciphertext here. */
    return send_pending(c, user);
}

void wa__tls_close_notify(wa__sconn *c)
{
    if (SSL_is_init_finished(c->tls->ssl) && SSL_shutdown(c->tls->ssl) >= 0) {
        size_t n = (size_t)BIO_ctrl_pending(c->tls->out);
        char buf[256];
        if (n && n <= sizeof buf && BIO_read(c->tls->out, buf, (int)n) == (int)n) {
            uv_buf_t b = uv_buf_init(buf, (unsigned)n);
            uv_try_write(&c->u.stream, &b, 1); /* best effort, as promised */
        }
    }
    ERR_clear_error();
}

/* ------------------------------------------------------------ ciphertext in */

int wa__tls_feed(wa__sconn *c, const char *data, size_t n)
{
    return BIO_write(c->tls->in, data, (int)n) == (int)n ? 0 : WA_ENOMEM;
}

int wa__tls_handshake(wa__sconn *c)
{
    int r = SSL_do_handshake(c->tls->ssl);
    int sent = send_pending(c, 0);
    if (r == 1)
        return sent < 0 ? sent : 1;
    int e = SSL_get_error(c->tls->ssl, r);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ)
        return sent < 0 ? sent : 0;
    return WA_ETLS;
}

int wa__tls_pump(wa__sconn *c)
{
    int rc = 0;
    while (c->reading && !c->closing && c->s) {
        size_t cap = 0;
        char *p = wa__stream_rbuf(c->s, 16 * 1024 + 256, &cap);
        if (!p) {
            wa__stream_on_lost(c->s, WA_ENOMEM);
            return WA_ENOMEM;
        }
        int r = SSL_read(c->tls->ssl, p, cap > INT32_MAX ? INT32_MAX : (int)cap);
        if (r > 0) {
            wa__stream_on_read(c->s, (size_t)r);
            continue;
        }
        int e = SSL_get_error(c->tls->ssl, r);
        ERR_clear_error();
        if (e == SSL_ERROR_WANT_READ)
            break;
        if (e == SSL_ERROR_ZERO_RETURN) {
            rc = 1;
            break;
        }
        wa__stream_on_lost(c->s, WA_ETLS);
        return WA_ETLS;
    }
    /* Post-handshake messages (session tickets, key updates) may want an
     * answer. */
    if (!c->closing && BIO_ctrl_pending(c->tls->out))
        send_pending(c, 0);
    return rc;
}
