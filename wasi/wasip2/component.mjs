// component.mjs: turns an Asyncify'd core module into a WASI 0.2 component:
// embeds the world its wasi:* imports and exports belong to, then wraps it
// (wasm-tools component new, as `jco new` does).
//
//   node component.mjs in.wasm command|server out.wasm
//
// command: world `command` plus the preview1 command adapter (wasi:cli/run).
// server:  world `server`, exactly wasi:http/proxy, and no adapter: the
//          module links libwasyncio-proxy.a instead, so a preview1 import
//          left over is an error here rather than a host refusing it later.
//
// Runs from the source tree (tools from js/node_modules) or from an installed
// prefix (lib/wasyncio/wasip2/, where `make install` copies what it needs).
// `jco embed --wit <dir>` cannot read files in this jco (its wasm-tools runs
// under a WASI shim without the path), so the WIT is handed over as one
// source: our world file, then each wasi package as a nested
// `package x { ... }` block. jco ships the 0.2.12 WIT; it is renamed to
// 0.2.0, the version our imports name (every function used is
// `@since(version = 0.2.0)`, and 0.2.x only adds functions, so the
// signatures are the same; tests/wasip2/imports.sh checks the result).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { asyncifyMissing } from "../asyncify-check.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const WIT_SHIPPED = "0.2.12";
const WASI_VERSION = "0.2.0";

const installed = existsSync(join(here, "node_modules"));
const modules = installed ? join(here, "node_modules") : join(here, "..", "..", "js", "node_modules");
const jcoLib = join(modules, "@bytecodealliance", "jco", "lib");
const paths = {
  tools: join(modules, "@bytecodealliance", "jco-transpile", "dist", "wasm-tools.js"),
  wasiWit: installed ? join(here, "wit", "wasi") : join(jcoLib, "wit", "builtin", WIT_SHIPPED),
  adapter: installed ? join(here, "wasi_snapshot_preview1.command.wasm")
                     : join(jcoLib, "wasi_snapshot_preview1.command.wasm"),
};

const [, , input, world, output] = process.argv;
if (!input || !["command", "server"].includes(world) || !output) {
  console.error("usage: component.mjs in.wasm command|server out.wasm");
  process.exit(2);
}
for (const [what, p] of Object.entries(paths)) {
  if (!existsSync(p)) {
    console.error(`component.mjs: ${p} (${what}) is missing; ` +
      (installed ? "reinstall wasyncio (make install)" : "run `make deps` (npm packages in js/)"));
    process.exit(2);
  }
}

function witSource() {
  let src = readFileSync(join(here, "wit", "wasyncio.wit"), "utf8");
  for (const pkg of readdirSync(paths.wasiWit).sort()) {
    const file = join(paths.wasiWit, pkg, "package.wit");
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8").replaceAll(`@${WIT_SHIPPED}`, `@${WASI_VERSION}`);
    const m = text.match(/^package\s+([^;\s]+)\s*;/m);
    if (!m) throw new Error(`no package line in ${file}`);
    src += `\npackage ${m[1]} {\n${text.replace(m[0], "")}\n}\n`;
  }
  return src;
}

const binary = readFileSync(input);
const skipped = asyncifyMissing(new WebAssembly.Module(binary), input);
if (skipped) {
  console.error(skipped);
  process.exit(1);
}

const tools = await import(pathToFileURL(paths.tools).href);
let step = "embedding the world";
try {
  const embedded = await tools.componentEmbed({ binary, witSource: witSource(), world });
  step = "making the component";
  const adapters = world === "command"
    ? [["wasi_snapshot_preview1", readFileSync(paths.adapter)]] : [];
  writeFileSync(output, await tools.componentNew(embedded, adapters));
} catch (e) {
  const msg = String(e && e.message ? e.message : e);
  console.error(`component.mjs: ${input}: ${step}: ${msg}`);
  if (world === "server" && /wasi_snapshot_preview1/.test(msg))
    console.error("component.mjs: a server must link libwasyncio-proxy.a (no preview1 adapter)");
  process.exit(1);
}
