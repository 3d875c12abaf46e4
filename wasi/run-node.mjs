// run-node.mjs: runs a WASI preview1 command module under Node's built-in
// node:wasi, the way `wasmtime run` would: arguments after the module go to
// the program, --dir maps directories (like wasmtime's --dir), WASYNCIO_*
// environment variables pass through, and the exit status is the program's.
//
//   node wasi/run-node.mjs [--dir HOST[::GUEST]]... module.wasm [args...]
import { WASI } from 'node:wasi';
import { readFile } from 'node:fs/promises';
import process from 'node:process';

// node:wasi prints an ExperimentalWarning on first use; it is not ours.
process.removeAllListeners('warning');
process.on('warning', (w) => { if (w.name !== 'ExperimentalWarning') console.error(w); });

const argv = process.argv.slice(2);
const preopens = {};
while (argv.length && argv[0].startsWith('--')) {
  const flag = argv.shift();
  if (flag === '--dir' && argv.length) {
    const [host, guest] = argv.shift().split('::');
    preopens[guest ?? host] = host;
  } else {
    console.error(`run-node.mjs: unknown option ${flag}`);
    process.exit(2);
  }
}
if (!argv.length) {
  console.error('usage: node wasi/run-node.mjs [--dir HOST[::GUEST]]... module.wasm [args...]');
  process.exit(2);
}
const env = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith('WASYNCIO_')) env[k] = v;

const wasi = new WASI({ version: 'preview1', args: argv, env, preopens, returnOnExit: true });
const imports = wasi.getImportObject();
// Node 20's direct WASI calls crash the process (SIGSEGV, "Invalid
// bytecode") once a module has grown its memory to ~90 MB and then writes
// (seen with 9k+ parked tasks); a plain JS wrapper around each call avoids
// that path. The cost is a few ns per host call, far from any switch.
const p1 = imports.wasi_snapshot_preview1;
for (const name of Object.keys(p1)) {
  const f = p1[name];
  p1[name] = (...args) => f(...args);
}
const module = await WebAssembly.compile(await readFile(argv[0]));
// Imported here, after the warning filter: a static import would let
// node:wasi's warning out before the filter is installed.
const { asyncifyMissing } = await import('./asyncify-check.mjs');
const skipped = asyncifyMissing(module, argv[0]);
if (skipped) {
  console.error(skipped);
  process.exit(1);
}
const instance = await WebAssembly.instantiate(module, imports);
let status;
try {
  status = wasi.start(instance);
} catch (e) {
  // A trap: report it like a crash, never as success.
  process.stdout.write('');
  console.error(`run-node.mjs: ${argv[0]} trapped: ${e && e.message}`);
  status = 134;
}
process.exitCode = status;
