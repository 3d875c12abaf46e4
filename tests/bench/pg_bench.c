/* pg_bench.c: the PostgreSQL rows of `make bench` for wasyncio-pg; its
 * peers pg_peer.py (asyncpg) and pg_peer.mjs (node-postgres) run the same
 * three workloads against the same server and print the same number:
 *   rt     SELECT $1::int round trips on one connection, per second
 *   pool   10,000 queries through a pool of 10 by 100 tasks, per second
 *   fetch  a 10,000-row fetch (int, text, float8 read into C values), ms
 * The server comes from PGHOST/PGPORT/PGUSER/PGDATABASE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio_pg.h>

#define RT_QUERIES   5000
#define POOL_QUERIES 10000
#define POOL_TASKS   100
#define FETCH_ROUNDS 5

static double now_s(void) { return (double)wa_hrtime() / 1e9; }

static void *round_trips(void *arg)
{
    wa_pg_conn *c;
    if (wa_pg_connect(NULL, &c) < 0)
        return wa_raise(WA_EFAILED, "connect");
    char num[16];
    int64_t v;
    double t0 = now_s();
    for (int i = 0; i < RT_QUERIES; i++) {
        snprintf(num, sizeof num, "%d", i);
        if (wa_pg_fetchval_int(c, "SELECT $1::int", WA_PG_PARAMS(num), &v) < 0 || v != i)
            return wa_raise(WA_EFAILED, "query");
    }
    printf("%.0f\n", RT_QUERIES / (now_s() - t0));
    wa_pg_close(c);
    return NULL;
}

static wa_pool *pool;

static void *pool_worker(void *arg)
{
    char num[16];
    int64_t v;
    for (int i = 0; i < POOL_QUERIES / POOL_TASKS; i++) {
        snprintf(num, sizeof num, "%d", i);
        if (wa_pg_pool_fetchval_int(pool, "SELECT $1::int", WA_PG_PARAMS(num), &v) < 0 || v != i)
            return wa_raise(WA_EFAILED, "query");
    }
    return NULL;
}

static void *through_pool(void *arg)
{
    wa_pg_pool_opts o = {.min_size = 10, .max_size = 10};
    if (wa_pg_pool_new(&o, &pool) < 0)
        return wa_raise(WA_EFAILED, "pool");
    static wa_task *t[POOL_TASKS];
    double t0 = now_s();
    for (int i = 0; i < POOL_TASKS; i++)
        t[i] = wa_spawn(pool_worker, NULL);
    if (wa_gather(t, POOL_TASKS, NULL, NULL, 0) < 0)
        return wa_raise(WA_EFAILED, "gather");
    printf("%.0f\n", POOL_QUERIES / (now_s() - t0));
    for (int i = 0; i < POOL_TASKS; i++)
        wa_release(t[i]);
    wa_pool_close(pool);
    wa_pool_free(pool);
    return NULL;
}

static void *big_fetch(void *arg)
{
    wa_pg_conn *c;
    if (wa_pg_connect(NULL, &c) < 0)
        return wa_raise(WA_EFAILED, "connect");
    double best = 1e9;
    for (int round = 0; round < FETCH_ROUNDS; round++) {
        double t0 = now_s();
        wa_pg_result *r;
        if (wa_pg_fetch(c,
                        "SELECT i, 'row ' || i AS s, i * 1.5::float8 AS f "
                        "FROM generate_series(1, 10000) i",
                        0, NULL, &r) < 0)
            return wa_raise(WA_EFAILED, "fetch");
        int64_t sum = 0;
        double fsum = 0;
        size_t len = 0;
        for (int row = 0, n = wa_pg_nrows(r); row < n; row++) {
            int64_t i;
            double f;
            wa_pg_int(r, row, 0, &i);
            len += strlen(wa_pg_text(r, row, 1));
            wa_pg_double(r, row, 2, &f);
            sum += i;
            fsum += f;
        }
        wa_pg_result_free(r);
        double ms = (now_s() - t0) * 1000;
        if (sum != 50005000 || len == 0 || fsum <= 0)
            return wa_raise(WA_EFAILED, "rows");
        if (ms < best)
            best = ms;
    }
    printf("%.2f\n", best);
    wa_pg_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    wa_fn fn = !strcmp(what, "rt")      ? round_trips
               : !strcmp(what, "pool")  ? through_pool
               : !strcmp(what, "fetch") ? big_fetch
                                        : NULL;
    if (!fn) {
        fprintf(stderr, "usage: pg_bench rt|pool|fetch\n");
        return 2;
    }
    return wa_run(fn, NULL, NULL) == 0 ? 0 : 1;
}
