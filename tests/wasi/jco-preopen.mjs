// jco-preopen.mjs: loaded by `jco run --jco-import` (tests/wasi/run-jco.sh, tests/wasip2/run.sh) to give
// the component the current directory as its preopen ".", like
// `wasmtime run --dir .`. jco's own preview2-shim starts with none.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// Resolve the shim from jco's own directory, as jco does, so both share one
// module instance.
const jcoDir = new URL('../../js/node_modules/@bytecodealliance/jco/', import.meta.url);
const fsPath = createRequire(new URL('package.json', jcoDir).pathname)
  .resolve('@bytecodealliance/preview2-shim/filesystem');
const { _addPreopen } = await import(pathToFileURL(fsPath).href);
_addPreopen('.', process.env.WASYNCIO_JCO_DIR || process.cwd());
