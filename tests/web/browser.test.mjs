// browser.test.mjs: the demo page and the web API in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core), served by
// web/serve.mjs on 127.0.0.1. Checks: the fetch demo (every result, and the
// concurrent total well under the sequential one), the A/B/C example's lines,
// the ticker kept ticking during 1,000 tasks, no console errors; the API
// cases of api_cases.mjs in the page; zero-delay wake-ups without setTimeout;
// a failing task on console.error. Saves build/web/demo.png.
// make test-web runs it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from '../../web/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const webDir = path.join(root, 'build/web');
// playwright-core is pinned in js/package.json; resolve it from there.
const { chromium } = createRequire(path.join(root, 'js/package.json'))('playwright-core');

let failed = 0, passed = 0;
const check = (name, ok, detail) => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ' ' + JSON.stringify(detail)}`);
};

const closedUrl = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(`http://127.0.0.1:${port}/closed`));
  });
});

const srv = await startServer({ root: webDir });
// launch() gives every run a fresh temporary profile (user-data-dir) of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // ------------------------------------------------------------ the demo
  const page = await browser.newPage({ viewport: { width: 1040, height: 1200 } });
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(srv.base + '/');
  await page.waitForFunction(() => window.demoState && window.demoState.ready, null, { timeout: 20000 });

  await page.fill('#n', '8');
  await page.fill('#delay', '250');
  await page.click('#run-fetch');
  await page.waitForFunction(() => document.getElementById('fetch-status').textContent !== 'running sequential…' &&
    document.getElementById('fetch-status').textContent !== 'running concurrent…', null, { timeout: 30000 });
  const f = await page.evaluate(() => window.demoState.fetch);
  const allOk = (run) => run && run.results.length === 8 && run.results.every((r) => r.rc === 0 && r.status === 200 && r.bytes > 0);
  check('fetch demo: all 8 sequential results arrived', allOk(f.seq), f);
  check('fetch demo: all 8 concurrent results arrived', allOk(f.con), f);
  check(`fetch demo: concurrent ${f.con?.ms?.toFixed(0)} ms well under sequential ${f.seq?.ms?.toFixed(0)} ms`,
        f.con && f.seq && f.con.ms * 2 < f.seq.ms, f);
  const bars = await page.locator('#tl-con .bar.done').count();
  check('fetch demo: one finished timeline bar per concurrent task', bars === 8, bars);

  await page.click('#run-gather');
  await page.waitForFunction(() => window.demoState.gather, null, { timeout: 20000 });
  const g = await page.evaluate(() => window.demoState.gather);
  const want = ['A starting', 'B starting', 'C starting', 'B done', 'A done', 'C done', "['A', 'B', 'C']"];
  check('gather example: lines as in the native build', JSON.stringify(g.lines) === JSON.stringify(want), g);
  check('gather example: exit status 0 and ~3 s, not 6', g.status === 0 && g.ms < 5500, g);
  const shown = await page.textContent('#gather-out');
  check('gather example: lines shown in the page', want.every((l) => shown.includes(l)), shown);

  await page.click('#run-stress');
  await page.waitForFunction(() => window.demoState.stress, null, { timeout: 30000 });
  const s = await page.evaluate(() => window.demoState.stress);
  check('responsiveness: 1,000 tasks ran, yielded, finished', s.rc === 0 && s.tasks === 1000 && s.switches > 1000, s);
  // A 10 ms ticker over ~1 s: a blocked thread would give ~0 ticks.
  check(`responsiveness: the ticker kept ticking (${s.ticks} ticks, longest gap ${s.maxGap?.toFixed(0)} ms)`,
        s.ticks >= 20, s);

  await page.screenshot({ path: path.join(webDir, 'demo.png'), fullPage: true });
  check('demo page: no console errors', errors.length === 0, errors);

  // --------------------------------------------------- API cases in a page
  const api = await browser.newPage();
  const apiErrors = [];
  api.on('console', (msg) => { if (msg.type() === 'error') apiErrors.push(msg.text()); });
  await api.goto(srv.base + '/test/');  // a 404 page is enough as an origin
  const res = await api.evaluate(async ({ base, closedUrl }) => {
    const { runApiCases } = await import('/test/api_cases.mjs');
    const { loadWasyncio } = await import('/wasyncio.mjs');
    const m = await loadWasyncio('/test/web_api.mjs');
    const results = await runApiCases(m, base, 'browser', closedUrl);
    // Zero-delay wake-ups: with a 0 ms slice every wa_sleep(0) goes back to
    // the page; none may go through setTimeout (4 ms clamp).
    let timeouts = 0;
    const orig = window.setTimeout;
    window.setTimeout = (...a) => { timeouts++; return orig(...a); };
    m.waSetSliceMs(0);
    const z = await m.waCall('t_sleep0', 200);
    window.setTimeout = orig;
    m.waSetSliceMs(2);
    results.push({ name: 'wa_sleep(0) x200 with a 0 ms slice: the loop yields to the page without setTimeout',
                   ok: timeouts === 0 && z.n === 200, detail: JSON.stringify({ timeouts, z }) });
    await m.waCall('t_unhandled', null);
    return results;
  }, { base: srv.base, closedUrl });
  for (const r of res) check(`page: ${r.name}`, r.ok, r.detail);
  const un = apiErrors.filter((e) => /doomed-task/.test(e));
  check('page: unhandled task failure on console.error with the task name', un.length === 1, apiErrors);
  const other = apiErrors.filter((e) => !/doomed-task/.test(e) && !/Failed to load resource/.test(e));
  check('page: no other console errors', other.length === 0, other);
} finally {
  await browser.close();
  await srv.close();
}
console.log(`web-chromium: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
