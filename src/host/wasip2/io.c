/* io.c: what the WASI 0.2 client and server both need around
 * wasi:io streams and wasi:http: writing a whole buffer with back-pressure,
 * reading a fields resource into headers, and turning wasi:http error-codes
 * and stream errors into wasyncio codes. */
#include "http/http.h"
#include "core/backend.h"
#include "host/common/common.h"
#include "core/host.h"
#include "host/wasip2/wasip2.h"
#include "host/wasip2/bindings.h"

/* ------------------------------------------------------------ errors */

static int map_code(uint8_t disc)
{
    switch (disc) {
    case 0:
    case 1:
    case 2: /* DNS-timeout, DNS-error, destination-not-found */ return WA_EDNS;
    case 6: /* connection-refused */ return WA_ECONNREFUSED;
    case 8:
    case 9:
    case 10:
    case 33: /* connection/read/write/response timeouts */ return WA_ETIMEDOUT;
    case 12:
    case 13:
    case 14: /* TLS protocol, certificate, alert */ return WA_ETLS;
    case 17:
    case 21:
    case 22:
    case 23:
    case 24: /* our request over host limits */
    case 26:
    case 27:
    case 28: /* the response's head or body over them */ return WA_ETOOBIG;
    case 18: /* HTTP-request-method-invalid */ return WA_EINVAL;
    case 19:
    case 20: /* request URI invalid / too long */ return WA_EURL;
    default:
        if (disc >= 25 && disc <= 35) /* HTTP-response-*, upgrade, protocol */
            return WA_EPROTO;
        if (disc == 16) /* HTTP-request-length-required */
            return WA_EPROTO;
        return WA_ENET; /* unreachable, terminated, denied, loop, config, internal */
    }
}

/* Map an error-code at ec and free what it owns. */
int wa__p2_take_error_code(const uint8_t *ec)
{
    int rc = map_code(ec[0]);
    if (wa__debug_on())
        wa__host_debug_note(wa__p2_error_code_name(ec));
    wa__p2_error_code_free(ec);
    return rc;
}

/* A failed stream operation: ask wasi:http what the io error means. */
int wa__p2_take_stream_error(const wa__p2_ret *r)
{
    if (wa__p2_u8(r, 4) != WA_P2_STREAM_FAILED)
        return 0; /* closed: not an error by itself */
    int32_t err = wa__p2_i32(r, 8);
    wa__p2_ret ec;
    wa__p2_http_error_code(err, &ec);
    int rc = wa__p2_u8(&ec, 0) ? wa__p2_take_error_code(ec.b + 8) : WA_ENET;
    wa__p2_error_drop(err);
    return rc;
}

/* ------------------------------------------------------------ writing */

/* Up to this many bytes go out in one blocking-write-and-flush call. The
 * contract guarantees a fresh stream takes 4096 bytes, so the host does not
 * wait on the peer here, and one call replaces the four of the
 * check-write/write/flush/check-write sequence (under jco each is a round
 * trip to its I/O worker: this doubled the server's request rate). */
#define WA_P2_SMALL_WRITE 4096

int wa__p2_write_all(int32_t out, const void *data, size_t len)
{
    wa__p2_ret r;
    int rc = 0;
    if (len <= WA_P2_SMALL_WRITE) {
        wa__p2_out_blocking_write_and_flush(out, data, (int32_t)len, &r);
        if (!wa__p2_u8(&r, 0))
            return 0;
        rc = wa__p2_take_stream_error(&r);
        return rc < 0 ? rc : WA_ENET;
    }
    int32_t poll = -1;
    size_t off = 0;
    while (off < len) {
        wa__p2_out_check_write(out, &r);
        if (wa__p2_u8(&r, 0)) {
            rc = wa__p2_take_stream_error(&r);
            if (rc == 0)
                rc = WA_ENET; /* closed by the peer before everything went */
            break;
        }
        uint64_t room = wa__p2_u64(&r, 8);
        if (room == 0) {
            if (poll < 0)
                poll = wa__p2_out_subscribe(out);
            rc = wa__p2_wait(poll);
            if (rc < 0)
                break;
            continue;
        }
        size_t k = len - off < room ? len - off : (size_t)room;
        wa__p2_out_write(out, (const char *)data + off, (int32_t)k, &r);
        if (wa__p2_u8(&r, 0)) {
            rc = wa__p2_take_stream_error(&r);
            if (rc == 0)
                rc = WA_ENET;
            break;
        }
        off += k;
    }
    if (rc == 0) {
        wa__p2_out_flush(out, &r);
        if (wa__p2_u8(&r, 0) && (rc = wa__p2_take_stream_error(&r)) == 0)
            rc = WA_ENET;
    }
    /* A flush completes when check-write reports room again; only then is
     * it safe to drop the stream and finish the body. */
    while (rc == 0) {
        wa__p2_out_check_write(out, &r);
        if (wa__p2_u8(&r, 0)) {
            if ((rc = wa__p2_take_stream_error(&r)) == 0)
                rc = WA_ENET;
            break;
        }
        if (wa__p2_u64(&r, 8) > 0)
            break;
        if (poll < 0)
            poll = wa__p2_out_subscribe(out);
        rc = wa__p2_wait(poll);
    }
    if (poll >= 0)
        wa__p2_pollable_drop(poll);
    return rc;
}

/* ------------------------------------------------------------ fields */

int wa__p2_fields_read(int32_t fields, struct wa__hdrs *h)
{
    wa__p2_ret r;
    wa__p2_fields_entries(fields, &r);
    uint32_t *e = wa__p2_ptr(&r, 0);
    size_t n = (size_t)(uint32_t)wa__p2_i32(&r, 4);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        void *name = (void *)(uintptr_t)e[4 * i], *val = (void *)(uintptr_t)e[4 * i + 2];
        if (rc == 0)
            rc = wa__hdrs_add(h, name, e[4 * i + 1], val, e[4 * i + 3]);
        wa__p2_free(name, e[4 * i + 1]);
        wa__p2_free(val, e[4 * i + 3]);
    }
    wa__p2_free(e, n);
    wa__p2_fields_drop(fields);
    return rc;
}
