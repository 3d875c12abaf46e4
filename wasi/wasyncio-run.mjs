#!/usr/bin/env node
// wasyncio-run.mjs: runs what wasyncio-wasi-cc and wasyncio-wasip2-cc build,
// on Node, the way wasmtime would. Installed as PREFIX/bin/wasyncio-run and
// PREFIX/bin/wasyncio-serve (make install).
//
//   wasyncio-run [--dir HOST[::GUEST]]... app.wasm [args...]
//       A WASI preview1 module (node:wasi) or a WASI 0.2 command component
//       (wasi:cli/run, through jco's preview2 shim). The program sees only the
//       directories given with --dir (wasmtime's --dir): `--dir .` lets it
//       read files under the current directory by relative path, and nothing
//       else (a path outside is WA_ENOTCAPABLE). A 0.2 command also has the
//       network: wasi:sockets TCP and name lookup (the streams layer), as
//       `wasmtime run -S inherit-network -S allow-ip-name-lookup` grants.
//       WASYNCIO_* environment variables pass through; the exit status is
//       the program's.
//   wasyncio-serve [--host H] [--port P] server.wasm
//       A WASI 0.2 server component (wasi:http/incoming-handler) on
//       http://H:P/ (default 127.0.0.1:8080), as `wasmtime serve` does. It
//       runs in this process (no child left behind when it is killed) until
//       SIGINT or SIGTERM.
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, mkdirSync,
         writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
const serving = basename(process.argv[1] || '').includes('serve');
const me = serving ? 'wasyncio-serve' : 'wasyncio-run';

function usage(code) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const lines = [];
  for (const l of text.slice(1)) {
    if (!l.startsWith('//')) break;
    lines.push(l.replace(/^\/\/ ?/, ''));
  }
  (code ? console.error : console.log)(lines.join('\n'));
  process.exit(code);
}
function die(msg) {
  console.error(`${me}: ${msg}`);
  process.exit(2);
}

// Options first, then the module and its arguments.
const argv = process.argv.slice(2);
const dirs = [];
let host = '127.0.0.1', port = 8080;
while (argv.length && argv[0].startsWith('-')) {
  const flag = argv.shift();
  if (flag === '-h' || flag === '--help') usage(0);
  else if (flag === '--') break;
  else if (flag === '--dir' && argv.length && !serving) dirs.push(argv.shift());
  else if (flag === '--host' && argv.length && serving) host = argv.shift();
  else if (flag === '--port' && argv.length && serving) {
    port = Number(argv.shift());
    if (!Number.isInteger(port) || port < 0 || port > 65535) die(`--port: not a port number`);
  } else die(`unknown option ${flag} (${me} --help)`);
}
if (!argv.length) usage(2);
const wasm = argv[0];
if (!existsSync(wasm)) die(`${wasm}: no such file`);
for (const d of dirs) {
  const hostDir = d.split('::')[0];
  if (!existsSync(hostDir)) die(`--dir ${hostDir}: no such directory`);
}

// A core module starts \0asm 01 00 00 00; a component \0asm 0d 00 01 00.
const head = readFileSync(wasm).subarray(0, 8);
if (head.length < 8 || head.readUInt32LE(0) !== 0x6d736100) die(`${wasm}: not a WebAssembly file`);
const isComponent = head[4] === 0x0d && head[6] === 0x01;

if (!isComponent) {
  if (serving) die(`${wasm} is a preview1 module; a server must be a WASI 0.2 component (wasyncio-wasip2-cc)`);
  // The preview1 runner, one implementation (run-node.mjs): its arguments.
  process.argv = [process.argv[0], join(here, 'run-node.mjs'),
                  ...dirs.flatMap((d) => ['--dir', d]), ...argv];
  await import(pathToFileURL(join(here, 'run-node.mjs')).href);
} else {
  await runComponent();
}

// The component step's tools: an installed prefix keeps them in
// lib/wasyncio/wasip2/node_modules, the source tree in js/node_modules.
function toolsDir() {
  for (const d of [join(here, 'wasip2', 'node_modules'), join(here, '..', 'js', 'node_modules')])
    if (existsSync(join(d, '@bytecodealliance', 'jco-transpile'))) return d;
  die('jco-transpile is missing: reinstall wasyncio (make install) or run make deps');
}

async function runComponent() {
  const modules = toolsDir();
  const transpiler = join(modules, '@bytecodealliance', 'jco-transpile');
  const shim = realpathSync(join(transpiler, 'node_modules', '@bytecodealliance', 'preview2-shim'));
  // The bindings generator itself (jco-transpile's vendored component): its
  // transpile() wrapper also loads a native minifier that is not installed.
  const bindgen = await import(pathToFileURL(join(transpiler, 'vendor',
                                                  'js-component-bindgen-component.js')).href);
  await bindgen.$init;
  const out = mkdtempSync(join(tmpdir(), 'wasyncio-run-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const shimMap = {};
  for (const p of ['cli', 'clocks', 'filesystem', 'http', 'io', 'random', 'sockets'])
    shimMap[`wasi:${p}/*`] = `@bytecodealliance/preview2-shim/${p}#*`;
  let generated;
  try {
    generated = bindgen.generate(readFileSync(wasm), {
      name: 'component', map: Object.entries(shimMap), noTypescript: true,
      noComponentErrorWrapping: true, validLiftingOptimization: false, tracing: false,
      noNodejsCompat: false, tlaCompat: false, base64Cutoff: 5000, noNamespacedExports: false,
      multiMemory: false, bindgenEnableWasmExnref: false, strict: false, flagsAsBigint: false,
      variantsInlineCases: false, useNamespaceObjects: false,
      enumValuesScreamingSnakeCase: false, idlImports: false, asmjs: false,
    });
  } catch (e) {
    die(`${wasm}: cannot load the component: ${e && (e.payload || e.message)}`);
  }
  for (const [name, bytes] of generated.files) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), bytes);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  mkdirSync(join(out, 'node_modules', '@bytecodealliance'), { recursive: true });
  symlinkSync(shim, join(out, 'node_modules', '@bytecodealliance', 'preview2-shim'), 'dir');
  // The same shim instance the component imports (symlinks resolve to it).
  const shimModule = (name) => import(pathToFileURL(join(shim, 'dist', 'nodejs', `${name}.js`)).href);
  const fs = await shimModule('filesystem');
  const cli = await shimModule('cli');
  fs._clearPreopens();
  for (const d of dirs) {
    const [hostDir, guest] = d.split('::');
    fs._addPreopen(guest ?? hostDir, resolve(hostDir));
  }
  cli._setArgs([wasm, ...argv.slice(1)]);
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('WASYNCIO_')) env[k] = v;
  cli._setEnv(env);
  const mod = await import(pathToFileURL(join(out, 'component.js')).href);
  if (serving) {
    if (typeof mod.incomingHandler?.handle !== 'function')
      die(`${wasm} is not a server component (no wasi:http/incoming-handler); run it with wasyncio-run`);
    const { HTTPServer } = await shimModule('http');
    const server = new HTTPServer(mod.incomingHandler);
    try {
      server.listen(port, host);
    } catch (e) {
      die(`cannot listen on ${host}:${port}: ${e && (e.code || e.message)}`);
    }
    console.error(`${me}: ${wasm} listening on http://${host}:${port}/`);
    const stop = () => { try { server.stop(); } catch {} process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  if (!mod.run || typeof mod.run.run !== 'function')
    die(`${wasm} is not a command component (no wasi:cli/run); a server runs with wasyncio-serve`);
  // wasi:cli/exit ends the process itself (the shim calls process.exit).
  let status = 0;
  try {
    await mod.run.run();
  } catch (e) {
    console.error(`${me}: ${wasm} trapped: ${e && e.message}`);
    status = 134;
  }
  await new Promise((r) => setTimeout(r)); // let stdout flush
  process.exit(status);
}
