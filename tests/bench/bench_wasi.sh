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

# Peers measured earlier in this same run by bench_core.sh (asyncio, Node).
# Ratios are peer / ours, as in every other row.
PY_SWITCH_RT=n/a NODE_SWITCH_RT=n/a PY_SPAWN=n/a NODE_SPAWN=n/a PY_MEMORY=n/a NODE_MEMORY=n/a
[[ -f build/native/bench/peers.env ]] && . build/native/bench/peers.env
half() { awk -v a="$1" 'BEGIN { if (a+0 > 0) printf "%.1f", a / 2; else printf "n/a" }'; }
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (p+0 > 0 && o+0 > 0) printf "%.2f×", p / o; else printf "n/a" }'; }
peers() { printf 'asyncio %s · node %s' "$1" "$2"; }
ratios() { printf '%s · %s' "$(ratio "$1" "$3")" "$(ratio "$2" "$3")"; }

s1=$(run switch 1000000 1 | val ns_per_switch)
s8=$(run switch 1000000 8 | val ns_per_switch)
s32=$(run switch 300000 32 | val ns_per_switch)
slope=$(awk -v a="$s1" -v b="$s32" 'BEGIN { printf "%.1f", (b - a) / 31 }')
# the peers' figure is per round trip (two switches)
py_sw=$(half "$PY_SWITCH_RT") nd_sw=$(half "$NODE_SWITCH_RT")
row "wasi switch, depth 1" "$s1" "ns/switch" "$(peers "$py_sw" "$nd_sw")" "$(ratios "$py_sw" "$nd_sw" "$s1")"
row "wasi switch, depth 8" "$s8" "ns/switch" "-" "-"
row "wasi switch, depth 32" "$s32" "ns/switch" "-" "-"
row "wasi switch, cost per extra frame" "$slope" ns "-" "-"
sp=$(run spawn 100000 | val ns_per_task)
row "wasi spawn+complete (100k gathered)" "$sp" "ns/task" "$(peers "$PY_SPAWN" "$NODE_SPAWN")" "$(ratios "$PY_SPAWN" "$NODE_SPAWN" "$sp")"
for n in 10000 100000; do
    out=$(run park $n)
    bpt=$(echo "$out" | val bytes_per_task)
    row "wasi memory per parked task ($n sleeping)" "$bpt" "bytes" "$(peers "$PY_MEMORY" "$NODE_MEMORY") (100k)" \
        "$(ratios "$PY_MEMORY" "$NODE_MEMORY" "$bpt")"
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
row "wasi Asyncify size overhead (tasks.wasm)" "$(awk -v a="$sw" -v b="$so" 'BEGIN{printf "%.1f", 100*(a-b)/b}')" "%" "+50% average (published)" "-"
row "wasi Asyncify overhead without remove-list" "$(awk -v a="$sp" -v b="$so" 'BEGIN{printf "%.1f", 100*(a-b)/b}')" "%" "-" "-"
row "wasi tasks.wasm size" "$sw" bytes "-" "-"
