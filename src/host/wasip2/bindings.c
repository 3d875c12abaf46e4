/* bindings.c: the core module's side of the Canonical ABI that is not
 * an import: freeing what the host allocated with our cabi_realloc
 * (host/common/cabi_realloc.c), and decoding of the owned payloads inside
 * error-code. */
#include "host/wasip2/bindings.h"
#include "host/common/common.h"
#include "core/host.h"

#include <stdlib.h>

void wa__p2_free(void *ptr, size_t len)
{
    if (len > 0 && ptr && ptr != (void *)wa__cabi_zero_block)
        free(ptr);
}

/* Where an owned option<string> sits inside an error-code payload, per
 * case: offset of the option's discriminant from the payload (ptr and len
 * follow at +4, +8), or -1 when the case owns no string. */
static int string_offset(uint8_t disc)
{
    switch (disc) {
    case 1: /* DNS-error {rcode: option<string>, info-code} */ return 0;
    case 14: /* TLS-alert-received {alert-id: option<u8>, alert-message} */ return 4;
    case 22: /* HTTP-request-header-size(option<field-size-payload>) */ return -2;
    case 24: /* HTTP-request-trailer-size(field-size-payload) */
    case 27: /* HTTP-response-header-size(field-size-payload) */
    case 30: /* HTTP-response-trailer-size(field-size-payload) */
    case 31: /* HTTP-response-transfer-coding(option<string>) */
    case 32: /* HTTP-response-content-coding(option<string>) */
    case 38: /* internal-error(option<string>) */ return 0;
    default: return -1;
    }
}

static void free_opt_string(const uint8_t *opt)
{
    if (opt[0]) {
        void *p = (void *)(uintptr_t)*(const uint32_t *)(const void *)(opt + 4);
        wa__p2_free(p, *(const uint32_t *)(const void *)(opt + 8));
    }
}

void wa__p2_error_code_free(const uint8_t *ec)
{
    const uint8_t *payload = ec + 8;
    int off = string_offset(ec[0]);
    if (off == -2) {
        /* option<field-size-payload>: the record starts at +4 */
        if (payload[0])
            free_opt_string(payload + 4);
    } else if (off >= 0) {
        free_opt_string(payload + off);
    }
}

static const char *const ec_names[WA_P2_EC_COUNT] = {
    "DNS-timeout",
    "DNS-error",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "TLS-alert-received",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-body-size",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-request-header-section-size",
    "HTTP-request-header-size",
    "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size",
    "HTTP-response-incomplete",
    "HTTP-response-header-section-size",
    "HTTP-response-header-size",
    "HTTP-response-body-size",
    "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding",
    "HTTP-response-content-coding",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
    "internal-error",
};

const char *wa__p2_error_code_name(const uint8_t *ec)
{
    return ec[0] < WA_P2_EC_COUNT ? ec_names[ec[0]] : "unknown error-code";
}
