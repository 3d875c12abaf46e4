/* wasyncio_pg.h: the public header of wasyncio-pg, PostgreSQL for wasyncio
 * tasks over libpq's non-blocking API (native target). A library of its own
 * (libwasyncio-pg, pkg-config module wasyncio-pg), so that libwasyncio does
 * not depend on libpq.
 *
 * The model is asyncpg: connect, execute, fetch, fetchval, transactions and
 * a pool (create_pool / acquire / release). Nothing blocks the loop: the
 * connect (name lookup included, on a worker thread) and every query wait on
 * the socket. Parameters always travel apart from the SQL text ($1, $2, ...,
 * as text, the server converting them to the column types); results come
 * back typed.
 *
 * A query interrupted by its task's cancel or a deadline (its own timeout or
 * a WA_TIMEOUT_SCOPE) returns WA_ECANCELED / WA_ETIMEDOUT at once and is
 * cancelled on the server (PQcancel, on a worker thread: libpq 15 has no
 * async cancel); the connection stays usable, its next call waiting for that
 * cancel to finish.
 *
 * Errors: the server's errors map to named codes (WA_EUNIQUE, WA_EINTEGRITY,
 * WA_ESERIALIZE, WA_ESQL, WA_ECONNLOST; WA_EDB for other classes) and
 * wa_pg_last_error() gives the SQLSTATE, message and detail. A lost
 * connection is WA_ECONNLOST; one that could not be opened WA_EDBCONNECT.
 *
 * WASI and the browser: not available (libpq needs POSIX sockets). A
 * PostgreSQL wire-protocol client over wasi:sockets is a goal; wa_pool
 * itself works on every target.
 */
#ifndef WASYNCIO_PG_H
#define WASYNCIO_PG_H

#include <stddef.h>
#include <stdint.h>
#include <wasyncio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wa_pg_conn wa_pg_conn;
typedef struct wa_pg_result wa_pg_result;

/* ------------------------------------------------------------- connecting */

typedef struct wa_pg_opts {
    /* libpq connection string ("host=... port=... dbname=...") or URI
     * ("postgresql://user@host:port/db"); NULL or "" uses the PGHOST,
     * PGPORT, PGUSER, PGDATABASE, ... environment, as libpq and asyncpg do. */
    const char *conninfo;
    /* Whole connect, name lookup included; 0: the conninfo's
     * connect_timeout, PGCONNECT_TIMEOUT, else 60 s (asyncpg's default). */
    uint64_t connect_timeout_ms;
    /* Default deadline of every query on the connection; 0: none
     * (asyncpg's command_timeout). */
    uint64_t query_timeout_ms;
    /* Prepared statements kept per connection (asyncpg's
     * statement_cache_size): a query with parameters is parsed once, and
     * its rows travel in binary when every column is of a type read so.
     * 0: 64; negative: none, every query goes with PQsendQueryParams and
     * comes back as text (for pgbouncer in transaction mode). */
    int statement_cache_size;
} wa_pg_opts;

/* Open a connection (asyncpg.connect); opts may be NULL. Returns 0 and *out;
 * WA_EDBCONNECT (refused, authentication, no such database: the server's
 * message in wa_pg_last_error), WA_EDNS, WA_ETIMEDOUT, WA_ECANCELED. */
WA_EXTERN int wa_pg_connect(const wa_pg_opts *opts, wa_pg_conn **out);
/* Close and free. Never suspends; a server-side cancel still under way
 * finishes on its own. A query another task runs on it meanwhile is
 * cancelled on the server and returns WA_ECONNLOST. NULL is a no-op. */
WA_EXTERN void wa_pg_close(wa_pg_conn *c);
/* 1 if the connection can run queries (not lost, not closed), else 0. */
WA_EXTERN int wa_pg_usable(const wa_pg_conn *c);
/* The server process id (for pg_stat_activity, pg_terminate_backend). */
WA_EXTERN int wa_pg_backend_pid(const wa_pg_conn *c);
/* Is a transaction open on it (begun, or failed and not rolled back)? 1/0. */
WA_EXTERN int wa_pg_in_transaction(const wa_pg_conn *c);

/* ---------------------------------------------------------------- queries */

/* Parameters, as text ("42", "O'Reilly", "t", "2024-01-02 03:04:05+00";
 * bytea as "\\x00ff"); a NULL entry is SQL NULL. n may be 0 with params
 * NULL. WA_PG_PARAMS("1", name) spells the count and the array:
 *     wa_pg_execute(con, "INSERT INTO t VALUES ($1, $2)", WA_PG_PARAMS("1", name));
 */
#define WA_PG_PARAMS(...)                                                                      \
    (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *const[]) \
    {                                                                                          \
        __VA_ARGS__                                                                            \
    }

/* Every query function returns 0 or more on success, else a negative code;
 * WA_EINVAL (the server's message in wa_pg_last_error) when n does not match
 * the $N the query uses, and the connection stays usable. */

/* Run a command (asyncpg's execute): the rows it affected (INSERT, UPDATE,
 * DELETE, ...; 0 for others). Without parameters the text may hold several
 * statements. */
WA_EXTERN int wa_pg_execute(wa_pg_conn *c, const char *sql, int n, const char *const *params);
/* Run a query and keep its rows (asyncpg's fetch): 0 and *out (free it with
 * wa_pg_result_free). */
WA_EXTERN int wa_pg_fetch(wa_pg_conn *c, const char *sql, int n, const char *const *params,
                          wa_pg_result **out);
/* The first column of the first row (asyncpg's fetchval). WA_ENULL when it
 * is NULL or there is no row; WA_ETYPE when it is of another type. The text
 * form takes any type; *out is malloc'd (free it). */
WA_EXTERN int wa_pg_fetchval_int(wa_pg_conn *c, const char *sql, int n, const char *const *params,
                                 int64_t *out);
WA_EXTERN int wa_pg_fetchval_text(wa_pg_conn *c, const char *sql, int n, const char *const *params,
                                  char **out);

/* Everything at once: parameters as text or binary, and a deadline. */
typedef struct wa_pg_query {
    const char *sql;
    int n_params;
    const char *const *params; /* NULL entry: SQL NULL */
    const int *lengths;        /* bytes of each binary parameter; NULL: all text */
    const int *formats;        /* 1 = binary, 0 = text, per parameter; NULL: all text */
    /* Deadline: 0 the connection's query_timeout_ms; WA_NO_TIMEOUT none.
     * On expiry the query is cancelled on the server and WA_ETIMEDOUT
     * returned (asyncpg's timeout=). */
    uint64_t timeout_ms;
} wa_pg_query;
/* 0 and *out (out may be NULL to drop the rows). */
WA_EXTERN int wa_pg_query_run(wa_pg_conn *c, const wa_pg_query *q, wa_pg_result **out);

/* ---------------------------------------------------------------- results */

WA_EXTERN void wa_pg_result_free(wa_pg_result *r);
WA_EXTERN int wa_pg_nrows(const wa_pg_result *r);
WA_EXTERN int wa_pg_ncols(const wa_pg_result *r);
/* Rows the command affected ("INSERT 0 3" is 3), and its tag ("INSERT 0 3",
 * asyncpg's execute() result). */
WA_EXTERN int wa_pg_affected(const wa_pg_result *r);
WA_EXTERN const char *wa_pg_status(const wa_pg_result *r);
/* Columns by index: name and type OID (23 int4, 25 text, ...); by name: its
 * index, or WA_EINVAL. */
WA_EXTERN const char *wa_pg_colname(const wa_pg_result *r, int col);
WA_EXTERN unsigned wa_pg_coltype(const wa_pg_result *r, int col);
WA_EXTERN int wa_pg_column(const wa_pg_result *r, const char *name);

/* Values. NULL is distinct from empty: wa_pg_is_null is 1 only for NULL;
 * the getters return WA_ENULL for it. Out-of-range row or column:
 * WA_EINVAL. A getter for another type returns WA_ETYPE. */
WA_EXTERN int wa_pg_is_null(const wa_pg_result *r, int row, int col);
/* int2, int4, int8 (and oid). */
WA_EXTERN int wa_pg_int(const wa_pg_result *r, int row, int col, int64_t *out);
/* float4, float8 (NaN and +-Infinity included). */
WA_EXTERN int wa_pg_double(const wa_pg_result *r, int row, int col, double *out);
WA_EXTERN int wa_pg_bool(const wa_pg_result *r, int row, int col, int *out);
/* Any value in PostgreSQL's text form: text, varchar, numeric (exact, as
 * "12.50"), json, ...; NULL for SQL NULL, and for a row or column out of
 * range (wa_pg_is_null tells the two apart: 1, or WA_EINVAL). Valid until
 * wa_pg_result_free. */
WA_EXTERN const char *wa_pg_text(const wa_pg_result *r, int row, int col);
/* bytea, decoded: *data is valid until wa_pg_result_free. */
WA_EXTERN int wa_pg_bytea(const wa_pg_result *r, int row, int col, const uint8_t **data,
                          size_t *len);
/* timestamptz (and timestamp, read as UTC): microseconds since
 * 1970-01-01 00:00:00 UTC; infinity and -infinity are INT64_MAX and
 * INT64_MIN. Reads the server's ISO DateStyle (its default). */
WA_EXTERN int wa_pg_timestamp(const wa_pg_result *r, int row, int col, int64_t *us);

/* ------------------------------------------------------------------ errors */

/* What the server said about the last failure on this thread (read it
 * right after the failing call): the SQLSTATE ("23505"; "" when the
 * failure was not the server's: a lost connection, a deadline), message,
 * detail, hint and constraint ("" when absent), and the named code. */
typedef struct wa_pg_error {
    int code;
    char sqlstate[6];
    const char *message, *detail, *hint, *constraint;
} wa_pg_error;
WA_EXTERN const wa_pg_error *wa_pg_last_error(void);

/* ------------------------------------------------------------ transactions */

/* asyncpg's con.transaction(), by levels. wa_pg_begin opens level 1 with
 * BEGIN; inside a transaction it opens the next level with a SAVEPOINT
 * (asyncpg's nested transaction). wa_pg_commit and wa_pg_rollback end the
 * innermost level open: level 1 with COMMIT / ROLLBACK, a savepoint with
 * RELEASE SAVEPOINT / ROLLBACK TO SAVEPOINT (then released), which undoes
 * only that level's work and recovers a transaction that failed inside
 * it. Results:
 *  - no transaction open (never begun, already committed or rolled back):
 *    WA_EPERM, nothing sent, the connection as it was (asyncpg's
 *    InterfaceError "cannot commit; the transaction is not yet started");
 *  - commit of a level that failed (a statement in it failed): that level
 *    is rolled back (the whole transaction at level 1, as the server
 *    does; the savepoint's work at level 2 and up, the outer levels going
 *    on) and WA_EDB returned;
 *  - begin in a failed transaction: the server's error (25P02), nothing
 *    opened; a rollback is what ends it.
 * Every call first waits for a cancel still under way on the connection;
 * a lost connection gives WA_ECONNLOST, a busy one WA_EBUSY.
 *
 * The depth follows the server: once it is idle, no level is open (a
 * COMMIT or ROLLBACK sent with wa_pg_execute ends them all); a
 * transaction begun with wa_pg_execute("BEGIN") counts as level 1, so
 * wa_pg_begin inside it makes a savepoint and wa_pg_commit ends it
 * (asyncpg refuses con.transaction() there). SAVEPOINT, RELEASE and
 * ROLLBACK TO sent by hand are not followed: do not mix them with these
 * calls. The pool rolls back every level of a connection released inside
 * a transaction. */
WA_EXTERN int wa_pg_begin(wa_pg_conn *c);
WA_EXTERN int wa_pg_commit(wa_pg_conn *c);
WA_EXTERN int wa_pg_rollback(wa_pg_conn *c);
/* Levels open: 0 none, 1 a transaction, 2 and up its savepoints. */
WA_EXTERN int wa_pg_transaction_depth(const wa_pg_conn *c);

/* `async with con.transaction():` as a declaration, like WA_LOCK_SCOPE:
 * WA_PG_TRANSACTION_SCOPE(con, rc); opens a level (wa_pg_begin) for the
 * rest of the enclosing block. Call wa_pg_commit(con) to keep its work;
 * leaving the block without a commit (an error, a return, a cancel, a
 * timeout) rolls back that level and any inner one still open: the whole
 * transaction for an outer scope, only its savepoint for a scope nested in
 * another (the outer one goes on and may commit). rc gets 0, or
 * wa_pg_begin's error (then nothing is open). When the block is left
 * after a deadline scope around it expired (its waits all fail), the
 * rollback runs first thing in the connection's next query, or in its
 * pool's reset. */
typedef struct wa__pg_tx_guard {
    wa_pg_conn *c;
    int level; /* the one it opened */
} wa__pg_tx_guard;
/* Roll back level and those inside it if still open (nothing once
 * committed), keeping wa_pg_last_error as it was: the scope's exit. */
WA_EXTERN void wa_pg_transaction_end(wa_pg_conn *c, int level);
static inline void wa__pg_tx_exit(wa__pg_tx_guard *g)
{
    if (g->c)
        wa_pg_transaction_end(g->c, g->level);
    g->c = NULL;
}
static inline wa__pg_tx_guard wa__pg_tx_enter(wa_pg_conn *c, int *rc)
{
    wa__pg_tx_guard g = {NULL, 0};
    *rc = wa_pg_begin(c);
    if (*rc == 0) {
        g.c = c;
        g.level = wa_pg_transaction_depth(c);
    }
    return g;
}
#define WA_PG_TRANSACTION_SCOPE(con, rc)         \
    wa__pg_tx_guard WA__CAT(wa__pgtx_, __LINE__) \
        __attribute__((cleanup(wa__pg_tx_exit), unused)) = wa__pg_tx_enter((con), &(rc))

/* ---------------------------------------------------------------- the pool */

/* A pool of connections (asyncpg.create_pool) on wa_pool: acquire with
 * wa_pool_acquire / WA_POOL_SCOPE (the resources are wa_pg_conn *),
 * release with wa_pool_release, close with wa_pool_close and wa_pool_free.
 * On release a connection that is lost is closed, and one left in a
 * transaction is rolled back. */
typedef struct wa_pg_pool_opts {
    wa_pg_opts conn; /* how each connection is opened */
    size_t min_size; /* 0 with max_size 0: asyncpg's 10 and 10 */
    size_t max_size;
    uint64_t max_idle_ms;     /* asyncpg's max_inactive_connection_lifetime */
    uint64_t max_lifetime_ms; /* 0: none */
} wa_pg_pool_opts;
/* In a task: opens min_size connections, then 0 and *out; else the first
 * connect's error (WA_EDBCONNECT, ...). opts may be NULL. */
WA_EXTERN int wa_pg_pool_new(const wa_pg_pool_opts *opts, wa_pool **out);

/* One query on a connection of the pool, acquired and released around it
 * (asyncpg's pool.execute / fetch / fetchval). */
WA_EXTERN int wa_pg_pool_execute(wa_pool *p, const char *sql, int n, const char *const *params);
WA_EXTERN int wa_pg_pool_fetch(wa_pool *p, const char *sql, int n, const char *const *params,
                               wa_pg_result **out);
WA_EXTERN int wa_pg_pool_fetchval_int(wa_pool *p, const char *sql, int n, const char *const *params,
                                      int64_t *out);

/* ---------------------------------------------------------- LISTEN/NOTIFY */

/* A notification: channel, payload and the notifying server process. */
typedef struct wa_pg_notify {
    const char *channel;
    const char *payload;
    int pid;
} wa_pg_notify;
/* LISTEN on channel and return a generator of its notifications (asyncpg's
 * add_listener, as an async iterator): each wa_gen_next / WA_FOR step gives
 * a wa_pg_notify * valid until the next step. The connection is the
 * generator's while it waits (other queries on it return WA_EBUSY then;
 * between steps they run as usual); wa_gen_free ends it with UNLISTEN.
 * Returns 0 and *out once LISTEN ran; WA_EBUSY if the connection already
 * has a listener. A generator freed before its first step sends no
 * UNLISTEN: the channel stays listened until the connection closes. */
WA_EXTERN int wa_pg_listen(wa_pg_conn *c, const char *channel, wa_gen **out);

#ifdef __cplusplus
}
#endif

#endif /* WASYNCIO_PG_H */
