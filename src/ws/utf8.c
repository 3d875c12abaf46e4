/* utf8.c: UTF-8 validation (RFC 3629) that can stop anywhere and go on with
 * the next fragment, failing at the first bad byte (RFC 6455 8.1: fail
 * fast). Rejects overlongs, surrogates and code points past U+10FFFF. */
#include "ws/codec.h"

#include <string.h>

int wa__utf8_feed(wa__utf8 *st, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (st->need == 0) {
            /* ASCII runs, 8 bytes at a time. */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            if (i == n)
                break;
            uint8_t c = p[i++];
            if (c < 0x80)
                continue;
            st->lo = 0x80, st->hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                st->need = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                st->need = 2;
                if (c == 0xE0)
                    st->lo = 0xA0; /* overlong */
                else if (c == 0xED)
                    st->hi = 0x9F; /* surrogates */
            } else if (c >= 0xF0 && c <= 0xF4) {
                st->need = 3;
                if (c == 0xF0)
                    st->lo = 0x90; /* overlong */
                else if (c == 0xF4)
                    st->hi = 0x8F; /* past U+10FFFF */
            } else {
                return 0;
            }
        } else {
            uint8_t c = p[i++];
            if (c < st->lo || c > st->hi)
                return 0;
            st->lo = 0x80, st->hi = 0xBF;
            st->need--;
        }
    }
    return 1;
}

int wa__utf8_valid(const void *p, size_t n)
{
    wa__utf8 st = {0};
    return wa__utf8_feed(&st, p, n) && wa__utf8_complete(&st);
}
