/* p2_server.c: the app tests/wasip2/run.sh serves under `jco serve` as a
 * wasi:http/incoming-handler component. It follows the server convention:
 * the program defines `wa_app *wa_build_app(void)`; natively main() passes it
 * to wa_app_listen, on WASI 0.2 the component export calls it once. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int hello(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    const char *name = wa_request_param(req, "name");
    return wa_reply_text(reply, "Hello, %s!", name ? name : "World");
}

static int echo(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    size_t n;
    const void *body = wa_request_body(req, &n);
    const char *h = wa_request_header(req, "x-test");
    const char *q = wa_request_query(req, "q");
    wa_reply_status(reply, 201);
    wa_reply_header(reply, "X-Seen", h ? h : "-");
    wa_reply_header(reply, "X-Host", wa_request_host(req) ? wa_request_host(req) : "-");
    wa_reply_header(reply, "Content-Type", "application/x-echo");
    wa_reply_text(reply, "%s q=%s len=%zu:%.*s", wa_request_method(req), q ? q : "-", n, (int)n,
                  (const char *)body);
    return 0;
}

/* Handlers run in a task: they can sleep and gather like anywhere else. */
static void *nap(void *arg) { return (void *)(intptr_t)wa_sleep((uint64_t)(intptr_t)arg); }

static int slow(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)ud;
    uint64_t t0 = wa_now();
    wa_task *t[3] = {wa_spawn(nap, (void *)30), wa_spawn(nap, (void *)40),
                     wa_spawn(nap, (void *)50)};
    int rc = wa_gather(t, 3, NULL, NULL, 0);
    for (int i = 0; i < 3; i++)
        wa_release(t[i]);
    if (rc < 0)
        return rc;
    return wa_reply_text(reply, "slept %s", wa_now() - t0 < 140 ? "together" : "apart");
}

static int fail(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)reply;
    (void)ud;
    return WA_EFAILED;
}

/* The C library inside a handler. In a component it runs on
 * src/host/wasip2/proxy/preview1.c (the wasi:http/proxy world only): clocks,
 * randomness and stdout work; files do not exist there, and wa_read_file
 * says why (WA_ENOTCAPABLE; natively the missing file is WA_ENOENT). */
static int libc_check(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)req;
    (void)ud;
    struct timespec ts = {0};
    int clock_ok = clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 1600000000;
    unsigned char bytes[16] = {0}, zero[16] = {0};
    int random_ok = getentropy(bytes, sizeof bytes) == 0 && memcmp(bytes, zero, sizeof bytes) != 0;
    int stdout_ok = printf("p2_server: libc check\n") > 0 && fflush(stdout) == 0;
    char *data = NULL;
    int file_rc = wa_read_file("/no/preopen/here.txt", &data, NULL);
    free(data);
    return wa_reply_text(reply, "clock %d random %d stdout %d file %d", clock_ok, random_ok,
                         stdout_ok, file_rc);
}

wa_app *wa_build_app(void)
{
    wa_app *app = wa_app_new();
    if (!app)
        return NULL;
    wa_app_get(app, "/", hello, NULL);
    wa_app_get(app, "/slow/naps", slow, NULL);
    wa_app_get(app, "/fail/now", fail, NULL);
    wa_app_get(app, "/libc/check", libc_check, NULL);
    wa_app_route(app, "POST", "/echo/it", echo, NULL);
    wa_app_get(app, "/{name}", hello, NULL);
    return app;
}

static void *serve(void *arg)
{
    wa_app *app = wa_build_app();
    int rc = wa_app_listen(app, "127.0.0.1", *(int *)arg);
    wa_app_free(app);
    return rc < 0 && rc != WA_ECANCELED ? wa_raise(rc, "listen: %s", wa_strerror(rc)) : NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    return wa_run(serve, &port, NULL) < 0;
}
