// ws_node.test.mjs: the web host's WebSocket client under Node (Emscripten's
// Node target, bound to the ws package): the cases of ws_cases.mjs on
// build/web/test/node/ws_api.cjs against the ws peer (ws_peer.mjs), all on
// 127.0.0.1. Prints "ok"/"FAIL" lines and "web-node-ws: N passed, M failed".
//   node tests/web/ws_node.test.mjs [module.cjs]
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWsPeer } from './ws_peer.mjs';
import { runWsCases } from './ws_cases.mjs';

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
