#!/usr/bin/env python3
"""tls_server.py CERT KEY [CLIENT_CA [tls1.2]]: an HTTPS peer for the wa_fetch
TLS tests.

Listens on 127.0.0.1 (any port), prints the port on stdout's first line, and
answers every GET with "hello tls" and, when the client showed a certificate,
", <its common name>". With CLIENT_CA it requires a client certificate
signed by that CA; "tls1.2" caps the version, so a missing client
certificate fails inside the handshake (TLS 1.3 refuses it after). Handshakes
run in the connection's thread, so a client that fails one never stalls the
others.
"""
import ssl
import sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        body = b"hello tls"
        peer = self.request.getpeercert()
        if peer:
            cn = dict(x[0] for x in peer["subject"]).get("commonName", "")
            body += b", " + cn.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class S(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # refused handshakes are what the tests are about


def main():
    cert, key = sys.argv[1], sys.argv[2]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if len(sys.argv) > 3:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=sys.argv[3])
    if len(sys.argv) > 4 and sys.argv[4] == "tls1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    srv = S(("127.0.0.1", 0), H)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
