/* server_listen.c: wa_app_listen's native entry: the address to listen on,
 * SIGPIPE ignored, then one loop serving (server.c) or several together
 * (server_workers.c, wa_server_opts.threads). */
#include "core/host.h"
#include "host/native/native.h"
#include "host/native/server.h"
#include "core/backend.h"

#include <stdio.h>
#include <string.h>

static int resolve(const char *host, int port, struct sockaddr_storage *ss)
{
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return WA_EINVAL;
}

int wa__http_listen_backend(wa_app *app, const char *host, int port)
{
    if (!wa__uv())
        return WA_ENOLOOP;
    wa__native_ignore_sigpipe();
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (resolve(host, port, &ss) < 0) {
        fprintf(stderr, "wasyncio: cannot listen on %s:%d: not an IP address (WA_EINVAL)\n", host,
                port);
        return WA_EINVAL;
    }
    unsigned n = wa__server_threads(&app->opts);
    if (n > 1)
        return wa__server_workers(app, (struct sockaddr *)&ss, n);
    return wa__server_serve(app, (struct sockaddr *)&ss, -1, NULL);
}
