#!/usr/bin/env python3
"""helper_server.py: a small threaded HTTP peer for the wa_fetch tests.

Listens on 127.0.0.1 (port from argv, 0 = any), prints the port on stdout's
first line, and serves:
  /hello            "hello" with an X-Test header
  /delay?ms=N       "slept N" after N milliseconds
  /big?n=N          N bytes ('a'..'z' repeating) with Content-Length
  /chunked?n=N      the same without Content-Length (chunked)
  /redirect         302 to /hello
  /redirect_ftp     302 to an ftp:// URL
  /redirect_loop    302 to itself
  /status?code=N    an empty body with status N
  /echo             method, X-Echo header and request body echoed back
  /garbage          bytes that are not HTTP, then close
  /hang             never answers
"""
import sys, time, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

PATTERN = bytes(range(ord('a'), ord('z') + 1))


def pattern(n):
    return (PATTERN * (n // len(PATTERN) + 1))[:n]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_body(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if u.path == "/hello":
            self.send_body(200, b"hello", [("X-Test", "yes"), ("Content-Type", "text/plain")])
        elif u.path == "/delay":
            ms = int(q.get("ms", "100"))
            time.sleep(ms / 1000)
            self.send_body(200, b"slept %d" % ms)
        elif u.path == "/big":
            self.send_body(200, pattern(int(q.get("n", "1000"))))
        elif u.path == "/chunked":
            n = int(q.get("n", "1000"))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = pattern(n)
            for i in range(0, n, 8192):
                part = data[i:i + 8192]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif u.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/hello")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif u.path == "/redirect_loop":
            self.send_response(302)
            self.send_header("Location", "/redirect_loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif u.path == "/redirect_ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/file")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif u.path == "/status":
            self.send_body(int(q.get("code", "200")), b"")
        elif u.path == "/echo":
            out = b"%s %s %s" % (self.command.encode(), (self.headers.get("X-Echo") or "").encode(), body)
            self.send_body(200, out)
        elif u.path == "/garbage":
            self.wfile.write(b"this is not http at all\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif u.path == "/hang":
            time.sleep(3600)
        else:
            self.send_body(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()


class S(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = S(("127.0.0.1", port), H)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
