/* codec.h (src/ws/): the pure pieces of RFC 6455, with no I/O, shared by the
 * engine, the handshakes and the fuzzer: SHA-1 and base64 for the accept
 * key, UTF-8 validation that can stop mid-character (fragments), and the
 * frame header. */
#ifndef WA_WS_CODEC_H
#define WA_WS_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------- accept key (accept.c) */

void wa__sha1(const void *data, size_t len, uint8_t out[20]);
/* base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes, NUL added). */
void wa__base64(const uint8_t *in, size_t n, char *out);
/* 1 if key is the base64 of exactly 16 bytes (RFC 6455 4.2.1 item 5). */
int wa__ws_key_valid(const char *key);
/* Sec-WebSocket-Accept for key: base64(SHA-1(key + the RFC's GUID)), 28
 * characters and a NUL. */
void wa__ws_accept_for(const char *key, char out[29]);
/* A fresh Sec-WebSocket-Key (16 random bytes, base64: 24 chars + NUL). */
void wa__ws_new_key(char out[25]);
/* n bytes for masks and keys: not predictable by the peer (RFC 6455 10.3). */
void wa__ws_random(void *buf, size_t n);

/* ---------------------------------------------------- UTF-8 (utf8.c) */

/* Validation state carried across fragments: 0 between characters. */
typedef struct wa__utf8 {
    uint32_t need;  /* continuation bytes still owed */
    uint8_t lo, hi; /* range allowed for the next one (overlongs, surrogates) */
} wa__utf8;

/* Feed n bytes: 1 while valid so far, 0 at the first invalid byte (RFC 3629). */
int wa__utf8_feed(wa__utf8 *st, const uint8_t *p, size_t n);
/* 1 if the text ended on a character boundary. */
static inline int wa__utf8_complete(const wa__utf8 *st) { return st->need == 0; }
/* Whole-string check. */
int wa__utf8_valid(const void *p, size_t n);

/* ---------------------------------------------------- frames (frame.c) */

#define WA_WS_OP_CONT   0x0
#define WA_WS_OP_TEXT   0x1
#define WA_WS_OP_BINARY 0x2
#define WA_WS_OP_CLOSE  0x8
#define WA_WS_OP_PING   0x9
#define WA_WS_OP_PONG   0xA

#define WA_WS_MAX_HEADER 14 /* 2 + 8 (64-bit length) + 4 (mask) */

typedef struct wa__ws_frame {
    int fin, rsv, opcode, masked;
    uint64_t len;
    uint8_t mask[4];
    size_t header_len;
} wa__ws_frame;

/* Parse a header from p[0..n): the header's length when complete (f
 * filled), 0 when more bytes are needed, -1 for a 64-bit length with the top
 * bit set (RFC 6455 5.2). Rules about opcodes and masks are the caller's. */
int wa__ws_frame_parse(const uint8_t *p, size_t n, wa__ws_frame *f);
/* Write a header into out (WA_WS_MAX_HEADER bytes); returns its length. mask
 * NULL: unmasked (a server's frame). */
size_t wa__ws_frame_header(uint8_t *out, int fin, int opcode, uint64_t len, const uint8_t mask[4]);
/* XOR p[0..n) with mask, starting at offset off of the payload (so a payload
 * can be unmasked in pieces). */
void wa__ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off);
/* The same into dst (a client's frame: copy and mask in one pass). */
void wa__ws_mask_copy(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4],
                      uint64_t off);

/* ---------------------------------------------------- close codes (frame.c) */

/* 1 if a peer may send code in a close frame (RFC 6455 7.4.1, 7.4.2):
 * 1000-1003, 1007-1011 (and 1012-1014, registered since), 3000-4999. */
int wa__ws_close_code_ok(int code);

#endif
