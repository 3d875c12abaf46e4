/* bindings.h: hand-written canonical-ABI imports of the WASI 0.2
 * functions the component build uses (wasi:io, wasi:clocks, wasi:http), and
 * the byte layouts of their return areas.
 *
 * No binding generator is available offline, so every signature here was
 * derived by hand from the WIT shipped in jco (lib/wit/builtin/0.2.12; every
 * function used is unchanged since 0.2.0, the version imported) and
 * the Canonical ABI flattening rules: resource handles are i32, strings and
 * lists are (ptr, len), and a result that flattens to more than one value is
 * written to a caller-supplied return area (the last parameter). The component
 * step (wasi/wasip2/component.mjs, wasm-tools component new)
 * type-checks every import against the embedded world, so a wrong signature
 * fails the build instead of corrupting memory at run time.
 *
 * Lists and strings the host returns are allocated through our exported
 * cabi_realloc (bindings.c); free them with wa__p2_free().
 */
#ifndef WA_HOST_WASIP2_BINDINGS_H
#define WA_HOST_WASIP2_BINDINGS_H

#include <stddef.h>
#include <stdint.h>

#define WA_P2_VER "0.2.0"
#define WA_P2_IMPORT(iface, name) \
    __attribute__((import_module(iface "@" WA_P2_VER), import_name(name)))

#define WA_P2_CLOCK    "wasi:clocks/monotonic-clock"
#define WA_P2_POLL     "wasi:io/poll"
#define WA_P2_ERROR    "wasi:io/error"
#define WA_P2_STREAMS  "wasi:io/streams"
#define WA_P2_TYPES    "wasi:http/types"
#define WA_P2_OUTGOING "wasi:http/outgoing-handler"

/* A return area: large enough for the biggest result used here
 * (future-incoming-response.get: 56 bytes), aligned for u64 payloads. */
typedef struct wa__p2_ret {
    _Alignas(8) uint8_t b[64];
} wa__p2_ret;

static inline uint8_t wa__p2_u8(const wa__p2_ret *r, size_t off) { return r->b[off]; }
static inline int32_t wa__p2_i32(const wa__p2_ret *r, size_t off)
{
    return *(const int32_t *)(const void *)(r->b + off);
}
static inline uint64_t wa__p2_u64(const wa__p2_ret *r, size_t off)
{
    return *(const uint64_t *)(const void *)(r->b + off);
}
static inline void *wa__p2_ptr(const wa__p2_ret *r, size_t off)
{
    return (void *)(uintptr_t)(uint32_t)wa__p2_i32(r, off);
}

/* Free a host-returned list (len elements). Zero-length lists are never
 * freed: the host may or may not have called cabi_realloc for them. */
void wa__p2_free(void *ptr, size_t len);

/* ------------------------------------------------- wasi:clocks, wasi:io */

WA_P2_IMPORT(WA_P2_CLOCK, "now") int64_t wa__p2_clock_now(void);
WA_P2_IMPORT(WA_P2_CLOCK, "subscribe-instant") int32_t wa__p2_subscribe_instant(int64_t when);
WA_P2_IMPORT(WA_P2_CLOCK, "subscribe-duration") int32_t wa__p2_subscribe_duration(int64_t ns);

/* poll(list<borrow<pollable>>) -> list<u32>; ret: (ptr, len) at 0, 4. */
WA_P2_IMPORT(WA_P2_POLL, "poll") void wa__p2_poll(const int32_t *list, int32_t n, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_POLL, "[resource-drop]pollable") void wa__p2_pollable_drop(int32_t p);

WA_P2_IMPORT(WA_P2_ERROR, "[resource-drop]error") void wa__p2_error_drop(int32_t e);

/* Stream results: result<list<u8>, stream-error> is disc at 0; ok: (ptr,
 * len) at 4, 8; err: stream-error disc at 4 (0 last-operation-failed with
 * an own<error> at 8, 1 closed). result<u64, stream-error>: u64 at 8.
 * result<_, stream-error>: stream-error at 4. */
#define WA_P2_STREAM_FAILED 0
#define WA_P2_STREAM_CLOSED 1
WA_P2_IMPORT(WA_P2_STREAMS, "[method]input-stream.read")
void wa__p2_in_read(int32_t s, int64_t len, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_STREAMS, "[method]input-stream.subscribe")
int32_t wa__p2_in_subscribe(int32_t s);
WA_P2_IMPORT(WA_P2_STREAMS, "[resource-drop]input-stream") void wa__p2_in_drop(int32_t s);
WA_P2_IMPORT(WA_P2_STREAMS, "[method]output-stream.check-write")
void wa__p2_out_check_write(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_STREAMS, "[method]output-stream.write")
void wa__p2_out_write(int32_t s, const void *data, int32_t len, wa__p2_ret *ret);
/* at most 4096 bytes per call; only for answering outside the loop */
WA_P2_IMPORT(WA_P2_STREAMS, "[method]output-stream.blocking-write-and-flush")
void wa__p2_out_blocking_write_and_flush(int32_t s, const void *data, int32_t len, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_STREAMS, "[method]output-stream.flush")
void wa__p2_out_flush(int32_t s, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_STREAMS, "[method]output-stream.subscribe")
int32_t wa__p2_out_subscribe(int32_t s);
WA_P2_IMPORT(WA_P2_STREAMS, "[resource-drop]output-stream") void wa__p2_out_drop(int32_t s);

/* ------------------------------------------------------ wasi:http/types */

/* method variant discriminants (set-method / incoming-request.method) */
enum {
    WA_P2_GET,
    WA_P2_HEAD,
    WA_P2_POST,
    WA_P2_PUT,
    WA_P2_DELETE,
    WA_P2_CONNECT,
    WA_P2_OPTIONS,
    WA_P2_TRACE,
    WA_P2_PATCH,
    WA_P2_METHOD_OTHER
};

WA_P2_IMPORT(WA_P2_TYPES, "[constructor]fields") int32_t wa__p2_fields_new(void);
/* result<_, header-error>: disc at 0, header-error at 1 (1 = forbidden). */
WA_P2_IMPORT(WA_P2_TYPES, "[method]fields.append")
void wa__p2_fields_append(int32_t f, const char *name, int32_t nlen, const void *val, int32_t vlen,
                          wa__p2_ret *ret);
/* list<tuple<string, list<u8>>>: (ptr, len) at 0, 4; 16-byte elements
 * (name ptr, name len, value ptr, value len). */
WA_P2_IMPORT(WA_P2_TYPES, "[method]fields.entries")
void wa__p2_fields_entries(int32_t f, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]fields") void wa__p2_fields_drop(int32_t f);

WA_P2_IMPORT(WA_P2_TYPES, "[constructor]outgoing-request") int32_t wa__p2_oreq_new(int32_t headers);
/* result<own<outgoing-body>>: disc at 0, handle at 4 (same for the other
 * result<own<...>> returns below). */
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-request.body")
void wa__p2_oreq_body(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-request.set-method")
int32_t wa__p2_oreq_set_method(int32_t r, int32_t disc, const char *other, int32_t len);
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-request.set-path-with-query")
int32_t wa__p2_oreq_set_path(int32_t r, int32_t some, const char *s, int32_t len);
/* option<scheme>: (some, scheme disc 0 HTTP / 1 HTTPS / 2 other, ptr, len) */
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-request.set-scheme")
int32_t wa__p2_oreq_set_scheme(int32_t r, int32_t some, int32_t disc, const char *s, int32_t len);
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-request.set-authority")
int32_t wa__p2_oreq_set_authority(int32_t r, int32_t some, const char *s, int32_t len);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]outgoing-request") void wa__p2_oreq_drop(int32_t r);

WA_P2_IMPORT(WA_P2_TYPES, "[constructor]request-options") int32_t wa__p2_ropts_new(void);
WA_P2_IMPORT(WA_P2_TYPES, "[method]request-options.set-connect-timeout")
int32_t wa__p2_ropts_connect(int32_t o, int32_t some, int64_t ns);
WA_P2_IMPORT(WA_P2_TYPES, "[method]request-options.set-first-byte-timeout")
int32_t wa__p2_ropts_first_byte(int32_t o, int32_t some, int64_t ns);
WA_P2_IMPORT(WA_P2_TYPES, "[method]request-options.set-between-bytes-timeout")
int32_t wa__p2_ropts_between(int32_t o, int32_t some, int64_t ns);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]request-options") void wa__p2_ropts_drop(int32_t o);

WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-body.write")
void wa__p2_obody_write(int32_t b, wa__p2_ret *ret);
/* result<_, error-code>: disc at 0, error-code at 8. */
WA_P2_IMPORT(WA_P2_TYPES, "[static]outgoing-body.finish")
void wa__p2_obody_finish(int32_t b, int32_t some, int32_t trailers, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]outgoing-body") void wa__p2_obody_drop(int32_t b);

WA_P2_IMPORT(WA_P2_TYPES, "[method]future-incoming-response.subscribe")
int32_t wa__p2_fut_subscribe(int32_t f);
/* option<result<result<own<incoming-response>, error-code>>>: some at 0,
 * outer result disc at 8, inner disc at 16, handle or error-code at 24. */
WA_P2_IMPORT(WA_P2_TYPES, "[method]future-incoming-response.get")
void wa__p2_fut_get(int32_t f, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]future-incoming-response")
void wa__p2_fut_drop(int32_t f);

WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-response.status")
int32_t wa__p2_iresp_status(int32_t r);
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-response.headers")
int32_t wa__p2_iresp_headers(int32_t r);
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-response.consume")
void wa__p2_iresp_consume(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]incoming-response") void wa__p2_iresp_drop(int32_t r);

WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-body.stream")
void wa__p2_ibody_stream(int32_t b, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]incoming-body") void wa__p2_ibody_drop(int32_t b);

/* option<error-code>: some at 0, error-code at 8. */
WA_P2_IMPORT(WA_P2_TYPES, "http-error-code")
void wa__p2_http_error_code(int32_t err, wa__p2_ret *ret);

/* Server side. method(): variant disc at 0, other's (ptr, len) at 4, 8.
 * path-with-query(): option<string>: some at 0, (ptr, len) at 4, 8. */
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-request.method")
void wa__p2_ireq_method(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-request.path-with-query")
void wa__p2_ireq_path(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-request.authority") /* option<string>, as path */
void wa__p2_ireq_authority(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-request.headers")
int32_t wa__p2_ireq_headers(int32_t r);
WA_P2_IMPORT(WA_P2_TYPES, "[method]incoming-request.consume")
void wa__p2_ireq_consume(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]incoming-request") void wa__p2_ireq_drop(int32_t r);

WA_P2_IMPORT(WA_P2_TYPES, "[constructor]outgoing-response")
int32_t wa__p2_oresp_new(int32_t headers);
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-response.set-status-code")
int32_t wa__p2_oresp_set_status(int32_t r, int32_t status);
WA_P2_IMPORT(WA_P2_TYPES, "[method]outgoing-response.body")
void wa__p2_oresp_body(int32_t r, wa__p2_ret *ret);
WA_P2_IMPORT(WA_P2_TYPES, "[resource-drop]outgoing-response") void wa__p2_oresp_drop(int32_t r);

/* set(param, result<own<outgoing-response>, error-code>) flattens to nine
 * parameters: the result's disc, then the joined payload (response handle
 * or error-code's disc, then error-code's six payload slots, the second of
 * which is i64 because option<u64> joins with i32 there). */
WA_P2_IMPORT(WA_P2_TYPES, "[static]response-outparam.set")
void wa__p2_outparam_set(int32_t param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                         int32_t v3, int32_t v4, int32_t v5, int32_t v6);

/* ------------------------------------------------ wasi:http/outgoing-handler */

/* handle(own<outgoing-request>, option<own<request-options>>) ->
 * result<own<future-incoming-response>, error-code>: disc at 0, handle or
 * error-code at 8. */
WA_P2_IMPORT(WA_P2_OUTGOING, "handle")
void wa__p2_handle(int32_t req, int32_t some, int32_t opts, wa__p2_ret *ret);

/* error-code variant (size 32, payload at 8) -------------------------- */
enum {
    WA_P2_EC_DNS_TIMEOUT = 0,
    WA_P2_EC_DNS_ERROR = 1,
    WA_P2_EC_DEST_NOT_FOUND = 2,
    WA_P2_EC_CONN_REFUSED = 6,
    WA_P2_EC_CONN_TIMEOUT = 8,
    WA_P2_EC_COUNT = 39
};
/* Free the strings an error-code at ec owns (host-allocated payloads). */
void wa__p2_error_code_free(const uint8_t *ec);
/* Name of an error-code case, for messages ("connection-refused"). */
const char *wa__p2_error_code_name(const uint8_t *ec);

#endif
