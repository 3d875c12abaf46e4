#!/usr/bin/env bash
# run-jsc.sh: runs a WASI preview1 command module on JavaScriptCore's `jsc`
# shell through tests/wasi/jsc-preview1.js, with wasi/run-node.mjs's interface: --dir
# preopens (read-only here), WASYNCIO_* variables passed through, the
# program's exit status as ours.
#
#   tests/wasi/run-jsc.sh [--dir HOST[::GUEST]]... module.wasm [args...]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JSC="${JSC:-jsc}"
opts=()
while [[ $# -gt 0 && $1 == --* ]]; do
  if [[ $1 == --dir && $# -ge 2 ]]; then opts+=(--dir "$2"); shift 2
  else echo "run-jsc.sh: unknown option $1" >&2; exit 2; fi
done
if [[ $# -lt 1 ]]; then
  echo "usage: tests/wasi/run-jsc.sh [--dir HOST[::GUEST]]... module.wasm [args...]" >&2
  exit 2
fi
command -v "$JSC" >/dev/null || { echo "run-jsc.sh: no '$JSC' (Debian: libjavascriptcoregtk-4.0-bin)" >&2; exit 127; }
while IFS= read -r var; do opts+=(--env "$var"); done < <(env | grep '^WASYNCIO_')

status=$(mktemp)
trap 'rm -f "$status"' EXIT
# jsc's writeFile() truncates what it opens, so the shim's stdout and stderr
# must be pipes, never the caller's files; the filter drops the line jsc's
# readFile() prints when a file the program probes does not exist.
"$JSC" "$here/jsc-preview1.js" -- "$status" "${opts[@]}" "$@" \
    2> >(grep --line-buffered -v '^Could not open file: ' >&2) | cat
rc=${PIPESTATUS[0]}
wait   # the stderr filter
code=$(cat "$status")
if [[ -z $code ]]; then
  echo "run-jsc.sh: jsc ended without an exit status (exit $rc)" >&2
  exit 70
fi
exit "$code"
