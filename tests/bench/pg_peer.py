#!/usr/bin/python3
# pg_peer.py: asyncpg's side of the PostgreSQL rows of `make bench` (see
# pg_bench.c for the three workloads): prints one number.
import asyncio
import sys
import time

import asyncpg

RT_QUERIES, POOL_QUERIES, POOL_TASKS, FETCH_ROUNDS = 5000, 10000, 100, 5


async def rt():
    con = await asyncpg.connect()
    t0 = time.perf_counter()
    for i in range(RT_QUERIES):
        assert await con.fetchval("SELECT $1::int", i) == i
    print(round(RT_QUERIES / (time.perf_counter() - t0)))
    await con.close()


async def pool():
    p = await asyncpg.create_pool(min_size=10, max_size=10)

    async def worker():
        for i in range(POOL_QUERIES // POOL_TASKS):
            assert await p.fetchval("SELECT $1::int", i) == i

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(POOL_TASKS)))
    print(round(POOL_QUERIES / (time.perf_counter() - t0)))
    await p.close()


async def fetch():
    con = await asyncpg.connect()
    best = 1e9
    for _ in range(FETCH_ROUNDS):
        t0 = time.perf_counter()
        rows = await con.fetch("SELECT i, 'row ' || i AS s, i * 1.5::float8 AS f "
                               "FROM generate_series(1, 10000) i")
        total = sum(r[0] for r in rows)
        length = sum(len(r[1]) for r in rows)
        fsum = sum(r[2] for r in rows)
        ms = (time.perf_counter() - t0) * 1000
        assert total == 50005000 and length and fsum > 0
        best = min(best, ms)
    print(f"{best:.2f}")
    await con.close()


asyncio.run({"rt": rt, "pool": pool, "fetch": fetch}[sys.argv[1]]())
