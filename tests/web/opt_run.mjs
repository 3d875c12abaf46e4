// opt_run.mjs: runs the builds of tests/web/opt_levels.sh in Node.
//   node opt_run.mjs page OUT.mjs OUT.wasm   a page build, loaded as in a worker
//   node opt_run.mjs lib OUT.cjs              a --node-lib build: one waCall
// Prints what the program prints, then "done <code>".
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [kind, mod, wasm] = process.argv.slice(2);
const print = (s) => console.log(s);
const printErr = (s) => console.error(s);
if (kind === 'page') {
  // ENVIRONMENT=web,worker: Node passes for a worker; the module is handed
  // its wasm bytes, as a page fetches them.
  globalThis.importScripts = () => {};
  globalThis.self = globalThis;
  globalThis.location = { href: pathToFileURL(process.cwd() + '/').href };
  const create = (await import(pathToFileURL(mod).href)).default;
  const m = await create({ wasmBinary: fs.readFileSync(wasm), print, printErr });
  const r = await m.waDone;
  console.log(`done ${r.code}`);
  process.exit(r.code === 0 ? 0 : 1);
} else {
  const m = await createRequire(import.meta.url)(fs.realpathSync(mod))({ print, printErr });
  const r = await m.waCall('echo_after_nap', { n: 7 });
  console.log(JSON.stringify(r));
  console.log('done 0');
  process.exit(0);
}
