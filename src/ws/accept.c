/* accept.c: the opening handshake's arithmetic (RFC 6455 4.1, 4.2.2):
 * SHA-1 (FIPS 180-4), base64 (RFC 4648), the key check, the accept value,
 * and the random bytes for keys and masks. */
#include "ws/codec.h"

#include <string.h>
#include <unistd.h>

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(uint32_t h[5], const uint8_t *b)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (bb & c) | (~bb & d), k = 0x5A827999;
        else if (i < 40)
            f = bb ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (bb & c) | (bb & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = bb ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(bb, 30), bb = a, a = t;
    }
    h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e;
}

void wa__sha1(const void *data, size_t len, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const uint8_t *p = data;
    size_t left = len;
    for (; left >= 64; p += 64, left -= 64)
        sha1_block(h, p);
    /* The tail, the 0x80 marker and the bit length: one or two blocks. */
    uint8_t last[128] = {0};
    memcpy(last, p, left);
    last[left] = 0x80;
    size_t blocks = left + 9 > 64 ? 2 : 1;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        last[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t i = 0; i < blocks; i++)
        sha1_block(h, last + 64 * i);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void wa__base64(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

int wa__ws_key_valid(const char *key)
{
    /* 16 bytes encode to 22 characters and "==": the last character carries
     * 2 bits, so only A, Q, g or w may end it (RFC 4648 3.5, canonical). */
    if (!key || strlen(key) != 24 || key[22] != '=' || key[23] != '=')
        return 0;
    for (int i = 0; i < 22; i++)
        if (!strchr(b64, key[i]) || key[i] == '\0')
            return 0;
    return strchr("AQgw", key[21]) != NULL;
}

void wa__ws_accept_for(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char buf[128];
    size_t kl = strnlen(key, 64);
    memcpy(buf, key, kl);
    memcpy(buf + kl, guid, sizeof guid - 1);
    uint8_t digest[20];
    wa__sha1(buf, kl + sizeof guid - 1, digest);
    wa__base64(digest, 20, out);
}

void wa__ws_new_key(char out[25])
{
    uint8_t raw[16];
    wa__ws_random(raw, sizeof raw);
    wa__base64(raw, sizeof raw, out);
}

/* getentropy (glibc, wasi-libc, Emscripten) in 256-byte refills, so a
 * client's per-frame mask costs no system call. */
static _Thread_local uint8_t pool[256];
static _Thread_local size_t pool_left;

void wa__ws_random(void *buf, size_t n)
{
    uint8_t *out = buf;
    while (n > 0) {
        if (pool_left == 0) {
            if (getentropy(pool, sizeof pool) != 0) {
                /* No entropy source: still vary the bytes (masks only need
                 * to be unpredictable to scripts, RFC 6455 10.3). */
                static _Thread_local uint64_t x = 0x9E3779B97F4A7C15ull;
                for (size_t i = 0; i < sizeof pool; i++) {
                    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                    pool[i] = (uint8_t)x;
                }
            }
            pool_left = sizeof pool;
        }
        size_t take = n < pool_left ? n : pool_left;
        memcpy(out, pool + sizeof pool - pool_left, take);
        pool_left -= take;
        out += take;
        n -= take;
    }
}
