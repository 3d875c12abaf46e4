/* fuzz_route.c: libFuzzer harness for the portable request, router, query
 * and reply code: the input is a route pattern, a request target, a header
 * name and value and a status, one per line. The handler copies them into
 * the reply, whose serialization must stay framed: the checks in
 * wa_reply_header keep CR and LF out of it. */
#define _GNU_SOURCE /* memmem */
#include "http/http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *field[5];

static int handler(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    const char *a = wa_request_param(req, "a"), *b = wa_request_param(req, "b");
    const char *q = wa_request_query(req, field[2]);
    wa_reply_header(reply, field[2], field[3]);
    wa_reply_status(reply, atoi(field[4]));
    if (a && q)
        return wa_reply_body(reply, q, strlen(q));
    return wa_reply_text(reply, "%s|%s|%s", a ? a : "-", b ? b : "-", q ? q : "-");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    char *p = s;
    for (int i = 0; i < 5; i++) {
        field[i] = p ? p : "";
        if (p && (p = strchr(p, '\n')) != NULL)
            *p++ = 0;
    }
    wa_app *app = wa_app_new();
    wa_app_route(app, "GET", field[0], handler, NULL);
    wa_app_route(app, "GET", "/{a}/{b}", handler, NULL);
    wa_request req;
    wa__request_init(&req);
    char *method = strdup("GET"), *target = strdup(field[1]);
    wa__request_set_line(&req, method, target);
    wa_reply rep;
    wa__reply_init(&rep);
    wa__app_dispatch(app, &req, &rep);
    char *out = NULL;
    size_t n = 0;
    if (wa__reply_serialize(&rep, 1, 0, &out, &n) == 0) {
        const char *end = memmem(out, n, "\r\n\r\n", 4);
        if (!end)
            abort();
        for (const char *c = out; c < end; c++)
            if ((*c == '\r' && c[1] != '\n') || (*c == '\n' && c[-1] != '\r') || *c == 0)
                abort();
        const char *cl = memmem(out, (size_t)(end - out) + 2, "\r\nContent-Length: ", 18);
        if (cl && strtoull(cl + 18, NULL, 10) != n - (size_t)(end + 4 - out))
            abort();
        free(out);
    }
    wa__reply_clear(&rep);
    wa__request_clear(&req);
    wa_app_free(app);
    free(s);
    return 0;
}
