"""peer_core.py: Python asyncio peer of the core benchmark; same workloads
as core_*.c. Usage: peer_core.py switch-yield|switch-event|gen|spawn|memory|timers|
lock|sem|queue|group [n] [rounds]
Prints the figure (ns, or bytes for memory) on stdout."""
import asyncio
import os
import sys
import time


async def switch_yield(n):
    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)

    t0 = time.perf_counter_ns()
    await asyncio.gather(yielder(), yielder())
    return (time.perf_counter_ns() - t0) / n


async def switch_event(n):
    ev_a, ev_b = asyncio.Event(), asyncio.Event()

    async def ping():
        for _ in range(n):
            ev_b.set()
            await ev_a.wait()
            ev_a.clear()

    async def pong():
        for _ in range(n):
            await ev_b.wait()
            ev_b.clear()
            ev_a.set()

    t0 = time.perf_counter_ns()
    await asyncio.gather(ping(), pong())
    return (time.perf_counter_ns() - t0) / n


async def gen(n):
    async def counter():
        for i in range(n):
            yield i

    t0 = time.perf_counter_ns()
    total = 0
    async for v in counter():
        total += v
    return (time.perf_counter_ns() - t0) / n


async def spawn(n, rounds):
    async def trivial():
        return None

    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        await asyncio.gather(*[asyncio.create_task(trivial()) for _ in range(n)])
        best = min(best, (time.perf_counter_ns() - t0) / n)
    return best


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def memory(n):
    async def parked():
        await asyncio.sleep(600)

    before = rss_bytes()
    tasks = [asyncio.create_task(parked()) for _ in range(n)]
    await asyncio.sleep(0)  # every task runs up to its sleep
    after = rss_bytes()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return (after - before) / n


async def timers(n, rounds):
    all_fired, finish = asyncio.Event(), asyncio.Event()
    remaining = n

    async def sleeper(i):
        nonlocal remaining
        for r in range(rounds):
            await asyncio.sleep((1 + (i * 7919 + r * 104729) % 50) / 1000)
        remaining -= 1
        if remaining == 0:
            all_fired.set()
        await finish.wait()  # task exit stays out of the measured region

    tasks = [asyncio.create_task(sleeper(i)) for i in range(n)]
    await asyncio.sleep(0)
    c0 = time.process_time_ns()
    await all_fired.wait()
    c1 = time.process_time_ns()
    finish.set()
    await asyncio.gather(*tasks)
    return (c1 - c0) / (n * rounds)


async def contend(primitive, n, rounds):
    """2 tasks contending one asyncio.Lock or Semaphore(1): ns per hand-off.
    The parent holds it while both queue, as core_sync.c does; a run where
    one task took it twice in a row fails rather than report hand-offs."""
    state = {"last": 0, "hand_offs": 0}

    async def contender(me):
        for _ in range(n):
            async with primitive:
                if state["last"] != me:
                    state["hand_offs"] += 1
                state["last"] = me

    best = float("inf")
    for _ in range(rounds):
        await primitive.acquire()
        tasks = [asyncio.create_task(contender(1)), asyncio.create_task(contender(2))]
        await asyncio.sleep(0)  # both run up to their first acquire and wait there
        state.update(last=0, hand_offs=0)
        t0 = time.perf_counter_ns()
        primitive.release()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter_ns() - t0
        if state["hand_offs"] != 2 * n:
            sys.exit(f"peer_core: {state['hand_offs']} hand-offs of {2 * n} acquires")
        best = min(best, elapsed / state["hand_offs"])
    return best


async def queue(n, rounds):
    """A producer and a consumer through asyncio.Queue(1): ns per item."""
    best = float("inf")
    for _ in range(rounds):
        q = asyncio.Queue(1)
        total = 0

        async def producer():
            for i in range(1, n + 1):
                await q.put(i)

        async def consumer():
            nonlocal total
            for _ in range(n):
                total += await q.get()

        t0 = time.perf_counter_ns()
        await asyncio.gather(producer(), consumer())
        best = min(best, (time.perf_counter_ns() - t0) / n)
        assert total == n * (n + 1) // 2
    return best


GROUP_CHILDREN = 100


async def group(n, rounds):
    """n children in TaskGroups of 100, each spawned and joined: ns per child."""

    async def child():
        return None

    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(n // GROUP_CHILDREN):
            async with asyncio.TaskGroup() as tg:
                for _ in range(GROUP_CHILDREN):
                    tg.create_task(child())
        best = min(best, (time.perf_counter_ns() - t0) / (n // GROUP_CHILDREN * GROUP_CHILDREN))
    return best


def main():
    what = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    work = {
        "switch-yield": lambda: switch_yield(n),
        "switch-event": lambda: switch_event(n),
        "gen": lambda: gen(n),
        "spawn": lambda: spawn(n, rounds),
        "memory": lambda: memory(n),
        "timers": lambda: timers(n, rounds),
        "lock": lambda: contend(asyncio.Lock(), n, rounds),
        "sem": lambda: contend(asyncio.Semaphore(1), n, rounds),
        "queue": lambda: queue(n, rounds),
        "group": lambda: group(n, rounds),
    }[what]
    print(f"{asyncio.run(work()):.1f}")


if __name__ == "__main__":
    main()
