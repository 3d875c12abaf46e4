/* p2_floor.c: the benchmark's floor: a wasi:http/incoming-handler with no
 * wasyncio runtime at all (no loop, no tasks, no router), answering
 * "Hello, {path}!" with the fewest host calls. Whatever the host (jco serve)
 * costs per request shows here; the gap to the real app is ours. */
#include "host/wasip2/bindings.h"

#include <stdio.h>

__attribute__((export_name("wasi:http/incoming-handler@" WA_P2_VER "#handle"))) void
floor_handle(int32_t req, int32_t outparam)
{
    wa__p2_ret r;
    char buf[160];
    int n;
    wa__p2_ireq_path(req, &r);
    if (wa__p2_u8(&r, 0)) {
        char *p = wa__p2_ptr(&r, 4);
        int len = wa__p2_i32(&r, 8);
        n = snprintf(buf, sizeof buf, "Hello, %.*s!", len > 1 ? len - 1 : 0, p + 1);
        wa__p2_free(p, (size_t)len);
    } else {
        n = snprintf(buf, sizeof buf, "Hello, World!");
    }
    wa__p2_ireq_drop(req);
    int32_t h = wa__p2_fields_new();
    wa__p2_fields_append(h, "content-type", 12, "text/plain; charset=utf-8", 25, &r);
    int32_t resp = wa__p2_oresp_new(h);
    wa__p2_oresp_body(resp, &r);
    int32_t body = wa__p2_i32(&r, 4);
    wa__p2_outparam_set(outparam, 0, resp, 0, 0, 0, 0, 0, 0);
    wa__p2_obody_write(body, &r);
    int32_t out = wa__p2_i32(&r, 4);
    wa__p2_out_blocking_write_and_flush(out, buf, n, &r);
    wa__p2_out_drop(out);
    wa__p2_obody_finish(body, 0, 0, &r);
}
