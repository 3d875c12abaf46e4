/* frame.c: the RFC 6455 5.2 frame header, read and written, masking, and
 * which close codes may travel in a close frame (7.4). */
#include "ws/codec.h"

#include <string.h>

int wa__ws_frame_parse(const uint8_t *p, size_t n, wa__ws_frame *f)
{
    if (n < 2)
        return 0;
    size_t need = 2;
    unsigned len7 = p[1] & 0x7F;
    if (len7 == 126)
        need += 2;
    else if (len7 == 127)
        need += 8;
    int masked = (p[1] & 0x80) != 0;
    if (masked)
        need += 4;
    if (n < need)
        return 0;
    f->fin = (p[0] & 0x80) != 0;
    f->rsv = (p[0] >> 4) & 7;
    f->opcode = p[0] & 0x0F;
    f->masked = masked;
    size_t at = 2;
    if (len7 == 126) {
        f->len = (uint64_t)p[2] << 8 | p[3];
        at = 4;
    } else if (len7 == 127) {
        if (p[2] & 0x80)
            return -1; /* "the most significant bit MUST be 0" */
        f->len = 0;
        for (int i = 0; i < 8; i++)
            f->len = f->len << 8 | p[2 + i];
        at = 10;
    } else {
        f->len = len7;
    }
    if (masked)
        memcpy(f->mask, p + at, 4);
    else
        memset(f->mask, 0, 4);
    f->header_len = need;
    return (int)need;
}

size_t wa__ws_frame_header(uint8_t *out, int fin, int opcode, uint64_t len, const uint8_t mask[4])
{
    size_t at = 2;
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        out[1] = m | (uint8_t)len;
    } else if (len <= 0xFFFF) {
        out[1] = m | 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        at = 4;
    } else {
        out[1] = m | 127;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        at = 10;
    }
    if (mask) {
        memcpy(out + at, mask, 4);
        at += 4;
    }
    return at;
}

/* 16 bytes at a time through GCC's vector extension: SSE2 / NEON natively,
 * plain words where the target has no vectors. The mask repeats every 4
 * bytes, so four times in a vector. */
typedef uint8_t wa__v16 __attribute__((vector_size(16)));

void wa__ws_mask_copy(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4],
                      uint64_t off)
{
    uint8_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = mask[(off + (uint64_t)i) & 3];
    wa__v16 mv;
    memcpy(&mv, m, 16);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        wa__v16 v;
        memcpy(&v, src + i, 16);
        v ^= mv;
        memcpy(dst + i, &v, 16);
    }
    for (; i < n; i++)
        dst[i] = src[i] ^ m[i & 15];
}

void wa__ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off)
{
    wa__ws_mask_copy(p, p, n, mask, off);
}

int wa__ws_close_code_ok(int code)
{
    if (code >= 3000 && code <= 4999)
        return 1;
    if (code < 1000 || code > 1014)
        return 0;
    return code != 1004 && code != 1005 && code != 1006;
}
