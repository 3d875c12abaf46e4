// browser.test.mjs: the demo page and the web API in one browser engine,
// picked by the driver switch: node browser.test.mjs chromium|firefox|webkit
// (tests/web/browsers.mjs owns the drivers; tests/web/run-browser.sh runs
// this in a process group and PID namespace that end with it). The page is
// served by web/serve.mjs on 127.0.0.1. Checks: the fetch demo (inputs
// validated with a visible message, every result, the concurrent total well
// under the sequential one, bars that follow the timeline's width through a
// resize, requests past the per-host connection limit shown waiting and
// explained), the A/B/C example's lines, the ticker kept ticking during
// 1,000 tasks, no console errors; the API cases of api_cases.mjs in the
// page; zero-delay wake-ups without setTimeout; a failing task on
// console.error. Saves build/web/demo-<engine>.png. Closing line:
// "web-<engine>: N passed, M failed".
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../web/serve.mjs';
import { launchBrowser, BROWSERS } from './browsers.mjs';
import { wsBrowserCases } from './ws_browser_cases.mjs';

const engine = process.argv[2] || 'chromium';
if (!BROWSERS.includes(engine)) {
  console.error(`usage: node browser.test.mjs ${BROWSERS.join('|')}`);
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../build/web');
const suite = `web-${engine}`;

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

// Each bar's place as a fraction of its timeline, and whether it stays inside.
const barGeometry = () => [...document.querySelectorAll('#tl-con .bar')].map((b) => {
  const tl = b.closest('.timeline').getBoundingClientRect(), r = b.getBoundingClientRect();
  return { left: (r.left - tl.left) / tl.width, width: r.width / tl.width,
           inside: r.left >= tl.left - 1 && r.right <= tl.right + 1, tlWidth: tl.width };
});

async function demoCases(browser, base) {
  const page = await browser.newPage({ width: 1040, height: 1200 });
  await page.goto(base + '/');
  await page.waitFor(() => window.demoState && window.demoState.ready, null, 30000);

  // Inputs are validated: nothing runs, and the page says what is wrong.
  const attempt = async (n, delay) => {
    await page.fill('#n', n);
    await page.fill('#delay', delay);
    await page.click('#run-fetch');
    return page.evaluate(() => ({ error: document.getElementById('fetch-error').hidden ? ''
                                    : document.getElementById('fetch-error').textContent,
                                  status: document.getElementById('fetch-status').textContent,
                                  ran: 'n' in window.demoState.fetch || 'error' in window.demoState.fetch }));
  };
  let v = await attempt('0', '250');
  check('fetch demo: 0 URLs is refused with a visible message, nothing runs',
        /URLs must be a whole number from 1 to 40/.test(v.error) && v.status === 'not run' && !v.ran, v);
  v = await attempt('8', '99999');
  check('fetch demo: an out-of-range delay is refused with a visible message',
        /Delay must be a whole number from 0 to 2000/.test(v.error) && !/URLs/.test(v.error) && !v.ran, v);
  v = await attempt('2.5', '-1');
  check('fetch demo: a fraction and a negative number both named',
        /URLs/.test(v.error) && /Delay/.test(v.error) && !v.ran, v);

  await page.fill('#n', '8');
  await page.fill('#delay', '250');
  await page.click('#run-fetch');
  await page.waitFor(() => /^(done|error)/.test(document.getElementById('fetch-status').textContent), null, 30000);
  const f = await page.evaluate(() => ({ ...window.demoState.fetch,
                                         errorShown: !document.getElementById('fetch-error').hidden }));
  const allOk = (run) => run && run.results.length === 8 && run.results.every((r) => r.rc === 0 && r.status === 200 && r.bytes > 0);
  check('fetch demo: valid inputs clear the message', !f.errorShown, f);
  check('fetch demo: all 8 sequential results arrived', allOk(f.seq), f);
  check('fetch demo: all 8 concurrent results arrived', allOk(f.con), f);
  check(`fetch demo: concurrent ${f.con?.ms?.toFixed(0)} ms well under sequential ${f.seq?.ms?.toFixed(0)} ms`,
        f.con && f.seq && f.con.ms * 2 < f.seq.ms, f);
  // 8 URLs on one host: the 7th and 8th wait for one of the 6 connections.
  const note = await page.evaluate(() => {
    const el = document.getElementById('conn-note');
    return { text: el.textContent, shown: el.offsetHeight > 0, waits: document.querySelectorAll('#tl-con .bar .wait').length };
  });
  check(`fetch demo: requests past the connection limit drawn waiting (${f.con?.queued} waited)`,
        f.con && f.con.queued >= 1 && f.con.queued <= 2 && note.waits === 8, { queued: f.con?.queued, note });
  check('fetch demo: the page explains the 6 connections per host', note.shown && /6 connections/.test(note.text), note);

  const wide = await page.evaluate(barGeometry);
  check('fetch demo: one finished timeline bar per concurrent task',
        wide.length === 8 && (await page.evaluate(() => document.querySelectorAll('#tl-con .bar.done').length)) === 8, wide);
  await page.resize(560, 1200);
  await page.waitFor((w) => document.querySelector('#tl-con').getBoundingClientRect().width !== w, wide[0]?.tlWidth, 5000)
    .catch(() => null);
  const narrow = await page.evaluate(barGeometry);
  const same = wide.length === narrow.length && wide.every((b, i) =>
    Math.abs(b.left - narrow[i].left) < 0.02 && (b.width < 0.05 || Math.abs(b.width - narrow[i].width) < 0.02));
  check('fetch demo: bars keep their place and stay inside the timeline through a resize',
        narrow.length === 8 && narrow[0].tlWidth !== wide[0].tlWidth && same && narrow.every((b) => b.inside),
        { wide, narrow });
  await page.resize(1040, 1200);

  // Bad input after a run: "not run", and nothing of the previous run stays
  // on the page beside it (timelines, totals, the speed-up line).
  v = await attempt('0', '250');
  const left = await page.evaluate(() => ({
    bars: document.querySelectorAll('#tl-seq .bar, #tl-con .bar').length,
    rows: document.querySelectorAll('#tl-seq .row, #tl-con .row').length,
    totals: [document.getElementById('seq-total').textContent, document.getElementById('con-total').textContent],
    speedup: document.getElementById('speedup').textContent }));
  check('fetch demo: bad input after a run clears the previous timelines and totals',
        v.status === 'not run' && !v.ran && left.bars === 0 && left.rows === 0 &&
        left.totals.every((t) => t === '–') && left.speedup === '', { v, left });

  await page.click('#run-gather');
  await page.waitFor(() => window.demoState.gather, null, 20000);
  const g = await page.evaluate(() => window.demoState.gather);
  const want = ['A starting', 'B starting', 'C starting', 'B done', 'A done', 'C done', "['A', 'B', 'C']"];
  check('gather example: lines as in the native build', JSON.stringify(g.lines) === JSON.stringify(want), g);
  check('gather example: exit status 0 and ~3 s, not 6', g.status === 0 && g.ms < 5500, g);
  const shown = await page.evaluate(() => document.getElementById('gather-out').textContent);
  check('gather example: lines shown in the page', want.every((l) => shown.includes(l)), shown);

  await page.click('#run-stress');
  await page.waitFor(() => window.demoState.stress, null, 30000);
  const s = await page.evaluate(() => window.demoState.stress);
  check('responsiveness: 1,000 tasks ran, yielded, finished', s.rc === 0 && s.tasks === 1000 && s.switches > 1000, s);
  // A 10 ms ticker over ~1 s: a blocked thread would give ~0 ticks.
  check(`responsiveness: the ticker kept ticking (${s.ticks} ticks, longest gap ${s.maxGap?.toFixed(0)} ms)`,
        s.ticks >= 20, s);

  await page.screenshot(path.join(webDir, `demo-${engine}.png`));
  const errors = await page.consoleErrors();
  check('demo page: no console errors', errors.length === 0, errors);
  await page.close();
}

async function apiCases(browser, base) {
  const api = await browser.newPage();
  await api.goto(base + '/test/');  // a 404 page is enough as an origin
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
    // A stack overflow stops its own module for good, and says so: the
    // report on printErr once; the call that overflowed, one outstanding
    // and any later one reject with WA_ESTACK; a page program's waDone
    // resolves with WA_ESTACK and status 134. Nothing hangs, and another
    // module keeps working.
    const hung = () => new Promise((r) => setTimeout(() => r('hung'), 5000));
    const reports = [];
    const m2 = await loadWasyncio('/test/web_api.mjs', { printErr: (s) => reports.push(s) });
    const ESTACK = m2.waErrors.ESTACK;
    const code = (p) => p.then(() => 'resolved', (e) => e && e.code);
    const pending = code(m2.waCall('v_sleep', 60000));
    const overflowed = await code(m2.waCall('t_stack_overflow', null));
    const outstanding = await Promise.race([pending, hung()]);
    const later = await code(m2.waCall('v_echo', 1));
    const other = await m.waCall('v_echo', 5);
    results.push({ name: 'a stack overflow in a waCall stops its module: every call rejects with WA_ESTACK',
                   ok: overflowed === ESTACK && outstanding === ESTACK && later === ESTACK && other === 5 &&
                       reports.filter((r) => /stack overflow in task/.test(r)).length === 1,
                   detail: JSON.stringify({ overflowed, outstanding, later, other, reports }) });
    const progReports = [], progOut = [];
    const prog = await loadWasyncio('/test/overflow_demo.mjs', {
      arguments: ['stack'], print: (s) => progOut.push(s), printErr: (s) => progReports.push(s) });
    const done = await Promise.race([prog.waDone, hung()]);
    results.push({ name: "a page program's stack overflow: waDone resolves with WA_ESTACK, status 134",
                   ok: done.code === ESTACK && done.status === 134 &&
                       progReports.filter((r) => /stack overflow in task 'stack-hog'/.test(r)).length === 1 &&
                       !progOut.some((s) => /no overflow/.test(s)),
                   detail: JSON.stringify({ done, progReports, progOut }) });
    return results;
  }, { base, closedUrl });
  for (const r of res) check(`page: ${r.name}`, r.ok, r.detail);
  const apiErrors = await api.consoleErrors();
  const un = apiErrors.filter((e) => /doomed-task/.test(e));
  check('page: unhandled task failure on console.error with the task name', un.length === 1, apiErrors);
  // The browser's own reports of the failed requests the cases make (the 404
  // page, the closed port): Chromium's and Firefox's wordings.
  const networkReport = /Failed to load resource|CORS request did not succeed/;
  // The stream case's one stderr line saying why a page has no sockets
  // (wa__stream_unsupported, once per page) is expected too.
  const streamsNote = /streams are not supported in a browser/;
  const notes = apiErrors.filter((e) => streamsNote.test(e));
  check('page: the no-sockets reason is said once', notes.length === 1, apiErrors);
  const other = apiErrors.filter((e) => !/doomed-task/.test(e) && !networkReport.test(e) && !streamsNote.test(e));
  check('page: no other console errors', other.length === 0, other);
  await api.close();
}

let browser = null, srv = null;
// Stopped from outside (run-browser.sh's timeout or trap): close first.
process.once('SIGTERM', () => {
  console.log(`${suite}: stopped from outside`);
  Promise.resolve(browser && browser.close()).catch(() => {}).finally(() => process.exit(143));
});
try {
  browser = await launchBrowser(engine);
  srv = await startServer({ root: webDir, headScript: browser.headScript });
  await demoCases(browser, srv.base);
  await apiCases(browser, srv.base);
  await wsBrowserCases(browser, check, { webDir, engine });
} catch (e) {
  check(`${engine}: the run finished`, false, String((e && e.stack) || e));
} finally {
  if (browser) await browser.close().catch((e) => check(`${engine}: browser closed`, false, String(e)));
  if (srv) await srv.close();
}
console.log(`${suite}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
