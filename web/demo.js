// demo.js: the demo page's logic: loads the demo's C module, draws the
// fetch timeline from the C tasks' start/end events, runs the A/B/C example
// module, and keeps a setInterval ticker to show the page stays responsive.
// window.demoState exposes the outcomes to tests/web/browser.test.mjs.
import { loadWasyncio } from './wasyncio.mjs';

const $ = (id) => document.getElementById(id);
const state = (window.demoState = { ready: false, fetch: {}, gather: null, stress: null, ticks: 0, maxGap: 0 });

// ---------------------------------------------------------------- ticker
let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  state.maxGap = Math.max(state.maxGap, now - lastTick);
  lastTick = now;
  state.ticks++;
  $('ticks').textContent = state.ticks;
}, 10);

// ------------------------------------------------------------- timeline
const runs = {}; // run id -> {el, t0, rows: [{start, end, ok}], total}
window.waDemoEvent = (run, idx, kind, value) => {
  const r = runs[run];
  if (!r) return;
  const now = performance.now() - r.t0;
  const row = (r.rows[idx] ||= { start: null, end: null, ok: true });
  if (kind === 0) row.start = now;
  else { row.end = now; row.ok = value >= 200 && value < 400; }
};

function draw(r, scaleMs) {
  const now = performance.now() - r.t0;
  const W = r.el.clientWidth || 400;
  r.el.innerHTML = '';
  r.rows.forEach((row, i) => {
    const div = document.createElement('div');
    div.className = 'row';
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = `task ${i + 1}`;
    div.appendChild(label);
    if (row && row.start !== null) {
      const bar = document.createElement('div');
      const end = row.end ?? now;
      bar.className = 'bar' + (row.end !== null ? (row.ok ? ' done' : ' err') : '');
      bar.style.left = `${(row.start / scaleMs) * W}px`;
      bar.style.width = `${Math.max(2, ((end - row.start) / scaleMs) * W)}px`;
      bar.title = `task ${i + 1}: ${row.start.toFixed(0)}–${end.toFixed(0)} ms`;
      div.appendChild(bar);
    }
    r.el.appendChild(div);
  });
}

let m;
async function fetchRun(id, mode, n, delay, el, scaleRef) {
  const r = (runs[id] = { el, t0: performance.now(), rows: Array.from({ length: n }, () => null) });
  let raf = 0;
  const tick = () => { draw(r, scaleRef()); raf = requestAnimationFrame(tick); };
  tick();
  const res = await m.waCall('demo_fetch_all', { base: location.origin, n, delay, mode, run: id });
  cancelAnimationFrame(raf);
  r.total = res.us / 1000;
  draw(r, scaleRef());
  return { ms: r.total, results: res.results };
}

$('run-fetch').onclick = async () => {
  const n = Math.min(40, Math.max(1, Number($('n').value) || 8));
  const delay = Math.min(2000, Math.max(0, Number($('delay').value) || 0));
  const btn = $('run-fetch');
  btn.disabled = true;
  $('fetch-status').className = 'status';
  $('fetch-status').textContent = 'running sequential…';
  $('seq-total').textContent = $('con-total').textContent = '–';
  $('speedup').textContent = '';
  try {
    // Both timelines share the sequential run's scale, so bars compare.
    let scale = n * (delay + 80);
    const seq = await fetchRun(1, 'sequential', n, delay, $('tl-seq'), () => scale);
    scale = Math.max(seq.ms, 1);
    draw(runs[1], scale);
    $('seq-total').textContent = `${seq.ms.toFixed(0)} ms`;
    $('fetch-status').textContent = 'running concurrent…';
    const con = await fetchRun(2, 'concurrent', n, delay, $('tl-con'), () => scale);
    $('con-total').textContent = `${con.ms.toFixed(0)} ms`;
    $('speedup').textContent =
      `${n} fetches: sequential ${seq.ms.toFixed(0)} ms, concurrent ${con.ms.toFixed(0)} ms ` +
      `(${(seq.ms / con.ms).toFixed(1)}× faster)`;
    state.fetch = { n, seq, con };
    $('fetch-status').textContent = 'done';
    $('fetch-status').className = 'status done';
  } catch (e) {
    $('fetch-status').textContent = `error: ${e.message}`;
    $('fetch-status').className = 'status error';
    state.fetch = { error: e.message };
  } finally {
    btn.disabled = false;
  }
};

// ------------------------------------------------------- gather example
$('run-gather').onclick = async () => {
  const out = $('gather-out');
  const btn = $('run-gather');
  btn.disabled = true;
  out.textContent = '';
  $('gather-status').className = 'status';
  $('gather-status').textContent = 'running (about 3 s)…';
  const lines = [];
  const t0 = performance.now();
  try {
    const prog = await loadWasyncio('./examples/tasks.mjs', {
      print: (s) => { lines.push(s); out.textContent += s + '\n'; },
    });
    const done = await prog.waDone;
    const ms = performance.now() - t0;
    state.gather = { lines, status: done.status, ms };
    $('gather-status').textContent = `exit status ${done.status}, ${(ms / 1000).toFixed(2)} s`;
    $('gather-status').className = done.status === 0 ? 'status done' : 'status error';
  } catch (e) {
    state.gather = { lines, error: e.message };
    $('gather-status').textContent = `error: ${e.message}`;
    $('gather-status').className = 'status error';
  } finally {
    btn.disabled = false;
  }
};

// --------------------------------------------------------------- stress
$('run-stress').onclick = async () => {
  const btn = $('run-stress');
  btn.disabled = true;
  $('stress-status').className = 'status';
  $('stress-status').textContent = 'running…';
  const ticks0 = state.ticks;
  state.maxGap = 0;
  try {
    const r = await m.waCall('demo_stress', 1000);
    const ticks = state.ticks - ticks0;
    state.stress = { ...r, ticks, maxGap: state.maxGap };
    $('stress-out').textContent =
      `${r.tasks} tasks, ${r.switches} yields in ${(r.us / 1000).toFixed(0)} ms; ` +
      `the ticker ticked ${ticks} times meanwhile (longest gap ${state.maxGap.toFixed(0)} ms)`;
    $('stress-status').textContent = 'done';
    $('stress-status').className = 'status done';
  } catch (e) {
    state.stress = { error: e.message };
    $('stress-status').textContent = `error: ${e.message}`;
    $('stress-status').className = 'status error';
  } finally {
    btn.disabled = false;
  }
};

m = await loadWasyncio('./demo_lib.mjs');
state.ready = true;
$('tick-note').textContent = '(C module loaded)';
