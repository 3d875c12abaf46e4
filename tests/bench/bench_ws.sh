#!/usr/bin/env bash
# bench_ws.sh: the WebSocket rows of `make bench`. Echo over 127.0.0.1:
#  server: one load generator (tests/bench/ws_client.c, wasyncio's client)
#          against four echo servers started here: ours (ws_echo_server.c,
#          a wa_app route that upgrades), Node's `ws` package, aiohttp and
#          python3-websockets. Rows: 16-byte text messages per second over
#          1 connection and over 100 connections (each sends its next
#          message when the echo arrives), and MB/s of 1 MiB binary messages.
#  client: wasyncio's client vs Node `ws`'s client vs python3-websockets'
#          client, all against Node's `ws` server (16-byte text, 1 connection).
# Every run is bounded by its message count (BENCH_WS_N scales them,
# default 1) and a 60 s timeout. Ratio = ours / peer (higher is better).
# Exit 77 = skipped.
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
lib=build/native/libwasyncio.a
out=build/native/bench
n=${BENCH_WS_N:-1}
[[ -f $lib ]] || { echo "bench_ws: run make native first" >&2; exit 77; }
mkdir -p "$out"
source tests/procs.sh
for prog in ws_client ws_echo_server; do
    gcc -O2 -std=gnu11 -Isrc -pthread "tests/bench/$prog.c" -o "$out/$prog" "$lib" \
        -luv -lcurl -lhttp_parser -lssl -lcrypto -lm ||
        { echo "bench_ws: building $prog failed" >&2; exit 1; }
done

wait_port() {
    for _ in $(seq 200); do
        "$py" -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1f×", a / b; else printf "n/a" }'; }
run() { timeout 60 "$@" 2>/dev/null | head -n1 | grep -E '^[0-9.]+$' || echo n/a; }
have_node=0
command -v node >/dev/null && [[ -d js/node_modules/ws ]] && have_node=1
have_py=0
"$py" -c 'import aiohttp, websockets' 2>/dev/null && have_py=1

# start NAME CMD...: an echo server on a free port; prints the port
declare -A port
start() {
    local name=$1 p
    shift
    p=$(procs_free_port)
    procs_start "$@" "$p" >/dev/null 2>&1
    wait_port "$p" || { echo "bench_ws: $name did not start" >&2; return 1; }
    port[$name]=$p
}
start ours "$out/ws_echo_server" || exit 1
((have_node)) && start node node tests/bench/ws_peer.mjs server
((have_py)) && start aiohttp "$py" tests/bench/ws_peer.py aiohttp-server
((have_py)) && start websockets "$py" tests/bench/ws_peer.py websockets-server

# row TITLE UNIT ARGS...: the load generator against every server
row() {
    local title=$1 unit=$2 peer
    shift 2
    declare -A v
    for s in ours node aiohttp websockets; do
        v[$s]=n/a
        [[ -n ${port[$s]:-} ]] && v[$s]=$(run "$out/ws_client" "ws://127.0.0.1:${port[$s]}/" "$@")
    done
    printf '| ws server: %s | %s | %s | node ws %s · aiohttp %s · websockets %s | %s · %s · %s |\n' \
        "$title" "${v[ours]}" "$unit" "${v[node]}" "${v[aiohttp]}" "${v[websockets]}" \
        "$(ratio "${v[ours]}" "${v[node]}")" "$(ratio "${v[ours]}" "${v[aiohttp]}")" \
        "$(ratio "${v[ours]}" "${v[websockets]}")"
}
row "echo 16 B text, 1 connection" msg/s 1 $((20000 * n)) 16
row "echo 16 B text, 100 connections" msg/s 100 $((300 * n)) 16
row "echo 1 MiB binary, 1 connection" MB/s 1 $((100 * n)) 1048576 binary

if ((have_node)); then
    url="ws://127.0.0.1:${port[node]}/"
    ours=$(run "$out/ws_client" "$url" 1 $((20000 * n)) 16)
    nd=$(run node tests/bench/ws_peer.mjs client "$url" 1 $((20000 * n)) 16)
    wsp=n/a
    ((have_py)) && wsp=$(run "$py" tests/bench/ws_peer.py websockets-client "$url" 1 $((5000 * n)) 16)
    printf '| ws client: echo 16 B text, 1 connection (Node ws server) | %s | msg/s | node ws %s · websockets %s | %s · %s |\n' \
        "$ours" "$nd" "$wsp" "$(ratio "$ours" "$nd")" "$(ratio "$ours" "$wsp")"
fi
