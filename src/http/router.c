/* router.c: the app's route table ({param} captures), argument checks
 * for wa_app_*, and dispatch of one request to its handler. The listening
 * itself is the host backend's (wa__http_listen_backend). */
#include "http/host.h"
#include "core/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wa_app *wa_app_new(void)
{
    wa_app *a = calloc(1, sizeof *a);
    if (!a)
        return wa__set_last_error(WA_ENOMEM);
    return a;
}

/* A pattern is "/" followed by segments; a segment is either literal text
 * without braces or exactly "{name}". */
static int pattern_ok(const char *p)
{
    if (!p || p[0] != '/')
        return 0;
    const char *s = p + 1;
    while (*s) {
        size_t len = strcspn(s, "/");
        const char *open = memchr(s, '{', len), *close = memchr(s, '}', len);
        if (open || close) {
            if (s[0] != '{' || s[len - 1] != '}' || len < 3)
                return 0;
            for (size_t i = 1; i < len - 1; i++)
                if (s[i] == '{' || s[i] == '}')
                    return 0;
        }
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] <= 0x20 || s[i] == '?' || s[i] == '#')
                return 0;
        s += len;
        if (*s == '/')
            s++;
    }
    return 1;
}

int wa_app_route(wa_app *app, const char *method, const char *pattern, wa_handler h, void *ud)
{
    if (!app || !method || !h || !pattern_ok(pattern) || !wa__http_token_ok(method, strlen(method)))
        return WA_EINVAL;
    if (wa__grow(&app->routes, &app->cap, app->n + 1, sizeof *app->routes, 8))
        return WA_ENOMEM;
    wa__route *r = &app->routes[app->n];
    r->method = wa__strdup(method);
    r->pattern = wa__strdup(pattern);
    if (!r->method || !r->pattern) {
        free(r->method);
        free(r->pattern);
        return WA_ENOMEM;
    }
    r->h = h;
    r->ud = ud;
    app->n++;
    return 0;
}

int wa_app_listen(wa_app *app, const char *host, int port)
{
    if (!app || !host)
        return WA_EINVAL;
    if (port < 0 || port > 65535) {
        fprintf(stderr, "wasyncio: wa_app_listen: port %d is not in 0..65535 (WA_EINVAL)\n", port);
        return WA_EINVAL;
    }
    int rc = wa__require_task();
    if (rc < 0)
        return rc;
    if (app->listening)
        return WA_EBUSY;
    app->listening = 1;
    rc = wa__http_listen_backend(app, host, port);
    app->listening = 0;
    app->port = 0;
    return rc;
}

int wa_app_port(const wa_app *app)
{
    if (!app)
        return WA_EINVAL;
    return app->port;
}

void wa_app_free(wa_app *app)
{
    if (!app)
        return;
    if (app->listening) {
        /* The server still points at it: leaking beats a use-after-free. */
        fprintf(stderr, "wasyncio: wa_app_free on a listening app ignored\n");
        return;
    }
    for (size_t i = 0; i < app->n; i++) {
        free(app->routes[i].method);
        free(app->routes[i].pattern);
    }
    free(app->routes);
    free(app);
}

/* Match path against pattern, collecting captures into params. */
static int match(const char *pattern, const char *path, wa__hdrs *params)
{
    const char *p = pattern, *s = path;
    for (;;) {
        if (*p != '/' || *s != '/')
            return *p == *s;
        p++;
        s++;
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (pl > 0 && p[0] == '{') {
            if (sl == 0)
                return 0;
            char *v = wa__pct_decode(s, sl, 0);
            if (!v || wa__hdrs_add_raw(params, p + 1, pl - 2, v, strlen(v)) < 0) {
                free(v);
                return 0;
            }
            free(v);
        } else if (pl != sl || memcmp(p, s, pl) != 0) {
            return 0;
        }
        p += pl;
        s += sl;
        if (*p == '\0' && *s == '\0')
            return 1;
    }
}

static wa__route *find_route(wa_app *app, wa_request *req, const char *method, int *path_matched)
{
    for (size_t i = 0; i < app->n; i++) {
        wa__route *r = &app->routes[i];
        wa__hdrs_clear(&req->params);
        if (!match(r->pattern, req->path, &req->params))
            continue;
        *path_matched = 1;
        if (strcmp(r->method, method) == 0 || strcmp(r->method, "*") == 0)
            return r;
    }
    wa__hdrs_clear(&req->params);
    return NULL;
}

void wa__app_dispatch(wa_app *app, wa_request *req, wa_reply *reply)
{
    /* A decoded %00 would end a C string early: "/a%00b" reaching a
     * handler as "a" (nginx answers 400 too). */
    if (!req->method || !req->path || req->path[0] != '/' || strstr(req->path, "%00")) {
        wa__reply_error(reply, 400);
        return;
    }
    int path_matched = 0;
    wa__route *r = find_route(app, req, req->method, &path_matched);
    if (!r && strcmp(req->method, "HEAD") == 0)
        r = find_route(app, req, "GET", &path_matched);
    if (!r) {
        wa__reply_error(reply, path_matched ? 405 : 404);
        return;
    }
    if (wa__request_parse_query(req) < 0) {
        wa__reply_error(reply, 500);
        return;
    }
    wa_handler h = r->h;
    void *ud = r->ud;
    if (h(req, reply, ud) < 0)
        wa__reply_error(reply, 500);
}
