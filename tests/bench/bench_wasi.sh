#!/usr/bin/env bash
# bench_wasi.sh: WASI build measurements under Node (node:wasi), as markdown
# rows `| name | value | unit | peer | ratio |`: ns per switch at call depths
# 1/8/32 (and the per-frame slope), spawn+complete per task (100k gathered),
# linear memory per parked task (10k and 100k sleeping), and the Asyncify
# size overhead of a representative example. Needs `make wasi`.
set -euo pipefail
cd "$(dirname "$0")/../.."
W=build/wasi
B=$W/tools/wasi_bench.wasm
run() { node wasi/run-node.mjs "$B" "$@"; }
val() { awk -v k="$1" '$1 == k { print $2 }'; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

s1=$(run switch 1000000 1 | val ns_per_switch)
s8=$(run switch 1000000 8 | val ns_per_switch)
s32=$(run switch 300000 32 | val ns_per_switch)
slope=$(awk -v a="$s1" -v b="$s32" 'BEGIN { printf "%.1f", (b - a) / 31 }')
row "wasi switch, depth 1" "$s1" ns "design-notes prototype 52 ns" "$(awk -v a="$s1" 'BEGIN{printf "%.2f", a/52}')"
row "wasi switch, depth 8" "$s8" ns "-" "-"
row "wasi switch, depth 32" "$s32" ns "-" "-"
row "wasi switch slope per frame" "$slope" ns "-" "-"
sp=$(run spawn 100000 | val ns_per_task)
row "wasi spawn+complete (100k gathered)" "$sp" "ns/task" "Python gather ~3900 ns" "$(awk -v a="$sp" 'BEGIN{printf "%.2f", a/3900}')"
for n in 10000 100000; do
    out=$(run park $n)
    row "wasi memory per parked task ($n sleeping)" "$(echo "$out" | val bytes_per_task)" "bytes" "Python asyncio ~730 B" \
        "$(awk -v a="$(echo "$out" | val bytes_per_task)" 'BEGIN{printf "%.1f", a/730}')"
done
row "wasi linear memory, 100k parked" "$(echo "$out" | val memory_total_mib)" MiB "wasm32 limit 4096 MiB" "-"
row "wasi max Asyncify buffer used (parked in wa_sleep)" "$(echo "$out" | val max_asyncify_used)" bytes "default 1024" "-"

# Asyncify size overhead: the tasks example, same -O3, with and without it.
raw=$W/raw/tasks.wasm
with=$(mktemp) without=$(mktemp) plain=$(mktemp)
trap 'rm -f "$with" "$without" "$plain"' EXIT
bash wasi/wasyncio-wasm-opt.sh "$raw" "$with"
WASYNCIO_ASYNCIFY=0 bash wasi/wasyncio-wasm-opt.sh "$raw" "$without"
${WASM_OPT:-wasm-opt} --asyncify --pass-arg=asyncify-ignore-imports -O3 "$raw" -o "$plain"
sw=$(stat -c %s "$with"); so=$(stat -c %s "$without"); sp=$(stat -c %s "$plain")
row "wasi Asyncify size overhead (tasks.wasm)" "$(awk -v a="$sw" -v b="$so" 'BEGIN{printf "%.1f", 100*(a-b)/b}')" "%" "published avg +50%" "-"
row "wasi Asyncify overhead without remove-list" "$(awk -v a="$sp" -v b="$so" 'BEGIN{printf "%.1f", 100*(a-b)/b}')" "%" "-" "-"
row "wasi tasks.wasm size" "$sw" bytes "-" "-"
