/* chunk_scan.h: a chunked request body's framing checked ahead of the
 * parser (chunk_scan.c): where the message ends, chunk extensions that are
 * RFC 9112 7.1.1 syntax, and how many extension bytes came (they count
 * against the body limit, so they cannot be an unbounded side channel). */
#ifndef WA_HTTP_CHUNK_SCAN_H
#define WA_HTTP_CHUNK_SCAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct wa__chunk_scan {
    int state;
    unsigned digits;  /* hex digits of the size being read */
    uint64_t size;    /* that size, then the data bytes left of it */
    size_t ext_bytes; /* chunk-extension bytes of the whole body */
} wa__chunk_scan;

/* At the start of a chunked body. */
void wa__chunk_scan_init(wa__chunk_scan *s);

/* Scan n bytes of the body. Returns how many belong to it (n, or fewer when
 * the message ends inside them: the rest is the next request), or -1 for
 * bad framing: a size that is not 1-16 hex digits, an extension that is not
 * ;name[=token|"quoted"], data not followed by CRLF. */
long wa__chunk_scan_feed(wa__chunk_scan *s, const char *p, size_t n);

/* 1 once the last chunk and the trailer section have been seen. */
int wa__chunk_scan_done(const wa__chunk_scan *s);

#endif
