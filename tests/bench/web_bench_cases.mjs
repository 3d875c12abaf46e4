// web_bench_cases.mjs: the web benchmark's workloads, run the same way in
// Node and in Chromium: each wasyncio figure beside plain JS async/await
// doing the same work in the same run, and the wasm peers measured here too:
// Emscripten's fibers (peer_emfiber.c) beside the task switch, JSPI
// (peer_jspi.c) beside wa_js_await. peers = {emfiber: async () => ns per
// swap, jspiWasm: the module's bytes}. Returns rows
// {name, value, unit, peer, peerValue}; lower is better for ns/us, higher
// for per-second rates; peerValue null when the engine lacks the peer.
export async function runBench(m, env, peers) {
  const now = () => performance.now();
  const rows = [];
  const add = (name, value, unit, peer, peerValue) => rows.push({ name: `${env}: ${name}`, value, unit, peer, peerValue });

  // 0. The fiber layer alone, before any call opens a loop: Asyncify's own
  //    share of a switch and of a spawn (no scheduler). Best of 3.
  const raw = (f, n) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) best = Math.min(best, m['_' + f](n));
    return best;
  };
  m['_b_raw_switch_ns'](20000); // warm-up
  const rawSwitch = raw('b_raw_switch_ns', 1000000);
  const rawSpawn = raw('b_raw_spawn_ns', 200000);

  // 1. task switch: two tasks yielding to each other / two async functions
  //    awaiting each other's turn through the microtask queue.
  //    Best of 3 on both sides, as for spawn below (V8's tiers).
  const N = 1000000;
  await m.waCall('b_switch', 10000); // warm up
  let r, switchNs = Infinity;
  for (let i = 0; i < 3; i++) {
    r = await m.waCall('b_switch', N);
    switchNs = Math.min(switchNs, r.ns / r.ops);
  }
  const jsSwitchOnce = async () => {
    let turn = 0;
    const f = async (me) => { for (let i = 0; i < N; i++) { turn = me; await null; } };
    const t0 = now();
    await Promise.all([f(0), f(1)]);
    return ((now() - t0) * 1e6) / (2 * N);
  };
  let jsSwitch = Infinity;
  for (let i = 0; i < 3; i++) jsSwitch = Math.min(jsSwitch, await jsSwitchOnce());
  add('ns per task switch (wa_yield)', switchNs, 'ns', 'JS await (microtask)', jsSwitch);

  // What is Asyncify's: a task-to-task switch is one unwind and one rewind,
  // i.e. two one-way switches of the raw ping-pong.
  add('  of which Asyncify (raw fiber unwind+rewind, no scheduler)', 2 * rawSwitch, 'ns',
      'JS await (microtask)', rows[rows.length - 1].peerValue);

  // 2. spawn + complete, best of 3 on both sides: V8 compiles wasm with a
  //    baseline tier first and optimises hot functions later, and a 10k
  //    warm-up does not get them all there (the first 100k run took 190-210
  //    ns per task, the next ones 74-80).
  const S = 100000;
  await m.waCall('b_spawn', 10000);
  let spawnNs = Infinity;
  for (let i = 0; i < 3; i++) {
    r = await m.waCall('b_spawn', S);
    spawnNs = Math.min(spawnNs, r.ns / r.ops);
  }
  const jsSpawnOnce = async () => {
    const noop = async (x) => x;
    const t0 = now();
    for (let done = 0; done < S; done += 1000) {
      const ps = [];
      for (let i = 0; i < 1000; i++) ps.push(noop(i));
      await Promise.all(ps);
    }
    return ((now() - t0) * 1e6) / S;
  };
  let jsSpawn = Infinity;
  for (let i = 0; i < 3; i++) jsSpawn = Math.min(jsSpawn, await jsSpawnOnce());
  add('ns per spawn+complete (wa_spawn+wa_gather)', spawnNs, 'ns', 'JS async fn + Promise.all', jsSpawn);
  add('  of which Asyncify (raw fiber create+run+end+free)', rawSpawn, 'ns', 'JS async fn + Promise.all',
      rows[rows.length - 1].peerValue);

  // 3. wa_sleep(0) round trips per second (the loop returns to JS between
  //    slices through MessageChannel / setImmediate, never setTimeout).
  const Z = 200000;
  r = await m.waCall('b_sleep0', Z);
  const jsZero = async () => {
    const K = 2000;
    const t0 = now();
    for (let i = 0; i < K; i++) await new Promise((res) => setTimeout(res, 0));
    return K / ((now() - t0) / 1000);
  };
  add('wa_sleep(0) round trips', r.ops / (r.ns / 1e9), '/s', 'JS await setTimeout(0)', await jsZero());
  //    the same with a 0 ms slice: every loop turn goes back to the page.
  m.waSetSliceMs(0);
  r = await m.waCall('b_sleep0', 20000);
  m.waSetSliceMs(2);
  const jsMC = async () => {
    const K = 5000;
    let ping;
    if (typeof MessageChannel === 'function' && env !== 'node') {
      const ch = new MessageChannel();
      ping = () => new Promise((res) => { ch.port1.onmessage = res; ch.port2.postMessage(0); });
    } else {
      ping = () => new Promise((res) => setImmediate(res));
    }
    const t0 = now();
    for (let i = 0; i < K; i++) await ping();
    return K / ((now() - t0) / 1000);
  };
  add('wa_sleep(0) round trips, 0 ms slice', r.ops / (r.ns / 1e9), '/s',
      env === 'node' ? 'JS await setImmediate' : 'JS await MessageChannel', await jsMC());

  // 4. JS -> C -> JS: await an exported C coroutine that returns its
  //    argument at once, JSON form (WA_JS_EXPORT: the number goes through
  //    JSON.stringify, C copies the text back, JSON.parse) and value form
  //    (WA_JS_EXPORT_VALUE), beside a JS async function doing the same:
  //    take the argument, return it. Warm-up first (V8 compiles wasm with a baseline
  //    tier and optimises hot functions later), then the best of 15 rounds,
  //    the three taken in turn, so a loaded machine hits them alike (a round
  //    of the value form is ~3 ms: with 5 rounds one GC pause or tier-up
  //    moved the figure by 30%).
  const C = 20000;
  const forms = {
    js: async (x) => x,
    // The JSON form's own work done in JS alone: what the JSON costs.
    jsJson: async (x) => JSON.parse(JSON.stringify(x)),
    json: (i) => m.waCall('b_echo_json', i),
    value: (i) => m.waCall('b_noop_value', i),
  };
  const best = {};
  for (const k in forms) {
    if ((await forms[k](7)) !== 7) throw new Error(`waCall bench: the ${k} form does not return its argument`);
    for (let i = 0; i < 2000; i++) await forms[k](i);
    best[k] = Infinity;
  }
  for (let round = 0; round < 15; round++) {
    for (const k in forms) {
      const f = forms[k];
      const t0 = now();
      for (let i = 0; i < C; i++) await f(i);
      best[k] = Math.min(best[k], ((now() - t0) * 1000) / C);
    }
  }
  add('JS->C->JS promise round trip (waCall, JSON)', best.json, 'us', 'JS await async fn', best.js);
  add('  the same beside a JS async fn doing the same JSON round trip', best.json, 'us',
      'JS await async fn (x) => JSON.parse(JSON.stringify(x))', best.jsJson);
  add('JS->C->JS promise round trip (waCall, value: number)', best.value, 'us', 'JS await async fn', best.js);

  // 5. Peers built and measured in this run. The switch beside Emscripten's
  //    own fibers (same emcc, -sASYNCIFY, one-way swaps).
  add('ns per task switch vs emscripten_fiber_swap', switchNs, 'ns', 'emscripten_fiber_swap',
      await peers.emfiber());
  //    C suspends on an already-resolved JS promise and is resumed: our
  //    wa_js_await beside JSPI (WebAssembly.Suspending/promising), best of 3.
  const K = 20000;
  await m.waCall('b_js_await', 2000);
  let ours = Infinity;
  for (let i = 0; i < 3; i++) {
    r = await m.waCall('b_js_await', K);
    ours = Math.min(ours, r.ns / r.ops / 1000);
  }
  let jspi = null;
  if (typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function') {
    const wait = new WebAssembly.Suspending(() => Promise.resolve(1));
    const { instance } = await WebAssembly.instantiate(peers.jspiWasm, { env: { wait_js: wait } });
    const run = WebAssembly.promising(instance.exports.run);
    await run(2000);
    jspi = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = now();
      if ((await run(K)) !== K) throw new Error('JSPI peer: wrong sum');
      jspi = Math.min(jspi, ((now() - t0) * 1000) / K);
    }
  }
  add('C awaits a resolved JS promise (wa_js_await)', ours, 'us',
      jspi === null ? 'JSPI: this engine lacks WebAssembly.Suspending' : 'JSPI suspend+resume', jspi);
  return rows;
}
