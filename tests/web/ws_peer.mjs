// ws_peer.mjs: the WebSocket peer of the web WebSocket tests (Node's `ws`,
// pinned in js/package.json), on 127.0.0.1. Paths:
//   /echo               echoes every message (text as text, binary as binary)
//   /abort              sends "x", then drops the TCP connection (no close frame)
//   /burst?n=N&ms=M     sends "0".."N-1", one every M ms (default 200, 2)
//   /big?n=N            sends 500 bytes of 'a', then N bytes of 'b'
//   /proto              selects "chat.v1" if offered
//   /headers            sends the request's X-Test header back as text
//   /silent             never reads (its socket is paused): the client's
//                       sends pile up in its own buffers
//   /noclose            reads, but never answers a close
//   /flood              32 MiB in 64 KiB binary messages, as fast as flow
//                       control allows (peer.flood: {sent, at400})
// peer.closes: [{path, code, reason}] of every close the peer received
// (also GET /closes as JSON, open to any origin, for a page);
// peer.pings: pings received; peer.silentUrl: a TCP server that accepts and
// never answers. startWsPeer() -> {port, url, silentUrl, closes, close()}.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { WebSocketServer } = createRequire(path.join(root, 'js/package.json'))('ws');

export function startWsPeer() {
  const closes = [], pings = [];
  const peer = { flood: null };
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/closes' ? 200 : 404,
                  { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
    res.end(req.url === '/closes' ? JSON.stringify(closes) : '{}');
  });
  const wss = new WebSocketServer({
    server, perMessageDeflate: false, maxPayload: 64 << 20,
    handleProtocols: (protocols) => (protocols.has('chat.v1') ? 'chat.v1' : false),
  });
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url, 'http://x');
    const where = url.pathname;
    ws.on('close', (code, reason) => closes.push({ path: where, code, reason: String(reason) }));
    ws.on('ping', (data) => pings.push(String(data)));
    ws.on('error', () => {});
    switch (where) {
      case '/echo':
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        break;
      case '/abort':
        ws.send('x', () => setTimeout(() => ws._socket.destroy(), 20));
        break;
      case '/burst': {
        const n = Number(url.searchParams.get('n') || 200), ms = Number(url.searchParams.get('ms') || 2);
        let i = 0;
        const t = setInterval(() => {
          if (ws.readyState !== 1) { clearInterval(t); return; }
          ws.send(String(i++));
          if (i === n) clearInterval(t);
        }, ms);
        break;
      }
      case '/big': {
        const n = Number(url.searchParams.get('n') || 2000);
        ws.send('a'.repeat(500));
        ws.send('b'.repeat(n));
        break;
      }
      case '/flood': {
        // 64 KiB binary messages, 32 MiB in all, as fast as the client's
        // flow control lets them go; peer.flood.at400: bytes sent within 400 ms.
        const total = 32 << 20, chunk = Buffer.alloc(64 << 10, 'f');
        const rec = (peer.flood = { sent: 0, at400: -1 });
        setTimeout(() => { rec.at400 = rec.sent; }, 400);
        const pump = () => {
          while (ws.readyState === 1 && rec.sent < total) {
            if (ws.bufferedAmount > (256 << 10)) { setTimeout(pump, 1); return; }
            ws.send(chunk);
            rec.sent += chunk.length;
          }
        };
        pump();
        break;
      }
      case '/proto':
        ws.send(ws.protocol || '(none)');
        break;
      case '/headers':
        ws.send(String(req.headers['x-test'] || '(none)'));
        break;
      case '/silent':
        ws._socket.pause();
        break;
      case '/noclose':
        // Answer nothing: the close frame arrives and is ignored, and the
        // TCP connection stays up.
        ws._receiver.removeAllListeners('conclude');
        break;
      default:
        ws.close(4004, 'no such path');
    }
  });
  // A TCP server that accepts and never says a word (handshake timeouts).
  const mute = new Set();
  const silent = net.createServer((c) => { mute.add(c); c.on('error', () => {}); c.on('close', () => mute.delete(c)); });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => silent.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      resolve({
        silentUrl: `ws://127.0.0.1:${silent.address().port}/`,
        port, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}`, closes, pings,
        get flood() { return peer.flood; },
        close: () => new Promise((r) => {
          for (const c of wss.clients) c.terminate();
          for (const c of mute) c.destroy();
          silent.close();
          wss.close(() => { server.closeAllConnections(); server.close(() => r()); });
        }),
      });
    }));
  });
}
