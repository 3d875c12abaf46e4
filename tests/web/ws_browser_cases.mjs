// ws_browser_cases.mjs: the WebSocket part of browser.test.mjs, in one engine.
//  1. The twin: examples/ws_chat_client.c built for a page prints exactly
//     what /usr/bin/python3 tests/twins/ws_chat_client.py prints against
//     the Python twin server (ws_chat_server.py on 127.0.0.1), the page and
//     its sockets on one origin (ws_front.mjs, as nginx in front of aiohttp).
//     Cross-origin, the chat lines are the same, and a refused handshake is
//     still WA_EWSHANDSHAKE, its status unknown (0): a page cannot read it.
//  2. The cases of ws_cases.mjs in the page against ws_peer.mjs.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFront } from './ws_front.mjs';
import { startWsPeer } from './ws_peer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
// The Python originals live in tests/twins (WS_TWINS overrides).
const TWINS = process.env.WS_TWINS || [path.join(root, 'tests/twins')]
  .find((d) => fs.existsSync(path.join(d, 'ws_chat_server.py')));
const PY = '/usr/bin/python3';

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

// The Python twin server, ready when its port accepts.
export async function startPyServer(twins = TWINS) {
  const port = await freePort();
  const proc = spawn(PY, [path.join(twins, 'ws_chat_server.py'), String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
      c.on('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url: `ws://127.0.0.1:${port}`, close: () => proc.kill('SIGKILL') };
}

export function pythonClientLines(url, twins = TWINS) {
  return new Promise((resolve) => {
    execFile(PY, [path.join(twins, 'ws_chat_client.py'), url], { timeout: 30000 },
             (err, stdout) => resolve(stdout.split('\n').filter((l) => l !== '')));
  });
}

export async function wsBrowserCases(browser, check, { webDir, engine, twinOnly = false }) {
  const twin = path.join(webDir, 'examples/ws_chat_client.mjs');
  const py = await startPyServer();
  const front = await startFront({ root: webDir, backendPort: py.port, headScript: browser.headScript });
  const peer = await startWsPeer();
  const closedPort = await freePort();
  const page = await browser.newPage();
  try {
    const want = await pythonClientLines(py.url);
    check(`ws twin: the Python client's ${want.length} lines against the Python server`, want.length === 7, want);
    await page.goto(front.base + '/test/ws.html');
    const runTwin = (base) => page.evaluate(async (base) => {
      const { loadWasyncio } = await import('/wasyncio.mjs');
      const lines = [];
      const m = await loadWasyncio('/examples/ws_chat_client.mjs',
                                   { arguments: [base], print: (s) => lines.push(s) });
      const done = await Promise.race([m.waDone, new Promise((r) => setTimeout(() => r('hung'), 20000))]);
      return { lines, done };
    }, base);
    if (!fs.existsSync(twin)) {
      check('ws twin: build/web/examples/ws_chat_client.mjs was built', false, twin);
    } else {
      let got = await runTwin(front.ws);
      check(`ws twin in ${engine}: the C client prints what the Python client prints (same origin)`,
            JSON.stringify(got.lines) === JSON.stringify(want) && got.done.status === 0, { got, want });
      got = await runTwin(py.url);
      check(`ws twin in ${engine}, cross-origin: the chat lines the same, the refused handshake's status unknown`,
            JSON.stringify(got.lines.slice(0, 6)) === JSON.stringify(want.slice(0, 6)) &&
            got.lines.length === 7 && /^no route: /.test(got.lines[6]) && !/REFUSED/.test(got.lines[6]) &&
            got.done.status === 0, { got, want });
    }
    if (twinOnly) return;
    const res = await page.evaluate(async ({ peer, closedUrl, silentUrl }) => {
      const { loadWasyncio } = await import('/wasyncio.mjs');
      const { runWsCases } = await import('/test/ws_cases.mjs');
      const m = await loadWasyncio('/test/ws_api.mjs');
      const closes = async () => (await fetch(peer.replace(/^ws/, 'http') + '/closes')).json();
      return runWsCases(m, { peer, closedUrl, env: 'browser', closes, flood: () => null, silentUrl });
    }, { peer: peer.url, closedUrl: `ws://127.0.0.1:${closedPort}/closed`, silentUrl: peer.silentUrl });
    for (const r of res) check(`ws page: ${r.name}`, r.ok, r.detail);
    // The browser's own reports of the failed sockets and probes the cases make.
    const noise = /WebSocket|Failed to load resource|CORS|websocket|can.t establish|interrupted/i;
    const errors = (await page.consoleErrors()).filter((e) => !noise.test(e));
    check('ws page: no other console errors', errors.length === 0, errors);
  } finally {
    await page.close().catch(() => {});
    await peer.close();
    await front.close();
    py.close();
  }
}

// Alone: node tests/web/ws_browser_cases.mjs chromium|firefox|webkit (needs
// `make web`; browser.test.mjs runs the same as part of make test-web-<engine>).
// --twin-only DIR: only the twin, from DIR/examples/ws_chat_client.{mjs,wasm}
// and DIR/wasyncio.mjs (the install test's build from the prefix).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { launchBrowser } = await import('./browsers.mjs');
  const engine = process.argv[2] || 'chromium';
  const only = process.argv.indexOf('--twin-only');
  const webDir = only > 0 ? path.resolve(process.argv[only + 1]) : path.join(root, 'build/web');
  let passed = 0, failed = 0;
  const check = (name, ok, detail) => {
    if (ok) passed++; else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ' ' + JSON.stringify(detail)}`);
  };
  const browser = await launchBrowser(engine);
  try {
    await wsBrowserCases(browser, check, { webDir, engine, twinOnly: only > 0 });
  } catch (e) {
    check(`${engine}: the ws run finished`, false, String((e && e.stack) || e));
  } finally {
    await browser.close().catch(() => {});
  }
  console.log(`web-${engine}-ws: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
