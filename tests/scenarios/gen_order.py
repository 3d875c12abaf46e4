"""gen_order.py: the asyncio oracle of sc_gen.c's issue-17 cases (Python 3.11).
Run: /usr/bin/python3 tests/scenarios/gen_order.py"""
import asyncio
out=[]
async def agen():
    out.append("body-start")
    try:
        await asyncio.sleep(10)
        yield 1
    finally:
        out.append("body-clean")
async def agen2():
    try:
        out.append("body-start")
        yield 1
        out.append("step2")
        await asyncio.sleep(10)
        yield 2
    finally:
        out.append("body-clean")
async def canceller(t):
    out.append("other"); t.cancel()
async def consumer(mk, skip):
    g = mk()
    try:
        for _ in range(skip): await g.__anext__()
        asyncio.get_running_loop().create_task(canceller(asyncio.current_task()))
        await g.__anext__()
    except asyncio.CancelledError:
        out.append("consumer-cancelled")
async def order():
    async def other(): out.append("other")
    async def body():
        out.append("body"); yield 1; out.append("body2"); yield 2
    g=body()
    asyncio.get_running_loop().create_task(other())
    await g.__anext__(); out.append("got1")
    asyncio.get_running_loop().create_task(other())
    await g.__anext__(); out.append("got2")
async def main():
    await asyncio.create_task(consumer(agen,0)); print("first:", " ".join(out)); out.clear()
    await asyncio.create_task(consumer(agen2,1)); print("later:", " ".join(out)); out.clear()
    await order(); await asyncio.sleep(0); print("order:", " ".join(out))
asyncio.run(main())
