#!/usr/bin/env python3
"""tx_asyncpg.py: asyncpg's answers to transaction misuse and nesting, one
line per step: ok, refused (asyncpg's InterfaceError; WA_EPERM in C) or
error SQLSTATE, and the rows kept. tests/pg/tx_asyncpg.txt records them;
test_pg.c's test_transactions_as_asyncpg must print the same, and run.sh
checks the record against this program when asyncpg is here. Connects with
the PG* environment, as the C suite."""
import asyncio

import asyncpg


async def outcome(coro):
    try:
        await coro
        return 'ok'
    except asyncpg.InterfaceError:
        return 'refused'
    except asyncpg.PostgresError as e:
        return 'error ' + e.sqlstate


async def main():
    con = await asyncpg.connect()
    await con.execute('CREATE TEMP TABLE o (id int PRIMARY KEY)')

    def say(step, what):
        print(f'{step}: {what}')

    async def insert(i):
        await con.execute('INSERT INTO o VALUES ($1)', i)

    async def rows():
        got = await con.fetch('SELECT id FROM o ORDER BY id')
        say('rows', ' '.join(str(r[0]) for r in got))

    say('commit, none begun', await outcome(con.transaction().commit()))
    say('rollback, none begun', await outcome(con.transaction().rollback()))
    t = con.transaction()
    await t.start()
    say('commit', await outcome(t.commit()))
    say('commit again', await outcome(t.commit()))
    say('rollback after commit', await outcome(t.rollback()))
    t = con.transaction()
    await t.start()
    say('rollback', await outcome(t.rollback()))
    say('rollback again', await outcome(t.rollback()))

    # inner rolled back, outer committed
    outer = con.transaction()
    await outer.start()
    await insert(1)
    inner = con.transaction()
    say('inner begin', await outcome(inner.start()))
    await insert(2)
    say('inner rollback', await outcome(inner.rollback()))
    say('in transaction', con.is_in_transaction())
    await insert(3)
    say('outer commit', await outcome(outer.commit()))
    await rows()

    # inner committed, outer rolled back
    outer = con.transaction()
    await outer.start()
    inner = con.transaction()
    await inner.start()
    await insert(10)
    say('inner commit', await outcome(inner.commit()))
    say('outer rollback', await outcome(outer.rollback()))
    await rows()

    # a failed statement in the inner level, which is rolled back
    outer = con.transaction()
    await outer.start()
    await insert(20)
    inner = con.transaction()
    await inner.start()
    await insert(21)
    say('failing statement', await outcome(con.execute('SELECT 1/0')))
    say('inner rollback', await outcome(inner.rollback()))
    await insert(22)
    say('outer commit', await outcome(outer.commit()))
    await rows()

    # scopes: an inner one left by an error, one whose statement fails,
    # one committed; the outer commits
    async with con.transaction():
        await insert(30)
        try:
            async with con.transaction():
                await insert(31)
                raise ValueError
        except ValueError:
            say('inner scope left early', con.is_in_transaction())
        try:
            async with con.transaction():
                await insert(32)
                await insert(30)
        except asyncpg.PostgresError as e:
            say('inner scope failed', 'error ' + e.sqlstate)
        await insert(33)
        async with con.transaction():
            await insert(34)
    await rows()

    # the outer scope left by an error after its inner one committed
    try:
        async with con.transaction():
            await insert(40)
            async with con.transaction():
                await insert(41)
            raise ValueError
    except ValueError:
        say('outer scope left early', con.is_in_transaction())
    await rows()
    await con.close()


asyncio.run(main())
