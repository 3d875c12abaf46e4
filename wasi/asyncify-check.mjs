// asyncify-check.mjs: names the mis-build "the Asyncify step was skipped"
// before a host trips over it. Such a module still imports asyncify.* (the
// step turns those imports into its own functions), and hosts then stop with
// `Import #0 module="asyncify" ... not an object`, which names nothing.
//
//   node wasi/asyncify-check.mjs module.wasm   (exit 1 with the message)
//   import { asyncifyMissing } from './asyncify-check.mjs'
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The message for a compiled module that skipped the step, or null.
export function asyncifyMissing(module, name) {
  const left = WebAssembly.Module.imports(module).filter((i) => i.module === 'asyncify');
  if (!left.length) return null;
  return `wasyncio: ${name} imports asyncify.${left[0].name}: the Asyncify step was skipped. ` +
    'Run wasyncio-wasm-opt.sh on the linked module (or build with wasyncio-wasi-cc / ' +
    'wasyncio-wasip2-cc, which do it).';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node asyncify-check.mjs module.wasm');
    process.exit(2);
  }
  const msg = asyncifyMissing(new WebAssembly.Module(readFileSync(file)), file);
  if (msg) {
    console.error(msg);
    process.exit(1);
  }
}
