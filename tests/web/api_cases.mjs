// api_cases.mjs: behaviour checks of the web build, shared by the Node test
// (node_api.test.mjs) and the browser test (browser.test.mjs, every engine). m is a
// module built from tests/web/web_api.c; base is the test server's origin;
// env is 'node' or 'browser'; closedUrl points at a port nothing listens on
// (port 1 is on fetch's blocked-port list, so the harness finds one). Returns [{name, ok, detail}].
export const WA = {
  EINVAL: -1, ECANCELED: -5, ETIMEDOUT: -6, ENOTSUP: -13, EURL: -20, ESCHEME: -21,
  ECONNREFUSED: -23, ENET: -24, ETOOBIG: -25, EHTTP: -27, EJS: -28, ETLS: -29, EUSER: -1000,
};

export async function runApiCases(m, base, env, closedUrl, log = () => {}) {
  const results = [];
  const check = (name, ok, detail) => {
    results.push({ name, ok: !!ok, detail: ok ? '' : JSON.stringify(detail) });
    log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ' ' + JSON.stringify(detail)}`);
  };
  const stats = async () => (await fetch(base + '/api/stats')).json();
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  // Error codes agree with wasyncio.h (the JS library mirrors them).
  check('codes: WA_ENET named', m.waStrerror(WA.ENET).length > 0 && m.waStrerror(WA.EJS) !== m.waStrerror(WA.ENET),
        [m.waStrerror(WA.ENET), m.waStrerror(WA.EJS)]);
  check('codes: WA_ETLS named apart from WA_ENET',
        /TLS/.test(m.waStrerror(WA.ETLS)) && m.waStrerror(WA.ETLS) !== m.waStrerror(WA.ENET),
        m.waStrerror(WA.ETLS));
  // The JS table (generated from src/wasyncio/errors.h at build time) and C's
  // wa_error_name agree both ways, and so do the constants above.
  {
    const table = Object.entries(m.waErrors || {});
    const misnamed = table.filter(([n, c]) => m.waErrorName(c) !== 'WA_' + n);
    const missing = [];
    for (let c = 0; c >= WA.EUSER; c--)
      if (m.waErrorName(c) !== null && !table.some(([, jc]) => jc === c)) missing.push(c);
    const local = Object.entries(WA).filter(([n, c]) => m.waErrors[n] !== c);
    check('codes: the JS table, C and this test agree',
          table.length > 20 && m.waErrorName(WA.EUSER - 5) === 'WA_EUSER' && m.waErrorName(-999) === null &&
          misnamed.length === 0 && missing.length === 0 && local.length === 0,
          { size: table.length, misnamed, missing, local });
  }

  // JS -> C -> JS: arguments and results as JSON; failures reject.
  const echo = await m.waCall('t_echo', { a: [1, 2, 'three'], b: null });
  check('waCall: JSON round trip', JSON.stringify(echo) === '{"a":[1,2,"three"],"b":null}', echo);
  let err = null;
  try { await m.waCall('t_fail', 'x'); } catch (e) { err = e; }
  check('waCall: wa_raise rejects with code and message',
        err && err.code === WA.EUSER - 1 && /asked to fail/.test(err.message), err && [err.code, err.message]);
  err = null;
  try { await m.waCall('no_such_fn', 1); } catch (e) { err = e; }
  check('waCall: unknown name rejects', err && /no C coroutine/.test(err.message), err && err.message);
  const many = await Promise.all([1, 2, 3, 4, 5].map((i) => m.waCall('t_echo', i)));
  check('waCall: concurrent calls share one loop', JSON.stringify(many) === '[1,2,3,4,5]', many);

  // C awaits JS promises.
  let h = m.waPromise(new Promise((r) => setTimeout(() => r({ v: 42, s: 'ok' }), 20)));
  let r = await m.waCall('t_await', h);
  check('wa_js_await: value as JSON', r.rc === 0 && r.text === '{"v":42,"s":"ok"}', r);
  h = m.waPromise(Promise.reject(new Error('nope from JS')));
  r = await m.waCall('t_await', h);
  check('wa_js_await: rejection is WA_EJS with message', r.rc === WA.EJS && r.text === 'nope from JS', r);
  r = await m.waCall('t_await', h);
  check('wa_js_await: a consumed handle is WA_EINVAL', r.rc === WA.EINVAL, r);
  h = m.waPromise(new Promise(() => {}));
  r = await m.waCall('t_await_timeout', h);
  check('wa_js_await: a deadline scope ends the wait', r.rc === WA.ETIMEDOUT && r.inner === WA.ETIMEDOUT, r);

  // Cancelling a call from JS (AbortSignal) cancels the C task.
  const ac = new AbortController();
  const p = m.waCall('t_sleep', 5000, { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  err = null;
  const t0 = Date.now();
  try { await p; } catch (e) { err = e; }
  check('waCall: AbortSignal cancels the task', err && err.code === WA.ECANCELED && Date.now() - t0 < 4000,
        err && [err.code, err.message]);

  // fetch: status, headers, body; error paths distinguishable.
  r = await m.waCall('t_fetch', `${base}/api/item/7?delay=10`);
  check('wa_fetch: 200 with headers and body', r.rc === 0 && r.status === 200 && r.xitem === '7' &&
        /json/.test(r.ctype) && JSON.parse(r.body).id === 7 && r.len === r.body.length, r);
  r = await m.waCall('t_fetch', `${base}/no/such/file.txt`);
  check('wa_fetch: missing URL is status 404, not an error', r.rc === 0 && r.status === 404, r);
  r = await m.waCall('t_fetch_raise', `${base}/no/such/file.txt`);
  check('wa_fetch: RAISE_FOR_STATUS gives WA_EHTTP and keeps the status', r.rc === WA.EHTTP && r.status === 404, r);
  r = await m.waCall('t_fetch', closedUrl);
  const netCodes = env === 'node' ? [WA.ECONNREFUSED] : [WA.ENET];
  check(`wa_fetch: network failure (${env}: ${netCodes.map((c) => m.waStrerror(c))})`, netCodes.includes(r.rc), r);
  r = await m.waCall('t_bad_input', null);
  check('bad input: URL, scheme, NULL, handles, server, to_thread, stdin, TLS options',
        r.url === WA.EURL && r.scheme === WA.ESCHEME && r.null === WA.EINVAL && r.handle === WA.EINVAL &&
        r.handle0 === WA.EINVAL && r.listen === WA.ENOTSUP && r.thread === 0 && r.threadResult === 1 &&
        r.stdin === WA.ENOTSUP && r.tls === WA.ENOTSUP, r);
  // Streams: no sockets in a page (WA_ENOTSUP at once); node:net under Node.
  r = await m.waCall('t_stream_open', Number(new URL(closedUrl).port));
  if (env === 'node')
    check('streams (node): connect refused, listen on a free port',
          r.connect === WA.ECONNREFUSED && r.listen === 0 && r.port > 0 && r.null === 1, r);
  else
    check('streams (browser): connect and listen are WA_ENOTSUP at once',
          r.connect === WA.ENOTSUP && r.listen === WA.ENOTSUP && r.null === 1 && r.ms < 50, r);
  r = await m.waCall('t_fetch_stream', `${base}/api/bytes?n=300000`);
  check('wa_fetch: streamed body read in chunks', r.rc === 0 && r.total === 300000 && r.bad === 0 && r.reads > 1, r);
  r = await m.waCall('t_fetch_limit', `${base}/api/bytes?n=5000`);
  check('wa_fetch: max_body exceeded is WA_ETOOBIG', r.rc === WA.ETOOBIG, r);
  r = await m.waCall('t_fetch_timeout_opt', `${base}/api/item/1?delay=3000`);
  check('wa_fetch: timeout_ms gives WA_ETIMEDOUT', r.rc === WA.ETIMEDOUT, r);

  // Cancellation and deadline scopes abort the request (the server sees it).
  let before = (await stats()).aborted;
  r = await m.waCall('t_fetch_cancel', `${base}/api/item/2?delay=3000`);
  await wait(100);
  let after = (await stats()).aborted;
  check('wa_fetch: cancelling the task aborts the request', r.cancel === 0 && r.rc === WA.ECANCELED && after > before,
        { r, before, after });
  before = after;
  r = await m.waCall('t_fetch_scope', `${base}/api/item/3?delay=3000`);
  await wait(100);
  after = (await stats()).aborted;
  check('wa_fetch: a deadline scope aborts the request', r.rc === WA.ETIMEDOUT && r.inner === WA.ETIMEDOUT && after > before,
        { r, before, after });

  // The value form (WA_JS_EXPORT_VALUE): numbers, strings and bytes with no
  // JSON; bytes already in wasm memory pass in place; a result can be a view.
  {
    let v = await m.waCall('v_echo', 2.5);
    check('waCall value: a number comes back as a number', v === 2.5, v);
    v = await m.waCall('v_echo', null);
    check('waCall value: null comes back as null', v === null, v);
    v = await m.waCall('v_echo', 'héllo ☃ "quoted"');
    check('waCall value: a UTF-8 string round trip', v === 'héllo ☃ "quoted"', v);
    v = await m.waCall('v_echo', '');
    check('waCall value: the empty string', v === '', v);
    v = await m.waCall('v_echo', new Uint8Array([1, 2, 254]));
    check('waCall value: bytes in, fresh bytes out (a copy, not a view)',
          v instanceof Uint8Array && v.join() === '2,3,255' && v.buffer !== m.HEAPU8.buffer, v && Array.from(v));
    v = await m.waCall('v_echo', new Uint16Array([0x0201]).buffer);
    check('waCall value: an ArrayBuffer is bytes', v instanceof Uint8Array && v.join() === '2,3', v && Array.from(v));
    const p = m._malloc(4);
    m.HEAPU8.set([10, 20, 30, 40], p);
    v = await m.waCall('v_echo', m.HEAPU8.subarray(p + 1, p + 3));
    const seen = Array.from(m.HEAPU8.subarray(p, p + 4));
    m._free(p);
    check('waCall value: a view of wasm memory is passed in place, no copy',
          v === p + 1 && seen.join() === '10,21,31,40', { v, p, seen });
    v = await m.waCall('v_view', 5);
    check('waCall value: a WA_JS_VIEW result is a view of wasm memory',
          v instanceof Uint8Array && v.buffer === m.HEAPU8.buffer && v.join() === '0,1,2,3,4', v && Array.from(v));
    v = await m.waCall('v_hello', null);
    check('waCall value: a plain C string result (len 0)', v === 'héllo from C', v);
    let e = null;
    try { await m.waCall('v_fail', 7); } catch (x) { e = x; }
    check('waCall value: wa_raise rejects with code and message',
          e && e.code === WA.EUSER - 4 && /v_fail got 7/.test(e.message), e && [e.code, e.message]);
    e = null;
    try { await m.waCall('v_echo', { a: 1 }); } catch (x) { e = x; }
    check('waCall value: an object is refused (TypeError, use the JSON form)', e instanceof TypeError, e && e.message);
    const ac = new AbortController();
    const slow = m.waCall('v_sleep', 5000, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    e = null;
    try { await slow; } catch (x) { e = x; }
    check('waCall value: AbortSignal cancels', e && e.code === WA.ECANCELED, e && [e.code, e.message]);
    // Calls in a row share the loop that the first one started; once JS is
    // idle the loop ends, and the next call starts a new one.
    const row = [];
    for (let i = 0; i < 50; i++) row.push(await m.waCall('v_echo', i));
    await wait(20);
    const again = await Promise.all([m.waCall('v_echo', 'x'), m.waCall('t_echo', [1])]);
    check('waCall value: calls in a row, then a new loop after an idle turn',
          row.every((x, i) => x === i) && again[0] === 'x' && JSON.stringify(again[1]) === '[1]', { row, again });
    // A call started while another call's coroutine runs (C calls JS, JS
    // calls C): both settle with their own values, in the loop's first
    // call and in a loop that is already open.
    const nested = [];
    for (const n of [1, 2, 3]) {
      const outer = await m.waCall('v_nested', n);
      nested.push(outer, await m.nestedCall);
    }
    check('waCall value: a call made from inside another call\'s run',
          nested.join() === 'outer-1,inner-1,outer-2,inner-2,outer-3,inner-3', nested);
  }

  // Many tasks sleeping and switching.
  r = await m.waCall('t_many', 1000);
  check('1,000 tasks sleep, yield and finish', r.rc === 0 && r.ok === 1000, r);
  return results;
}
