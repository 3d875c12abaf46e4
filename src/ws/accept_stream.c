/* accept_stream.c: a WebSocket server without the HTTP server: the opening
 * handshake read from a stream that wa_start_server accepted, so any target
 * whose streams layer listens (native, a WASI 0.2 command over wasi:sockets,
 * Node) can serve WebSockets. Only the upgrade GET is understood; anything
 * else is answered 400 and refused. */
#include "ws/engine.h"
#include "core/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEAD (16 * 1024)

/* The request head, split in place: lines[0] is the request line. */
typedef struct head {
    char *buf;
    char *lines[128];
    size_t n;
} head;

static const char *head_header(const void *ctx, const char *name)
{
    const head *h = ctx;
    size_t nl = strlen(name);
    for (size_t i = 1; i < h->n; i++) {
        const char *l = h->lines[i];
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Split buf (NUL-terminated, ending "\r\n\r\n") into lines; trailing blanks
 * of each value trimmed. 0, or -1 for a head we do not take (too many
 * lines, obsolete line folding, a line without a colon). */
static int split(head *h)
{
    char *p = h->buf;
    while (*p) {
        char *eol = strstr(p, "\r\n");
        if (!eol)
            return -1;
        *eol = '\0';
        if (eol == p)
            break; /* the blank line */
        if (h->n == sizeof h->lines / sizeof *h->lines || *p == ' ' || *p == '\t' ||
            (h->n > 0 && !strchr(p, ':')))
            return -1;
        for (char *e = eol; e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
            e[-1] = '\0';
        h->lines[h->n++] = p;
        p = eol + 2;
    }
    return h->n > 0 ? 0 : -1;
}

int wa__ws_server_head(char *buf, const wa_ws_opts *opts, char *target, size_t target_cap,
                       char **resp, size_t *resp_len, char **protocol)
{
    head h = {.buf = buf};
    char method[16] = "", version[16] = "";
    char fmt[48];
    if (target_cap < 2)
        return WA_EINVAL;
    snprintf(fmt, sizeof fmt, "%%15s %%%zus %%15s", target_cap - 1);
    target[0] = '\0';
    int ok = split(&h) == 0 && sscanf(h.lines[0], fmt, method, target, version) == 3 &&
             strcmp(version, "HTTP/1.1") == 0 && target[0] == '/';
    if (!ok)
        return 400;
    return wa__ws_server_handshake(method, head_header, &h, opts, resp, resp_len, protocol);
}

static void refuse(wa_stream *s, int status)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "%sContent-Length: 24\r\nConnection: close\r\n\r\n"
                     "not a WebSocket upgrade\n",
                     status, status == 426 ? "Upgrade Required" : "Bad Request",
                     status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "");
    wa_stream_write(s, msg, (size_t)n);
    wa_stream_drain(s);
}

int wa_ws_accept_stream(wa_stream *s, const wa_ws_opts *opts, wa_ws **out)
{
    if (!out)
        return WA_EINVAL;
    *out = NULL;
    if (!s)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    char *buf = malloc(MAX_HEAD + 1);
    if (!buf)
        return WA_ENOMEM;
    /* The head under the handshake timeout: a slowloris client is dropped. */
    uint64_t ms = opts && opts->handshake_timeout_ms ? opts->handshake_timeout_ms
                                                     : WA_WS_DEFAULT_HANDSHAKE_TIMEOUT_MS;
    size_t len = 0;
    wa_timeout scope;
    wa_timeout_enter(&scope, ms);
    rc = wa_stream_readuntil(s, "\r\n\r\n", 4, buf, MAX_HEAD, &len);
    if (wa_timeout_exit(&scope) == WA_ETIMEDOUT && rc < 0)
        rc = WA_ETIMEDOUT;
    if (rc == WA_ELIMIT || rc == WA_EINCOMPLETE) {
        if (rc == WA_ELIMIT)
            refuse(s, 400);
        free(buf);
        return WA_EWSHANDSHAKE;
    }
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    char target[2048];
    char *resp = NULL, *protocol = NULL;
    size_t resp_len = 0;
    rc = wa__ws_server_head(buf, opts, target, sizeof target, &resp, &resp_len, &protocol);
    free(buf);
    if (rc > 0) {
        refuse(s, rc);
        return WA_EWSHANDSHAKE;
    }
    if (rc < 0)
        return rc;
    rc = wa_stream_write(s, resp, resp_len);
    if (rc == 0)
        rc = wa_stream_drain(s);
    free(resp);
    wa_ws *ws = rc == 0 ? wa__ws_new(opts, 0) : NULL;
    wa__ws_transport *t = ws ? wa__ws_stream_transport(s, 0) : NULL;
    if (rc == 0 && (!ws || !t || !(ws->resource = wa__strdup(target))))
        rc = WA_ENOMEM;
    if (rc == 0)
        rc = wa__ws_engine_attach(ws, t, 0, NULL, 0); /* closes t on error */
    else if (t)
        t->ops->close(t);
    if (rc < 0) {
        free(protocol);
        wa_ws_free(ws);
        return rc;
    }
    ws->protocol = protocol;
    *out = ws;
    return 0;
}
