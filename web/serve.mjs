// serve.mjs: the demo's static server on 127.0.0.1 (`make serve`), also used
// by the web tests and benchmark. Besides files under --root it answers test
// URLs:
//   /api/item/N?delay=MS   JSON {"id":N,"delay":MS} after MS ms (max 10 s)
//   /api/status/CODE       an empty response with that status
//   /api/bytes?n=N         N bytes of 'x', sent in 64 KiB chunks
//   /api/stats             {"served":..,"aborted":..}: aborted counts
//                          requests whose client went away before the reply
// Anything else that is not a file is a 404. headScript (tests only) is put
// at the top of every HTML page's <head>, so it runs before the page's code.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export function startServer({ root, port = 0, host = '127.0.0.1', quiet = true, headScript = null } = {}) {
  const stats = { served: 0, aborted: 0 };
  const rootAbs = path.resolve(root || '.');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    res.setHeader('Cache-Control', 'no-store');
    let replied = false;
    res.on('finish', () => { replied = true; });
    req.on('close', () => { if (!replied && !res.writableFinished) stats.aborted++; });
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
      stats.served++;
    };
    let m;
    if ((m = url.pathname.match(/^\/api\/item\/(\d+)$/))) {
      const delay = Math.min(Math.max(parseInt(url.searchParams.get('delay') || '0', 10) || 0, 0), 10000);
      const t = setTimeout(() => {
        res.setHeader('X-Item', m[1]);
        send(200, 'application/json', JSON.stringify({ id: Number(m[1]), delay }));
      }, delay);
      req.on('close', () => { if (!res.writableFinished) clearTimeout(t); });
      return;
    }
    if ((m = url.pathname.match(/^\/api\/status\/(\d{3})$/))) {
      send(Number(m[1]), 'text/plain', `status ${m[1]}\n`);
      return;
    }
    if (url.pathname === '/api/bytes') {
      let left = Math.min(parseInt(url.searchParams.get('n') || '0', 10) || 0, 64 << 20);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(left) });
      const chunk = Buffer.alloc(65536, 'x');
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) { res.once('drain', pump); return; }
        }
        res.end();
        stats.served++;
      };
      pump();
      return;
    }
    if (url.pathname === '/api/stats') {
      send(200, 'application/json', JSON.stringify(stats));
      return;
    }
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(rootAbs, '.' + rel);
    if (!file.startsWith(rootAbs + path.sep) && file !== rootAbs) { send(404, 'text/plain', 'not found\n'); return; }
    fs.readFile(file, (err, data) => {
      if (err) { send(404, 'text/plain', 'not found\n'); return; }
      if (headScript && path.extname(file) === '.html')
        data = String(data).replace('<head>', `<head><script>${headScript}</script>`);
      send(200, TYPES[path.extname(file)] || 'application/octet-stream', data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const base = `http://${host}:${addr.port}`;
      if (!quiet) console.log(`wasyncio demo: ${base}/  (Ctrl-C stops)`);
      resolve({ server, base, stats, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : def;
  };
  startServer({ root: arg('--root', 'build/web'), port: Number(arg('--port', '8000')), quiet: false })
    .catch((e) => { console.error(`serve: ${e.message}`); process.exit(1); });
}
