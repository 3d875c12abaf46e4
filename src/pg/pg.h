/* pg.h: wasyncio-pg's private contract: the connection's layout and the
 * helpers its files share. libpq appears only behind it. From the floor up:
 * error.c, exchange.c (one round trip), stmt.c (the statement cache),
 * cancel.c, conn.c (lifetime, one operation at a time), lookup.c and
 * connect.c; then query.c, result.c, tx.c, listen.c and pool.c over the
 * public API. */
#ifndef WA_PG_INTERNAL_H
#define WA_PG_INTERNAL_H

#include <libpq-fe.h>
#include "wasyncio_pg.h"

struct wa_pg_conn {
    PGconn *pg;
    int refs;          /* the owner, and a cancel task under way */
    int closed;        /* wa_pg_close was called */
    int busy;          /* a query or a listener is using it */
    int lost;          /* the server went away, or a cancel failed */
    int socket_errors; /* socket waits that ended in an error, in a row */
    /* Cancelling an interrupted query on the server and reading what is
     * left of it: a task of its own (its handle released) is under way,
     * and the event it sets when done. */
    int cancelling;
    wa_event *cancel_done;
    uint64_t query_timeout_ms;
    char *listening;            /* the channel a wa_pg_listen generator follows */
    struct wa__pg_stmt **stmts; /* prepared statements (stmt.c) */
    int n_stmts;
    int stmt_cap;        /* how many it keeps; 0: none (PQsendQueryParams) */
    unsigned stmt_seq;   /* names them */
    uint64_t stmt_clock; /* orders their uses */
    /* Transaction levels (tx.c): those wa_pg_begin opened and not ended
     * (1 the BEGIN, 2.. its savepoints), and the lowest level whose
     * rollback an expired deadline kept from the server (0: none), rolled
     * back before the connection's next query (query.c). */
    int tx_depth;
    int tx_undo;
    int tx_undo_sent; /* it was sent, then cut short: it may have run */
};

struct wa_pg_result {
    PGresult *res;
    struct bytea_buf *bytea; /* decoded bytea values, freed with the result */
    char **texts;            /* text forms of binary values, made on demand */
};

/* ---------------------------------------------------------- error.c */

/* Record the server's error in result r (SQLSTATE, message, detail, ...)
 * and return its named code; WA_ECONNLOST if the connection is gone. */
int wa__pg_fail_result(wa_pg_conn *c, const PGresult *r);
/* Record a failure that is not the server's: code with libpq's message on
 * the connection (when c is not NULL) or the given one. Returns code. */
int wa__pg_fail(wa_pg_conn *c, int code, const char *message);
/* While on, failures are not recorded (a cleanup keeps the error that
 * caused it). Returns the previous setting. */
int wa__pg_mute_errors(int on);
/* Named code of an SQLSTATE. */
int wa__pg_code_of(const char *sqlstate);

/* ---------------------------------------------------------- exchange.c */

/* Wait (in the caller's task) for the socket: readable, or writable. */
int wa__pg_wait(wa_pg_conn *c, int writable);
/* Send what libpq still buffers. */
int wa__pg_flush(wa_pg_conn *c);
/* One exchange: `sent` is what libpq's PQsend* returned; flush, then read
 * every result (the first error wins, else the last is kept in *out). */
int wa__pg_roundtrip(wa_pg_conn *c, int sent, PGresult **out);
/* Read and drop every result still coming for an interrupted query. */
int wa__pg_drain(wa_pg_conn *c);

/* ---------------------------------------------------------- stmt.c */

typedef struct wa__pg_stmt wa__pg_stmt;
/* Statements a connection keeps by default; the least recently used goes. */
#define WA__PG_STMT_CACHE 64
/* The prepared statement for sql, preparing (and describing) it first if
 * the connection has none. */
int wa__pg_stmt_get(wa_pg_conn *c, const char *sql, int n_params, wa__pg_stmt **out);
const char *wa__pg_stmt_name(const wa__pg_stmt *s);
int wa__pg_stmt_binary(const wa__pg_stmt *s); /* rows may come back in binary */
void wa__pg_stmt_forget(wa_pg_conn *c, wa__pg_stmt *s);
void wa__pg_stmts_free(wa_pg_conn *c);

/* ---------------------------------------------------------- cancel.c */

/* Ask the server to cancel pc's query, from a worker thread, and wait for
 * the request to be sent. pc is the thread's (freed there, or here when
 * the thread is refused). */
int wa__pg_send_cancel(PGcancel *pc);
/* Cancel the running query on the server from a task of its own, nobody
 * waiting for it: the connection is being closed under it. */
void wa__pg_cancel_detached(wa_pg_conn *c);

/* ---------------------------------------------------------- conn.c */

/* Drop one reference; the last one closes the libpq connection and frees. */
void wa__pg_unref(wa_pg_conn *c);
/* Take the connection for one operation: waits for a server-side cancel
 * still under way; WA_EBUSY if another task uses it, WA_ECONNLOST if lost.
 * 0 with c->busy set and a reference held (a wa_pg_close meanwhile frees
 * nothing under the operation); wa__pg_put gives both back. */
int wa__pg_take(wa_pg_conn *c);
void wa__pg_put(wa_pg_conn *c);

/* ---------------------------------------------------------- lookup.c */

typedef struct wa__pg_lookup wa__pg_lookup;
/* Look hosts (libpq's comma-separated host list) up on a worker thread,
 * the caller's task waiting; ports is NULL or libpq's port list. On
 * success *out holds what libpq takes in their place, one entry per
 * address, until wa__pg_lookup_release. WA_EDNS: a name is unknown. */
int wa__pg_look_up(const char *hosts, const char *ports, wa__pg_lookup **out);
/* The list for libpq's "host", "hostaddr" or "port". */
const char *wa__pg_lookup_list(const wa__pg_lookup *j, const char *key);
void wa__pg_lookup_release(wa__pg_lookup *j);

/* ---------------------------------------------------------- query.c */

/* The SQL that ends transaction level (1: the transaction, 2..: savepoint
 * wa_pg_sp_<level>) by a commit or a rollback, in buf. */
void wa__pg_level_sql(char *buf, size_t n, int level, int commit);

/* ---------------------------------------------------------- tx.c */

/* Roll back every level (the pool's reset): 0 once nothing is open. */
int wa__pg_tx_reset(wa_pg_conn *c);

#endif
