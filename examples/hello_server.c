/* hello_server.c: the tutorial's aiohttp app: "Hello, {name}!" on /{name},
 * its only route (so / is 404, as in aiohttp). Usage:
 *   hello_server [port] [--threads N|auto]
 * (port 8080 by default), listening on 127.0.0.1 until interrupted, on one
 * loop, or on N loops each on a thread of its own (auto: one per core), as
 * nginx's worker_processes. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct settings {
    int port;
    unsigned threads; /* wa_server_opts.threads: 0 = one loop */
};

static void *serve(void *arg)
{
    const struct settings *set = arg;
    int port = set->port;
    wa_app *app = wa_build_app();
    if (!app)
        return wa_raise(wa_last_error(), "cannot create the app");
    wa_server_opts opts = {.threads = set->threads};
    wa_app_set_opts(app, &opts);
    printf("======== Running on http://127.0.0.1:%d ========\n", port);
    fflush(stdout);
    int rc = wa_app_listen(app, "127.0.0.1", port);
    wa_app_free(app);
    if (rc < 0 && rc != WA_ECANCELED)
        return wa_raise(rc, "cannot serve on 127.0.0.1:%d: %s", port, wa_strerror(rc));
    return NULL;
}

/* "auto" or a number of loops from 1 to 1024; 0 when it is neither. */
static unsigned parse_threads(const char *s)
{
    if (strcmp(s, "auto") == 0)
        return WA_THREADS_AUTO;
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n >= 1 && n <= 1024 ? (unsigned)n : 0;
}

int main(int argc, char **argv)
{
    struct settings set = {8080, 0};
    int have_port = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strncmp(a, "--threads=", 10) == 0)
            v = a + 10;
        else if ((strcmp(a, "--threads") == 0 || strcmp(a, "-t") == 0) && i + 1 < argc)
            v = argv[++i];
        if (v) {
            if (!(set.threads = parse_threads(v)))
                goto usage;
        } else if (!have_port && a[0] != '-') {
            char *end;
            long p = strtol(a, &end, 10);
            if (*end || p < 0 || p > 65535)
                goto usage;
            set.port = (int)p;
            have_port = 1;
        } else {
            goto usage;
        }
    }
    int rc = wa_run(serve, &set, NULL);
    if (rc < 0) {
        fprintf(stderr, "hello_server: %s\n", wa_strerror(rc));
        return 1;
    }
    return 0;
usage:
    fprintf(stderr, "usage: %s [port] [--threads N|auto]\n", argv[0]);
    return 2;
}
