/* handshake.c: the opening handshake of RFC 6455 section 4, both sides:
 * the client's GET and its check of the 101 (4.1), and the server's check
 * of the GET and its 101 (4.2), with subprotocol selection. */
#include "ws/engine.h"
#include "core/backend.h"
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RESPONSE_HEAD (16 * 1024)

static _Thread_local int last_refused_status;

int wa_ws_connect_status(void) { return last_refused_status; }
void wa__ws_set_connect_status(int status) { last_refused_status = status; }

static int is_tchar_sep(char c) { return c == ',' || c == ' ' || c == '\t'; }

int wa__ws_has_token(const char *list, const char *tok)
{
    if (!list)
        return 0;
    size_t tl = strlen(tok);
    const char *p = list;
    while (*p) {
        while (*p && is_tchar_sep(*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tl && strncasecmp(start, tok, tl) == 0)
            return 1;
    }
    return 0;
}

/* A header line is one line: no CR or LF inside (no header injection). */
static int header_line_ok(const char *h) { return h && strchr(h, ':') && !strpbrk(h, "\r\n"); }

/* A subprotocol name is an HTTP token (RFC 6455 4.1 item 10, RFC 9110 5.6.2). */
static int token_ok(const char *t)
{
    if (!t || !*t)
        return 0;
    for (; *t; t++)
        if (*t <= 32 || *t >= 127 || strchr("()<>@,;:\\\"/[]?={}", *t))
            return 0;
    return 1;
}

int wa__ws_headers_ok(const char *const *headers)
{
    for (size_t i = 0; headers && headers[i]; i++)
        if (!header_line_ok(headers[i]))
            return 0;
    return 1;
}

int wa__ws_protocols_ok(const char *const *protocols)
{
    for (size_t i = 0; protocols && protocols[i]; i++)
        if (!token_ok(protocols[i]))
            return 0;
    return 1;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s)
{
    return wa__bytes_append(buf, len, cap, 512, s, strlen(s));
}

/* ------------------------------------------------------------ client */

/* Build the GET (RFC 6455 4.1, items 1-12). */
static int client_request(const wa__ws_connect_req *req, const char *key, char **out,
                          size_t *out_len)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    rc |= append(&b, &len, &cap, "GET ");
    rc |= append(&b, &len, &cap, req->resource);
    rc |= append(&b, &len, &cap, " HTTP/1.1\r\nHost: ");
    rc |= append(&b, &len, &cap, req->host_header);
    rc |= append(&b, &len, &cap,
                 "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
    rc |= append(&b, &len, &cap, key);
    rc |= append(&b, &len, &cap, "\r\n");
    if (req->protocols && req->protocols[0]) {
        rc |= append(&b, &len, &cap, "Sec-WebSocket-Protocol: ");
        for (size_t i = 0; req->protocols[i]; i++) {
            if (i)
                rc |= append(&b, &len, &cap, ", ");
            rc |= append(&b, &len, &cap, req->protocols[i]);
        }
        rc |= append(&b, &len, &cap, "\r\n");
    }
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        rc |= append(&b, &len, &cap, req->headers[i]);
        rc |= append(&b, &len, &cap, "\r\n");
    }
    rc |= append(&b, &len, &cap, "\r\n");
    if (rc) {
        free(b);
        return WA_ENOMEM;
    }
    *out = b;
    *out_len = len;
    return 0;
}

/* Header value in a response head (lines after the status line), copied
 * into val (trimmed), or 0 if absent. Several fields of one name are joined
 * with ", " (RFC 9110 5.3). */
static int head_value(const char *head, const char *name, char *val, size_t cap)
{
    size_t nl = strlen(name), vl = 0;
    int found = 0;
    const char *p = strstr(head, "\r\n");
    while (p && p[2] != '\r') {
        const char *line = p + 2;
        const char *eol = strstr(line, "\r\n");
        if (!eol)
            break;
        if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t n = (size_t)(ve - v);
            if (found && vl + 2 < cap) {
                memcpy(val + vl, ", ", 2);
                vl += 2;
            }
            if (vl + n >= cap)
                n = cap - vl - 1;
            memcpy(val + vl, v, n);
            vl += n;
            val[vl] = '\0';
            found = 1;
        }
        p = eol;
    }
    return found;
}

/* Check the server's answer (RFC 6455 4.1, the client's six checks). */
static int check_response(const char *head, const char *key, const wa__ws_connect_req *req,
                          char **protocol)
{
    int major, minor, status;
    if (sscanf(head, "HTTP/%d.%d %d", &major, &minor, &status) != 3)
        return WA_EWSHANDSHAKE;
    if (status != 101) {
        last_refused_status = status;
        return WA_EWSHANDSHAKE;
    }
    char v[1024], expect[29];
    if (!head_value(head, "Upgrade", v, sizeof v) || !wa__ws_has_token(v, "websocket"))
        return WA_EWSHANDSHAKE;
    if (!head_value(head, "Connection", v, sizeof v) || !wa__ws_has_token(v, "upgrade"))
        return WA_EWSHANDSHAKE;
    wa__ws_accept_for(key, expect);
    if (!head_value(head, "Sec-WebSocket-Accept", v, sizeof v) || strcmp(v, expect) != 0)
        return WA_EWSHANDSHAKE;
    if (head_value(head, "Sec-WebSocket-Extensions", v, sizeof v) && v[0])
        return WA_EWSHANDSHAKE; /* we asked for none */
    *protocol = NULL;
    if (head_value(head, "Sec-WebSocket-Protocol", v, sizeof v)) {
        int offered = 0;
        for (size_t i = 0; req->protocols && req->protocols[i]; i++)
            offered |= strcmp(req->protocols[i], v) == 0;
        if (!offered)
            return WA_EWSHANDSHAKE;
        *protocol = wa__strdup(v);
        if (!*protocol)
            return WA_ENOMEM;
    }
    return 0;
}

int wa__ws_client_handshake(wa_ws *ws, wa__ws_transport *t, const wa__ws_connect_req *req)
{
    char key[25];
    char *get = NULL, *head = NULL;
    size_t get_len = 0;
    wa__ws_new_key(key);
    last_refused_status = 0;
    int bad = !wa__ws_protocols_ok(req->protocols);
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        bad |= !header_line_ok(req->headers[i]);
    if (bad) {
        t->ops->close(t);
        return WA_EINVAL;
    }
    int rc = client_request(req, key, &get, &get_len);
    if (rc == 0) {
        const void *bufs[1] = {get};
        rc = t->ops->write(t, bufs, &get_len, 1);
    }
    free(get);
    size_t len = 0, end = 0;
    if (rc == 0 && !(head = malloc(MAX_RESPONSE_HEAD + 1)))
        rc = WA_ENOMEM;
    while (rc == 0 && end == 0) {
        if (len == MAX_RESPONSE_HEAD) {
            rc = WA_EWSHANDSHAKE;
            break;
        }
        long n = t->ops->read(t, head + len, MAX_RESPONSE_HEAD - len);
        if (n <= 0) {
            rc = n == 0 ? WA_EWSHANDSHAKE : (int)n;
            break;
        }
        size_t from = len > 3 ? len - 3 : 0;
        len += (size_t)n;
        head[len] = '\0';
        for (size_t i = from; i + 4 <= len; i++)
            if (memcmp(head + i, "\r\n\r\n", 4) == 0) {
                end = i + 4;
                break;
            }
    }
    char *protocol = NULL;
    if (rc == 0) {
        char save = head[end];
        head[end] = '\0';
        rc = check_response(head, key, req, &protocol);
        head[end] = save;
    }
    if (rc != 0) {
        free(head);
        t->ops->close(t);
        return rc;
    }
    ws->protocol = protocol;
    rc = wa__ws_engine_attach(ws, t, 1, head + end, len - end);
    free(head);
    return rc;
}

/* ------------------------------------------------------------ server */

/* The first protocol of ours (in our order) that the client offered. */
static const char *pick_protocol(const char *offered, const char *const *ours)
{
    for (size_t i = 0; offered && ours && ours[i]; i++)
        if (wa__ws_has_token(offered, ours[i]))
            return ours[i];
    return NULL;
}

int wa__ws_server_handshake(const char *method, wa__ws_header_fn header, const void *ctx,
                            const wa_ws_opts *opts, char **head, size_t *head_len, char **protocol)
{
    const char *version = header(ctx, "Sec-WebSocket-Version");
    const char *key = header(ctx, "Sec-WebSocket-Key");
    if (strcmp(method, "GET") != 0 || !wa__ws_has_token(header(ctx, "Upgrade"), "websocket") ||
        !wa__ws_has_token(header(ctx, "Connection"), "upgrade") || !key || !wa__ws_key_valid(key))
        return 400;
    if (!version || strcmp(version, "13") != 0)
        return 426; /* with Sec-WebSocket-Version: 13 (4.4) */
    for (size_t i = 0; opts && opts->headers && opts->headers[i]; i++)
        if (!header_line_ok(opts->headers[i]))
            return WA_EINVAL;
    if (opts && !wa__ws_protocols_ok(opts->protocols))
        return WA_EINVAL;
    char accept[29];
    wa__ws_accept_for(key, accept);
    const char *proto =
        pick_protocol(header(ctx, "Sec-WebSocket-Protocol"), opts ? opts->protocols : NULL);
    char *b = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    rc |= append(&b, &len, &cap,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: ");
    rc |= append(&b, &len, &cap, accept);
    rc |= append(&b, &len, &cap, "\r\n");
    if (proto) {
        rc |= append(&b, &len, &cap, "Sec-WebSocket-Protocol: ");
        rc |= append(&b, &len, &cap, proto);
        rc |= append(&b, &len, &cap, "\r\n");
    }
    for (size_t i = 0; opts && opts->headers && opts->headers[i]; i++) {
        rc |= append(&b, &len, &cap, opts->headers[i]);
        rc |= append(&b, &len, &cap, "\r\n");
    }
    rc |= append(&b, &len, &cap, "\r\n");
    *protocol = proto ? wa__strdup(proto) : NULL;
    if (rc || (proto && !*protocol)) {
        free(b);
        free(*protocol);
        *protocol = NULL;
        return WA_ENOMEM;
    }
    *head = b;
    *head_len = len;
    return 0;
}
