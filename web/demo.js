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

// Positions are percentages of the timeline, so the bars follow its width
// when the window is resized (no redraw needed). A bar spans the C task;
// its light part is the time its request waited for a connection.
function draw(r, scaleMs) {
  const now = performance.now() - r.t0;
  const pct = (ms) => `${Math.min(100, Math.max(0, (ms / scaleMs) * 100))}%`;
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
      bar.style.left = pct(row.start);
      bar.style.width = `min(${pct(end - row.start)}, 100% - ${pct(row.start)})`;
      bar.title = `task ${i + 1}: ${row.start.toFixed(0)}–${end.toFixed(0)} ms`;
      if (row.sent != null && end > row.start) {
        const wait = document.createElement('div');
        wait.className = 'wait';
        wait.style.width = `${((row.sent - row.start) / (end - row.start)) * 100}%`;
        bar.title += `, waited ${(row.sent - row.start).toFixed(0)} ms for a connection`;
        bar.appendChild(wait);
      }
      div.appendChild(bar);
    }
    r.el.appendChild(div);
  });
}

// When each task's request actually went out, from the Resource Timing
// entries of this run (task i fetches /api/item/<i+1>, see demo_lib.c). The
// browser may add the last entries a moment after the fetches resolve.
async function noteRequestStarts(r) {
  for (let tries = 0; tries < 20; tries++) {
    const entries = performance.getEntriesByType('resource');
    let missing = 0;
    r.rows.forEach((row, i) => {
      if (!row || row.start === null || row.sent != null) return;
      const path = `/api/item/${i + 1}?`;
      const e = entries.filter((x) => x.name.includes(path) && x.startTime >= r.t0).pop();
      if (e && e.requestStart > 0) row.sent = Math.max(row.start, e.requestStart - r.t0);
      else missing++;
    });
    if (!missing) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// A whole number in [min, max], or the message saying what is wrong.
function readWhole(input, name, min, max) {
  const text = input.value.trim();
  const v = Number(text);
  const ok = text !== '' && Number.isInteger(v) && v >= min && v <= max;
  input.setAttribute('aria-invalid', ok ? 'false' : 'true');
  if (ok) return { value: v };
  const got = text === '' ? 'an empty or non-numeric value' : `"${text}"`;
  return { error: `${name} must be a whole number from ${min} to ${max} (got ${got}).` };
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
  await noteRequestStarts(r);
  draw(r, scaleRef());
  // Requests that waited more than half a delay for a connection.
  const queued = r.rows.filter((row) => row && row.sent - row.start > delay / 2).length;
  return { ms: r.total, results: res.results, queued };
}

// Wipe what a previous run drew, so a refused or new run never shows its
// timelines and totals beside its own status.
function clearFetchResults() {
  for (const id of [1, 2]) delete runs[id];
  $('tl-seq').innerHTML = $('tl-con').innerHTML = '';
  $('seq-total').textContent = $('con-total').textContent = '–';
  $('speedup').textContent = '';
  state.fetch = {};
}

$('run-fetch').onclick = async () => {
  const nIn = readWhole($('n'), 'URLs', 1, 40);
  const delayIn = readWhole($('delay'), 'Delay', 0, 2000);
  const bad = [nIn.error, delayIn.error].filter(Boolean);
  $('fetch-error').textContent = bad.join(' ');
  $('fetch-error').hidden = bad.length === 0;
  clearFetchResults();
  if (bad.length) {
    $('fetch-status').className = 'status error';
    $('fetch-status').textContent = 'not run';
    return;
  }
  const n = nIn.value, delay = delayIn.value;
  const btn = $('run-fetch');
  btn.disabled = true;
  $('fetch-status').className = 'status';
  $('fetch-status').textContent = 'running sequential…';
  try {
    // Both timelines share the sequential run's scale, so bars compare.
    let scale = n * (delay + 80);
    performance.clearResourceTimings();
    const seq = await fetchRun(1, 'sequential', n, delay, $('tl-seq'),
                               () => Math.max(scale, performance.now() - runs[1].t0));
    scale = Math.max(seq.ms, 1);
    draw(runs[1], scale);
    $('seq-total').textContent = `${seq.ms.toFixed(0)} ms`;
    $('fetch-status').textContent = 'running concurrent…';
    const con = await fetchRun(2, 'concurrent', n, delay, $('tl-con'), () => scale);
    $('con-total').textContent = `${con.ms.toFixed(0)} ms`;
    $('speedup').textContent =
      `${n} fetches: sequential ${seq.ms.toFixed(0)} ms, concurrent ${con.ms.toFixed(0)} ms ` +
      `(${(seq.ms / con.ms).toFixed(1)}× faster)` +
      (con.queued ? `; ${con.queued} of the concurrent requests waited for a connection` : '');
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
