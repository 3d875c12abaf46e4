// node_api.test.mjs: the web build's JS interop, fetch and error paths under
// Node (Emscripten's Node target), against web/serve.mjs on 127.0.0.1.
// Run from js/ (make test-web). Exits non-zero on any failure.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { spawn } from 'node:child_process';
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

// Scripted hostile replies (tests/http/hostile_server.py): Node's fetch
// refuses them itself, and each refusal keeps its own code, as natively.
const hostile = spawn('/usr/bin/python3', [path.join(root, 'tests/http/hostile_server.py'), '0'],
                      { stdio: ['ignore', 'pipe', 'ignore'] });
process.on('exit', () => hostile.kill('SIGKILL')); // even when a check throws
const hostilePort = await new Promise((resolve) => {
  let out = '';
  hostile.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(parseInt(out, 10)); });
  hostile.on('exit', () => resolve(0));
});
const WA_CODES = { EPROTO: -26, ETOOBIG: -25, EREDIRECTS: -38 };
for (const [p, want] of [['/chunk_bad_hex', 'EPROTO'], ['/chunk_overflow', 'EPROTO'],
                         ['/header_flood', 'ETOOBIG'], ['/header_100k', 'ETOOBIG'],
                         ['/cl_conflict', 'EPROTO'], ['/cl_bad', 'EPROTO'],
                         ['/redirect_loop', 'EREDIRECTS']]) {
  const r = hostilePort ? await m.waCall('t_fetch', `http://127.0.0.1:${hostilePort}${p}`) : { rc: 'no server' };
  const ok = r.rc === WA_CODES[want];
  console.log(`${ok ? 'ok  ' : 'FAIL'} hostile ${p}: WA_${want}${ok ? '' : ': ' + JSON.stringify(r)}`);
  if (!ok) failed++;
  results.push({ ok });
}
hostile.kill('SIGKILL');

// An unawaited task's failure is reported on stderr with its name.
await m.waCall('t_unhandled', null);
const rep = errLines.find((l) => /doomed-task/.test(l) && /on purpose/.test(l));
console.log(`${rep ? 'ok  ' : 'FAIL'} unhandled task failure reported with the task name${rep ? '' : ': ' + JSON.stringify(errLines)}`);
if (!rep) failed++;

// The value form frees what it must, once: argument copies, owned results,
// and results that reuse the argument's own copy. Churned through the build
// with Emscripten's checking allocator, which aborts on a double free.
{
  const mc = await require(path.join(root, 'build/web/test/node/web_api_memcheck.cjs'))(
    { print: () => {}, printErr: (s) => errLines.push(s) });
  let bad = 0, crash = null;
  try {
    for (let round = 0; round < 20; round++) {
      const xs = Array.from({ length: 100 }, (_, i) => (i % 2
        ? `s-${round}-${i}-é`.repeat(1 + (i % 7))
        : new Uint8Array(Array.from({ length: 1 + (i % 50) }, (_, k) => (k + i) & 0x7f))));
      const rs = await Promise.all(xs.map((x) => mc.waCall('v_echo', x)));
      rs.forEach((r, i) => {
        const x = xs[i];
        const ok = typeof x === 'string' ? r === x
          : r instanceof Uint8Array && r.length === x.length && r.every((b, k) => b === x[k] + 1);
        if (!ok) bad++;
      });
      if ((await mc.waCall('v_hello', null)) !== 'héllo from C') bad++;
      if ((await mc.waCall('v_same_owned', `own-${round}`)) !== `own-${round}`) bad++;
      if ((await mc.waCall('v_same_owned', new Uint8Array([round]))).join() !== String(round)) bad++;
      // An owned result handed back at once while a nested call starts.
      if ((await mc.waCall('v_nested', round)) !== `outer-${round}`) bad++;
      if ((await mc.nestedCall) !== `inner-${round}`) bad++;
    }
    // Freed after JS read them: what the last call handed back at once.
    await new Promise((res) => setTimeout(res, 20));
    if ((await mc.waCall('v_same_owned', 'after-idle')) !== 'after-idle') bad++;
  } catch (e) {
    crash = String(e && e.message || e);
  }
  const ok = bad === 0 && crash === null;
  console.log(`${ok ? 'ok  ' : 'FAIL'} waCall value form: 4,000 calls with strings and bytes, nested calls, no double free (checking allocator)` +
              (ok ? '' : ': ' + JSON.stringify({ bad, crash })));
  if (!ok) failed++;
}

await srv.close();
console.log(`web-node-api: ${results.length + 2 - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
