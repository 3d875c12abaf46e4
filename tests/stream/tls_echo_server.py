#!/usr/bin/env python3
"""tls_echo_server.py CERT KEY: a TLS echo peer for the stream tests.

Listens on 127.0.0.1 (any port) and prints the port on stdout's first line.
Each connection, in a thread of its own: the handshake, then every byte is
sent back as it arrives; when the client closes its side the server sends
its close_notify and closes.
"""
import socket
import ssl
import sys
import threading


def serve(conn):
    try:
        conn.do_handshake()
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
        conn = conn.unwrap()  # close_notify
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    while True:
        c, _ = srv.accept()
        s = ctx.wrap_socket(c, server_side=True, do_handshake_on_connect=False)
        threading.Thread(target=serve, args=(s,), daemon=True).start()


main()
