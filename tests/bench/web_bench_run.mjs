// web_bench_run.mjs: runs web_bench_cases.mjs in Node (the CommonJS build)
// and in headless Chromium (the page build, served on 127.0.0.1), adds the
// gzipped sizes of the demo page's .wasm/.js, and prints markdown rows
// (the wasm peers, Emscripten fibers and JSPI, are measured by the cases)
// | name | value | unit | peer | ratio |. Called by bench_web.sh.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../web/serve.mjs';
import { runBench } from './web_bench_cases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const web = path.join(root, 'build/web');
const req = createRequire(path.join(root, 'js/package.json'));

const fmt = (v) => (v == null ? 'n/a' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const rows = [];
const emit = (r) => {
  // ratio > 1 means wasyncio is better: peer/ours for times, ours/peer for rates.
  if (r.peerValue == null) {
    rows.push(`| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.peer} | - |`);
    return;
  }
  const ratio = r.unit === '/s' ? r.value / r.peerValue : r.peerValue / r.value;
  rows.push(`| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.peer} ${fmt(r.peerValue)} | ${ratio.toFixed(2)}x |`);
};

// Node
const create = require(path.join(web, 'test/node/web_bench.cjs'));
function require(p) { return createRequire(import.meta.url)(p); }
const nm = await create({ print: () => {}, printErr: (s) => console.error(s) });
// The peer programs print one "name value" line from main().
const swapFrom = async (createPeer) => {
  let line = '';
  await createPeer({ print: (s) => { line = s; }, printErr: (s) => console.error(s) });
  const v = Number(line.split(' ')[1]);
  if (!(v > 0)) throw new Error(`emscripten_fiber_swap peer printed "${line}"`);
  return v;
};
const nodePeers = {
  emfiber: () => swapFrom(require(path.join(web, 'test/node/peer_emfiber.cjs'))),
  jspiWasm: fs.readFileSync(path.join(web, 'test/peer_jspi.wasm')),
};
for (const r of await runBench(nm, 'node', nodePeers)) emit(r);

// Chromium
const { chromium } = req('playwright-core');
const srv = await startServer({ root: web });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('page:', m.text()); });
  await page.goto(srv.base + '/');
  const res = await page.evaluate(async () => {
    const { runBench } = await import('/test/web_bench_cases.mjs');
    const { loadWasyncio } = await import('/wasyncio.mjs');
    const m = await loadWasyncio('/test/web_bench.mjs');
    const peers = {
      emfiber: async () => {
        let line = '';
        const createPeer = (await import('/test/peer_emfiber.mjs')).default;
        await createPeer({ print: (s) => { line = s; } });
        const v = Number(line.split(' ')[1]);
        if (!(v > 0)) throw new Error(`emscripten_fiber_swap peer printed "${line}"`);
        return v;
      },
      jspiWasm: await (await fetch('/test/peer_jspi.wasm')).arrayBuffer(),
    };
    return runBench(m, 'chromium', peers);
  });
  for (const r of res) emit(r);
} finally {
  await browser.close();
  await srv.close();
}

// Sizes of what a page downloads.
const gz = (f) => zlib.gzipSync(fs.readFileSync(path.join(web, f)), { level: 9 }).length;
for (const [f, what] of [['demo_lib.wasm', 'demo page .wasm'], ['demo_lib.mjs', 'demo page .js'],
                         ['examples/tasks.wasm', 'tasks example .wasm'], ['examples/tasks.mjs', 'tasks example .js']]) {
  if (fs.existsSync(path.join(web, f))) rows.push(`| ${what}, gzipped (${f}) | ${gz(f).toLocaleString('en-US')} | bytes | - | - |`);
}
console.log(rows.join('\n'));
