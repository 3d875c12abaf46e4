"""http_client_peer.py: the tutorial's fetch_all with aiohttp, as the client
benchmark's peer: N GETs of URL, gathered, at most CONC connections at once.
Prints requests per second. Usage: http_client_peer.py URL N CONC"""
import asyncio, sys, time
import aiohttp


async def fetch(session, url):
    async with session.get(url) as response:
        return await response.text()


async def fetch_all(urls, conc):
    connector = aiohttp.TCPConnector(limit=conc)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [fetch(session, url) for url in urls]
        return await asyncio.gather(*tasks)


def main():
    url, n, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    t0 = time.perf_counter()
    asyncio.run(fetch_all([url] * n, conc))
    print("%.0f" % (n / (time.perf_counter() - t0)))


main()
