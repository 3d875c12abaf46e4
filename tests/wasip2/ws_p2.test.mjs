// ws_p2.test.mjs: the WebSocket client of a WASI 0.2 command (the RFC 6455
// engine over wasi:sockets) under `jco run`: the cases of
// tests/web/ws_cases.mjs, each call one run of ws_api.wasm (tests/web/ws_api.c
// built as a command: `ws_api CASE URL` prints the coroutine's JSON), against
// the ws peer (tests/web/ws_peer.mjs) on 127.0.0.1.
//   node tests/wasip2/ws_p2.test.mjs build/wasip2/tests/ws_api.wasm [jco]
// Prints ok/FAIL lines and "wasip2-ws: N passed, M failed".
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWsPeer } from '../web/ws_peer.mjs';
import { runWsCases } from '../web/ws_cases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const wasm = process.argv[2] || path.join(root, 'build/wasip2/tests/ws_api.wasm');
const jco = process.argv[3] || path.join(root, 'js/node_modules/.bin/jco');

// The error codes by name, from the one list (src/wasyncio/errors.h).
const errors = {}, names = {};
for (const [, n, c] of fs.readFileSync(path.join(root, 'src/wasyncio/errors.h'), 'utf8')
       .matchAll(/X\((\w+), (-?\d+),/g)) {
  errors[n] = Number(c);
  names[c] = 'WA_' + n;
}
const m = {
  waErrors: errors,
  waErrorName: (c) => names[c] || null,
  waCall: (name, url) => new Promise((resolve) => {
    execFile(jco, ['run', wasm, name, url], { timeout: 60000 }, (err, stdout, stderr) => {
      try { resolve(JSON.parse(stdout.trim().split('\n').pop())); }
      catch { resolve({ run: 'no JSON', err: String(err), stdout, stderr: stderr.slice(0, 400) }); }
    });
  }),
};
const closedUrl = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(`ws://127.0.0.1:${port}/closed`));
  });
});
const peer = await startWsPeer();
let passed = 0, failed = 0;
try {
  const results = await runWsCases(m, { peer: peer.url, closedUrl, env: 'wasip2',
                                        closes: async () => peer.closes,
                                        flood: () => peer.flood, silentUrl: peer.silentUrl });
  // No TLS in the WASI 0.2 streams: wss:// is refused at once, by name.
  const r = await m.waCall('tls_connect', peer.url.replace('ws:', 'wss:') + '/#');
  results.push({ name: 'wss:// is WA_ENOTSUP (no TLS over wasi:sockets)', ok: r.name === 'WA_ENOTSUP',
                 detail: JSON.stringify(r) });
  for (const r of results) {
    if (r.ok) passed++; else failed++;
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ws (wasip2): ${r.name}${r.ok ? '' : ' ' + r.detail}`);
  }
} finally {
  await peer.close();
}
console.log(`wasip2-ws: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
