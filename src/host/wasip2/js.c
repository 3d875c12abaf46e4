/* wasip2_js.c: the component build has no JavaScript host to await. */
#include "host/host.h"

int wa__host_js_await(int promise_handle, char **json)
{
    (void)promise_handle;
    (void)json;
    return WA_ENOTSUP;
}
