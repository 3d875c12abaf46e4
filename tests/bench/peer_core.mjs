// peer_core.mjs: Node async/await peer of the core benchmark; same
// workloads as core_*.c. Usage: node --expose-gc peer_core.mjs
// switch-yield|switch-event|gen|spawn|memory|timers|lock|sem|queue|group
// [n] [rounds]
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

// Node has no async mutex, semaphore or bounded queue of its own: these are
// the minimal promise-based ones a program would write, FIFO like asyncio's.
// A release with waiters hands the lock or permit straight to the first one.
class Semaphore {
  constructor(value) { this.value = value; this.waiters = []; }
  acquire() {
    if (this.value > 0 && this.waiters.length === 0) { this.value--; return undefined; }
    return new Promise((r) => this.waiters.push(r));
  }
  release() {
    const next = this.waiters.shift();
    if (next) next(); else this.value++;
  }
}
class Mutex {
  constructor() { this.locked = false; this.waiters = []; }
  acquire() {
    if (!this.locked) { this.locked = true; return undefined; }
    return new Promise((r) => this.waiters.push(r));
  }
  release() { // stays locked when it hands over
    const next = this.waiters.shift();
    if (next) next(); else this.locked = false;
  }
}

// asyncio.Queue(maxsize) twin: put waits while full, get while empty.
class Queue {
  constructor(maxsize) { this.maxsize = maxsize; this.items = []; this.getters = []; this.putters = []; }
  put(item) {
    const getter = this.getters.shift();
    if (getter) { getter(item); return undefined; }
    if (this.items.length < this.maxsize) { this.items.push(item); return undefined; }
    return new Promise((r) => this.putters.push(() => { this.items.push(item); r(); }));
  }
  get() {
    if (this.items.length === 0) return new Promise((r) => this.getters.push(r));
    const item = this.items.shift();
    const putter = this.putters.shift();
    if (putter) putter();
    return item;
  }
}

// 2 tasks contending one lock: ns per hand-off. The parent holds it while
// both queue, as core_sync.c does; one task taking it twice in a row fails.
async function contend(make) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const lock = make();
    let last = 0, handOffs = 0;
    const contender = async (me) => {
      for (let i = 0; i < n; i++) {
        await lock.acquire();
        if (last !== me) handOffs++;
        last = me;
        lock.release();
      }
    };
    await lock.acquire();
    const tasks = [contender(1), contender(2)]; // both wait at their first acquire
    const t0 = now();
    lock.release();
    await Promise.all(tasks);
    const elapsed = Number(now() - t0);
    if (handOffs !== 2 * n) throw new Error(`${handOffs} hand-offs of ${2 * n} acquires`);
    best = Math.min(best, elapsed / handOffs);
  }
  return best;
}

async function queue() {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const q = new Queue(1);
    let total = 0;
    const producer = async () => { for (let i = 1; i <= n; i++) await q.put(i); };
    const consumer = async () => { for (let i = 0; i < n; i++) total += await q.get(); };
    const t0 = now();
    await Promise.all([producer(), consumer()]);
    best = Math.min(best, Number(now() - t0) / n);
    if (total !== (n * (n + 1)) / 2) throw new Error('wrong sum');
  }
  return best;
}

// n children in batches of 100 async functions joined by Promise.all.
const GROUP_CHILDREN = 100;
async function group() {
  const child = async () => null;
  const groups = Math.floor(n / GROUP_CHILDREN);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    for (let g = 0; g < groups; g++) {
      const ps = new Array(GROUP_CHILDREN);
      for (let c = 0; c < GROUP_CHILDREN; c++) ps[c] = child();
      await Promise.all(ps);
    }
    best = Math.min(best, Number(now() - t0) / (groups * GROUP_CHILDREN));
  }
  return best;
}

const work = {
  'switch-yield': switchYield, 'switch-event': switchEvent, gen, spawn, memory, timers: timersBench,
  lock: () => contend(() => new Mutex()), sem: () => contend(() => new Semaphore(1)), queue, group,
}[what];
if (!work) { console.error(`unknown workload ${what}`); process.exit(2); }
const v = await work();
console.log(v.toFixed(1));
process.exit(0);
