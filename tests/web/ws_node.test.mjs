// ws_node.test.mjs: the web host's WebSocket client under Node (Emscripten's
// Node target, bound to the ws package): the cases of ws_cases.mjs on
// build/web/test/node/ws_api.cjs against the ws peer (ws_peer.mjs), all on
// 127.0.0.1. Prints "ok"/"FAIL" lines and "web-node-ws: N passed, M failed".
//   node tests/web/ws_node.test.mjs [module.cjs]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWsPeer } from './ws_peer.mjs';
import { runWsCases } from './ws_cases.mjs';

// A wss:// echo server with a fresh self-signed certificate for 127.0.0.1.
async function startTlsEcho() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-ws-tls-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
                           '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
               { stdio: 'ignore' });
  const { WebSocketServer } = createRequire(path.join(root, 'js/package.json'))('ws');
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `wss://127.0.0.1:${server.address().port}/`, cert,
    close: () => new Promise((r) => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      server.close(() => { fs.rmSync(dir, { recursive: true, force: true }); r(); });
    }),
  };
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const modPath = path.resolve(process.argv[2] || path.join(root, 'build/web/test/node/ws_api.cjs'));
const create = createRequire(import.meta.url)(modPath);

const closedUrl = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(`ws://127.0.0.1:${port}/closed`));
  });
});
const errLines = [];
const m = await create({ print: () => {}, printErr: (s) => errLines.push(s) });
const peer = await startWsPeer();
const killer = setTimeout(() => { console.log('web-node-ws: timed out'); process.exit(1); }, 60000);
let passed = 0, failed = 0;
try {
  const results = await runWsCases(m, { peer: peer.url, closedUrl, env: 'node',
                                        closes: async () => peer.closes,
                                        flood: () => peer.flood, silentUrl: peer.silentUrl });
  for (const r of results) {
    if (r.ok) passed++; else failed++;
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ws (node): ${r.name}${r.ok ? '' : ' ' + r.detail}`);
  }
  // wss:// with Node's ws: a self-signed certificate (openssl, for IP
  // 127.0.0.1) is WA_ETLS by default, accepted with ca_file = that PEM or
  // with WA_WS_INSECURE; a missing ca_file is WA_ENOENT.
  const tls = await startTlsEcho();
  const t = async (how) => m.waCall('tls_connect', `${tls.url}#${how}`);
  const tlsCases = [
    ['wss:// to a self-signed server: WA_ETLS', await t(''), (r) => r.name === 'WA_ETLS'],
    ['wss:// with ca_file naming its certificate: connects', await t('ca=' + tls.cert),
     (r) => r.rc === 0 && r.echo === 'tls'],
    ['wss:// with WA_WS_INSECURE: connects', await t('insecure'), (r) => r.rc === 0 && r.echo === 'tls'],
    ['wss:// with a ca_file that does not exist: WA_ENOENT', await t('ca=/nonexistent/ca.pem'),
     (r) => r.name === 'WA_ENOENT'],
  ];
  await tls.close();
  for (const [name, r, good] of tlsCases) {
    if (good(r)) passed++; else failed++;
    console.log(`${good(r) ? 'ok  ' : 'FAIL'} ws (node): ${name}${good(r) ? '' : ' ' + JSON.stringify(r)}`);
  }
  const ok = peer.pings.includes('p1');
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ws (node): the peer received the ping's payload`);
} catch (e) {
  failed++;
  console.log(`FAIL ws (node): the run finished: ${(e && e.stack) || e}`);
} finally {
  clearTimeout(killer);
  await peer.close();
}
if (errLines.length) console.log(errLines.join('\n'));
console.log(`web-node-ws: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
