#!/usr/bin/python3
# peers.py: the independent peers of the WebSocket conformance suite
# (tests/native/test_ws_conformance.c), each case named after the RFC 6455
# rule it checks, over the Autobahn|Testsuite categories: framing, reserved
# bits and opcodes, ping/pong, fragmentation, UTF-8, close handling, limits.
#
#   peers.py client PORT      every case against our server on 127.0.0.1:PORT:
#                             python3-websockets (a strict client) and raw
#                             sockets for what no library would send; prints
#                             "ok|FAIL <rule> <case>" lines, exits 1 on a FAIL
#   peers.py echo-server      python3-websockets echo server; prints its port
#   peers.py tls-echo-server DIR  the same over TLS (DIR from tests/http/tls_certs.sh)
#   peers.py raw-server       a hostile server whose behaviour the request path
#                             picks (/masked, /huge, ...); prints its port
import asyncio
import base64
import hashlib
import os
import struct
import sys
import time

import websockets

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
results = []


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """One frame; length overrides the header's length field (lies)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


async def read_frame(r):
    """(opcode, payload) of the next frame from an unmasking-free server."""
    b = await r.readexactly(2)
    n = b[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", await r.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await r.readexactly(8))[0]
    if b[1] & 0x80:
        key = await r.readexactly(4)
        data = await r.readexactly(n)
        return b[0] & 0x0F, bytes(x ^ key[i % 4] for i, x in enumerate(data))
    return b[0] & 0x0F, await r.readexactly(n)


async def raw_open(port, path="/echo", extra=""):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    w.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
             f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
    head = await r.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return r, w


async def close_code_after(r):
    """Read until the server's close frame: its code (or None at EOF)."""
    while True:
        try:
            op, data = await read_frame(r)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        if op == 8:
            return struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005


async def case(rule, name, coro):
    try:
        await asyncio.wait_for(coro, 20)
        results.append(True)
        print(f"ok   {rule:8} {name} (our server)", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        results.append(False)
        print(f"FAIL {rule:8} {name} (our server): {type(e).__name__}: {e}", flush=True)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


# ------------------------------------------------- our server, strict client

async def strict_echo(port, sizes):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo", max_size=None) as ws:
        for n in sizes:
            t = "é" * (n // 2)
            await ws.send(t)
            expect(await ws.recv() == t, f"text of {n} bytes")
            b = os.urandom(n)
            await ws.send(b)
            expect(await ws.recv() == b, f"binary of {n} bytes")


async def strict_subprotocol(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo",
                                  subprotocols=["superchat", "chat"]) as ws:
        expect(ws.subprotocol == "chat", f"picked {ws.subprotocol}")


async def strict_fragments(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo") as ws:
        await ws.send(["frag", "ment", "é", "ed"])  # one message, four frames
        expect(await ws.recv() == "fragmentéed", "reassembled")
        await ws.send([b"\x01", b"\x02\x03"])
        expect(await ws.recv() == b"\x01\x02\x03", "binary reassembled")


async def strict_ping(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo") as ws:
        pong = await ws.ping(b"payload")
        await asyncio.wait_for(pong, 5)  # same payload, or it never resolves


async def strict_close_echo(port):
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/echo")
    await ws.close(4001, "done here")
    expect(ws.close_code == 4001, f"server answered {ws.close_code}")


async def strict_server_close(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo") as ws:
        await ws.send("close-me")
        try:
            await ws.recv()
            raise AssertionError("no close")
        except websockets.ConnectionClosedOK as e:
            expect(e.rcvd.code == 1000 and e.rcvd.reason == "bye", str(e))


async def strict_too_big(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo", max_size=None) as ws:
        await ws.send(b"x" * (1024 * 1024 + 1))
        try:
            await ws.recv()
            raise AssertionError("no close")
        except websockets.ConnectionClosedError as e:
            expect(e.rcvd and e.rcvd.code == 1009, str(e))


# ------------------------------------------------- our server, raw peer

async def raw_expect_close(port, frames, code):
    r, w = await raw_open(port)
    for f in frames:
        w.write(f)
    await w.drain()
    got = await close_code_after(r)
    w.close()
    expect(got == code, f"closed with {got}, want {code}")


async def raw_echo(port, frames, opcode, payload):
    r, w = await raw_open(port)
    w.write(b"".join(frames))
    await w.drain()
    while True:
        op, data = await read_frame(r)
        if op == 0xA:
            continue
        expect(op == opcode and data == payload, f"echo op {op} of {len(data)} bytes")
        break
    w.write(frame(8, struct.pack("!H", 1000)))
    await w.drain()
    expect(await close_code_after(r) == 1000, "close echoed")
    w.close()


async def raw_ping_between_fragments(port):
    r, w = await raw_open(port)
    w.write(frame(1, b"one ", fin=False) + frame(9, b"mid") + frame(0, b"two"))
    await w.drain()
    op, data = await read_frame(r)
    expect(op == 0xA and data == b"mid", "pong first, same payload")
    op, data = await read_frame(r)
    expect(op == 1 and data == b"one two", "message whole")
    w.close()


async def raw_huge(port):
    """A 1 GB message: the header alone must end it (10.4), nothing allocated."""
    r, w = await raw_open(port)
    w.write(frame(2, b"", length=1 << 30))
    w.write(os.urandom(64 * 1024))
    await w.drain()
    expect(await close_code_after(r) == 1009, "1009")
    w.close()


async def raw_many_fragments(port):
    n = 100_000
    r, w = await raw_open(port)
    parts = [frame(1, b"a", fin=False)] + [frame(0, b"a", fin=False)] * (n - 2) + \
        [frame(0, b"a")]
    w.write(b"".join(parts))
    await w.drain()
    op, data = await read_frame(r)
    expect(op == 1 and data == b"a" * n, f"{len(data)} bytes")
    w.close()


async def raw_ping_flood(port):
    n = 20_000
    r, w = await raw_open(port)
    w.write(frame(9, b"p") * n + frame(1, b"after the flood"))
    await w.drain()
    pongs = 0
    while True:
        op, data = await read_frame(r)
        if op == 0xA:
            pongs += 1
            continue
        expect(op == 1 and data == b"after the flood", "message after the pings")
        break
    expect(pongs >= 1, "pongs")
    w.close()


async def raw_never_answers_close(port):
    """The server closes, we never answer: it must drop us after its
    close timeout (the test server's is 500 ms)."""
    r, w = await raw_open(port)
    w.write(frame(1, b"close-me"))
    await w.drain()
    op, _ = await read_frame(r)
    expect(op == 8, "close frame")
    t0 = time.monotonic()
    eof = await r.read(1)
    dt = time.monotonic() - t0
    expect(eof == b"" and dt < 5, f"dropped after {dt:.2f}s")
    w.close()


async def raw_slowloris(port):
    """A handshake trickled a byte at a time: the HTTP server's head timeout
    (1 s in the test server) ends it."""
    r, w = await asyncio.open_connection("127.0.0.1", port)
    req = b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Slow: " + b"a" * 100
    t0 = time.monotonic()
    for b in req:
        try:
            w.write(bytes([b]))
            await w.drain()
        except ConnectionError:
            break
        if r.at_eof() or time.monotonic() - t0 > 6:
            break
        try:
            data = await asyncio.wait_for(r.read(100), 0.1)
            if data.startswith(b"HTTP/1.1 408") or data == b"":
                break
        except asyncio.TimeoutError:
            pass
    dt = time.monotonic() - t0
    expect(dt < 5, f"still open after {dt:.1f}s")
    w.close()


async def raw_bad_request(port, extra, status):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\n{extra}\r\n".encode())
    head = await r.readuntil(b"\r\n\r\n")
    expect(head.startswith(f"HTTP/1.1 {status}".encode()), head[:40])
    if status == 426:
        expect(b"sec-websocket-version: 13" in head.lower(), "version header")
    w.close()


async def run_client(port):
    # Handshake (4.x)
    await case("4.2.2", "handshake and Sec-WebSocket-Accept (python3-websockets)",
               strict_echo(port, [5]))
    await case("4.2.2", "subprotocol: the server's first choice the client offered",
               strict_subprotocol(port))
    await case("4.2.1", "no Sec-WebSocket-Key: 400",
               raw_bad_request(port, "Sec-WebSocket-Version: 13\r\n", 400))
    await case("4.4", "version 8: 426 naming version 13",
               raw_bad_request(port, "Sec-WebSocket-Version: 8\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426))
    await case("4.1", "slowloris handshake ends at the head timeout", raw_slowloris(port))
    # Framing (5.2, 5.6): 7-, 16- and 64-bit lengths
    await case("5.2", "echo at 0, 125, 126, 65535, 65536, 1 MiB - 2 bytes",
               strict_echo(port, [0, 125, 126, 65535, 65536, 1024 * 1024 - 2]))
    await case("5.1", "an unmasked client frame: 1002",
               raw_expect_close(port, [frame(1, b"hi", mask=False)], 1002))
    await case("5.2", "RSV1 without an extension: 1002",
               raw_expect_close(port, [frame(1, b"hi", rsv=4)], 1002))
    await case("5.2", "RSV3 on a ping: 1002",
               raw_expect_close(port, [frame(9, b"", rsv=1)], 1002))
    await case("5.2", "reserved data opcode 3: 1002",
               raw_expect_close(port, [frame(3, b"x")], 1002))
    await case("5.2", "reserved control opcode 0xB: 1002",
               raw_expect_close(port, [frame(0xB, b"")], 1002))
    await case("5.2", "64-bit length with the top bit set: 1002",
               raw_expect_close(port, [bytes([0x82, 0xFF]) + b"\x80" + b"\0" * 7 +
                                       b"\0" * 4], 1002))
    # Ping/pong (5.5.2, 5.5.3)
    await case("5.5.2", "ping answered by a pong with its payload", strict_ping(port))
    await case("5.5", "ping with 126 bytes: 1002",
               raw_expect_close(port, [frame(9, b"x" * 126)], 1002))
    await case("5.5.3", "an unsolicited pong is ignored",
               raw_echo(port, [frame(0xA, b"u"), frame(1, b"still here")], 1, b"still here"))
    await case("5.5.2", "20,000 pings in a tight loop, then a message",
               raw_ping_flood(port))
    # Fragmentation (5.4)
    await case("5.4", "a fragmented message echoed whole (python3-websockets)",
               strict_fragments(port))
    await case("5.4", "ping between fragments: pong first, message whole",
               raw_ping_between_fragments(port))
    await case("5.4", "continuation with no message started: 1002",
               raw_expect_close(port, [frame(0, b"x")], 1002))
    await case("5.4", "a text frame inside a fragmented message: 1002",
               raw_expect_close(port, [frame(1, b"a", fin=False), frame(1, b"b")], 1002))
    await case("5.5", "a fragmented ping: 1002",
               raw_expect_close(port, [frame(9, b"a", fin=False)], 1002))
    await case("5.4", "100,000 one-byte fragments", raw_many_fragments(port))
    await case("5.4", "empty fragments around the data",
               raw_echo(port, [frame(1, b"", fin=False), frame(0, b"x", fin=False),
                               frame(0, b"")], 1, b"x"))
    # UTF-8 (8.1)
    await case("8.1", "invalid UTF-8: 1007",
               raw_expect_close(port, [frame(1, b"\xce\xba\xe1\xbd\xb9\xed\xa0\x80")], 1007))
    await case("8.1", "a character split across fragments is valid",
               raw_echo(port, [frame(1, b"\xce", fin=False), frame(0, b"\xba")], 1,
                        "κ".encode()))
    await case("8.1", "invalid UTF-8 in the first fragment fails before the end: 1007",
               raw_expect_close(port, [frame(1, b"ok\xff", fin=False)], 1007))
    await case("8.1", "text that ends inside a character: 1007",
               raw_expect_close(port, [frame(1, b"\xe2\x82", fin=False), frame(0, b"")], 1007))
    await case("8.1", "overlong and surrogate encodings: 1007",
               raw_expect_close(port, [frame(1, b"\xc0\xaf")], 1007))
    await case("8.1", "U+10FFFF passes",
               raw_echo(port, [frame(1, b"\xf4\x8f\xbf\xbf")], 1, b"\xf4\x8f\xbf\xbf"))
    await case("8.1", "past U+10FFFF: 1007",
               raw_expect_close(port, [frame(1, b"\xf4\x90\x80\x80")], 1007))
    await case("8.1", "a UTF-16 surrogate: 1007",
               raw_expect_close(port, [frame(1, b"\xed\xa0\x80")], 1007))
    # Close handling (5.5.1, 7.x)
    await case("7.4.1", "the server echoes the client's close code", strict_close_echo(port))
    await case("7.1.2", "server-initiated close with code and reason",
               strict_server_close(port))
    await case("5.5.1", "a one-byte close payload: 1002",
               raw_expect_close(port, [frame(8, b"\x03")], 1002))
    for code in (999, 1004, 1005, 1006, 1016, 2000, 5000):
        await case("7.4.1", f"close code {code} is invalid: 1002",
                   raw_expect_close(port, [frame(8, struct.pack("!H", code))], 1002))
    await case("7.4.2", "close code 3000 (registered range) is echoed",
               raw_expect_close(port, [frame(8, struct.pack("!H", 3000))], 3000))
    await case("5.5.1", "an empty close is answered",
               raw_expect_close(port, [frame(8, b"")], 1005))
    await case("8.1", "a close reason that is not UTF-8: 1007",
               raw_expect_close(port, [frame(8, struct.pack("!H", 1000) + b"\xff")], 1007))
    await case("7.1.1", "a peer that never answers the close is dropped (timeout)",
               raw_never_answers_close(port))
    # Limits (10.4)
    await case("10.4", "a message over max_message: 1009 (python3-websockets)",
               strict_too_big(port))
    await case("10.4", "a 1 GB message header: 1009 at once, nothing allocated",
               raw_huge(port))
    return all(results)


# ------------------------------------------------- servers for our client

async def echo_handler(ws, path=None):
    try:
        async for m in ws:
            if m == "close-me":
                await ws.close(4000, "as asked")
                return
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass


async def echo_server():
    async with websockets.serve(echo_handler, "127.0.0.1", 0, max_size=None,
                                subprotocols=["chat"]) as srv:
        print(srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


async def tls_echo_server(cert_dir):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{cert_dir}/server.pem", f"{cert_dir}/server.key")
    async with websockets.serve(echo_handler, "127.0.0.1", 0, ssl=ctx) as srv:
        print(srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


async def raw_conn(r, w):
    head = await r.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    path = lines[0].split()[1]
    key = next(l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-key"))
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    if path == "/silent":  # never answers the handshake
        await asyncio.sleep(30)
        w.close()
        return
    if path == "/404":
        w.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        await w.drain()
        w.close()
        return
    if path == "/badaccept":
        accept = base64.b64encode(b"x" * 20).decode()
    w.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode())
    s = lambda op, p=b"", **k: frame(op, p, mask=False, **k)  # noqa: E731
    if path == "/masked":
        w.write(frame(1, b"masked"))
    elif path == "/rsv":
        w.write(s(1, b"x", rsv=2))
    elif path == "/badutf8":
        w.write(s(1, b"ok", fin=False) + s(0, b"\xed\xa0\x80"))
    elif path == "/huge":
        w.write(bytes([0x82, 0x7F]) + struct.pack("!Q", 1 << 30) + b"\0" * 65536)
    elif path == "/fragments":
        n = 100_000
        w.write(b"".join([s(1, b"a", fin=False)] + [s(0, b"a", fin=False)] * (n - 2) +
                         [s(0, b"a")]))
    elif path == "/pings":
        w.write(s(9, b"p") * 20_000 + s(1, b"done"))
    elif path == "/drop":
        w.write(s(1, b"last words"))
        await w.drain()
        w.close()
        return
    elif path == "/slow":
        # One message in pieces: a receive that times out in between must
        # lose nothing.
        msg = b"slow but whole"
        w.write(s(1, msg)[:6])
        await w.drain()
        await asyncio.sleep(0.4)
        w.write(s(1, msg)[6:])
    elif path == "/noclose":
        pass  # read everything, answer nothing
    await w.drain()
    try:
        while await r.read(65536):
            pass
    except ConnectionError:
        pass
    w.close()


async def raw_server():
    srv = await asyncio.start_server(raw_conn, "127.0.0.1", 0)
    print(srv.sockets[0].getsockname()[1], flush=True)
    async with srv:
        await srv.serve_forever()


def main():
    mode = sys.argv[1]
    if mode == "client":
        ok = asyncio.run(run_client(int(sys.argv[2])))
        print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
        sys.exit(0 if ok else 1)
    elif mode == "echo-server":
        asyncio.run(echo_server())
    elif mode == "tls-echo-server":
        asyncio.run(tls_echo_server(sys.argv[2]))
    elif mode == "raw-server":
        asyncio.run(raw_server())


if __name__ == "__main__":
    main()
