// peer_core.mjs: Node async/await peer of the core benchmark; same
// workloads as core_*.c. Usage: node --expose-gc peer_core.mjs
// switch-yield|switch-event|gen|spawn|memory|timers [n] [rounds]
// Prints the figure (ns, or bytes for memory) on stdout.
const [what, nArg, roundsArg] = process.argv.slice(2);
const n = Number(nArg ?? 100000);
const rounds = Number(roundsArg ?? 3);
const now = () => process.hrtime.bigint();

// asyncio.Event twin: set() wakes every waiter.
class Event {
  constructor() { this.flag = false; this.waiters = []; }
  set() {
    this.flag = true;
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
  clear() { this.flag = false; }
  wait() { return this.flag ? undefined : new Promise((r) => this.waiters.push(r)); }
}

async function switchYield() {
  const yielder = async () => { for (let i = 0; i < n; i++) await null; };
  const t0 = now();
  await Promise.all([yielder(), yielder()]);
  return Number(now() - t0) / n;
}

async function switchEvent() {
  const a = new Event(), b = new Event();
  const ping = async () => {
    for (let i = 0; i < n; i++) { b.set(); await a.wait(); a.clear(); }
  };
  const pong = async () => {
    for (let i = 0; i < n; i++) { await b.wait(); b.clear(); a.set(); }
  };
  const t0 = now();
  await Promise.all([ping(), pong()]);
  return Number(now() - t0) / n;
}

async function gen() {
  async function* counter() { for (let i = 0; i < n; i++) yield i; }
  const t0 = now();
  let total = 0;
  for await (const v of counter()) total += v;
  return Number(now() - t0) / n;
}

async function spawn() {
  const trivial = async () => null;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = trivial();
    await Promise.all(ps);
    best = Math.min(best, Number(now() - t0) / n);
  }
  return best;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function memory() {
  if (globalThis.gc) globalThis.gc();
  const before = process.memoryUsage().rss;
  const timers = [];
  const parked = async () => { await new Promise((r) => timers.push(setTimeout(r, 600000))); };
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = parked();
  await null;
  if (globalThis.gc) globalThis.gc();
  const after = process.memoryUsage().rss;
  for (const t of timers) clearTimeout(t);
  return (after - before) / n;
}

async function timersBench() {
  const allFired = new Event(), finish = new Event();
  let remaining = n;
  const sleeper = async (i) => {
    for (let r = 0; r < rounds; r++) await sleep(1 + ((i * 7919 + r * 104729) % 50));
    if (--remaining === 0) allFired.set();
    await finish.wait(); // task exit stays out of the measured region
  };
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = sleeper(i);
  await null;
  const c0 = process.cpuUsage();
  await allFired.wait();
  const c = process.cpuUsage(c0);
  finish.set();
  await Promise.all(tasks);
  return ((c.user + c.system) * 1000) / (n * rounds);
}

const work = {
  'switch-yield': switchYield, 'switch-event': switchEvent, gen, spawn, memory, timers: timersBench,
}[what];
if (!work) { console.error(`unknown workload ${what}`); process.exit(2); }
const v = await work();
console.log(v.toFixed(1));
process.exit(0);
