#!/usr/bin/env bash
# bench_wasi.sh: WASI build measurements under Node (node:wasi), as markdown
# rows `| name | value | unit | peer | ratio |`: ns per switch at call depths
# 1/8/32 (and the per-frame slope), spawn+complete per task (100k gathered),
# the cost of the stack and Asyncify-record checks (switch, spawn, a call-heavy loop, against the
# same benchmark built without it), linear and resident memory per parked
# task (10k and 100k sleeping), the smallest stack common libc calls run in,
# and the Asyncify size overhead of a representative example. Needs `make wasi`.
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
# The stack check's cost: the same benchmark without it (WASYNCIO_STACK_CHECK=0).
# Ratio = unchecked / checked, so below 1.00x is what the check costs.
nocheck=$(mktemp)
WASYNCIO_STACK_CHECK=0 bash wasi/wasyncio-wasm-opt.sh $W/raw/wasi_bench.wasm "$nocheck"
run_unchecked() { node wasi/run-node.mjs "$nocheck" "$@"; }
best() { sort -g | head -1; } # the least disturbed of the runs (shared machine)
check_row() { # check_row NAME UNIT KEY ARGS...: best of 3, alternating builds
    local name=$1 unit=$2 key=$3; shift 3
    local with without i
    for i in 1 2 3; do run "$@" | val "$key"; run_unchecked "$@" | val "$key" >&2; done \
        > "$nocheck.with" 2> "$nocheck.without"
    with=$(best < "$nocheck.with"); without=$(best < "$nocheck.without")
    row "wasi $name, stack and record checks on" "$with" "$unit" "unchecked $without" "$(ratio "$without" "$with")"
}
check_row "switch, depth 1" ns/switch ns_per_switch switch 1000000 1
check_row "spawn+complete" ns/task ns_per_task spawn 100000
check_row "call-heavy loop (16-deep framed calls)" ns/call ns_per_call calls 20000000
rm -f "$nocheck" "$nocheck.with" "$nocheck.without"

for n in 10000 100000; do
    out=$(node wasi/run-node.mjs --dir /proc "$B" park $n)
    bpt=$(echo "$out" | val bytes_per_task)
    row "wasi memory per parked task ($n sleeping)" "$bpt" "bytes" "$(peers "$PY_MEMORY" "$NODE_MEMORY") (100k)" \
        "$(ratios "$PY_MEMORY" "$NODE_MEMORY" "$bpt")"
    row "wasi resident memory per parked task ($n sleeping, Node RSS)" \
        "$(echo "$out" | val rss_bytes_per_task)" "bytes" "-" "-"
done
row "wasi linear memory, 100k parked" "$(echo "$out" | val memory_total_mib)" MiB "wasm32 limit 4096 MiB" "-"
row "wasi Node process RSS, 100k parked" "$(echo "$out" | val rss_total_mib)" MiB "-" "-"

# The smallest stack each libc call runs in (bisected to 256 bytes; an
# overflow is stopped and reported, so a failed try is a clean exit 134).
need() { # need OP: smallest passing stack in bytes
    local lo=1008 hi=65536 mid  # 1008: just under the 1024-byte minimum
    node wasi/run-node.mjs --dir . "$B" need "$1" $hi 2>/dev/null | grep -q '^ok' || { echo ">$hi"; return; }
    while (( hi - lo > 256 )); do
        mid=$(( (lo + hi) / 2 / 16 * 16 ))
        if node wasi/run-node.mjs --dir . "$B" need "$1" $mid 2>/dev/null | grep -q '^ok'; then hi=$mid; else lo=$mid; fi
    done
    echo "$hi"
}
for op in sleep printf snprintf-float fopen-read qsort strtod strftime; do
    row "wasi stack a task needs for $op" "$(need "$op")" bytes "default 16384" "-"
done
row "wasi max Asyncify buffer used (parked in wa_sleep)" "$(echo "$out" | val max_asyncify_used)" bytes "default 1024" "-"

# Size overheads: the tasks example, same -O3, with and without Asyncify and
# the stack check. Sizes without debug sections (the raw link carries
# wasi-libc's DWARF, which the stack-check step drops).
raw=$W/raw/tasks.wasm
with=$(mktemp) without=$(mktemp) plain=$(mktemp) nochk=$(mktemp)
trap 'rm -f "$with" "$without" "$plain" "$nochk"' EXIT
bash wasi/wasyncio-wasm-opt.sh "$raw" "$with"
WASYNCIO_ASYNCIFY=0 bash wasi/wasyncio-wasm-opt.sh "$raw" "$without"
WASYNCIO_STACK_CHECK=0 bash wasi/wasyncio-wasm-opt.sh "$raw" "$nochk"
bash wasi/wasyncio-stack-check.sh "$raw" "$plain" --asyncify --pass-arg=asyncify-ignore-imports -O3
for f in "$with" "$without" "$plain" "$nochk"; do ${WASM_OPT:-wasm-opt} --strip-debug "$f" -o "$f"; done
sw=$(stat -c %s "$with"); so=$(stat -c %s "$without"); sp=$(stat -c %s "$plain"); sn=$(stat -c %s "$nochk")
pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", 100*(a-b)/b}'; }
row "wasi Asyncify size overhead (tasks.wasm)" "$(pct "$sw" "$so")" "%" "+50% average (published)" "-"
row "wasi Asyncify overhead without remove-list" "$(pct "$sp" "$so")" "%" "-" "-"
row "wasi stack and record checks size overhead (tasks.wasm)" "$(pct "$sw" "$sn")" "%" "-" "-"
row "wasi tasks.wasm size" "$sw" bytes "-" "-"
