/* server_app.c: a user's HTTP server, built by tests/install/run.sh with
 * wasyncio-wasip2-cc (a wasi:http/proxy component, since it defines
 * wa_build_app). Its main() is the same program's native entry point. */
#include <stdint.h>
#include <stdlib.h>
#include <wasyncio.h>

static int hello(const wa_request *req, wa_reply *reply, void *ud)
{
    const char *name = wa_request_param(req, "name");
    if (wa_sleep(5) < 0) /* a handler may suspend */
        return WA_ECANCELED;
    return wa_reply_text(reply, "installed hello, %s", name ? name : "you");
}

wa_app *wa_build_app(void)
{
    wa_app *app = wa_app_new();
    wa_app_get(app, "/{name}", hello, NULL);
    return app;
}

static void *serve(void *port)
{
    return (void *)(intptr_t)wa_app_listen(wa_build_app(), "127.0.0.1", (int)(intptr_t)port);
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    return wa_run(serve, (void *)(intptr_t)port, NULL) == 0 ? 0 : 1;
}
