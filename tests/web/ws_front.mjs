// ws_front.mjs: a front server on 127.0.0.1 for the browser's WebSocket twin
// test, as nginx stands in front of an aiohttp app: files of build/web under
// /test/, /examples/ and /wasyncio.mjs, everything else (HTTP requests and WebSocket
// upgrades, byte for byte) passed to the app at backendPort. The page and its
// sockets then share one origin, the usual deployment, which is also what
// lets a page read the status of a refused handshake (js/wasyncio_ws.js).
//   startFront({root, backendPort, headScript}) -> {base, ws, close()}
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
                '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };

export function startFront({ root, backendPort, headScript = null }) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (/^\/(test|examples)\//.test(url.pathname) || url.pathname === '/wasyncio.mjs') {
      const file = path.resolve(root, '.' + decodeURIComponent(url.pathname));
      if (!file.startsWith(path.resolve(root) + path.sep)) { res.writeHead(404); res.end(); return; }
      fs.readFile(file, (err, data) => {
        if (err) {
          // A page to stand on: the test's origin (with the error collector).
          res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' });
          res.end(`<!doctype html><html><head>${headScript ? `<script>${headScript}</script>` : ''}` +
                  '</head><body>ws test</body></html>');
          return;
        }
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
                             'Cache-Control': 'no-store' });
        res.end(data);
      });
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: backendPort, method: req.method,
                              path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  // An upgrade goes through as bytes: the request head as it came, then both ways.
  server.on('upgrade', (req, sock, head) => {
    const up = net.connect(backendPort, '127.0.0.1', () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(raw + '\r\n');
      if (head.length) up.write(head);
      sock.pipe(up);
      // A refused upgrade (no 101) ends its connection, as nginx does:
      // WebKit would otherwise send its next requests down this pipe.
      up.once('data', (first) => {
        let s = first.toString('latin1');
        const end = s.indexOf('\r\n\r\n');
        if (!s.startsWith('HTTP/1.1 101') && end > 0) {
          const head = s.slice(0, end).split('\r\n').filter((l) => !/^connection:/i.test(l));
          s = head.concat('Connection: close').join('\r\n') + s.slice(end);
          first = Buffer.from(s, 'latin1');
          up.on('end', () => sock.end());
          setTimeout(() => { sock.end(); up.destroy(); }, 200);
        }
        sock.write(first);
        up.pipe(sock);
      });
    });
    for (const s of [sock, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { sock.destroy(); up.destroy(); });
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      resolve({
        base: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`,
        close: () => new Promise((r) => {
          for (const s of sockets) s.destroy();
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
