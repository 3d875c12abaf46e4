/* node_pre.js: --pre-js for Node program builds. Emscripten 3.1.6 would
 * fetch() the .wasm path under Node 20 (which has a global fetch) and fail;
 * reading the file here avoids that, and keeps fetch() free for wa_fetch. */
if (typeof process === 'object' && typeof require === 'function' && !Module['wasmBinary']) {
  var waPath = require('path');
  var waWasm = __filename.replace(/\.c?js$/, '.wasm');
  Module['wasmBinary'] = require('fs').readFileSync(waWasm);
}
/* WASYNCIO_* environment variables reach getenv(), as wasi/run-node.mjs
 * passes them to WASI programs (WASYNCIO_TEST_FILTER picks scenario cases).
 * Emscripten's own environment has only its defaults. */
if (typeof process === 'object' && process.env) {
  Module['preRun'] = [].concat(Module['preRun'] || [], function () {
    if (typeof ENV !== 'object') return;
    for (var waKey in process.env)
      if (waKey.indexOf('WASYNCIO_') === 0) ENV[waKey] = process.env[waKey];
  });
}
