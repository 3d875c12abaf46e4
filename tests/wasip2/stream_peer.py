#!/usr/bin/python3
# stream_peer.py [PORT]: the hostile and faulty peers of tests/wasip2/p2_streams.c
# (run on WASI 0.2 under jco and on Node), on 127.0.0.1. Prints the port,
# then serves until killed. A client's first line picks the behaviour:
#   reset     send b"partial", then reset the connection (RST, SO_LINGER 0)
#   halfclose send b"bye\n" and end our side, then count what the client
#             still sends until its EOF; the count is kept for "stats"
#   noeol     send x's without a newline until the client goes (a line that
#             never ends)
#   sink N    read nothing for N ms, then read everything until EOF and
#             answer "got <bytes>\n" (a slow reader)
#   silent    connect and never send (read until EOF)
#   stats     answer "open <connections besides this one> halfclose <count>\n"
#             (a cancelled or closed client must leave no connection open)
import asyncio
import socket
import struct
import sys

open_conns = 0
last_halfclose = -1


async def handle(reader, writer):
    global open_conns, last_halfclose
    open_conns += 1
    try:
        mode = (await reader.readline()).decode().split()
        if not mode:
            return
        if mode[0] == "reset":
            writer.write(b"partial")
            await writer.drain()
            await asyncio.sleep(0.05)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        elif mode[0] == "halfclose":
            writer.write(b"bye\n")
            await writer.drain()
            writer.write_eof()
            last_halfclose = len(await reader.read())
        elif mode[0] == "noeol":
            chunk = b"x" * 65536
            while not reader.at_eof() and not writer.is_closing():
                writer.write(chunk)
                await writer.drain()
        elif mode[0] == "sink":
            await asyncio.sleep(int(mode[1]) / 1000)
            total = 0
            while data := await reader.read(1 << 20):
                total += len(data)
            writer.write(f"got {total}\n".encode())
            await writer.drain()
        elif mode[0] == "silent":
            await reader.read()
        elif mode[0] == "stats":
            writer.write(f"open {open_conns - 1} halfclose {last_halfclose}\n".encode())
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        open_conns -= 1
        writer.close()


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # A small receive buffer (inherited by accepted sockets) keeps what the
    # OS takes for a reader that does not read small, so drain must wait.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.bind(("127.0.0.1", port))
    server = await asyncio.start_server(handle, sock=sock)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
