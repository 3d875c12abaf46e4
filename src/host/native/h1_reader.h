/* h1_reader.h: HTTP/1.1 request bytes in, wa_request objects out, with every
 * RFC 9112 "MUST reject" shape and every limit checked on the way (http_parser
 * underneath). No sockets: the native server feeds it, and so does the
 * read-path fuzzer (tests/fuzz/). */
#ifndef WA_HOST_NATIVE_H1_READER_H
#define WA_HOST_NATIVE_H1_READER_H

#include <http_parser.h>
#include <stddef.h>

#include "http/chunk_scan.h"
#include "http/http.h"

/* What a complete request needs besides itself. */
typedef struct wa__h1_msg {
    int keep_alive; /* the connection may carry another request;
                       WA_HTTP_SAY_KEEP_ALIVE: an HTTP/1.0 client asked */
    int head;       /* HEAD: the reply goes without its body */
} wa__h1_msg;

typedef struct wa__h1_events {
    /* Expect: 100-continue on a request whose body is allowed: send
     * "100 Continue" now (after any replies owed before it). 0 or < 0. */
    int (*expect_continue)(void *ctx);
    /* A complete request; ownership of req passes. Return 1 to pause the
     * reader after it (wa__h1_feed returns), 0 to go on, < 0 on failure. */
    int (*request)(void *ctx, wa_request *req, const wa__h1_msg *m);
} wa__h1_events;

enum wa__h1_phase {
    WA_H1_IDLE, /* between requests, nothing of the next one read */
    WA_H1_HEAD, /* inside a request line or headers */
    WA_H1_BODY, /* inside a body (or trailers) */
};

typedef struct wa__h1_reader {
    http_parser parser;
    const wa_server_opts *opts;
    const wa__h1_events *ev;
    void *ctx;
    wa_request *cur;
    enum wa__h1_phase phase;
    int status;         /* error status chosen (400/413/414/417/431/501/505...) */
    int paused;         /* a request callback asked to pause */
    int in_value;       /* the last header callback was a value */
    size_t head_bytes;  /* read since the last request ended, up to its head's end */
    unsigned lines;     /* header (or trailer) lines of this message */
    size_t field_bytes; /* trailer name + value bytes */
    char *hname, *hval; /* header being assembled across reads */
    size_t hname_len, hval_len, hname_cap, hval_cap;
    char *url;
    size_t url_len, url_cap;
    wa__chunk_scan chunks; /* a chunked body's framing, checked ahead of the parser */
    int head_lf_owed;      /* paused at the head's end, the parser reads its LF next */
} wa__h1_reader;

void wa__h1_init(wa__h1_reader *r, const wa_server_opts *opts, const wa__h1_events *ev, void *ctx);
void wa__h1_free(wa__h1_reader *r);

/* Parse up to n bytes. Returns the bytes consumed: fewer than n when paused
 * (r->paused; call wa__h1_resume, then feed the rest) or on an error
 * (r->status > 0: answer it and close). */
size_t wa__h1_feed(wa__h1_reader *r, const char *data, size_t n);
void wa__h1_resume(wa__h1_reader *r);

#endif
