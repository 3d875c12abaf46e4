#!/usr/bin/env bash
# bench_ws.sh: the WebSocket rows of `make bench`. Echo over 127.0.0.1:
#  server: one load generator (tests/bench/ws_client.c, wasyncio's client)
#          against four echo servers started here: ours (ws_echo_server.c,
#          a wa_app route that upgrades), Node's `ws` package, aiohttp and
#          python3-websockets. Rows: 16-byte text messages per second over
#          1 connection and over 100 connections (each sends its next
#          message when the echo arrives), and MB/s of 1 MiB binary messages.
#          Each also gets a row of the server's CPU time per message (from
#          /proc/PID/stat; ratio = peer / ours): a shared, loaded machine
#          blurs the rates, not the CPU spent.
#  client: wasyncio's client vs Node `ws`'s client vs python3-websockets'
#          client, all against our server (the fastest here, so the clients
#          are what is measured): 16-byte text over 1 and 100 connections.
# Every figure is the best of 3 runs, each bounded by its message count
# (BENCH_WS_N scales them, default 1) and a 60 s timeout. Ratio = ours / peer (higher is better).
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
# run CMD...: the best of 3 runs (the machine is shared: one slow run says
# little), or n/a
run() {
    local best=0 v
    for _ in 1 2 3; do
        v=$(timeout 60 "$@" 2>/dev/null | head -n1)
        [[ $v =~ ^[0-9.]+$ ]] || continue
        best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
    done
    [[ $best == 0 ]] && echo n/a || echo "$best"
}
have_node=0
command -v node >/dev/null && [[ -d js/node_modules/ws ]] && have_node=1
have_py=0
"$py" -c 'import aiohttp, websockets' 2>/dev/null && have_py=1

# start NAME CMD...: an echo server on a free port; prints the port
declare -A port pid
start() {
    local name=$1 p
    shift
    p=$(procs_free_port)
    procs_start "$@" "$p" >/dev/null 2>&1
    wait_port "$p" || { echo "bench_ws: $name did not start" >&2; return 1; }
    port[$name]=$p
    pid[$name]=$procs_last
}
start ours "$out/ws_echo_server" || exit 1
((have_node)) && start node node tests/bench/ws_peer.mjs server
((have_py)) && start aiohttp "$py" tests/bench/ws_peer.py aiohttp-server
((have_py)) && start websockets "$py" tests/bench/ws_peer.py websockets-server

# The server's own CPU time (user + system, in clock ticks) so far: the
# figure a loaded machine does not blur.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

# row TITLE UNIT CONNS MESSAGES SIZE [binary]: the load generator against
# every server; a second row gives each server's CPU time per message.
row() {
    local title=$1 unit=$2 msgs=$(($3 * $4)) t0
    shift 2
    declare -A v c
    for s in ours node aiohttp websockets; do
        v[$s]=n/a c[$s]=n/a
        [[ -n ${port[$s]:-} ]] || continue
        t0=$(cpu_ticks "${pid[$s]}")
        v[$s]=$(run "$out/ws_client" "ws://127.0.0.1:${port[$s]}/" "$@")
        # 3 runs of msgs messages; microseconds of server CPU per message
        c[$s]=$(awk -v t="$(($(cpu_ticks "${pid[$s]}") - t0))" -v hz="$hz" -v m="$msgs" \
            'BEGIN { printf "%.1f", t / hz * 1e6 / (3 * m) }')
    done
    printf '| ws server: %s | %s | %s | node ws %s · aiohttp %s · websockets %s | %s · %s · %s |\n' \
        "$title" "${v[ours]}" "$unit" "${v[node]}" "${v[aiohttp]}" "${v[websockets]}" \
        "$(ratio "${v[ours]}" "${v[node]}")" "$(ratio "${v[ours]}" "${v[aiohttp]}")" \
        "$(ratio "${v[ours]}" "${v[websockets]}")"
    printf '| ws server CPU: %s | %s | µs/msg | node ws %s · aiohttp %s · websockets %s | %s · %s · %s |\n' \
        "$title" "${c[ours]}" "${c[node]}" "${c[aiohttp]}" "${c[websockets]}" \
        "$(ratio "${c[node]}" "${c[ours]}")" "$(ratio "${c[aiohttp]}" "${c[ours]}")" \
        "$(ratio "${c[websockets]}" "${c[ours]}")"
}
row "echo 16 B text, 1 connection" msg/s 1 $((10000 * n)) 16
row "echo 16 B text, 100 connections" msg/s 100 $((300 * n)) 16
row "echo 1 MiB binary, 1 connection" MB/s 1 $((50 * n)) 1048576 binary

# crow TITLE CONNS MESSAGES: the three clients against our server
crow() {
    local url="ws://127.0.0.1:${port[ours]}/" ours nd=n/a wsp=n/a
    ours=$(run "$out/ws_client" "$url" "$2" "$3" 16)
    ((have_node)) && nd=$(run node tests/bench/ws_peer.mjs client "$url" "$2" "$3" 16)
    ((have_py)) && wsp=$(run "$py" tests/bench/ws_peer.py websockets-client "$url" "$2" $(($3 / 4)) 16)
    printf '| ws client: %s | %s | msg/s | node ws %s · websockets %s | %s · %s |\n' \
        "$1" "$ours" "$nd" "$wsp" "$(ratio "$ours" "$nd")" "$(ratio "$ours" "$wsp")"
}
crow "echo 16 B text, 1 connection (our server)" 1 $((10000 * n))
crow "echo 16 B text, 100 connections (our server)" 100 $((300 * n))
