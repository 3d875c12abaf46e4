"""wake_order.py: the asyncio oracle of sc_wake_order.c (Python 3.11).
Run: /usr/bin/python3 tests/scenarios/wake_order.py. TaskGroup's children and
asyncio.run's leftovers are sets in asyncio (hash order); wasyncio documents
spawn order for those two."""
import asyncio
out=[]
async def sleeper(n):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        out.append(n); raise
async def chain(n, inner):
    try:
        await inner
    except asyncio.CancelledError:
        out.append(n); raise

async def gather_cancel():
    a=asyncio.create_task(sleeper("A")); b=asyncio.create_task(sleeper("B")); c=asyncio.create_task(sleeper("C"))
    async def g(): await asyncio.gather(c,a,b)
    t=asyncio.create_task(g()); await asyncio.sleep(0); await asyncio.sleep(0)
    t.cancel()
    try: await t
    except asyncio.CancelledError: pass
    print("gather-cancel:", " ".join(out)); out.clear()

async def deadline_gather():
    a=asyncio.create_task(sleeper("A")); b=asyncio.create_task(sleeper("B")); c=asyncio.create_task(sleeper("C"))
    async def g():
        try:
            async with asyncio.timeout(0.005): await asyncio.gather(c,a,b)
        except TimeoutError: pass
    await asyncio.create_task(g())
    print("deadline-gather:", " ".join(out)); out.clear()

async def nested():
    # gather(X, Y) where X awaits Z: depth-first, argument order
    z=asyncio.create_task(sleeper("Z")); y=asyncio.create_task(sleeper("Y"))
    x=asyncio.create_task(chain("X", z))
    async def g(): await asyncio.gather(x,y)
    t=asyncio.create_task(g()); await asyncio.sleep(0); await asyncio.sleep(0)
    t.cancel()
    try: await t
    except asyncio.CancelledError: pass
    print("nested:", " ".join(out)); out.clear()

async def group_cancel():
    async def body():
        async with asyncio.TaskGroup() as tg:
            for n in "ABC": tg.create_task(sleeper(n))
            await asyncio.sleep(10)
    t=asyncio.create_task(body()); await asyncio.sleep(0); await asyncio.sleep(0)
    t.cancel()
    try: await t
    except asyncio.CancelledError: pass
    print("group-cancel:", " ".join(out)); out.clear()

async def group_fail():
    async def boom():
        await asyncio.sleep(0); raise ValueError("x")
    try:
        async with asyncio.TaskGroup() as tg:
            for n in "ABC": tg.create_task(sleeper(n))
            tg.create_task(boom())
    except* ValueError: pass
    print("group-fail:", " ".join(out)); out.clear()

async def event_set():
    e=asyncio.Event()
    async def w(n): await e.wait(); out.append(n)
    ts=[asyncio.create_task(w(n)) for n in "ABC"]; await asyncio.sleep(0)
    e.set(); await asyncio.gather(*ts)
    print("event-set:", " ".join(out)); out.clear()

async def barrier():
    b=asyncio.Barrier(3)
    async def w(n): await b.wait(); out.append(n)
    ts=[asyncio.create_task(w(n)) for n in "ABC"]
    await asyncio.gather(*ts)
    print("barrier:", " ".join(out)); out.clear()

async def cond():
    c=asyncio.Condition()
    async def w(n):
        async with c:
            await c.wait(); out.append(n)
    ts=[asyncio.create_task(w(n)) for n in "ABC"]; await asyncio.sleep(0)
    async with c: c.notify_all()
    await asyncio.gather(*ts)
    print("cond:", " ".join(out)); out.clear()

async def main():
    await gather_cancel(); await deadline_gather(); await nested(); await group_cancel(); await group_fail()
    await event_set(); await barrier(); await cond()
asyncio.run(main())

async def main2():
    for n in "ABC": asyncio.create_task(sleeper(n))
    await asyncio.sleep(0)
asyncio.run(main2())
print("run-end:", " ".join(out))
