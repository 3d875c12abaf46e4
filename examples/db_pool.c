/* db_pool.c: the database-pool twin of tests/twins/db_pool.py (asyncpg):
 * a pool of at most 3 PostgreSQL connections, found through the standard
 * PGHOST, PGPORT, PGUSER, PGDATABASE environment. Against the same server
 * it prints exactly the lines the Python program prints.
 *
 *   cc db_pool.c $(pkg-config --cflags --libs wasyncio-pg)
 *   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres ./a.out
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio_pg.h>

static wa_pool *pool;

/* Say what failed, with the server's message, as an uncaught asyncpg error
 * would; returns rc. */
static int report(const char *what, int rc)
{
    const wa_pg_error *e = wa_pg_last_error();
    fprintf(stderr, "db_pool: %s: %s (%s)\n", what, wa_strerror(rc),
            e->code == rc ? e->message : "");
    return rc;
}
#define FAIL(what, rc) return wa_raise(report(what, rc), "%s", what)

/* How Python prints a float: the shortest digits that read back the same. */
static void print_float(double v)
{
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    printf("%s%s", buf, strpbrk(buf, ".en") ? "" : ".0");
}

static void *double_slowly(void *arg)
{
    wa_pg_conn *con;
    int rc;
    WA_POOL_SCOPE(pool, con, rc);
    if (rc < 0)
        FAIL("acquire", rc);
    char i[16];
    snprintf(i, sizeof i, "%d", (int)(intptr_t)arg);
    int64_t doubled;
    rc =
        wa_pg_fetchval_int(con, "SELECT $1::int * 2 FROM pg_sleep(0.2)", WA_PG_PARAMS(i), &doubled);
    if (rc < 0)
        FAIL("fetchval", rc);
    return (void *)(intptr_t)doubled;
}

/* The work done on one acquired connection. */
static int with_one_connection(wa_pg_conn *con)
{
    const char *name = "O'Reilly'); DROP TABLE wa_items; --";
    /* parameters travel apart from the SQL text */
    int rc = wa_pg_execute(con, "INSERT INTO wa_items VALUES ($1, $2)", WA_PG_PARAMS("1", name));
    if (rc < 0)
        return report("insert", rc);
    char *stored;
    rc = wa_pg_fetchval_text(con, "SELECT name FROM wa_items WHERE id = 1", 0, NULL, &stored);
    if (rc < 0)
        return report("fetchval", rc);
    printf("stored exactly: %s\n", strcmp(stored, name) == 0 ? "True" : "False");
    free(stored);

    /* a failed transaction leaves nothing behind */
    {
        WA_PG_TRANSACTION_SCOPE(con, rc);
        if (rc == 0)
            rc = wa_pg_execute(con, "INSERT INTO wa_items VALUES (2, 'two')", 0, NULL);
        if (rc >= 0)
            rc = wa_pg_execute(con, "INSERT INTO wa_items VALUES (1, 'dup')", 0, NULL);
        if (rc >= 0)
            rc = wa_pg_commit(con);
    } /* left without a commit: rolled back */
    if (rc < 0 && wa_pg_last_error()->sqlstate[0])
        printf("rolled back: %s\n", wa_pg_last_error()->sqlstate);
    else if (rc < 0)
        return report("transaction", rc);
    int64_t rows;
    if ((rc = wa_pg_fetchval_int(con, "SELECT count(*) FROM wa_items", 0, NULL, &rows)) < 0)
        return report("count", rc);
    printf("rows: %" PRId64 "\n", rows);

    /* a query cut short by a timeout is cancelled; the connection lives on */
    wa_pg_query slow = {.sql = "SELECT pg_sleep(10)", .timeout_ms = 100};
    rc = wa_pg_query_run(con, &slow, NULL);
    if (rc == WA_ETIMEDOUT)
        printf("timed out\n");
    else if (rc < 0)
        return report("slow query", rc);
    int64_t one;
    if ((rc = wa_pg_fetchval_int(con, "SELECT 1", 0, NULL, &one)) < 0)
        return report("select 1", rc);
    printf("still usable: %" PRId64 "\n", one);
    return 0;
}

static int print_row(wa_pg_conn *con)
{
    wa_pg_result *row;
    int rc =
        wa_pg_fetch(con, "SELECT 42::int AS n, 'x'::text AS s, NULL::int AS z, 2.5::float8 AS f", 0,
                    NULL, &row);
    if (rc < 0)
        return report("fetchrow", rc);
    int64_t n;
    double f;
    wa_pg_int(row, 0, wa_pg_column(row, "n"), &n);
    wa_pg_double(row, 0, wa_pg_column(row, "f"), &f);
    const char *s = wa_pg_text(row, 0, wa_pg_column(row, "s"));
    const char *z = wa_pg_is_null(row, 0, wa_pg_column(row, "z")) == 1 ? "None" : "?";
    printf("row: %" PRId64 " %s %s ", n, s, z);
    print_float(f);
    printf("\n");
    wa_pg_result_free(row);
    if ((rc = wa_pg_execute(con, "DROP TABLE wa_items", 0, NULL)) < 0)
        return report("drop", rc);
    return 0;
}

static void *amain(void *arg)
{
    (void)arg;
    wa_pg_pool_opts opts = {.min_size = 1, .max_size = 3};
    int rc = wa_pg_pool_new(&opts, &pool);
    if (rc < 0)
        FAIL("create_pool", rc);
    {
        wa_pg_conn *con;
        WA_POOL_SCOPE(pool, con, rc);
        if (rc < 0)
            FAIL("acquire", rc);
        if ((rc = wa_pg_execute(con, "DROP TABLE IF EXISTS wa_items", 0, NULL)) < 0 ||
            (rc = wa_pg_execute(con,
                                "CREATE TABLE wa_items (id int PRIMARY KEY, name text NOT NULL)", 0,
                                NULL)) < 0)
            FAIL("create table", rc);
    }

    uint64_t t0 = wa_now();
    wa_task *t[6];
    void *doubled[6];
    for (int i = 0; i < 6; i++)
        t[i] = wa_spawn(double_slowly, (void *)(intptr_t)i);
    if ((rc = wa_gather(t, 6, doubled, NULL, 0)) < 0)
        FAIL("gather", rc);
    printf("doubled: [");
    for (int i = 0; i < 6; i++)
        printf("%s%d", i ? ", " : "", (int)(intptr_t)doubled[i]);
    printf("]\n");
    printf("rounds of 0.2 s: %d\n", (int)((wa_now() - t0 + 100) / 200)); /* round() */
    for (int i = 0; i < 6; i++)
        wa_release(t[i]);

    {
        wa_pg_conn *con;
        WA_POOL_SCOPE(pool, con, rc);
        if (rc < 0)
            FAIL("acquire", rc);
        if ((rc = with_one_connection(con)) < 0)
            return wa_raise(rc, "with one connection");
    }

    /* all three held: a fourth acquire waits, then times out */
    void *held[3];
    for (int i = 0; i < 3; i++)
        if ((rc = wa_pool_acquire(pool, &held[i])) < 0)
            FAIL("acquire", rc);
    void *fourth;
    if ((rc = wa_pool_acquire_for(pool, 100, &fourth)) == WA_ETIMEDOUT)
        printf("pool exhausted\n");
    else if (rc == 0)
        wa_pool_release(pool, fourth);
    for (int i = 0; i < 3; i++)
        wa_pool_release(pool, held[i]);

    {
        wa_pg_conn *con;
        WA_POOL_SCOPE(pool, con, rc);
        if (rc < 0)
            FAIL("acquire", rc);
        if ((rc = print_row(con)) < 0)
            return wa_raise(rc, "fetchrow");
    }
    if ((rc = wa_pool_close(pool)) < 0)
        FAIL("close", rc);
    wa_pool_free(pool);
    printf("pool closed\n");
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    return wa_run(amain, NULL, NULL) == 0 ? 0 : 1;
}
