// node_api.test.mjs: the web build's JS interop, fetch and error paths under
// Node (Emscripten's Node target), against web/serve.mjs on 127.0.0.1.
// Run from js/ (make test-web). Exits non-zero on any failure.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { startServer } from '../../web/serve.mjs';
import { runApiCases } from './api_cases.mjs';

// A loopback port nobody listens on: bind one, then let it go.
export function closedPortUrl() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(`http://127.0.0.1:${port}/closed`));
    });
  });
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
const create = require(path.join(root, 'build/web/test/node/web_api.cjs'));

const errLines = [];
const m = await create({ print: () => {}, printErr: (s) => errLines.push(s) });
const srv = await startServer({ root: path.join(root, 'build/web') });
let failed = 0;
const closedUrl = await closedPortUrl();
const results = await runApiCases(m, srv.base, 'node', closedUrl, (s) => console.log(s));
failed += results.filter((r) => !r.ok).length;

// An unawaited task's failure is reported on stderr with its name.
await m.waCall('t_unhandled', null);
const rep = errLines.find((l) => /doomed-task/.test(l) && /on purpose/.test(l));
console.log(`${rep ? 'ok  ' : 'FAIL'} unhandled task failure reported with the task name${rep ? '' : ': ' + JSON.stringify(errLines)}`);
if (!rep) failed++;

await srv.close();
console.log(`web-node-api: ${results.length + 1 - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
