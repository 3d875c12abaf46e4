#!/usr/bin/env python3
"""hostile_server.py: a raw-socket HTTP peer that answers with scripted bytes,
for the wa_fetch tests of malformed, oversized and contradictory responses.

Listens on 127.0.0.1 (port from argv, 0 = any) and prints the port on
stdout's first line. Each connection reads one request head; its path picks
the script in SCRIPTS, whose bytes are sent as they are; then the connection
closes. /silent reads the request and never answers (until the client goes);
/continue_flood answers "100 Continue" over and over.
An unknown path gets a 404.
"""
import socket
import sys
import threading

OK = b"HTTP/1.1 200 OK\r\n"
CHUNKED = OK + b"Transfer-Encoding: chunked\r\n\r\n"


SCRIPTS = {
    # chunked bodies: a good one, then three broken ones
    "/chunk_ok": CHUNKED + b"5\r\nhello\r\n0\r\n\r\n",
    "/chunk_bad_hex": CHUNKED + b"zz\r\nhello\r\n0\r\n\r\n",
    "/chunk_overflow": CHUNKED + b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
    "/chunk_no_crlf": CHUNKED + b"5\r\nhelloXX5\r\nhello\r\n0\r\n\r\n",
    # heads over the limits
    "/header_flood": OK + b"".join(b"X-Flood-%d: v\r\n" % i for i in range(10000))
    + b"Content-Length: 2\r\n\r\nok",
    "/header_100k": OK + b"X-Big: " + b"a" * 100000 + b"\r\nContent-Length: 2\r\n\r\nok",
    "/header_200k": OK + b"X-Big: " + b"a" * 200000 + b"\r\nContent-Length: 2\r\n\r\nok",
    "/headers_many_fine": OK + b"".join(b"X-Fine-%d: v\r\n" % i for i in range(90))
    + b"Content-Length: 2\r\n\r\nok",
    # Content-Length that contradicts itself, and the same value repeated
    "/cl_conflict": OK + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "/cl_list_conflict": OK + b"Content-Length: 5, 6\r\n\r\nhello!",
    "/cl_same": OK + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "/cl_list_same": OK + b"Content-Length: 5, 5\r\n\r\nhello",
    "/cl_bad": OK + b"Content-Length: 5x\r\n\r\nhello",
    # every hop of a redirect loop closes its connection
    "/redirect_loop": b"HTTP/1.1 302 Found\r\nLocation: /redirect_loop\r\n"
    b"Content-Length: 0\r\nConnection: close\r\n\r\n",
}

# Interim responses that never end (up to 4 MB, or until the client goes).
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"



def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        part = conn.recv(4096)
        if not part:
            return None
        data += part
    return data


def serve(conn):
    try:
        head = read_head(conn)
        if head is None:
            return
        parts = head.split(b" ", 2)
        path = parts[1].decode("latin-1") if len(parts) > 1 else "/"
        path = path.split("?", 1)[0]
        if path == "/continue_flood":
            for _ in range((4 << 20) // (len(CONTINUE) * 64)):
                conn.sendall(CONTINUE * 64)
            return
        if path == "/silent":
            while conn.recv(4096):
                pass
            return
        reply = SCRIPTS.get(path)
        if reply is None:
            reply = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        conn.sendall(reply)
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(2)
        while conn.recv(4096):  # let the client close first: no reset
            pass
    except OSError:
        pass
    finally:
        conn.close()


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
