#!/usr/bin/env bash
# bench_web.sh: the browser target's benchmark (make bench-web, and make
# bench through tests/bench/run.sh): in Node and headless Chromium, wasyncio
# beside plain JS async/await doing the same work, plus the page's gzipped
# .wasm/.js sizes, and the stream rows under Node (bench_streams_targets.sh).
# Prints markdown rows | name | value | unit | peer | ratio |
# (ratio > 1: wasyncio is better). Needs `make web`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f build/web/test/node/web_bench.cjs || ! -f build/web/demo_lib.wasm ]]; then
  echo "bench_web: build/web is missing; run 'make web' first" >&2
  exit 1
fi
node tests/bench/web_bench_run.mjs
# streams on node:net beside the native build of the same program
bash tests/bench/bench_streams_targets.sh node || true
