#!/usr/bin/env bash
# stream_target_rows.sh wasip2|node: the stream rows of the WASI 0.2
# component (under jco) or of the Emscripten Node build, beside the same
# program built natively (tests/bench/stream_bench.c: an echo server and its
# clients in one loop on 127.0.0.1; 1 s per measure). Called by
# bench_wasip2.sh and bench_web.sh. Prints rows
# `| name | value | unit | peer | ratio |` (ratio = ours / native: the
# share of the native speed the target reaches).
set -u
cd "$(dirname "$0")/../.."
target=${1:?usage: stream_target_rows.sh wasip2|node}
JCO=${JCO:-js/node_modules/.bin/jco}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case $target in
  wasip2) prog=build/wasip2/tools/stream_bench.wasm; run=("$JCO" run "$prog"); label="wasip2 (jco run)" ;;
  node) prog=build/web/node/tools/stream_bench.js; run=(node "$prog"); label="Node (emcc --node)" ;;
  *) echo "stream_target_rows: unknown target $target" >&2; exit 2 ;;
esac
[[ -f $prog ]] || { echo "stream_target_rows: $prog missing" >&2; exit 77; }

# The native figures: the same source against the native library, when
# that library has streams (the native backend is another branch's).
native=()
if nm build/native/libwasyncio.a 2>/dev/null | grep -q ' T wa_open_connection$' &&
   cp build/native/libwasyncio.a "$tmp/lib.a" &&
   gcc -O2 -std=gnu11 -Isrc tests/bench/stream_bench.c "$tmp/lib.a" -o "$tmp/native" \
       -luv -lcurl -lhttp_parser -lssl -lcrypto -pthread -lm 2>/dev/null; then
    native=("$tmp/native")
fi

timeout 60 "${run[@]}" 1000 >"$tmp/ours" 2>/dev/null
if ((${#native[@]})); then timeout 60 "${native[@]}" 1000 >"$tmp/native.out" 2>/dev/null; fi
val() { awk -v k="$1" '$1 == k { print $2 }' "$2" 2>/dev/null | grep . || echo n/a; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.3f×", a / b; else printf "n/a" }'; }
row() { # key what unit
    local o n
    o=$(val "$1" "$tmp/ours")
    n=$(val "$1" "$tmp/native.out")
    printf '| streams %s: %s | %s | %s | native %s | %s |\n' "$label" "$2" "$o" "$3" "$n" "$(ratio "$o" "$n")"
}
row rt1 "echo round trips, 1 connection" "rt/s"
row rt100 "echo round trips, 100 connections" "rt/s"
row bulk "bulk through 1 connection" "MB/s"
