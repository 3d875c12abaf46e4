#!/usr/bin/python3
# stream_echo_peer.py rt|bulk N SECS: the asyncio streams peer of
# stream_echo.c (same server, clients and output), for `make bench`.
import asyncio
import sys
import time

MSG = b"012345678901234567890123456789012345678901234567890123456789012\n"


async def main(mode, n, secs):
    bulk = mode == "bulk"
    count = 0

    async def handle(reader, writer):
        if bulk:
            while await reader.read(65536):
                pass
        else:
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(line)
                await writer.drain()
        writer.close()

    async def client(port, deadline):
        nonlocal count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        if bulk:
            chunk = bytes(65536)
            while time.monotonic() < deadline:
                writer.write(chunk)
                await writer.drain()
                count += len(chunk)
        else:
            while time.monotonic() < deadline:
                writer.write(MSG)
                await writer.drain()
                if len(await reader.readline()) != len(MSG):
                    break
                count += 1
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    t0 = time.monotonic()
    await asyncio.gather(*(client(port, t0 + secs) for _ in range(n)))
    el = time.monotonic() - t0
    print(round(count / el / 1e6) if bulk else round(count / el))
    server.close()


asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
