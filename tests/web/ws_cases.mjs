// ws_cases.mjs: the WebSocket cases of the web host, run on the coroutines of
// tests/web/ws_api.c in Node (ws_node.test.mjs) and in each browser
// (browser.test.mjs), against the peer of tests/web/ws_peer.mjs.
//   runWsCases(m, {peer, closedUrl, env, closes}) -> [{name, ok, detail}]
// peer: ws://127.0.0.1:PORT; closedUrl: a ws:// URL nobody listens on;
// env: 'node' | 'browser' | 'wasip2' (the RFC 6455 engine); closes(): the peer's record of closes it received
// (a function, since in a page it lives in the test process: async);
// flood(): the peer's /flood record (Node and WASI 0.2 runs only);
// silentUrl: a ws:// URL whose server accepts and never answers.
export async function runWsCases(m, { peer, closedUrl, env, closes, flood, silentUrl }) {
  const out = [];
  const E = m.waErrors;
  const name = (code) => m.waErrorName(code);
  const check = (n, ok, detail) => out.push({ name: n, ok: !!ok, detail: JSON.stringify(detail) });
  const peerClose = async (path, since) => (await closes()).slice(since).find((c) => c.path === path);

  let r = await m.waCall('connect_only', closedUrl);
  check('connection refused is named (WA_ECONNREFUSED)', r.rc === E.ECONNREFUSED, r);

  if (silentUrl) {
    r = await m.waCall('connect_timeout', silentUrl);
    check(`a server that never answers the handshake: WA_ETIMEDOUT after handshake_timeout_ms (${r.ms} ms)`,
          r.rc === E.ETIMEDOUT && r.ms >= 250 && r.ms < 3000, r);
  }

  r = await m.waCall('connect_only', 'http://127.0.0.1:1/');
  check('an http:// URL is WA_ESCHEME', r.rc === E.ESCHEME, r);

  r = await m.waCall('connect_only', peer + '/nowhere-but-answered');
  // The peer answers the handshake, then closes with 4004: a 101, not a refusal.
  check('an answered handshake is a connection (rc 0)', r.rc === 0, r);

  r = await m.waCall('abnormal', peer + '/abort');
  check('abnormal close: the message before it, then WA_EWSABNORMAL with 1006',
        r.rc === 0 && r.gotX === 1 && r.rc2 === E.EWSABNORMAL && r.type === 8 && r.code === 1006 &&
        r.closeCode === 1006 && r.closed === 1, r);
  check('after the abnormal close: receive and send are WA_ECLOSED',
        r.after === 'WA_ECLOSED' && r.send === 'WA_ECLOSED', r);

  r = await m.waCall('cancel_loses_nothing', peer + '/burst?n=200&ms=2');
  check(`cancelled receives lose no message (${r.timeouts} deadlines, ${r.cancels} cancels)`,
        r.rc >= 0 && r.got === 200 && r.bad === 0 && r.timeouts > 0 && r.cancels > 0, r);

  let since = (await closes()).length;
  r = await m.waCall('max_message', peer + '/big?n=2000');
  let pc = await waitClose(() => peerClose('/big', since));
  // A page may not send 1009: it closes with 1000 and says why.
  const sentCode = env === 'browser' ? 1000 : 1009;
  check(`max message size holds: 500 bytes pass, 2000 are WA_ETOOBIG, close ${sentCode}`,
        r.rc === 0 && r.r1 === 0 && r.len1 === 500 && r.r2 === E.ETOOBIG && r.type === 8 &&
        r.code === 1009 && pc && pc.code === sentCode, { r, pc });

  r = await m.waCall('subprotocol', peer + '/proto');
  check('subprotocol: the one the server picked is wa_ws_protocol', r.rc === 0 &&
        r.protocol === 'chat.v1' && r.peer === 'chat.v1', r);

  r = await m.waCall('extra_header', peer + '/headers');
  if (env === 'browser') check("extra headers in a page: WA_ENOTSUP (a page's WebSocket sends none)",
                               r.rc === E.ENOTSUP, r);
  else check('extra headers reach the server (Node ws)', r.rc === 0 && r.peer === 'hello', r);

  since = (await closes()).length;
  r = await m.waCall('echo_close', peer + '/echo#4001');
  pc = await waitClose(() => peerClose('/echo', since));
  check('echo: UTF-8 text and binary with a NUL come back intact', r.rc === 0 && r.ok === 1, r);
  check(env === 'browser' ? 'ping in a page: WA_ENOTSUP' : 'ping: sent (Node ws)',
        r.ping === (env === 'browser' ? 'WA_ENOTSUP' : 'WA_OK'), r);
  check('close 4001 "done": the peer gets code and reason; again and a send after: WA_ECLOSED',
        r.close === 'WA_OK' && r.again === 'WA_ECLOSED' && r.send === 'WA_ECLOSED' &&
        r.closeCode === 4001 && r.closed === 1 && pc && pc.code === 4001 && pc.reason === 'done',
        { r, pc });

  since = (await closes()).length;
  r = await m.waCall('echo_close', peer + '/echo#1001');
  pc = await waitClose(() => peerClose('/echo', since));
  const want1001 = env === 'browser' ? 1000 : 1001;
  check(`close 1001: the peer gets ${want1001}${env === 'browser' ? ' (a page may send only 1000 and 3000-4999)' : ''}`,
        r.close === 'WA_OK' && pc && pc.code === want1001, { r, pc });

  r = await m.waCall('close_timeout', peer + '/noclose');
  check(`a peer that never answers the close: WA_EWSABNORMAL after close_timeout_ms (${r.ms} ms)`,
        r.rc === 0 && r.close === 'WA_EWSABNORMAL' && r.ms >= 150 && r.ms < 3000, r);

  r = await m.waCall('backpressure', peer + '/silent');
  if (env === 'wasip2') // the engine's send waits for the stream's drain: nothing stays buffered
    check(`backpressure: sends into a peer that does not read wait (${r.sends} sends)`,
          r.rc === 0 && r.last === 'WA_ETIMEDOUT' && r.sends < 4096, r);
  else
    check(`backpressure: a send waits once over 1 MiB is buffered, until 256 KiB (${r.sends} sends, at most ${r.most} bytes)`,
          r.rc === 0 && r.last === 'WA_ETIMEDOUT' && r.most > (1 << 20) - (64 << 10) && r.sends < 4096, r);

  if (flood) {
    r = await m.waCall('flood_hold', peer + '/flood');
    const f = flood();
    const held = env === 'browser' ? null : f && f.at400 >= 0 && f.at400 < (16 << 20);
    check(env === 'browser'
      ? 'a flood the page does not read yet: all 32 MiB arrive, whole and in order (a page cannot push back)'
      : `a flood not read for 500 ms: the sender is held back (${f && f.at400} bytes sent in 400 ms), then all 32 MiB arrive`,
          r.rc === 0 && r.got === (32 << 20) && r.bad === 0 && held !== false, { r, f });
  }

  void name;
  return out;
}

// The peer learns of a close a moment after the client's call returns.
async function waitClose(find) {
  for (let i = 0; i < 50; i++) {
    const c = await find();
    if (c) return c;
    await new Promise((res) => setTimeout(res, 20));
  }
  return null;
}
