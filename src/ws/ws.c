/* ws.c: the public WebSocket API (wasyncio/ws.h) for every target: URLs,
 * defaults, argument and state checks, then the connection's operations
 * (the RFC 6455 engine, or a target's own WebSocket: ws/host.h). */
#include "ws/engine.h"
#include "core/backend.h"
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

wa_ws *wa__ws_new(const wa_ws_opts *opts, int is_client)
{
    wa_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->is_client = is_client;
    ws->max_message = opts && opts->max_message ? opts->max_message : WA_WS_DEFAULT_MAX_MESSAGE;
    ws->close_timeout_ms =
        opts && opts->close_timeout_ms ? opts->close_timeout_ms : WA_WS_DEFAULT_CLOSE_TIMEOUT_MS;
    return ws;
}

/* ------------------------------------------------------------ connect */

int wa_ws_connect(const char *url, const wa_ws_opts *opts, wa_ws **out)
{
    if (!out)
        return WA_EINVAL;
    *out = NULL;
    if (!url)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    if (opts && (!wa__ws_protocols_ok(opts->protocols) || !wa__ws_headers_ok(opts->headers)))
        return WA_EINVAL; /* before anything is dialled */
    /* ws:// and wss:// are http:// and https:// with another name (RFC 6455
     * 3), so the HTTP layer's URL rules apply unchanged. */
    int secure;
    const char *rest;
    if (strncasecmp(url, "ws://", 5) == 0)
        secure = 0, rest = url + 5;
    else if (strncasecmp(url, "wss://", 6) == 0)
        secure = 1, rest = url + 6;
    else
        return strstr(url, "://") ? WA_ESCHEME : WA_EURL;
    if (strchr(rest, '#'))
        return WA_EURL; /* 3: "Fragment identifiers are meaningless" */
    char *http = wa__format("%s://%s", secure ? "https" : "http", rest);
    if (!http)
        return WA_ENOMEM;
    wa__url u;
    rc = wa__url_parse(http, &u);
    char *host = NULL, *host_header = NULL, *resource = NULL;
    if (rc == 0) {
        host = wa__strndup(u.host, u.host_len);
        int v6 = memchr(u.host, ':', u.host_len) != NULL;
        int default_port = u.port == (secure ? 443 : 80);
        host_header = default_port ? wa__format(v6 ? "[%s]" : "%s", host)
                                   : wa__format(v6 ? "[%s]:%d" : "%s:%d", host, u.port);
        resource = wa__strdup(u.path[0] ? u.path : "/");
        if (!host || !host_header || !resource)
            rc = WA_ENOMEM;
    }
    wa_ws *ws = rc == 0 ? wa__ws_new(opts, 1) : NULL;
    if (rc == 0 && !ws)
        rc = WA_ENOMEM;
    if (rc == 0) {
        uint64_t hs = opts && opts->handshake_timeout_ms ? opts->handshake_timeout_ms
                                                         : WA_WS_DEFAULT_HANDSHAKE_TIMEOUT_MS;
        wa__ws_connect_req req = {
            .url = url,
            .secure = secure,
            .host = host,
            .port = u.port,
            .host_header = host_header,
            .resource = resource,
            .headers = opts ? opts->headers : NULL,
            .protocols = opts ? opts->protocols : NULL,
            .handshake_timeout_ms = hs == WA_NO_TIMEOUT ? 0 : hs,
            .flags = opts ? opts->flags : 0,
            .ca_file = opts ? opts->ca_file : NULL,
        };
        wa_timeout scope;
        wa_timeout_enter(&scope, hs);
        rc = wa__ws_host_connect(&req, ws);
        if (wa_timeout_exit(&scope) == WA_ETIMEDOUT && rc < 0)
            rc = WA_ETIMEDOUT;
        if (rc == 0) {
            ws->resource = resource;
            resource = NULL;
        }
    }
    free(http);
    free(host);
    free(host_header);
    free(resource);
    if (rc < 0) {
        wa_ws_free(ws);
        return rc;
    }
    *out = ws;
    return 0;
}

/* ------------------------------------------------------------ accept */

static const char *request_header(const void *req, const char *name)
{
    return wa_request_header(req, name);
}

int wa_ws_accept(const wa_request *req, wa_reply *reply, const wa_ws_opts *opts, wa_ws **out)
{
    if (!out)
        return WA_EINVAL;
    *out = NULL;
    if (!req || !reply)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    char *head = NULL, *protocol = NULL;
    size_t head_len = 0;
    rc = wa__ws_server_handshake(wa_request_method(req), request_header, req, opts, &head,
                                 &head_len, &protocol);
    if (rc > 0) {
        /* Not an upgrade: the handler's reply says why (aiohttp: 400). */
        wa_reply_status(reply, rc);
        if (rc == 426)
            wa_reply_header(reply, "Sec-WebSocket-Version", "13");
        wa_reply_text(reply, "%s",
                      rc == 426 ? "WebSocket version 13 required\n" : "not a WebSocket upgrade\n");
        return WA_EWSHANDSHAKE;
    }
    if (rc < 0)
        return rc;
    wa_ws *ws = wa__ws_new(opts, 0);
    wa__ws_transport *t = NULL;
    rc = ws ? wa__ws_host_upgrade(req, reply, head, head_len, &t) : WA_ENOMEM;
    free(head);
    if (rc == 0)
        rc = wa__ws_engine_attach(ws, t, 0, NULL, 0);
    if (rc == 0 && !(ws->resource = wa__strdup(wa_request_path(req))))
        rc = WA_ENOMEM;
    if (rc < 0) {
        free(protocol);
        wa_ws_free(ws);
        return rc;
    }
    ws->protocol = protocol;
    *out = ws;
    return 0;
}

/* ------------------------------------------------------------ messages */

/* Can a frame go out on ws now: inside a task, on a connection not closed
 * (by either side) and not given up? 0, WA_ENOLOOP or WA_ECLOSED. */
static int may_send(const wa_ws *ws)
{
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    return ws->closed || !ws->ops ? WA_ECLOSED : 0;
}

static int send_checked(wa_ws *ws, int opcode, const void *data, size_t len)
{
    if (!ws || (!data && len))
        return WA_EINVAL;
    int rc = may_send(ws);
    if (rc < 0)
        return rc;
    wa__ws_enter(ws);
    rc = ws->ops->send(ws, opcode, data ? data : "", len);
    wa__ws_leave(ws);
    return rc;
}

int wa_ws_send_text(wa_ws *ws, const char *text)
{
    if (!text)
        return WA_EINVAL;
    return wa_ws_send_text_n(ws, text, strlen(text));
}

int wa_ws_send_text_n(wa_ws *ws, const char *text, size_t len)
{
    if (text && !wa__utf8_valid(text, len))
        return WA_EINVAL; /* a peer would fail the connection with 1007 */
    return send_checked(ws, WA_WS_TEXT, text, len);
}

int wa_ws_send_binary(wa_ws *ws, const void *data, size_t len)
{
    return send_checked(ws, WA_WS_BINARY, data, len);
}

int wa_ws_ping(wa_ws *ws, const void *data, size_t len)
{
    if (len > 125)
        return WA_EINVAL;
    return send_checked(ws, WA_WS_OP_PING, data, len);
}

int wa_ws_receive(wa_ws *ws, wa_ws_msg *msg)
{
    if (!ws || !msg)
        return WA_EINVAL;
    memset(msg, 0, sizeof *msg);
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    if (ws->receiving)
        return WA_EBUSY;
    if (!ws->ops)
        return WA_ECLOSED;
    ws->receiving = 1;
    wa__ws_enter(ws);
    rc = ws->ops->receive(ws, msg);
    ws->receiving = 0;
    wa__ws_leave(ws);
    return rc;
}

/* ------------------------------------------------------------ closing */

int wa_ws_close(wa_ws *ws, int code, const char *reason)
{
    if (!ws)
        return WA_EINVAL;
    if (code == 0)
        code = WA_WS_NORMAL;
    if (code < 1000 || code > 4999 || !wa__ws_close_code_ok(code))
        return WA_EINVAL;
    size_t rlen = reason ? strlen(reason) : 0;
    if (rlen > 123 || (reason && !wa__utf8_valid(reason, rlen)))
        return WA_EINVAL;
    int rc = may_send(ws);
    if (rc < 0)
        return rc;
    wa__ws_enter(ws);
    rc = ws->ops->close(ws, code, reason ? reason : "", rlen);
    wa__ws_leave(ws);
    return rc;
}

int wa_ws_close_code(const wa_ws *ws) { return ws ? ws->close_code : WA_EINVAL; }

const char *wa_ws_close_reason(const wa_ws *ws)
{
    return ws && ws->close_reason ? ws->close_reason : "";
}

int wa_ws_closed(const wa_ws *ws) { return ws ? ws->closed : WA_EINVAL; }

const char *wa_ws_protocol(const wa_ws *ws) { return ws ? ws->protocol : NULL; }

const char *wa_ws_path(const wa_ws *ws) { return ws ? ws->resource : NULL; }

size_t wa_ws_buffered_amount(const wa_ws *ws)
{
    return ws && ws->ops && ws->ops->buffered ? ws->ops->buffered(ws) : 0;
}

void wa__ws_enter(wa_ws *ws) { ws->users++; }

static void ws_release(wa_ws *ws)
{
    if (ws->ops)
        ws->ops->free(ws);
    free(ws->protocol);
    free(ws->close_reason);
    free(ws->resource);
    free(ws);
}

void wa__ws_leave(wa_ws *ws)
{
    if (--ws->users == 0 && ws->free_pending)
        ws_release(ws);
}

/* Another task may still be inside a call on ws (a broadcast's send to a
 * peer whose handler is leaving): end the connection so that call returns,
 * and let it free ws. */
void wa_ws_free(wa_ws *ws)
{
    if (!ws || ws->free_pending)
        return;
    if (ws->users > 0) {
        ws->free_pending = 1;
        ws->closed = 1;
        if (ws->ops && ws->ops->abort)
            ws->ops->abort(ws);
        return;
    }
    ws_release(ws);
}
