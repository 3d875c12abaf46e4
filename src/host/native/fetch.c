/* fetch.c: wa_fetch's native backend: one libcurl multi handle per
 * loop, driven by libuv (curl's sockets become uv_polls, its timer a
 * uv_timer). No thread per request; the task waits on a wa_op. Streaming
 * responses pause the transfer while the reader is behind. */
#include "core/host.h"
#include "core/backend.h"
#include "host/native/native.h"
#include "host/common/common.h"
#include "http/host.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unread bytes a stream may hold before the transfer is paused. */
#define STREAM_HIGH (256 * 1024)

struct xfer;

struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    int events;  /* what curl asked for (UV_READABLE | UV_WRITABLE) */
    int restart; /* libuv stopped the watch on an error */
    int removed; /* curl is done with the socket; freed on close */
    struct sock_ctx *prev, *next;
};

struct curl_loop {
    CURLM *multi;
    uv_timer_t timer;
    /* for tear-down: every live transfer, every live socket watch */
    struct {
        struct xfer *head, *tail;
    } xfers;
    struct {
        struct sock_ctx *head, *tail;
    } socks;
    int closing;
};

/* This thread's fetches: one curl multi handle per loop. */
static _Thread_local struct curl_loop fetches;

struct xfer {
    CURL *easy;
    struct curl_slist *hdrs;
    wa_op *op;         /* the waiting task's op (fetch or read), or NULL */
    wa_response *resp; /* filled by callbacks; NULL once detached */
    int in_multi;
    int err; /* our own failure from a callback (e.g. WA_ETOOBIG) */
    int stream;
    int follow;       /* redirects are followed */
    int interim;      /* the last response was a 1xx: its head counts on */
    int headers_done; /* the final response's headers are in */
    int done, result; /* transfer finished, and its mapped code */
    int paused;
    size_t max_body, total;
    char *sbuf; /* stream: unread bytes are sbuf[soff..slen) */
    size_t slen, soff, scap;
    struct xfer *prev, *next;
    char errbuf[CURL_ERROR_SIZE];
};

/* ------------------------------------------------------------ helpers */

static void xfer_wake(struct xfer *x, int status)
{
    wa_op *op = x->op;
    if (op) {
        x->op = NULL;
        wa__wake_op(op, status);
    }
}

static void xfer_leave_multi(struct xfer *x)
{
    if (x->in_multi) {
        curl_multi_remove_handle(fetches.multi, x->easy);
        x->in_multi = 0;
        wa__native_pending_add(-1);
    }
}

static void xfer_destroy(struct xfer *x)
{
    xfer_leave_multi(x);
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    free(x->sbuf);
    WA_LIST_UNLINK(&fetches.xfers, x);
    free(x);
}

/* Every curl code a transfer can end with, as a wasyncio code. os_errno is
 * curl's CURLINFO_OS_ERRNO, errbuf its message (some codes say more there),
 * headers_done whether the reply's head was complete. */
int wa__curl_code(int code, long os_errno, const char *errbuf, int headers_done)
{
    CURLcode c = (CURLcode)code;
    int os = wa__errno_code((int)os_errno);
    switch (c) {
    case CURLE_OK: return 0;
    case CURLE_URL_MALFORMAT: return WA_EURL;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* The scheme was checked before curl saw the URL, so this is a
         * redirect to another scheme ('Protocol "ftp" not supported'), or
         * a reply curl cannot read as HTTP (no status line: "HTTP/0.9";
         * a bad version). */
        return strncmp(errbuf, "Protocol \"", 10) == 0 ? WA_ESCHEME : WA_EPROTO;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return WA_EDNS;
    case CURLE_COULDNT_CONNECT:
        /* refused, timed out, no route, an address not on this host */
        return os == WA_ECONNREFUSED || os == WA_ETIMEDOUT || os == WA_EADDRNOTAVAIL ? os : WA_ENET;
    case CURLE_INTERFACE_FAILED: return WA_EADDRNOTAVAIL;
    case CURLE_OPERATION_TIMEDOUT: return WA_ETIMEDOUT;
    case CURLE_FILESIZE_EXCEEDED: return WA_ETOOBIG;
    case CURLE_TOO_MANY_REDIRECTS: return WA_EREDIRECTS;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
    case CURLE_RANGE_ERROR:
    case CURLE_SEND_FAIL_REWIND: return WA_EPROTO;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED: return WA_ETLS;
    case CURLE_OUT_OF_MEMORY:
        /* curl holds one header line in a buffer capped at 100 KiB and
         * reports a longer line as out of memory: before the head is
         * complete, that is what a peer can make happen, not malloc. */
        return headers_done ? WA_ENOMEM : WA_ETOOBIG;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        /* curl reports bad chunked framing (syntax, a size over 64 bits)
         * and a TLS alert after the handshake (TLS 1.3 servers refuse a
         * missing client certificate that way) as receive errors; only its
         * message tells them from a reset. */
        if (strstr(errbuf, "chunk"))
            return WA_EPROTO;
        if (strstr(errbuf, " alert "))
            return WA_ETLS;
        return os == WA_ECONNRESET || os == WA_EPIPE ? os : WA_ENET;
    case CURLE_ABORTED_BY_CALLBACK: return WA_ECANCELED;
    case CURLE_BAD_FUNCTION_ARGUMENT: return WA_EINVAL;
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN: return WA_ENOTSUP;
    case CURLE_FAILED_INIT: return WA_ENOMEM;
    default:
        /* The rest belong to other protocols or proxies: a network error. */
        return WA_ENET;
    }
}

static int map_curl(CURLcode c, struct xfer *x)
{
    if (c != CURLE_OK && wa__debug_on())
        fprintf(stderr, "wasyncio: debug: fetch failed: curl error %d: %s\n", (int)c,
                x->errbuf[0] ? x->errbuf : curl_easy_strerror(c));
    if (x->err)
        return x->err;
    long os_errno = 0;
    curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
    return wa__curl_code(c, os_errno, x->errbuf, x->headers_done);
}

/* ------------------------------------------------------------ curl <-> uv */

static void check_done(void)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(fetches.multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode code = msg->data.result;
        x->done = 1;
        x->result = map_curl(code, x);
        /* Back to the pool: the connection can serve the next request. */
        xfer_leave_multi(x);
        xfer_wake(x, x->result);
    }
}

static void sock_closed(uv_handle_t *h) { free(h->data); }

static void sock_forget(struct sock_ctx *c)
{
    WA_LIST_UNLINK(&fetches.socks, c);
    c->removed = 1;
    uv_poll_stop(&c->poll);
    uv_close((uv_handle_t *)&c->poll, sock_closed);
}

static void on_sock_event(uv_poll_t *p, int status, int events)
{
    struct sock_ctx *c = p->data;
    int flags = 0;
    if (status < 0) {
        /* libuv saw POLLERR and stopped the watch. Let curl read/write and
         * meet the real error (or the data still buffered before a reset)
         * itself; watch again for as long as curl keeps the socket. */
        flags = (c->events & UV_READABLE ? CURL_CSELECT_IN : 0) |
                (c->events & UV_WRITABLE ? CURL_CSELECT_OUT : 0);
        c->restart = 1;
    } else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    int running;
    curl_multi_socket_action(fetches.multi, c->fd, flags, &running);
    if (c->restart && !c->removed)
        uv_poll_start(&c->poll, c->events, on_sock_event);
    c->restart = 0;
    check_done();
}

static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    (void)userp;
    struct sock_ctx *c = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (c) {
            if (!fetches.closing)
                curl_multi_assign(fetches.multi, s, NULL);
            sock_forget(c);
        }
        return 0;
    }
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return -1;
        if (uv_poll_init_socket(wa__uv(), &c->poll, s) < 0) {
            free(c);
            return -1;
        }
        c->fd = s;
        c->poll.data = c;
        WA_LIST_APPEND(&fetches.socks, c);
        curl_multi_assign(fetches.multi, s, c);
    }
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    c->events = ev;
    if (!c->restart) /* inside on_sock_event the restart happens there */
        uv_poll_start(&c->poll, ev, on_sock_event);
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    (void)t;
    int running;
    curl_multi_socket_action(fetches.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done();
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    (void)userp;
    if (timeout_ms < 0)
        uv_timer_stop(&fetches.timer);
    else
        uv_timer_start(&fetches.timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* wa__host_close: abort what is left, detach responses the user still holds. */
static void curl_loop_close(void)
{
    fetches.closing = 1;
    while (fetches.xfers.head) {
        struct xfer *x = fetches.xfers.head;
        if (x->resp) {
            x->resp->backend = NULL;
            x->resp->read = NULL;
            x->resp->release = NULL;
        }
        xfer_destroy(x);
    }
    curl_multi_cleanup(fetches.multi);
    while (fetches.socks.head)
        sock_forget(fetches.socks.head);
    /* The timer's memory must stay intact until libuv finishes closing it
     * (wa__host_close runs the loop for that), so it is not wiped here. */
    uv_close((uv_handle_t *)&fetches.timer, NULL);
    fetches.multi = NULL;
    fetches.closing = 0;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;
static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static int curl_loop_get(void)
{
    if (fetches.multi)
        return 0;
    uv_loop_t *loop = wa__uv();
    if (!loop)
        return WA_ENOLOOP;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return WA_ENOMEM;
    fetches.multi = curl_multi_init();
    if (!fetches.multi)
        return WA_ENOMEM;
    uv_timer_init(loop, &fetches.timer);
    if (wa__native_at_close(curl_loop_close) < 0) {
        curl_loop_close();
        return WA_ENOMEM;
    }
    curl_multi_setopt(fetches.multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(fetches.multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    /* curl's default cache holds 4x the transfers in flight, so it shrinks
     * as a burst drains and closes connections the next burst reopens. A
     * fixed size keeps keep-alive connections across bursts. */
    curl_multi_setopt(fetches.multi, CURLMOPT_MAXCONNECTS, 256L);
    return 0;
}

/* ------------------------------------------------------------ callbacks */

/* A header callback's answer: len to go on, or 0 (curl aborts) with our
 * code kept for map_curl. */
static size_t head_fail(struct xfer *x, int rc, size_t len)
{
    if (rc < 0) {
        x->err = rc;
        return 0;
    }
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (x->headers_done || !x->resp)
        return len; /* trailers */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 1xx or a redirect): its headers replace
         * the previous ones. Interim responses count toward the final
         * one's head limits: an endless run of "100 Continue" is a head
         * too big (WA_ETOOBIG), not a network error. */
        size_t bytes = x->resp->head_bytes, lines = x->resp->head_lines;
        wa__response_reset_headers(x->resp);
        if (x->interim) {
            x->resp->head_bytes = bytes;
            x->resp->head_lines = lines + 1; /* the blank line that ended it */
        }
        x->interim = 0;
        return head_fail(x, wa__response_head_line(x->resp, len), len);
    }
    if (len <= 2 && (data[0] == '\r' || data[0] == '\n')) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 100 && code < 200) {
            x->interim = 1;
            return len;
        }
        if (x->follow && wa__http_is_redirect((int)code) &&
            wa__hdrs_get(&x->resp->headers, "Location"))
            return len; /* curl goes on to the next hop */
        x->headers_done = 1;
        x->resp->status = (int)code;
        if (x->stream)
            xfer_wake(x, 0);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (colon && colon > data)
        return head_fail(x,
                         wa__response_add_header(x->resp, data, (size_t)(colon - data), colon + 1,
                                                 len - (size_t)(colon - data) - 1),
                         len);
    return head_fail(x, wa__response_head_line(x->resp, len), len);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (!x->stream) {
        int rc = x->resp ? wa__response_append(x->resp, data, len) : 0;
        if (rc < 0) {
            x->err = rc;
            return 0;
        }
        return len;
    }
    size_t unread = x->slen - x->soff;
    if (unread > 0 && unread + len > STREAM_HIGH) {
        /* curl keeps these bytes and offers them again after unpausing. */
        x->paused = 1;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (len > x->max_body - x->total) {
        x->err = WA_ETOOBIG;
        return 0;
    }
    if (x->soff > 0 && x->soff == x->slen)
        x->soff = x->slen = 0;
    if (x->slen + len > x->scap) {
        if (x->soff > 0) { /* reclaim what was read before growing */
            memmove(x->sbuf, x->sbuf + x->soff, x->slen - x->soff);
            x->slen -= x->soff;
            x->soff = 0;
        }
        if (wa__grow(&x->sbuf, &x->scap, x->slen + len, 1, 16384)) {
            x->err = WA_ENOMEM;
            return 0;
        }
    }
    memcpy(x->sbuf + x->slen, data, len);
    x->slen += len;
    x->total += len;
    xfer_wake(x, 0);
    return len;
}

/* ------------------------------------------------------------ streaming */

static void read_cancel(wa_op *op)
{
    struct xfer *x = op->data;
    x->op = NULL;
}

static long stream_read(wa_response *r, void *buf, size_t n)
{
    struct xfer *x = r->backend;
    if (!x)
        return WA_ECANCELED; /* the loop that ran it is gone */
    for (;;) {
        if (x->slen > x->soff) {
            size_t k = x->slen - x->soff;
            if (k > n)
                k = n;
            memcpy(buf, x->sbuf + x->soff, k);
            x->soff += k;
            if (x->soff == x->slen)
                x->soff = x->slen = 0;
            if (x->paused && !x->done) {
                x->paused = 0;
                /* May deliver the held bytes right here, through on_body. */
                curl_easy_pause(x->easy, CURLPAUSE_CONT);
            }
            return (long)k;
        }
        if (x->done)
            return x->result < 0 ? x->result : 0;
        if (x->op)
            return WA_EBUSY; /* another task is reading */
        wa_op op = {0};
        op.cancel = read_cancel;
        op.data = x;
        x->op = &op;
        int rc = wa__op_wait(&op);
        if (rc < 0)
            return rc;
    }
}

static void stream_release(wa_response *r)
{
    struct xfer *x = r->backend;
    if (x) {
        x->resp = NULL;
        xfer_destroy(x); /* aborts the transfer if it is still running */
    }
    r->backend = NULL;
}

/* ------------------------------------------------------------ the fetch */

static void fetch_cancel(wa_op *op)
{
    struct xfer *x = op->data;
    x->op = NULL;
    x->resp = NULL;
    xfer_destroy(x);
}

/* The TLS options. A CA file or directory replaces the system's store:
 * curl keeps its built-in bundle or path unless told NULL. */
static int setup_tls(CURL *e, const wa__fetch_req *req)
{
    int rc;
    if ((rc = wa__tls_file_check("ca_file", req->ca_file, 0)) < 0 ||
        (rc = wa__tls_file_check("ca_dir", req->ca_dir, 1)) < 0 ||
        (rc = wa__tls_file_check("client_cert", req->client_cert, 0)) < 0 ||
        (rc = wa__tls_file_check("client_key", req->client_key, 0)) < 0)
        return rc;
    int bad = 0;
    if (req->ca_file || req->ca_dir) {
        bad |= curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_CAPATH, req->ca_dir) != CURLE_OK;
    }
    if (req->client_cert) {
        bad |= curl_easy_setopt(e, CURLOPT_SSLCERT, req->client_cert) != CURLE_OK;
        if (req->client_key)
            bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, req->client_key) != CURLE_OK;
    }
    if (req->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return bad ? WA_ENOMEM : 0;
}

static int setup_easy(struct xfer *x, const wa__fetch_req *req)
{
    CURL *e = x->easy;
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body) != CURLE_OK;
    if (req->max_redirects > 0) {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)req->max_redirects);
        x->follow = 1;
    }
    int rc = setup_tls(e, req);
    if (rc < 0)
        return rc;
    if (req->timeout_ms)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                         (long)(req->timeout_ms > (uint64_t)LONG_MAX ? LONG_MAX : req->timeout_ms));
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(req->method, "GET") != 0 || req->body)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        bad |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body) != CURLE_OK;
    }
    /* No "Expect: 100-continue" round trip for larger bodies. */
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    if (!l)
        return WA_ENOMEM;
    x->hdrs = l;
    if (req->headers)
        for (const char *const *h = req->headers; *h; h++) {
            l = curl_slist_append(x->hdrs, *h);
            if (!l)
                return WA_ENOMEM;
            x->hdrs = l;
        }
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs) != CURLE_OK;
    return bad ? WA_ENOMEM : 0;
}

int wa__http_fetch_backend(const wa__fetch_req *req, wa_response *resp)
{
    int rc = curl_loop_get();
    if (rc < 0)
        return rc;
    struct xfer *x = calloc(1, sizeof *x);
    if (!x)
        return WA_ENOMEM;
    WA_LIST_APPEND(&fetches.xfers, x);
    x->resp = resp;
    x->stream = req->stream;
    x->max_body = req->max_body;
    x->easy = curl_easy_init();
    if (!x->easy || (rc = setup_easy(x, req)) < 0) {
        xfer_destroy(x);
        return rc < 0 ? rc : WA_ENOMEM;
    }
    if (curl_multi_add_handle(fetches.multi, x->easy) != CURLM_OK) {
        xfer_destroy(x);
        return WA_ENOMEM;
    }
    x->in_multi = 1;
    wa__native_pending_add(1);

    wa_op op = {0};
    op.cancel = fetch_cancel;
    op.data = x;
    x->op = &op;
    rc = wa__op_wait(&op);
    if (!op.done)
        return rc; /* interrupted: fetch_cancel already freed x */
    if (rc == 0 && x->done && x->result < 0 && x->slen == x->soff)
        rc = x->result; /* a stream that failed before the task saw its head */
    if (rc < 0) {
        x->resp = NULL;
        xfer_destroy(x);
        return rc;
    }
    if (!x->headers_done) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        resp->status = (int)code;
    }
    if (x->stream && !x->done) {
        resp->backend = x;
        resp->read = stream_read;
        resp->release = stream_release;
        return 0;
    }
    if (x->stream && x->slen > x->soff) {
        /* Finished before the caller read anything: keep the stream API. */
        resp->backend = x;
        resp->read = stream_read;
        resp->release = stream_release;
        return 0;
    }
    x->resp = NULL;
    xfer_destroy(x);
    return 0;
}
