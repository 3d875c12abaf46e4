// ws_web_bench.mjs: the WebSocket client's echo figures on the Emscripten
// host (called by bench_web.sh), each beside a plain JS client doing the same
// round trips in the same process against the same echo server (Node's ws,
// tests/web/ws_peer.mjs, 127.0.0.1):
//   Node:     ws_api.cjs's echo_bench (C, bound to the ws package) vs a JS
//             ws client awaiting each echo;
//   Chromium: ws_api.mjs's echo_bench in a page vs the page's own WebSocket
//             awaiting each echo.
// Small messages: 16-byte text, messages per second; large: 1 MiB text, MB/s.
// Bounded: a fixed count per run; one warm-up run each, then the best of 3.
// Prints markdown rows | name | value | unit | peer | ratio |.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../web/serve.mjs';
import { startWsPeer } from '../web/ws_peer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const web = path.join(root, 'build/web');
const req = createRequire(path.join(root, 'js/package.json'));
const WebSocket = req('ws');

const SMALL = { n: 3000, size: 16 }, BIG = { n: 20, size: 1 << 20 };
const fmt = (v) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const row = (name, v, unit, peer, pv) =>
  console.log(`| ${name} | ${fmt(v)} | ${unit} | ${peer} ${fmt(pv)} | ${(v / pv).toFixed(2)}x |`);
const rate = (c, ms) => (c.size > 1024 ? (c.n * c.size) / (1 << 20) / (ms / 1000) : c.n / (ms / 1000));
const best = async (f) => { let b = Infinity; for (let i = 0; i < 3; i++) b = Math.min(b, await f()); return b; };

// The plain JS client: send, await the echo, n times (ms). Runs in Node (ws)
// or in a page (its WebSocket): the same source, given the constructor.
const jsEcho = async ({ url, n, size }, WS) => {
  const ws = new WS(url);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  const msg = 'm'.repeat(size);
  let resolve;
  ws.onmessage = () => resolve();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const got = new Promise((r) => { resolve = r; });
    ws.send(msg);
    await got;
  }
  const ms = performance.now() - t0;
  ws.close();
  return ms;
};

const peer = await startWsPeer();
const echo = peer.url + '/echo';
try {
  // Node
  const create = createRequire(import.meta.url)(path.join(web, 'test/node/ws_api.cjs'));
  const m = await create({ print: () => {}, printErr: (s) => console.error(s) });
  for (const [label, c] of [['16 B', SMALL], ['1 MiB', BIG]]) {
    const oursOnce = async () => {
      const r = await m.waCall('echo_bench', `${echo}#${c.n},${c.size}`);
      if (r.rc !== 0 || r.n !== c.n) throw new Error('echo_bench (node): ' + JSON.stringify(r));
      return r.ms;
    };
    const jsOnce = () => jsEcho({ url: echo, ...c }, WebSocket);
    await oursOnce(); // warm-up: both sides' code (and the shared ws library) JIT-compiled
    await jsOnce();
    const ours = await best(oursOnce);
    const js = await best(jsOnce);
    row(`ws echo ${label} text, Node (ws package)`, rate(c, ours), c.size > 1024 ? 'MB/s' : '/s',
        'JS ws client', rate(c, js));
  }

  // Chromium
  const { chromium } = req('playwright-core');
  const srv = await startServer({ root: web });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(srv.base + '/test/');
    for (const [label, c] of [['16 B', SMALL], ['1 MiB', BIG]]) {
      const r = await page.evaluate(async ({ echo, c, jsEchoSrc }) => {
        const jsEcho = eval(jsEchoSrc);
        const { loadWasyncio } = await import('/wasyncio.mjs');
        const m = await loadWasyncio('/test/ws_api.mjs');
        let ours = Infinity, js = Infinity;
        for (let i = 0; i < 4; i++) { // the first round warms both up
          if (i === 1) { ours = Infinity; js = Infinity; }
          const r = await m.waCall('echo_bench', `${echo}#${c.n},${c.size}`);
          if (r.rc !== 0 || r.n !== c.n) return { error: JSON.stringify(r) };
          ours = Math.min(ours, r.ms);
          js = Math.min(js, await jsEcho({ url: echo, ...c }, WebSocket));
        }
        return { ours, js };
      }, { echo, c, jsEchoSrc: jsEcho.toString() });
      if (r.error) throw new Error('echo_bench (page): ' + r.error);
      row(`ws echo ${label} text, Chromium page`, rate(c, r.ours), c.size > 1024 ? 'MB/s' : '/s',
          'JS WebSocket, same page', rate(c, r.js));
    }
  } finally {
    await browser.close();
    await srv.close();
  }
} finally {
  await peer.close();
}
