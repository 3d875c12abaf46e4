#!/usr/bin/env bash
# bench_core.sh: the core rows of `make bench`: switch, spawn, memory,
# timer and synchronisation figures for wasyncio, each next to Python
# asyncio and Node async/await running the same workload in the same run,
# and the raw fiber switch beside Boost.Context's jump_fcontext. Prints
# markdown rows `| name | value | unit | peer | ratio |` (ratio = peer /
# ours).
# Exit 77 means "skipped" (prerequisites missing).
set -u
cd "$(dirname "$0")/../.."
lib=build/native/libwasyncio.a
out=build/native/bench
PY=/usr/bin/python3
[[ -f $lib ]] || { echo "bench_core: $lib missing (run make native)" >&2; exit 77; }
mkdir -p "$out"

# Link against a private copy: other builds may rewrite the library meanwhile.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$lib" "$tmp/libwasyncio.a"
for b in switch gen spawn memory timers sync; do
    gcc -O2 -std=gnu11 -Isrc -pthread "tests/bench/core_$b.c" -o "$out/core_$b" \
        "$tmp/libwasyncio.a" -luv -lcurl -lhttp_parser -lm ||
        { echo "bench_core: building core_$b failed" >&2; exit 1; }
done

have_py=0 have_node=0
[[ -x $PY ]] && have_py=1
command -v node >/dev/null && have_node=1

# best of 3 runs (smallest figure): the machine is shared, noise only adds
best3() {
    local best="" v
    for _ in 1 2 3; do
        v=$("$@" | head -n1) || return 1
        [[ -z $best ]] && best=$v
        best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b < a) ? b : a }')
    done
    echo "$best"
}
peer_py() { ((have_py)) && "$PY" tests/bench/peer_core.py "$@" 2>/dev/null || echo "n/a"; }
peer_node() { ((have_node)) && node --expose-gc tests/bench/peer_core.mjs "$@" 2>/dev/null || echo "n/a"; }
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (p+0 > 0 && o+0 > 0) printf "%.1f×", p / o; else printf "n/a" }'; }

# Peer figures are also kept for the other parts of this run (bench_wasi.sh
# compares the wasm builds with the same peers): KEY=value lines.
peers="$out/peers.env"
: > "$peers"
keep() { echo "$1=$2" >> "$peers"; }

# row NAME OURS UNIT PY NODE
row() {
    printf '| %s | %s | %s | asyncio %s · node %s | %s · %s |\n' "$1" "$2" "$3" "$4" "$5" \
        "$(ratio "$4" "$2")" "$(ratio "$5" "$2")"
}

ours=$(best3 "$out/core_switch" yield 5000000)
py=$(peer_py switch-yield 200000) nd=$(peer_node switch-yield 1000000)
keep PY_SWITCH_RT "$py"; keep NODE_SWITCH_RT "$nd"
row "switch: 2 tasks ping-pong via yield" "$ours" "ns/round trip" "$py" "$nd"

# The raw switch of the fiber layer beside Boost.Context's jump_fcontext,
# the same main <-> one context ping-pong (fiber_switch.c, peer_fcontext.c),
# built and run here, one-way ns (median of 7 runs each).
fcx="n/a" raw="n/a"
if gcc -O2 -std=gnu11 -Isrc -pthread tests/bench/fiber_switch.c -o "$out/fiber_switch" \
       "$tmp/libwasyncio.a" -luv -lcurl -lhttp_parser -lm; then
    raw=$("$out/fiber_switch" | sed -n 's/^fiber_switch_ns //p')
fi
if gcc -O2 -std=gnu11 tests/bench/peer_fcontext.c -o "$out/peer_fcontext" -lboost_context 2>/dev/null; then
    fcx=$("$out/peer_fcontext" | sed -n 's/^fcontext_switch_ns //p')
else
    echo "bench_core: Boost.Context missing (libboost-context-dev, make deps)" >&2
fi
printf '| switch: raw one-way context switch (wa__fiber_switch) | %s | ns | Boost.Context jump_fcontext %s | %s |\n' \
    "${raw:-n/a}" "${fcx:-n/a}" "$(ratio "$fcx" "$raw")"

ours=$(best3 "$out/core_switch" event 5000000)
row "switch: 2 tasks ping-pong via event" "$ours" "ns/round trip" \
    "$(peer_py switch-event 200000)" "$(peer_node switch-event 1000000)"

# One async-generator step: the consumer's next and the body's yield.
ours=$(best3 "$out/core_gen" 2000000)
row "generator: one step (next + yield)" "$ours" "ns/step" \
    "$(peer_py gen 200000)" "$(peer_node gen 1000000)"

ours=$("$out/core_spawn" 100000 5 | head -n1)
py=$(peer_py spawn 100000 3) nd=$(peer_node spawn 100000 5)
keep PY_SPAWN "$py"; keep NODE_SPAWN "$nd"
row "spawn+run+complete, 100k gathered" "$ours" "ns/task" "$py" "$nd"

mem=$("$out/core_memory" 100000)
ours=$(head -n1 <<<"$mem")
stack=$(sed -n 's/^stack //p' <<<"$mem")
py=$(peer_py memory 100000) nd=$(peer_node memory 100000)
keep PY_MEMORY "$py"; keep NODE_MEMORY "$nd"
row "memory: RSS per parked task, 100k sleeping" "$ours" "bytes/task" "$py" "$nd"
printf '| memory: stack reserved per task (virtual, touched lazily) | %s | KiB | - | - |\n' \
    "$((stack / 1024))"

ours=$("$out/core_timers" 100000 2 | head -n1)
row "timers: insert+fire at 100k pending (CPU)" "$ours" "ns/timer" \
    "$(peer_py timers 100000 2)" "$(peer_node timers 100000 2)"

# Synchronisation primitives (core_sync.c): each program takes the best of
# its rounds. Node has no async lock, semaphore or bounded queue, so
# peer_core.mjs carries minimal promise-based ones; the rows say so.
ours_sync() { "$out/core_sync" "$@" || echo "n/a"; }
row "lock: 2 tasks hand off one lock (asyncio.Lock; node: promise mutex in the peer)" \
    "$(ours_sync lock 500000 5)" "ns/hand-off" \
    "$(peer_py lock 20000 3)" "$(peer_node lock 200000 5)"
row "semaphore(1): 2 tasks hand off one permit (node: promise semaphore in the peer)" \
    "$(ours_sync sem 500000 5)" "ns/hand-off" \
    "$(peer_py sem 20000 3)" "$(peer_node sem 200000 5)"
row "queue(maxsize 1): producer to consumer (node: promise queue in the peer)" \
    "$(ours_sync queue 500000 5)" "ns/item" \
    "$(peer_py queue 20000 3)" "$(peer_node queue 200000 5)"
row "task group: 100 children spawned+joined (asyncio.TaskGroup; node: Promise.all of 100 async fns)" \
    "$(ours_sync group 300000 5)" "ns/child" \
    "$(peer_py group 30000 3)" "$(peer_node group 300000 5)"
