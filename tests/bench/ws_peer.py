#!/usr/bin/python3
# ws_peer.py: the Python peers of the WebSocket rows of `make bench`:
#   ws_peer.py aiohttp-server PORT        aiohttp's WebSocket echo server
#   ws_peer.py websockets-server PORT     python3-websockets' echo server
#   ws_peer.py websockets-client URL CONNS MESSAGES SIZE
#                                         the load of ws_client.c, printed alike
import asyncio
import sys
import time


async def aiohttp_server(port):
    from aiohttp import web, WSMsgType

    async def echo(request):
        ws = web.WebSocketResponse(max_msg_size=2 << 20)
        await ws.prepare(request)
        async for m in ws:
            if m.type == WSMsgType.TEXT:
                await ws.send_str(m.data)
            elif m.type == WSMsgType.BINARY:
                await ws.send_bytes(m.data)
        return ws

    app = web.Application()
    app.router.add_get("/", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Future()


async def websockets_server(port):
    import websockets

    async def echo(ws, path=None):
        async for m in ws:
            await ws.send(m)

    async with websockets.serve(echo, "127.0.0.1", port, max_size=2 << 20):
        await asyncio.Future()


async def websockets_client(url, conns, messages, size):
    import websockets
    payload = "x" * size

    async def one():
        async with websockets.connect(url, max_size=2 << 20) as ws:
            for _ in range(messages):
                await ws.send(payload)
                await ws.recv()

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(conns)))
    print(round(conns * messages / (time.perf_counter() - t0)))


mode = sys.argv[1]
if mode == "aiohttp-server":
    asyncio.run(aiohttp_server(int(sys.argv[2])))
elif mode == "websockets-server":
    asyncio.run(websockets_server(int(sys.argv[2])))
else:
    asyncio.run(websockets_client(sys.argv[2], *map(int, sys.argv[3:6])))
