// embed.mjs: adds the component-type section (the world the core module's
// wasi:* imports and exports belong to) so `jco new` can adapt it.
//
//   node wasi/wasip2/embed.mjs in.wasm command|server out.wasm
//
// `jco embed --wit <dir>` cannot read files in this jco (its wasm-tools runs
// under a WASI shim without the path), so the WIT is handed over as one
// source: our world file, then each wasi package jco ships as a nested
// `package x { ... }` block. jco ships the 0.2.12 WIT; it is renamed to
// 0.2.0, the version our imports name (every function used is
// `@since(version = 0.2.0)`, and 0.2.x only adds functions, so the
// signatures are the same; tests/wasip2/imports.sh checks the result).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const js = process.env.WASYNCIO_JS_DIR || join(here, "..", "..", "js");
const bca = join(js, "node_modules", "@bytecodealliance");
const WIT_SHIPPED = "0.2.12";
const WASI_VERSION = "0.2.0";

const [, , input, world, output] = process.argv;
if (!input || !world || !output) {
  console.error("usage: embed.mjs in.wasm command|server out.wasm");
  process.exit(2);
}

function witSource() {
  let src = readFileSync(join(here, "wit", "wasyncio.wit"), "utf8");
  const dir = join(bca, "jco", "lib", "wit", "builtin", WIT_SHIPPED);
  for (const pkg of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, pkg, "package.wit"), "utf8")
      .replaceAll(`@${WIT_SHIPPED}`, `@${WASI_VERSION}`);
    const m = text.match(/^package\s+([^;\s]+)\s*;/m);
    if (!m) throw new Error(`no package line in ${pkg}`);
    src += `\npackage ${m[1]} {\n${text.replace(m[0], "")}\n}\n`;
  }
  return src;
}

const tools = await import(pathToFileURL(join(bca, "jco-transpile", "dist", "wasm-tools.js")).href);
try {
  const out = await tools.componentEmbed({
    binary: readFileSync(input),
    witSource: witSource(),
    world,
  });
  writeFileSync(output, out);
} catch (e) {
  console.error(`embed.mjs: ${input}: ${e && e.message ? e.message : e}`);
  process.exit(1);
}
