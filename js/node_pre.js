/* node_pre.js: --pre-js for Node program builds. Emscripten 3.1.6 would
 * fetch() the .wasm path under Node 20 (which has a global fetch) and fail;
 * reading the file here avoids that, and keeps fetch() free for wa_fetch. */
if (typeof process === 'object' && typeof require === 'function' && !Module['wasmBinary']) {
  var waPath = require('path');
  var waWasm = __filename.replace(/\.c?js$/, '.wasm');
  Module['wasmBinary'] = require('fs').readFileSync(waWasm);
}
