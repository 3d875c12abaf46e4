/* hello_server.c: the tutorial's aiohttp app: "Hello, {name}!" on /{name},
 * its only route (so / is 404, as in aiohttp). Usage: hello_server [port]
 * (default 8080), listening on 127.0.0.1 until interrupted. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>

static int handle(const wa_request *req, wa_reply *reply, void *ud)
{
    (void)ud;
    const char *name = wa_request_param(req, "name");
    return wa_reply_text(reply, "Hello, %s!", name ? name : "World");
}

/* The routes, like the tutorial's `app = web.Application()` module global.
 * The WASI 0.2 component build calls wa_build_app() once per instance; the
 * native build calls it below and listens. */
wa_app *wa_build_app(void)
{
    wa_app *app = wa_app_new();
    if (!app)
        return NULL;
    wa_app_get(app, "/{name}", handle, NULL);
    return app;
}

static void *serve(void *arg)
{
    int port = *(int *)arg;
    wa_app *app = wa_build_app();
    if (!app)
        return wa_raise(wa_last_error(), "cannot create the app");
    printf("======== Running on http://127.0.0.1:%d ========\n", port);
    fflush(stdout);
    int rc = wa_app_listen(app, "127.0.0.1", port);
    wa_app_free(app);
    if (rc < 0 && rc != WA_ECANCELED)
        return wa_raise(rc, "cannot serve on 127.0.0.1:%d: %s", port, wa_strerror(rc));
    return NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    if (port < 0 || port > 65535) {
        fprintf(stderr, "usage: %s [port]\n", argv[0]);
        return 2;
    }
    int rc = wa_run(serve, &port, NULL);
    if (rc < 0) {
        fprintf(stderr, "hello_server: %s\n", wa_strerror(rc));
        return 1;
    }
    return 0;
}
