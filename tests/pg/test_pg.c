/* test_pg.c: wasyncio-pg against a real, throwaway PostgreSQL server
 * (tests/pg/run.sh starts it and sets PGHOST, PGPORT, PGUSER, PGDATABASE
 * and WA_PG_DIR). Types, bound parameters, server errors, connect failures
 * and deadlines, cancels that reach the server, transactions (misuse,
 * savepoints, nested scopes under cancels and deadlines), LISTEN/NOTIFY,
 * and the faults: 1,000 tasks on a pool of 10, cancel storms, the pool
 * closed while connections are acquired, the server restarted under a pool
 * and stopped while tasks wait for a connection. After every test the
 * server must show no connection but the checker's own (pg_stat_activity).
 * The scenario harness is reused; each test runs in the one main task. */
#include <math.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasyncio_pg.h>
#include "scenarios/harness.h"

/* ---------------------------------------------------------------- helpers */

static wa_pg_conn *connect_or_null(void)
{
    wa_pg_conn *c = NULL;
    int rc = wa_pg_connect(NULL, &c);
    if (rc < 0)
        printf("connect: %s: %s\n", wa_error_name(rc), wa_pg_last_error()->message);
    return c;
}

/* Client connections the server has, the caller's own excluded. */
static int64_t backends(wa_pg_conn *admin, const char *extra)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
             "AND pid <> pg_backend_pid() %s",
             extra ? extra : "");
    int64_t n = -1;
    wa_pg_fetchval_int(admin, sql, 0, NULL, &n);
    return n;
}

/* Wait (a closed connection's backend takes a moment to go) until the
 * server has no client connection but the checker's, up to 5 s. */
static int64_t settle_backends(const char *extra)
{
    wa_pg_conn *admin = connect_or_null();
    if (!admin)
        return -1;
    int64_t n = -1;
    for (int i = 0; i < 100; i++) {
        if ((n = backends(admin, extra)) == 0)
            break;
        wa_sleep(50);
    }
    wa_pg_close(admin);
    return n;
}

static void *run_cluster(void *what)
{
    const char *dir = getenv("WA_PG_DIR");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash tests/pg/cluster.sh %s '%s' >/dev/null 2>&1", (char *)what,
             dir ? dir : "/nonexistent");
    return PTR(system(cmd));
}

/* Stop / start / restart the server without stopping the loop. */
static int cluster(const char *what)
{
    void *r = NULL;
    int rc = wa_to_thread(run_cluster, (void *)what, &r);
    return rc < 0 ? rc : INT(r);
}

/* ------------------------------------------------------------------ types */

static void test_types(void)
{
    wa_pg_conn *c = connect_or_null();
    CHECK(c != NULL);
    if (!c)
        return;
    wa_pg_result *r;
    CHECK_INT(wa_pg_fetch(c,
                          "SELECT 7::int2 AS a, 70000::int4 AS b, 9000000000::int8 AS c, "
                          "1.25::float8 AS d, 12.50::numeric AS e, 'hé'::text AS f, true AS g, "
                          "'\\x00ff41'::bytea AS h, "
                          "'2024-01-02 03:04:05.5+01:30'::timestamptz AS i, NULL::text AS j, "
                          "''::text AS k, 'NaN'::float8 AS l, '-infinity'::timestamptz AS m",
                          0, NULL, &r),
              0);
    CHECK_INT(wa_pg_nrows(r), 1);
    CHECK_INT(wa_pg_ncols(r), 13);
    int64_t i;
    double d;
    int b;
    CHECK_INT(wa_pg_int(r, 0, 0, &i), 0);
    CHECK_INT(i, 7);
    CHECK_INT(wa_pg_int(r, 0, wa_pg_column(r, "b"), &i), 0);
    CHECK_INT(i, 70000);
    CHECK_INT(wa_pg_int(r, 0, wa_pg_column(r, "c"), &i), 0);
    CHECK(i == 9000000000LL);
    CHECK_INT(wa_pg_double(r, 0, 3, &d), 0);
    CHECK(d == 1.25);
    CHECK_STR(wa_pg_text(r, 0, 4), "12.50"); /* numeric: exact, as text */
    CHECK_STR(wa_pg_text(r, 0, wa_pg_column(r, "f")), "hé");
    CHECK_INT(wa_pg_bool(r, 0, 6, &b), 0);
    CHECK_INT(b, 1);
    const uint8_t *bytes;
    size_t len;
    CHECK_INT(wa_pg_bytea(r, 0, 7, &bytes, &len), 0);
    CHECK_INT(len, 3);
    CHECK(len == 3 && bytes[0] == 0 && bytes[1] == 0xff && bytes[2] == 'A');
    int64_t us;
    CHECK_INT(wa_pg_timestamp(r, 0, 8, &us), 0);
    CHECK(us == 1704159245500000LL); /* 2024-01-02 01:34:05.5 UTC */
    /* NULL is not empty */
    CHECK_INT(wa_pg_is_null(r, 0, 9), 1);
    CHECK_PTR(wa_pg_text(r, 0, 9), NULL);
    CHECK_INT(wa_pg_int(r, 0, 9, &i), WA_ENULL);
    CHECK_INT(wa_pg_is_null(r, 0, 10), 0);
    CHECK_STR(wa_pg_text(r, 0, 10), "");
    CHECK_INT(wa_pg_double(r, 0, 11, &d), 0);
    CHECK(isnan(d));
    CHECK_INT(wa_pg_timestamp(r, 0, 12, &us), 0);
    CHECK(us == INT64_MIN);
    /* the wrong getter, a wrong place, a wrong name */
    CHECK_INT(wa_pg_int(r, 0, 5, &i), WA_ETYPE);
    CHECK_INT(wa_pg_bool(r, 0, 0, &b), WA_ETYPE);
    CHECK_INT(wa_pg_int(r, 1, 0, &i), WA_EINVAL);
    CHECK_INT(wa_pg_int(r, 0, 13, &i), WA_EINVAL);
    CHECK_INT(wa_pg_column(r, "nope"), WA_EINVAL);
    CHECK_INT(wa_pg_int(r, 0, wa_pg_column(r, "nope"), &i), WA_EINVAL);
    CHECK_STR(wa_pg_colname(r, 1), "b");
    CHECK_INT(wa_pg_coltype(r, 1), 23);
    wa_pg_result_free(r);
    wa_pg_close(c);
}

/* Every column of a type read in binary: the rows come back so (the
 * statement cache's choice); the getters and the text forms agree with
 * the text path's. Run twice: prepared, then from the cache. */
static void test_binary_results(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    for (int round = 0; round < 2; round++) {
        wa_pg_result *r;
        CHECK_INT(wa_pg_fetch(c,
                              "SELECT 7::int2 AS a, -70000::int4 AS b, 9000000000::int8 AS c, "
                              "1.25::float8 AS d, 0.1::float4 AS e, true AS f, "
                              "'\\x00ff41'::bytea AS g, 'hé'::text AS h, NULL::int AS i, "
                              "''::varchar AS j, 'NaN'::float8 AS k, 4000000000::oid AS l, "
                              "0.1::float8 AS m, false AS n",
                              0, NULL, &r),
                  0);
        int64_t i;
        double d;
        int b;
        CHECK_INT(wa_pg_int(r, 0, 0, &i), 0);
        CHECK_INT(i, 7);
        CHECK_INT(wa_pg_int(r, 0, 1, &i), 0);
        CHECK_INT(i, -70000);
        CHECK_INT(wa_pg_int(r, 0, 2, &i), 0);
        CHECK(i == 9000000000LL);
        CHECK_INT(wa_pg_double(r, 0, 3, &d), 0);
        CHECK(d == 1.25);
        CHECK_INT(wa_pg_double(r, 0, 4, &d), 0);
        CHECK(d == (double)0.1f);
        CHECK_INT(wa_pg_bool(r, 0, 5, &b), 0);
        CHECK_INT(b, 1);
        const uint8_t *bytes;
        size_t len;
        CHECK_INT(wa_pg_bytea(r, 0, 6, &bytes, &len), 0);
        CHECK(len == 3 && bytes[0] == 0 && bytes[1] == 0xff && bytes[2] == 'A');
        CHECK_STR(wa_pg_text(r, 0, 0), "7");
        CHECK_STR(wa_pg_text(r, 0, 1), "-70000");
        CHECK_STR(wa_pg_text(r, 0, 2), "9000000000");
        CHECK_STR(wa_pg_text(r, 0, 3), "1.25");
        CHECK_STR(wa_pg_text(r, 0, 4), "0.1");
        CHECK_STR(wa_pg_text(r, 0, 5), "t");
        CHECK_STR(wa_pg_text(r, 0, 6), "\\x00ff41");
        CHECK_STR(wa_pg_text(r, 0, 7), "hé");
        CHECK_INT(wa_pg_is_null(r, 0, 8), 1);
        CHECK_INT(wa_pg_int(r, 0, 8, &i), WA_ENULL);
        CHECK_STR(wa_pg_text(r, 0, 9), "");
        CHECK_INT(wa_pg_double(r, 0, 10, &d), 0);
        CHECK(isnan(d));
        CHECK_STR(wa_pg_text(r, 0, 10), "NaN");
        CHECK_INT(wa_pg_int(r, 0, 11, &i), 0);
        CHECK(i == 4000000000LL);
        CHECK_STR(wa_pg_text(r, 0, 11), "4000000000");
        CHECK_STR(wa_pg_text(r, 0, 12), "0.1");
        CHECK_STR(wa_pg_text(r, 0, 13), "f");
        CHECK_INT(wa_pg_int(r, 0, 7, &i), WA_ETYPE);
        CHECK_INT(wa_pg_double(r, 0, 0, &d), WA_ETYPE);
        wa_pg_result_free(r);
    }
    /* a cached statement the server forgot, or whose columns changed */
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE s (a int)", 0, NULL), 0);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO s VALUES ($1)", WA_PG_PARAMS("5")), 1);
    wa_pg_result *r;
    CHECK_INT(wa_pg_fetch(c, "SELECT * FROM s WHERE a = $1", WA_PG_PARAMS("5"), &r), 0);
    CHECK_INT(wa_pg_ncols(r), 1);
    wa_pg_result_free(r);
    CHECK_INT(wa_pg_execute(c, "ALTER TABLE s ADD COLUMN b text DEFAULT 'x'", 0, NULL), 0);
    CHECK_INT(wa_pg_fetch(c, "SELECT * FROM s WHERE a = $1", WA_PG_PARAMS("5"), &r), 0);
    CHECK_INT(wa_pg_ncols(r), 2);
    CHECK_STR(wa_pg_text(r, 0, 1), "x");
    wa_pg_result_free(r);
    CHECK_INT(wa_pg_execute(c, "DEALLOCATE ALL", 0, NULL), 0);
    int64_t v;
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT a FROM s WHERE a = $1", WA_PG_PARAMS("5"), &v), 0);
    CHECK_INT(v, 5);
    /* more statements than the cache keeps */
    int bad = 0;
    for (int k = 0; k < 100; k++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT $1::int + %d", k);
        int rc = wa_pg_fetchval_int(c, sql, WA_PG_PARAMS("1"), &v);
        if (rc < 0 || v != 1 + k) {
            printf("statement %d: %s %s\n", k, wa_error_name(rc), wa_pg_last_error()->message);
            bad++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT count(*) FROM pg_prepared_statements", 0, NULL, &v), 0);
    CHECK(v <= 64);
    wa_pg_close(c);
    /* without a cache: nothing prepared, text rows, same values */
    wa_pg_opts o = {.statement_cache_size = -1};
    CHECK_INT(wa_pg_connect(&o, &c), 0);
    CHECK_INT(wa_pg_fetch(c, "SELECT $1::int AS a, 0.1::float8 AS b", WA_PG_PARAMS("41"), &r), 0);
    CHECK_INT(wa_pg_int(r, 0, 0, &v), 0);
    CHECK_INT(v, 41);
    CHECK_STR(wa_pg_text(r, 0, 1), "0.1");
    wa_pg_result_free(r);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT count(*) FROM pg_prepared_statements", 0, NULL, &v), 0);
    CHECK_INT(v, 0);
    wa_pg_close(c);
}

static void test_params_are_bound(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    const char *evil = "x'); DROP TABLE t; --";
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE t (id int, s text, b bytea)", 0, NULL), 0);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO t VALUES ($1, $2, $3), (2, $4, NULL)",
                            WA_PG_PARAMS("1", evil, "\\x0102", NULL)),
              2);
    char *s;
    CHECK_INT(wa_pg_fetchval_text(c, "SELECT s FROM t WHERE id = $1", WA_PG_PARAMS("1"), &s), 0);
    CHECK_STR(s, evil);
    free(s);
    int64_t n;
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT count(*) FROM t WHERE s IS NULL", 0, NULL, &n), 0);
    CHECK_INT(n, 1); /* a NULL parameter is SQL NULL */
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT length(b) FROM t WHERE id = 1", 0, NULL, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT NULL::int", 0, NULL, &n), WA_ENULL);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 1 WHERE false", 0, NULL, &n), WA_ENULL);
    /* a parameter that is not a number is the server's error, not SQL */
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT $1::int", WA_PG_PARAMS("1; DROP TABLE t"), &n), WA_EDB);
    CHECK_STR(wa_pg_last_error()->sqlstate, "22P02");
    CHECK_INT(wa_pg_execute(c, "UPDATE t SET s = $1", WA_PG_PARAMS("y")), 2);
    CHECK_INT(wa_pg_execute(c, "SELECT 1; SELECT 2", 0, NULL), 1); /* several statements */
    /* Fewer parameters than the query's $N: the caller's mistake, named as
     * such (the server's 08P01 is not a lost connection), with or without
     * the statement cache; the connection goes on. */
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT $1::int + $2::int", WA_PG_PARAMS("1"), &n), WA_EINVAL);
    CHECK_STR(wa_pg_last_error()->sqlstate, "08P01");
    CHECK_INT(wa_pg_usable(c), 1);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT $1::int + $2::int", WA_PG_PARAMS("1", "2"), &n), 0);
    CHECK_INT(n, 3);
    wa_pg_conn *uncached;
    CHECK_INT(wa_pg_connect(&(wa_pg_opts){.statement_cache_size = -1}, &uncached), 0);
    CHECK_INT(wa_pg_execute(uncached, "SELECT $1::int, $2::int", WA_PG_PARAMS("1")), WA_EINVAL);
    CHECK_INT(wa_pg_fetchval_int(uncached, "SELECT 7", 0, NULL, &n), 0);
    CHECK_INT(n, 7);
    wa_pg_close(uncached);
    wa_pg_result *r;
    CHECK_INT(wa_pg_fetch(c, "DELETE FROM t WHERE id = $1", WA_PG_PARAMS("2"), &r), 0);
    CHECK_STR(wa_pg_status(r), "DELETE 1");
    CHECK_INT(wa_pg_affected(r), 1);
    wa_pg_result_free(r);
    wa_pg_close(c);
}

/* ----------------------------------------------------------------- errors */

static void test_server_errors(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE u (id int PRIMARY KEY, v int NOT NULL)", 0, NULL),
              0);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO u VALUES (1, 1)", 0, NULL), 1);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO u VALUES (1, 1)", 0, NULL), WA_EUNIQUE);
    const wa_pg_error *e = wa_pg_last_error();
    CHECK_INT(e->code, WA_EUNIQUE);
    CHECK_STR(e->sqlstate, "23505");
    CHECK(strstr(e->message, "duplicate key") != NULL);
    CHECK(strstr(e->detail, "(id)=(1)") != NULL);
    CHECK_STR(e->constraint, "u_pkey");
    CHECK_INT(wa_pg_execute(c, "INSERT INTO u VALUES (2, NULL)", 0, NULL), WA_EINTEGRITY);
    CHECK_STR(wa_pg_last_error()->sqlstate, "23502");
    CHECK_INT(wa_pg_execute(c, "SELEC 1", 0, NULL), WA_ESQL);
    CHECK_STR(wa_pg_last_error()->sqlstate, "42601");
    CHECK_INT(wa_pg_execute(c, "SELECT * FROM no_such_table", 0, NULL), WA_ESQL);
    CHECK_INT(wa_pg_execute(c, "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$", 0,
                            NULL),
              WA_ESERIALIZE);
    CHECK_INT(wa_pg_execute(c, "SELECT 1/0", 0, NULL), WA_EDB);
    CHECK_STR(wa_pg_last_error()->sqlstate, "22012");
    CHECK_STR(wa_error_name(WA_ECONNLOST), "WA_ECONNLOST");
    /* still usable after all of them */
    int64_t n;
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 5", 0, NULL, &n), 0);
    CHECK_INT(n, 5);
    /* the server ends the connection: the next query says so, by name */
    wa_pg_conn *killer = connect_or_null();
    char pid[16];
    snprintf(pid, sizeof pid, "%d", wa_pg_backend_pid(c));
    CHECK_INT(wa_pg_execute(killer, "SELECT pg_terminate_backend($1::int)", WA_PG_PARAMS(pid)), 1);
    wa_sleep(100);
    int lost_rc = wa_pg_execute(c, "SELECT 1", 0, NULL);
    if (lost_rc != WA_ECONNLOST)
        printf("lost: %s: %s\n", wa_error_name(lost_rc), wa_pg_last_error()->message);
    CHECK_INT(lost_rc, WA_ECONNLOST);
    CHECK_INT(wa_pg_usable(c), 0);
    CHECK_INT(wa_pg_execute(c, "SELECT 1", 0, NULL), WA_ECONNLOST);
    wa_pg_close(c);
    wa_pg_close(killer);
}

static int ticks;
static void *ticker(void *arg)
{
    (void)arg;
    for (;;) {
        if (wa_sleep(10) < 0)
            return NULL;
        ticks++;
    }
}

static void test_connect_failures(void)
{
    wa_pg_conn *c = NULL;
    /* nobody listens there */
    int port = 1;
    char info[256];
    snprintf(info, sizeof info, "host=127.0.0.1 port=%d connect_timeout=5", port);
    wa_pg_opts o = {.conninfo = info};
    int refused_rc = wa_pg_connect(&o, &c);
    if (refused_rc != WA_EDBCONNECT)
        printf("refused: %s: %s\n", wa_error_name(refused_rc), wa_pg_last_error()->message);
    CHECK_INT(refused_rc, WA_EDBCONNECT);
    CHECK(strstr(wa_pg_last_error()->message, "refused") != NULL);
    CHECK_PTR(c, NULL);
    /* no such database: the server's refusal */
    o.conninfo = "dbname=no_such_db";
    CHECK_INT(wa_pg_connect(&o, &c), WA_EDBCONNECT);
    CHECK(strstr(wa_pg_last_error()->message, "no_such_db") != NULL);
    /* a malformed connection string */
    o.conninfo = "host=";
    o.conninfo = "nonsense";
    CHECK_INT(wa_pg_connect(&o, &c), WA_EINVAL);
    /* a server that accepts and never answers: our deadline, and the
     * loop keeps running meanwhile */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    CHECK_INT(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_INT(listen(s, 8), 0);
    getsockname(s, (struct sockaddr *)&a, &al);
    snprintf(info, sizeof info, "host=127.0.0.1 port=%d sslmode=disable gssencmode=disable",
             ntohs(a.sin_port));
    o.conninfo = info;
    o.connect_timeout_ms = 200;
    ticks = 0;
    wa_task *t = wa_spawn(ticker, NULL);
    uint64_t t0 = wa_now();
    CHECK_INT(wa_pg_connect(&o, &c), WA_ETIMEDOUT);
    CHECK(wa_now() - t0 < 3000);
    CHECK(ticks >= 5); /* the loop ran all along (20 ticks unloaded) */
    /* a name looked up without blocking the loop: localhost */
    char host_info[256];
    snprintf(host_info, sizeof host_info, "host=localhost port=%s", getenv("PGPORT"));
    wa_pg_opts ok = {.conninfo = host_info};
    CHECK_INT(wa_pg_connect(&ok, &c), 0);
    wa_pg_close(c);
    c = NULL;
    /* a Unix socket directory, and a URI */
    snprintf(host_info, sizeof host_info, "host=%s port=%s", getenv("WA_PG_DIR"), getenv("PGPORT"));
    CHECK_INT(wa_pg_connect(&ok, &c), 0);
    wa_pg_close(c);
    snprintf(host_info, sizeof host_info, "postgresql://postgres@127.0.0.1:%s/postgres",
             getenv("PGPORT"));
    CHECK_INT(wa_pg_connect(&ok, &c), 0);
    wa_pg_close(c);
    c = NULL;
    /* a name that does not exist */
    o.conninfo = "host=no-such-host.invalid";
    o.connect_timeout_ms = 3000;
    int rc = wa_pg_connect(&o, &c);
    CHECK(rc == WA_EDNS || rc == WA_ETIMEDOUT);
    wa_cancel(t);
    wa_await(t, NULL);
    wa_release(t);
    close(s);
    /* outside a task */
    CHECK_INT(wa_pg_execute(NULL, "SELECT 1", 0, NULL), WA_EINVAL);
}

/* A connect that times out while its host-name lookup still waits for a
 * free pool thread (every one is busy) returns at once; the lookup runs
 * later and frees its job itself (wa_to_thread's rule: once handed over,
 * it runs). Under ASan: nothing leaks, nothing is freed twice. */
#define MAX_BUSY 64
static atomic_int busy_threads, busy_go;

static void *busy_thread(void *arg)
{
    (void)arg;
    atomic_fetch_add(&busy_threads, 1);
    for (int i = 0; i < 2000 && !atomic_load(&busy_go); i++)
        usleep(5000);
    return NULL;
}

static void *occupy_a_pool_thread(void *arg)
{
    (void)arg;
    wa_to_thread(busy_thread, NULL, NULL);
    return NULL;
}

static void test_connect_gives_up_before_its_lookup_starts(void)
{
    const char *env = getenv("UV_THREADPOOL_SIZE"); /* libuv's pool: 4 unless set */
    int n = env && atoi(env) > 0 ? atoi(env) : 4;
    if (n > MAX_BUSY)
        return; /* too many threads to fill here */
    atomic_store(&busy_threads, 0);
    atomic_store(&busy_go, 0);
    wa_task *busy[MAX_BUSY];
    for (int i = 0; i < n; i++)
        busy[i] = wa_spawn(occupy_a_pool_thread, NULL);
    for (int i = 0; i < 500 && atomic_load(&busy_threads) < n; i++)
        wa_sleep(10);
    CHECK_INT(atomic_load(&busy_threads), n);
    char info[256];
    snprintf(info, sizeof info, "host=localhost port=%s", getenv("PGPORT"));
    wa_pg_opts o = {.conninfo = info, .connect_timeout_ms = 100};
    wa_pg_conn *c = NULL;
    uint64_t t0 = wa_now();
    CHECK_INT(wa_pg_connect(&o, &c), WA_ETIMEDOUT);
    CHECK(wa_now() - t0 < 2000);
    atomic_store(&busy_go, 1);
    for (int i = 0; i < n; i++) {
        wa_await(busy[i], NULL);
        wa_release(busy[i]);
    }
    /* the lookup left behind has run by now or runs soon; a new one works */
    o.connect_timeout_ms = 0;
    CHECK_INT(wa_pg_connect(&o, &c), 0);
    wa_pg_close(c);
}

/* ------------------------------------------------- deadlines and cancels */

static int64_t sleeping_queries(void)
{
    return settle_backends("AND state = 'active' AND query LIKE 'SELECT pg_sleep(%'");
}

static void test_query_deadline_cancels_on_server(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    uint64_t t0 = wa_now();
    wa_pg_query q = {.sql = "SELECT pg_sleep(30)", .timeout_ms = 100};
    CHECK_INT(wa_pg_query_run(c, &q, NULL), WA_ETIMEDOUT);
    CHECK(wa_now() - t0 < 3000); /* not the query's 30 s */
    int64_t n;
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 11", 0, NULL, &n), 0); /* usable */
    CHECK_INT(n, 11);
    CHECK(wa_now() - t0 < 10000); /* the server stopped sleeping */
    /* a deadline scope around the query does the same */
    int trc;
    {
        WA_TIMEOUT_SCOPE(100, trc);
        CHECK_INT(wa_pg_execute(c, "SELECT pg_sleep(30)", 0, NULL), WA_ETIMEDOUT);
    }
    CHECK_INT(trc, WA_ETIMEDOUT);
    CHECK_INT(sleeping_queries(), 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 12", 0, NULL, &n), 0);
    /* the connection's default deadline */
    wa_pg_conn *d;
    wa_pg_opts o = {.query_timeout_ms = 100};
    CHECK_INT(wa_pg_connect(&o, &d), 0);
    CHECK_INT(wa_pg_execute(d, "SELECT pg_sleep(30)", 0, NULL), WA_ETIMEDOUT);
    CHECK_INT(wa_pg_fetchval_int(d, "SELECT 13", 0, NULL, &n), 0);
    /* closing while the cancel is under way frees everything */
    CHECK_INT(wa_pg_execute(d, "SELECT pg_sleep(30)", 0, NULL), WA_ETIMEDOUT);
    wa_pg_close(d);
    wa_pg_close(c);
}

static void *sleep_query(void *arg)
{
    return PTR(wa_pg_execute(arg, "SELECT pg_sleep(30)", 0, NULL));
}

static void test_cancelled_task_cancels_query(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    wa_task *t = wa_spawn(sleep_query, c);
    wa_sleep(100);
    /* the connection is the running query's */
    CHECK_INT(wa_pg_execute(c, "SELECT 1", 0, NULL), WA_EBUSY);
    uint64_t t0 = wa_now();
    wa_cancel(t);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    CHECK(wa_now() - t0 < 3000);
    wa_release(t);
    int64_t n;
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 21", 0, NULL, &n), 0);
    CHECK_INT(n, 21);
    CHECK_INT(sleeping_queries(), 0);
    wa_pg_close(c);
}

static void test_close_under_a_running_query(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    wa_task *t = wa_spawn(sleep_query, c);
    wa_sleep(100);
    uint64_t t0 = wa_now();
    wa_pg_close(c); /* the query's task ends with a named error, nothing freed under it */
    void *r;
    CHECK_INT(wa_wait_for(t, 5000, &r), 0);
    CHECK_INT(INT(r), WA_ECONNLOST);
    CHECK(wa_now() - t0 < 3000);
    wa_release(t);
}

/* ------------------------------------------------------------ transactions */

static int tx_insert_and_fail(wa_pg_conn *c, int commit)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    CHECK_INT(wa_pg_in_transaction(c), 1);
    if ((rc = wa_pg_execute(c, "INSERT INTO w VALUES (10)", 0, NULL)) < 0)
        return rc;
    if (commit)
        return wa_pg_commit(c);
    return wa_pg_execute(c, "INSERT INTO w VALUES (1)", 0, NULL); /* duplicate */
}

static void *tx_then_sleep(void *arg)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE((wa_pg_conn *)arg, rc);
    if (rc < 0)
        return PTR(rc);
    wa_pg_execute(arg, "INSERT INTO w VALUES (20)", 0, NULL);
    return PTR(wa_pg_execute(arg, "SELECT pg_sleep(30)", 0, NULL));
}

static void test_transactions(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    int64_t n;
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE w (id int PRIMARY KEY)", 0, NULL), 0);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO w VALUES (1)", 0, NULL), 1);
    /* left by an error: rolled back, the error kept */
    CHECK_INT(tx_insert_and_fail(c, 0), WA_EUNIQUE);
    CHECK_STR(wa_pg_last_error()->sqlstate, "23505");
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT count(*) FROM w", 0, NULL, &n), 0);
    CHECK_INT(n, 1);
    /* committed: kept */
    CHECK_INT(tx_insert_and_fail(c, 1), 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT count(*) FROM w", 0, NULL, &n), 0);
    CHECK_INT(n, 2);
    /* left by a cancel: rolled back after the server cancelled the query */
    wa_task *t = wa_spawn(tx_then_sleep, c);
    wa_sleep(100);
    wa_cancel(t);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    wa_release(t);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT count(*) FROM w WHERE id = 20", 0, NULL, &n), 0);
    CHECK_INT(n, 0);
    /* COMMIT of a failed transaction is a rollback */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_execute(c, "SELECT 1/0", 0, NULL), WA_EDB);
    CHECK_INT(wa_pg_commit(c), WA_EDB);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(wa_pg_rollback(c), WA_EPERM); /* nothing open */
    wa_pg_close(c);
}

/* ------------------------------------------------- transactions: misuse */

/* Rows of table name whose id is in [lo, hi], as a sum of 2^(id-lo): which
 * ones are there, in one number. */
static int64_t rows_mask(wa_pg_conn *c, int lo, int hi)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(1::bigint << (id - %d)), 0)::bigint FROM n WHERE id "
             "BETWEEN %d AND %d",
             lo, lo, hi);
    int64_t m = -1;
    CHECK_INT(wa_pg_fetchval_int(c, sql, 0, NULL, &m), 0);
    return m;
}

static int insert(wa_pg_conn *c, int id)
{
    char v[16];
    snprintf(v, sizeof v, "%d", id);
    return wa_pg_execute(c, "INSERT INTO n VALUES ($1)", WA_PG_PARAMS(v));
}

/* asyncpg: "cannot commit; the transaction is not yet started" (or
 * "already committed"): an InterfaceError, the connection fine. */
static void test_transaction_misuse(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    int64_t v;
    /* nothing open */
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    CHECK_INT(wa_pg_last_error()->code, WA_EPERM);
    CHECK(strstr(wa_pg_last_error()->message, "no transaction") != NULL);
    CHECK_INT(wa_pg_rollback(c), WA_EPERM);
    CHECK(strstr(wa_pg_last_error()->message, "no transaction") != NULL);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 31", 0, NULL, &v), 0); /* usable */
    CHECK_INT(v, 31);
    /* twice */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    CHECK_INT(wa_pg_rollback(c), WA_EPERM);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(wa_pg_rollback(c), WA_EPERM);
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    /* a failed transaction's COMMIT rolled it back: nothing left to end */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_execute(c, "SELECT 1/0", 0, NULL), WA_EDB);
    CHECK_INT(wa_pg_commit(c), WA_EDB);
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT 32", 0, NULL, &v), 0);
    CHECK_INT(v, 32);
    wa_pg_close(c);
}

/* ------------------------------------------ transactions: savepoints */

static void test_nested_transactions(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE n (id int PRIMARY KEY)", 0, NULL), 0);
    /* inner rolled back, outer kept and committed */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 0), 1);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 1), 1);
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(wa_pg_in_transaction(c), 1);
    CHECK_INT(insert(c, 2), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(rows_mask(c, 0, 9), 0x5);
    /* inner committed (released), outer rolled back: nothing kept */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 10), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_in_transaction(c), 1);
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(rows_mask(c, 10, 19), 0);
    /* a failed inner statement: the inner rollback recovers the outer */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 20), 1);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 21), 1);
    CHECK_INT(wa_pg_execute(c, "SELECT 1/0", 0, NULL), WA_EDB);
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(insert(c, 22), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(rows_mask(c, 20, 29), 0x5);
    /* a failed inner level's commit rolls that level back (WA_EDB, as a
     * failed transaction's COMMIT), the outer goes on */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 30), 1);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 31), 1);
    CHECK_INT(insert(c, 30), WA_EUNIQUE);
    CHECK_INT(wa_pg_commit(c), WA_EDB);
    CHECK_INT(wa_pg_in_transaction(c), 1);
    CHECK_INT(insert(c, 32), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    CHECK_INT(rows_mask(c, 30, 39), 0x5);
    /* three levels: the third committed into the second, the second rolled
     * back with it, the first committed */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 40), 1);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 41), 1);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 42), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(wa_pg_begin(c), 0); /* a second savepoint at the same depth */
    CHECK_INT(insert(c, 43), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    CHECK_INT(rows_mask(c, 40, 49), 0x9);
    /* a failed outer transaction cannot open a savepoint: its error, then
     * the rollback of the outer as usual */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_execute(c, "SELECT 1/0", 0, NULL), WA_EDB);
    CHECK(wa_pg_begin(c) < 0);
    CHECK_STR(wa_pg_last_error()->sqlstate, "25P02");
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(wa_pg_rollback(c), WA_EPERM);
    wa_pg_close(c);
}

/* An inner scope: its row, then mode 0 leaves early (an error of the
 * caller's own), 1 commits, 2 fails a statement (a duplicate). */
static int inner_scope(wa_pg_conn *c, int id, int mode)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    if ((rc = insert(c, id)) < 0)
        return rc;
    if (mode == 0)
        return WA_EINVAL;
    if (mode == 1)
        return wa_pg_commit(c);
    return insert(c, id);
}

static int outer_scope(wa_pg_conn *c, int base)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    CHECK_INT(insert(c, base), 1);
    CHECK_INT(inner_scope(c, base + 1, 0), WA_EINVAL); /* early return: rolled back */
    CHECK_INT(wa_pg_in_transaction(c), 1);
    CHECK_INT(inner_scope(c, base + 2, 2), WA_EUNIQUE); /* failed: rolled back */
    CHECK_STR(wa_pg_last_error()->sqlstate, "23505");   /* the error kept */
    CHECK_INT(wa_pg_in_transaction(c), 1);
    CHECK_INT(insert(c, base + 3), 1); /* the outer is not aborted */
    CHECK_INT(inner_scope(c, base + 4, 1), 0);
    return wa_pg_commit(c);
}

/* Committed inside, left outside: all rolled back. */
static int outer_left(wa_pg_conn *c, int base)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    CHECK_INT(insert(c, base), 1);
    CHECK_INT(inner_scope(c, base + 1, 1), 0);
    CHECK_INT(wa_pg_in_transaction(c), 1);
    return WA_EINVAL;
}

static void *inner_sleeps(void *arg)
{
    wa_pg_conn *c = arg;
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return PTR(rc);
    insert(c, 61);
    return PTR(wa_pg_execute(c, "SELECT pg_sleep(30)", 0, NULL));
}

/* The outer scope of a task whose inner scope is cancelled or times out:
 * the inner's work goes, the outer's stays and commits. */
static void *outer_survives(void *arg)
{
    wa_pg_conn *c = arg;
    int rc, trc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return PTR(rc);
    CHECK_INT(insert(c, 60), 1);
    CHECK_INT(INT(inner_sleeps(c)), WA_ECANCELED); /* the cancel lands here */
    wa_uncancel();                                 /* and is swallowed */
    CHECK_INT(wa_pg_in_transaction(c), 1);
    CHECK_INT(insert(c, 62), 1);
    {
        WA_TIMEOUT_SCOPE(100, trc);
        CHECK_INT(INT(inner_sleeps(c)), WA_ETIMEDOUT); /* its rollback is cut short too */
    }
    CHECK_INT(trc, WA_ETIMEDOUT);
    CHECK_INT(insert(c, 63), 1);
    return PTR(wa_pg_commit(c));
}

static void *outer_sleeps(void *arg)
{
    wa_pg_conn *c = arg;
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return PTR(rc);
    CHECK_INT(insert(c, 70), 1);
    return inner_sleeps(c);
}

static void test_nested_scopes(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE n (id int PRIMARY KEY)", 0, NULL), 0);
    CHECK_INT(outer_scope(c, 50), 0);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(rows_mask(c, 50, 59), 0x19); /* 50, 53, 54 */
    CHECK_INT(outer_left(c, 55), WA_EINVAL);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(rows_mask(c, 55, 59), 0);
    /* a cancel and a deadline inside the inner scope */
    wa_task *t = wa_spawn(outer_survives, c);
    wa_sleep(200);
    wa_cancel(t);
    void *r;
    CHECK_INT(wa_wait_for(t, 10000, &r), 0);
    CHECK_INT(INT(r), 0);
    wa_release(t);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(rows_mask(c, 60, 69), 0xd); /* 60, 62, 63 */
    /* a cancel that leaves both scopes: everything rolled back */
    t = wa_spawn(outer_sleeps, c);
    wa_sleep(200);
    wa_cancel(t);
    CHECK_INT(wa_await(t, NULL), WA_ECANCELED);
    wa_release(t);
    CHECK_INT(wa_pg_in_transaction(c), 0);
    CHECK_INT(rows_mask(c, 70, 79), 0);
    /* and the next transaction is a plain one again */
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(insert(c, 71), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(rows_mask(c, 70, 79), 0x2);
    CHECK_INT(sleeping_queries(), 0);
    wa_pg_close(c);
}

/* The depth follows the server: a COMMIT by hand ends every level, a BEGIN
 * by hand is level 1, the pool's reset ends them all. */
static void test_transaction_depth_follows_server(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    CHECK_INT(wa_pg_execute(c, "CREATE TABLE IF NOT EXISTS d (id int)", 0, NULL), 0);
    CHECK_INT(wa_pg_execute(c, "TRUNCATE d", 0, NULL), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 0);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 1);
    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 2);
    CHECK_INT(wa_pg_execute(c, "COMMIT", 0, NULL), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 0);
    CHECK_INT(wa_pg_commit(c), WA_EPERM);
    CHECK_INT(wa_pg_execute(c, "BEGIN", 0, NULL), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 1);
    CHECK_INT(wa_pg_begin(c), 0); /* a savepoint in the hand-made transaction */
    CHECK_INT(wa_pg_execute(c, "INSERT INTO d VALUES (1)", 0, NULL), 1);
    CHECK_INT(wa_pg_rollback(c), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 1);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO d VALUES (2)", 0, NULL), 1);
    CHECK_INT(wa_pg_commit(c), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 0);
    int64_t n = -1;
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT sum(id) FROM d", 0, NULL, &n), 0);
    CHECK_INT(n, 2);
    /* released two levels deep: rolled back, and plain again for the next */
    wa_pool *pool;
    wa_pg_pool_opts po = {.min_size = 1, .max_size = 1};
    CHECK_INT(wa_pg_pool_new(&po, &pool), 0);
    wa_pg_conn *p;
    CHECK_INT(wa_pool_acquire(pool, (void **)&p), 0);
    CHECK_INT(wa_pg_begin(p), 0);
    CHECK_INT(wa_pg_begin(p), 0);
    CHECK_INT(wa_pg_execute(p, "INSERT INTO d VALUES (4)", 0, NULL), 1);
    CHECK_INT(wa_pool_release(pool, p), 0);
    wa_pg_conn *q;
    CHECK_INT(wa_pool_acquire(pool, (void **)&q), 0);
    CHECK(q == p);
    CHECK_INT(wa_pg_transaction_depth(q), 0);
    CHECK_INT(wa_pg_begin(q), 0);
    CHECK_INT(wa_pg_transaction_depth(q), 1);
    CHECK_INT(wa_pg_execute(q, "INSERT INTO d VALUES (8)", 0, NULL), 1);
    CHECK_INT(wa_pg_commit(q), 0);
    CHECK_INT(wa_pool_release(pool, q), 0);
    CHECK_INT(wa_pg_fetchval_int(c, "SELECT sum(id) FROM d", 0, NULL, &n), 0);
    CHECK_INT(n, 10);
    CHECK_INT(wa_pg_execute(c, "DROP TABLE d", 0, NULL), 0);
    CHECK_INT(wa_pool_close(pool), 0);
    CHECK_INT(wa_pool_free(pool), 0);
    wa_pg_close(c);
}

static int scopes_then_lost(wa_pg_conn *c, wa_pg_conn *admin)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    {
        WA_PG_TRANSACTION_SCOPE(c, rc);
        if (rc < 0)
            return rc;
        char pid[16];
        snprintf(pid, sizeof pid, "%d", wa_pg_backend_pid(c));
        CHECK_INT(wa_pg_execute(admin, "SELECT pg_terminate_backend($1::int)", WA_PG_PARAMS(pid)),
                  1);
        wa_sleep(100);
        if ((rc = wa_pg_execute(c, "SELECT 1", 0, NULL)) < 0)
            return rc;
    }
    return WA_EFAILED;
}

/* The connection lost inside nested scopes: the scopes leave quietly, and
 * ending a level says the connection is lost, not that none is open. */
static void test_transaction_connection_lost(void)
{
    wa_pg_conn *c = connect_or_null(), *admin = connect_or_null();
    if (!c || !admin) {
        CHECK(0);
        wa_pg_close(c);
        wa_pg_close(admin);
        return;
    }
    CHECK_INT(scopes_then_lost(c, admin), WA_ECONNLOST);
    CHECK_INT(wa_pg_usable(c), 0);
    CHECK_INT(wa_pg_transaction_depth(c), 0);
    CHECK_INT(wa_pg_commit(c), WA_ECONNLOST);
    CHECK_INT(wa_pg_rollback(c), WA_ECONNLOST);
    CHECK_INT(wa_pg_begin(c), WA_ECONNLOST);
    wa_pg_close(c);
    wa_pg_close(admin);
}

/* ------------------------------------- transactions: asyncpg's answers */

/* What test_transactions_as_asyncpg says, as tx_asyncpg.py prints it. */
static char transcript[4096];

static void say(const char *step, const char *what)
{
    size_t n = strlen(transcript);
    snprintf(transcript + n, sizeof transcript - n, "%s: %s\n", step, what);
}

static void say_rc(const char *step, int rc)
{
    char what[64];
    if (rc == 0)
        snprintf(what, sizeof what, "ok");
    else if (rc == WA_EPERM)
        snprintf(what, sizeof what, "refused"); /* asyncpg's InterfaceError */
    else if (*wa_pg_last_error()->sqlstate)
        snprintf(what, sizeof what, "error %s", wa_pg_last_error()->sqlstate);
    else
        snprintf(what, sizeof what, "error %s", wa_error_name(rc));
    say(step, what);
}

static void say_in_transaction(const char *step, wa_pg_conn *c)
{
    say(step, wa_pg_in_transaction(c) ? "True" : "False");
}

static void say_rows(wa_pg_conn *c)
{
    char *ids = NULL;
    CHECK_INT(
        wa_pg_fetchval_text(c, "SELECT coalesce(string_agg(id::text, ' ' ORDER BY id), '') FROM o",
                            0, NULL, &ids),
        0);
    say("rows", ids ? ids : "?");
    free(ids);
}

static void insert_o(wa_pg_conn *c, int id)
{
    char v[16];
    snprintf(v, sizeof v, "%d", id);
    CHECK_INT(wa_pg_execute(c, "INSERT INTO o VALUES ($1)", WA_PG_PARAMS(v)), 1);
}

static int inner_left_early(wa_pg_conn *c)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    insert_o(c, 31);
    return WA_EINVAL;
}

static int inner_fails(wa_pg_conn *c)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    insert_o(c, 32);
    return wa_pg_execute(c, "INSERT INTO o VALUES (30)", 0, NULL);
}

static int inner_commits(wa_pg_conn *c, int id)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    insert_o(c, id);
    return wa_pg_commit(c);
}

static int scopes_commit(wa_pg_conn *c)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    insert_o(c, 30);
    if (inner_left_early(c) == WA_EINVAL)
        say_in_transaction("inner scope left early", c);
    say_rc("inner scope failed", inner_fails(c));
    insert_o(c, 33);
    CHECK_INT(inner_commits(c, 34), 0);
    return wa_pg_commit(c);
}

static int scopes_left(wa_pg_conn *c)
{
    int rc;
    WA_PG_TRANSACTION_SCOPE(c, rc);
    if (rc < 0)
        return rc;
    insert_o(c, 40);
    CHECK_INT(inner_commits(c, 41), 0);
    return WA_EINVAL;
}

/* The steps of tx_asyncpg.py, whose answers tx_asyncpg.txt records. */
static void test_transactions_as_asyncpg(void)
{
    wa_pg_conn *c = connect_or_null();
    if (!c) {
        CHECK(0);
        return;
    }
    transcript[0] = 0;
    CHECK_INT(wa_pg_execute(c, "CREATE TEMP TABLE o (id int PRIMARY KEY)", 0, NULL), 0);
    say_rc("commit, none begun", wa_pg_commit(c));
    say_rc("rollback, none begun", wa_pg_rollback(c));
    CHECK_INT(wa_pg_begin(c), 0);
    say_rc("commit", wa_pg_commit(c));
    say_rc("commit again", wa_pg_commit(c));
    say_rc("rollback after commit", wa_pg_rollback(c));
    CHECK_INT(wa_pg_begin(c), 0);
    say_rc("rollback", wa_pg_rollback(c));
    say_rc("rollback again", wa_pg_rollback(c));

    CHECK_INT(wa_pg_begin(c), 0);
    insert_o(c, 1);
    say_rc("inner begin", wa_pg_begin(c));
    insert_o(c, 2);
    say_rc("inner rollback", wa_pg_rollback(c));
    say_in_transaction("in transaction", c);
    insert_o(c, 3);
    say_rc("outer commit", wa_pg_commit(c));
    say_rows(c);

    CHECK_INT(wa_pg_begin(c), 0);
    CHECK_INT(wa_pg_begin(c), 0);
    insert_o(c, 10);
    say_rc("inner commit", wa_pg_commit(c));
    say_rc("outer rollback", wa_pg_rollback(c));
    say_rows(c);

    CHECK_INT(wa_pg_begin(c), 0);
    insert_o(c, 20);
    CHECK_INT(wa_pg_begin(c), 0);
    insert_o(c, 21);
    say_rc("failing statement", wa_pg_execute(c, "SELECT 1/0", 0, NULL));
    say_rc("inner rollback", wa_pg_rollback(c));
    insert_o(c, 22);
    say_rc("outer commit", wa_pg_commit(c));
    say_rows(c);

    CHECK_INT(scopes_commit(c), 0);
    say_rows(c);
    if (scopes_left(c) == WA_EINVAL)
        say_in_transaction("outer scope left early", c);
    say_rows(c);
    wa_pg_close(c);

    FILE *f = fopen("tests/pg/tx_asyncpg.txt", "r");
    char want[sizeof transcript] = "";
    if (f) {
        want[fread(want, 1, sizeof want - 1, f)] = 0;
        fclose(f);
    }
    CHECK(f != NULL);
    CHECK_STR(transcript, want);
}

/* ---------------------------------------------------------- LISTEN/NOTIFY */

static void test_listen_notify(void)
{
    wa_pg_conn *l = connect_or_null(), *n = connect_or_null();
    if (!l || !n) {
        CHECK(0);
        return;
    }
    wa_gen *g;
    CHECK_INT(wa_pg_listen(l, "wa chan", &g), 0);
    wa_gen *second;
    CHECK_INT(wa_pg_listen(l, "other", &second), WA_EBUSY); /* one listener per connection */
    CHECK_INT(wa_pg_execute(n, "SELECT pg_notify('wa chan', $1)", WA_PG_PARAMS("one")), 1);
    CHECK_INT(wa_pg_execute(n, "NOTIFY \"wa chan\", 'two'", 0, NULL), 0);
    wa_pg_notify *got;
    int seen = 0;
    WA_FOR(got, g)
    {
        CHECK_STR(got->channel, "wa chan");
        CHECK_STR(got->payload, seen == 0 ? "one" : "two");
        CHECK_INT(got->pid, wa_pg_backend_pid(n));
        if (++seen == 2)
            break;
    }
    CHECK_INT(seen, 2);
    CHECK_INT(wa_gen_free(g), 0);
    /* listening again works: the generator's end sent UNLISTEN */
    CHECK_INT(wa_pg_listen(l, "wa chan", &g), 0);
    void *v;
    int trc;
    {
        WA_TIMEOUT_SCOPE(100, trc);
        CHECK_INT(wa_gen_next(g, &v), WA_ETIMEDOUT); /* nothing sent */
    }
    wa_gen_free(g);
    wa_pg_close(l);
    wa_pg_close(n);
}

/* ------------------------------------------------------------ pools */

static wa_pool *pool;
static int max_seen;

static void *pool_user(void *arg)
{
    int64_t v;
    char i[16];
    snprintf(i, sizeof i, "%d", INT(arg));
    int rc = wa_pg_pool_fetchval_int(pool, "SELECT $1::int + 1", WA_PG_PARAMS(i), &v);
    if (rc < 0)
        return PTR(rc);
    if ((int)wa_pool_size(pool) > max_seen)
        max_seen = (int)wa_pool_size(pool);
    return PTR(v == INT(arg) + 1 ? 0 : WA_EFAILED);
}

static void test_pool_1000_tasks_share_10(void)
{
    wa_pg_pool_opts o = {.min_size = 2, .max_size = 10};
    CHECK_INT(wa_pg_pool_new(&o, &pool), 0);
    enum { N = 1000 };
    static wa_task *t[N];
    static int errs[N];
    max_seen = 0;
    for (int i = 0; i < N; i++)
        t[i] = wa_spawn(pool_user, PTR(i));
    CHECK_INT(wa_gather(t, N, NULL, errs, WA_RETURN_ERRORS), 0);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        void *r;
        wa_await(t[i], &r);
        if (errs[i] || INT(r))
            bad++;
        wa_release(t[i]);
    }
    CHECK_INT(bad, 0);
    CHECK(max_seen <= 10);
    CHECK_INT(wa_pool_size(pool), 10);
    CHECK_INT(wa_pool_close(pool), 0);
    CHECK_INT(wa_pool_free(pool), 0);
}

static void *storm_user(void *arg)
{
    wa_pg_conn *c;
    int rc;
    WA_POOL_SCOPE(pool, c, rc);
    if (rc < 0)
        return PTR(rc);
    char ms[16];
    snprintf(ms, sizeof ms, "%d", 5 + INT(arg) % 40);
    rc = wa_pg_execute(c, "SELECT pg_sleep($1::int / 1000.0)", WA_PG_PARAMS(ms));
    return PTR(rc < 0 ? rc : 0);
}

static void test_cancel_storm(void)
{
    wa_pg_pool_opts o = {.max_size = 5};
    CHECK_INT(wa_pg_pool_new(&o, &pool), 0);
    enum { N = 300 };
    static wa_task *t[N];
    for (int i = 0; i < N; i++)
        t[i] = wa_spawn(storm_user, PTR(i));
    /* cancel a slice every few milliseconds, acquirers and queries alike */
    for (int round = 0; round < 20; round++) {
        wa_sleep(3);
        for (int i = round; i < N; i += 5)
            wa_cancel(t[i]);
    }
    int errs[N];
    CHECK_INT(wa_gather(t, N, NULL, errs, WA_RETURN_ERRORS), 0);
    int odd = 0;
    for (int i = 0; i < N; i++) {
        void *r = NULL;
        int rc = wa_await(t[i], &r);
        if (rc == 0 && INT(r) != 0)
            odd++; /* a query that failed otherwise */
        if (rc != 0 && rc != WA_ECANCELED)
            odd++;
        wa_release(t[i]);
    }
    CHECK_INT(odd, 0);
    CHECK(wa_pool_size(pool) <= 5);
    /* every connection is usable afterwards */
    void *held[5];
    int got = 0;
    for (int i = 0; i < 5; i++) {
        if (wa_pool_acquire_for(pool, 2000, &held[i]) == 0) {
            int64_t v;
            if (wa_pg_fetchval_int(held[i], "SELECT 3", 0, NULL, &v) == 0 && v == 3)
                got++;
        } else {
            held[i] = NULL;
        }
    }
    CHECK_INT(got, 5);
    for (int i = 0; i < 5; i++)
        if (held[i])
            wa_pool_release(pool, held[i]);
    CHECK_INT(sleeping_queries(), 0);
    CHECK_INT(wa_pool_close(pool), 0);
    CHECK_INT(wa_pool_free(pool), 0);
}

static void *hold_and_query(void *arg)
{
    wa_pg_conn *c;
    int rc;
    WA_POOL_SCOPE(pool, c, rc);
    if (rc < 0)
        return PTR(rc);
    rc = wa_pg_execute(c, arg, 0, NULL);
    return PTR(rc < 0 ? rc : 0);
}

static void test_pool_closed_while_acquired(void)
{
    wa_pg_pool_opts o = {.min_size = 1, .max_size = 2};
    CHECK_INT(wa_pg_pool_new(&o, &pool), 0);
    wa_task *h[4];
    for (int i = 0; i < 4; i++)
        h[i] = wa_spawn(hold_and_query, "SELECT pg_sleep(0.2)");
    wa_sleep(50); /* two hold connections, two wait */
    uint64_t t0 = wa_now();
    CHECK_INT(wa_pool_close(pool), 0); /* waits for the two holders */
    CHECK(wa_now() - t0 >= 100);
    void *r;
    CHECK_INT(wa_await(h[0], &r), 0);
    CHECK_INT(INT(r), 0);
    CHECK_INT(wa_await(h[1], &r), 0);
    CHECK_INT(INT(r), 0);
    CHECK_INT(wa_await(h[2], &r), 0);
    CHECK_INT(INT(r), WA_EPOOLCLOSED);
    CHECK_INT(wa_await(h[3], &r), 0);
    CHECK_INT(INT(r), WA_EPOOLCLOSED);
    for (int i = 0; i < 4; i++)
        wa_release(h[i]);
    void *c;
    CHECK_INT(wa_pool_acquire(pool, &c), WA_EPOOLCLOSED);
    CHECK_INT(wa_pg_pool_execute(pool, "SELECT 1", 0, NULL), WA_EPOOLCLOSED);
    CHECK_INT(wa_pool_size(pool), 0);
    CHECK_INT(wa_pool_free(pool), 0);
}

static void *run_until_error(void *arg)
{
    (void)arg;
    return PTR(wa_pg_pool_execute(pool, "SELECT pg_sleep(20)", 0, NULL));
}

static void test_server_restart_mid_pool(void)
{
    wa_pg_pool_opts o = {.min_size = 4, .max_size = 4};
    CHECK_INT(wa_pg_pool_new(&o, &pool), 0);
    wa_task *t[2];
    for (int i = 0; i < 2; i++)
        t[i] = wa_spawn(run_until_error, NULL);
    wa_sleep(100);
    uint64_t t0 = wa_now();
    CHECK_INT(cluster("restart"), 0);
    /* the queries in flight end with a named error, not a hang */
    for (int i = 0; i < 2; i++) {
        void *r;
        CHECK_INT(wa_wait_for(t[i], 10000, &r), 0);
        CHECK_INT(INT(r), WA_ECONNLOST);
        wa_release(t[i]);
    }
    CHECK(wa_now() - t0 < 15000);
    /* the dead connections are dropped and replaced: every query works */
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        int64_t v;
        if (wa_pg_pool_fetchval_int(pool, "SELECT 4", 0, NULL, &v) == 0 && v == 4)
            ok++;
    }
    CHECK_INT(ok, 8);
    wa_task *u[8];
    for (int i = 0; i < 8; i++)
        u[i] = wa_spawn(pool_user, PTR(i));
    CHECK_INT(wa_gather(u, 8, NULL, NULL, 0), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        wa_await(u[i], &r);
        CHECK_INT(INT(r), 0);
        wa_release(u[i]);
    }
    CHECK(wa_pool_size(pool) <= 4);
    CHECK_INT(wa_pool_close(pool), 0);
    CHECK_INT(wa_pool_free(pool), 0);
}

static void test_server_stopped_while_tasks_wait(void)
{
    wa_pg_pool_opts o = {.min_size = 2, .max_size = 2, .conn.connect_timeout_ms = 3000};
    CHECK_INT(wa_pg_pool_new(&o, &pool), 0);
    enum { N = 6 };
    wa_task *t[N];
    for (int i = 0; i < N; i++)
        t[i] = wa_spawn(hold_and_query, "SELECT pg_sleep(20)");
    wa_sleep(100); /* two run, four wait for a connection */
    CHECK_INT(cluster("stop"), 0);
    int lost = 0, refused = 0, other = 0;
    for (int i = 0; i < N; i++) {
        void *r;
        int rc = wa_wait_for(t[i], 10000, &r);
        if (rc == 0 && INT(r) == WA_ECONNLOST)
            lost++;
        else if (rc == 0 && INT(r) == WA_EDBCONNECT)
            refused++;
        else {
            printf("task %d: %s %s\n", i, wa_error_name(rc), wa_error_name(INT(r)));
            other++;
        }
        wa_release(t[i]);
    }
    CHECK_INT(lost, 2);
    CHECK_INT(refused, N - 2);
    CHECK_INT(other, 0);
    CHECK_INT(wa_pool_size(pool), 0);
    CHECK_INT(cluster("start"), 0);
    int64_t v;
    CHECK_INT(wa_pg_pool_fetchval_int(pool, "SELECT 6", 0, NULL, &v), 0);
    CHECK_INT(wa_pool_close(pool), 0);
    CHECK_INT(wa_pool_free(pool), 0);
}

/* ---------------------------------------------------------------- main */

static const wa_h_test tests[] = {
    WA_H_TEST(test_types),
    WA_H_TEST(test_binary_results),
    WA_H_TEST(test_params_are_bound),
    WA_H_TEST(test_server_errors),
    WA_H_TEST(test_connect_failures),
    WA_H_TEST(test_connect_gives_up_before_its_lookup_starts),
    WA_H_TEST(test_query_deadline_cancels_on_server),
    WA_H_TEST(test_cancelled_task_cancels_query),
    WA_H_TEST(test_close_under_a_running_query),
    WA_H_TEST(test_transactions),
    WA_H_TEST(test_transaction_misuse),
    WA_H_TEST(test_nested_transactions),
    WA_H_TEST(test_nested_scopes),
    WA_H_TEST(test_transaction_depth_follows_server),
    WA_H_TEST(test_transaction_connection_lost),
    WA_H_TEST(test_transactions_as_asyncpg),
    WA_H_TEST(test_listen_notify),
    WA_H_TEST(test_pool_1000_tasks_share_10),
    WA_H_TEST(test_cancel_storm),
    WA_H_TEST(test_pool_closed_while_acquired),
    WA_H_TEST(test_server_restart_mid_pool),
    WA_H_TEST(test_server_stopped_while_tasks_wait),
    {0},
};

/* Each test, then the leak check: no connection left on the server. */
static void *main_task(void *arg)
{
    (void)arg;
    for (const wa_h_test *t = tests; t->name; t++) {
        const char *only = getenv("WA_PG_ONLY");
        if (only && !strstr(t->name, only))
            continue;
        wa_h_current = t->name;
        wa_h_trace_reset();
        uint64_t t0 = wa_now();
        t->fn();
        int64_t left = settle_backends(NULL);
        if (left != 0)
            printf("FAIL %s: %lld connection(s) left on the server\n", t->name, (long long)left);
        CHECK_INT(left, 0);
        printf("ok %s (%llu ms)\n", t->name, (unsigned long long)(wa_now() - t0));
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", wa_h_passed, wa_h_failed);
    return wa_h_failed ? wa_raise(WA_EFAILED, "%d checks failed", wa_h_failed) : NULL;
}

int main(void)
{
    (void)wa_h_main; /* the harness's own runner: this one adds the leak check */
    setvbuf(stdout, NULL, _IOLBF, 0);
    return wa_run(main_task, NULL, NULL) == 0 && wa_h_failed == 0 ? 0 : 1;
}
