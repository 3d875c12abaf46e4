/* stream.h: the portable stream layer's own internals: the stream and server
 * records and the functions the files of src/stream/ share. Backends see
 * only stream/host.h. */
#ifndef WA_STREAM_STREAM_H
#define WA_STREAM_STREAM_H

#include "stream/host.h"
#include "core/backend.h"

/* Tasks waiting for one thing (bytes, a drain, a close); all woken at once,
 * in the order they began to wait. Each waiter lives in its task's frame. */
typedef struct wa__swaiter {
    wa_op op;
    struct wa__swaiter *prev, *next;
    struct wa__swaitq *q; /* the queue it is in, NULL once out */
} wa__swaiter;

typedef struct wa__swaitq {
    wa__swaiter *head, *tail; /* core/list.h */
} wa__swaitq;

/* Wait on q until woken (returns the status given) or interrupted. */
int wa__swait(wa__swaitq *q);
void wa__swake_all(wa__swaitq *q, int status);

/* A growable byte buffer: bytes live in [start, end) of data[cap]. */
typedef struct wa__sbuf {
    char *data;
    size_t start, end, cap;
} wa__sbuf;

static inline size_t wa__sbuf_len(const wa__sbuf *b) { return b->end - b->start; }
/* Make room for at least n more bytes at the end (compacting first). */
int wa__sbuf_reserve(wa__sbuf *b, size_t n);
int wa__sbuf_append(wa__sbuf *b, const void *p, size_t n);
void wa__sbuf_consume(wa__sbuf *b, size_t n);
void wa__sbuf_free(wa__sbuf *b);

struct wa_stream {
    wa__sconn *conn;       /* NULL before connect and once on_closed came */
    wa_stream_server *srv; /* the owning server, for a handler's stream */
    /* Its owner's word when the backend has closed it (server.c sets it
     * for a handler's stream); NULL: freed then if free_wanted. A hook,
     * so transport.c does not call up into server.c. */
    void (*on_closed)(struct wa_stream *s);
    struct wa_stream *prev, *next; /* in srv's list of connections */
    wa_task *handler;              /* the handler task, while it runs */
    size_t limit, high_water, low_water;
    int tls; /* no write_eof (asyncio's SSL transport has none) */

    /* reading */
    wa__sbuf in;
    int eof;            /* the peer sent EOF (no more bytes) */
    int reading;        /* the backend delivers bytes */
    int reader_waiting; /* a reader waits for more: read on */
    int reader_inside;  /* a task waits in a read (until it runs again) */
    /* wa_stream_read waiting on an empty buffer lends its own: the backend
     * reads straight into it, saving a copy of every bulk read. */
    char *direct;
    size_t direct_cap, direct_got;
    int direct_lent; /* handed out by wa__stream_rbuf */
    wa__swaitq readers;

    /* writing: bytes go to `out` while the backend sends `flight` */
    wa__sbuf out, flight;
    int writing;    /* a backend write is in flight */
    int eof_wanted; /* write_eof: shut down once everything is sent */
    int eof_sent;
    wa__swaitq drainers;

    /* closing */
    int err;             /* the error the connection was lost with */
    int closing;         /* close, abort, or a loss: no more writes */
    int backend_closing; /* wa__sconn_close was called */
    int closed;          /* on_closed came: the backend forgot us */
    int free_wanted;     /* wa_stream_free came before on_closed */
    wa__swaitq closers;
};

struct wa_stream_server {
    wa__slisten *listener; /* NULL once closed */
    wa_stream_handler handler;
    void *arg;
    wa_stream_opts opts; /* normalised */
    int port;
    int closing;     /* close asked: no more accepts */
    int unlistened;  /* the backend is done with the listener */
    int free_wanted; /* free once unlistened and no handlers */
    int nconns;      /* handlers running */
    struct {
        wa_stream *head, *tail;
    } conns; /* its handlers' streams, oldest first (core/list.h) */
    wa__swaitq closers;
};

/* Normalise user options (NULL = defaults) into out; WA_EINVAL for a bad
 * combination. for_server refuses TLS (WA_ENOTSUP). */
int wa__stream_opts_resolve(const wa_stream_opts *in, int for_server, wa_stream_opts *out);

/* A new stream record with the limits of opts; NULL on OOM. */
wa_stream *wa__stream_new(const wa_stream_opts *opts);
/* Start (or resume) reading, as the buffer allows. */
void wa__stream_update_reading(wa_stream *s);
/* Hand the backend the next batch of the write buffer, or finish what
 * waited for it to empty (write_eof, close). transport.c. */
void wa__stream_flush(wa_stream *s);
/* Begin the backend close if it is not under way. */
void wa__stream_begin_close(wa_stream *s, int reset);
/* Free the record (the backend has forgotten it). */
void wa__stream_destroy(wa_stream *s);

/* Checks shared by the public calls: s usable from a task. */
int wa__stream_check(const wa_stream *s);

#endif
