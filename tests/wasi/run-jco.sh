#!/usr/bin/env bash
# run-jco.sh: runs a WASI preview1 command module as a WASI 0.2 component
# under jco (the Bytecode Alliance's preview2 host for Node): the module is
# adapted once with `jco new --wasi-command` (cached next to it as
# .component.wasm) and run with `jco run`. jco run preopens the host's "/",
# so relative paths resolve against the current directory as with
# `wasmtime run --dir .`.
#
#   tests/wasi/run-jco.sh module.wasm [args...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
JCO="${JCO:-$root/js/node_modules/.bin/jco}"
if [ $# -lt 1 ]; then
  echo "usage: tests/wasi/run-jco.sh module.wasm [args...]" >&2
  exit 2
fi
mod="$1"; shift
comp="${mod%.wasm}.component.wasm"
if [ ! -f "$comp" ] || [ "$mod" -nt "$comp" ]; then
  node "$root/wasi/asyncify-check.mjs" "$mod" || exit 1
  "$JCO" new "$mod" --wasi-command -o "$comp.tmp" >/dev/null
  mv "$comp.tmp" "$comp"
fi
# Preopen the current directory as ".", like `wasmtime run --dir .`.
exec "$JCO" run --jco-import "$here/jco-preopen.mjs" "$comp" "$@"
