/* unsupported.c: what WASI preview1 cannot do. It has no sockets and no
 * wasi:http, so both HTTP backend hooks refuse with WA_ENOTSUP and say why on
 * stderr once per process (the WASI 0.2 component build has the real ones).
 * wa_js_await's WA_ENOTSUP is in host/common/no_threads.c. */
#include <stdio.h>

#include "core/host.h"
#include "http/host.h"

static int told_fetch, told_listen;

static void tell_once(int *told, const char *what)
{
    if (*told)
        return;
    *told = 1;
    fprintf(stderr, "wasyncio: %s\n", what);
}

int wa__http_fetch_backend(const wa__fetch_req *req, wa_response *resp)
{
    (void)req;
    (void)resp;
    tell_once(&told_fetch, "wa_fetch is not supported on WASI preview1 (no HTTP "
                           "there): WA_ENOTSUP; use the WASI 0.2 or native build");
    return WA_ENOTSUP;
}

int wa__http_listen_backend(wa_app *app, const char *host, int port)
{
    (void)app;
    (void)host;
    (void)port;
    tell_once(&told_listen, "wa_app_listen is not supported on WASI preview1 (no "
                            "sockets there): WA_ENOTSUP; use the WASI 0.2 or native build");
    return WA_ENOTSUP;
}
