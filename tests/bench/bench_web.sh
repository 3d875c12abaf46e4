#!/usr/bin/env bash
# bench_web.sh: the browser target's benchmark (make bench-web, and make
# bench through tests/bench/run.sh): in Node and headless Chromium, wasyncio
# beside plain JS async/await doing the same work, plus the page's gzipped
# .wasm/.js sizes, the stream rows under Node (stream_target_rows.sh), and
# the WebSocket echo rows (ws_web_bench.mjs).
# Prints markdown rows | name | value | unit | peer | ratio |
# (ratio > 1: wasyncio is better). Needs `make web`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f build/web/test/node/web_bench.cjs || ! -f build/web/demo_lib.wasm ]]; then
  echo "bench_web: build/web is missing; run 'make web' first" >&2
  exit 1
fi
node tests/bench/web_bench_run.mjs
# the WebSocket client (Node's ws package, a Chromium page) beside plain JS clients
node tests/bench/ws_web_bench.mjs || true
# streams on node:net beside the native build of the same program
bash tests/bench/stream_target_rows.sh node || true
