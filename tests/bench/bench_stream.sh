#!/usr/bin/env bash
# bench_stream.sh: the stream rows of `make bench`. One process per peer runs
# a line-echo server and its clients on 127.0.0.1 (tests/bench/stream_echo.c
# for wasyncio; stream_echo_peer.py on asyncio streams, stream_echo_peer.mjs
# on Node's net, stream_echo_uv.c straight on libuv callbacks: the practical
# limit). Rows: round trips/s of 64-byte lines over 1 and over 100
# connections, and MB/s of 64 KiB writes through one connection. Each figure
# is the best of 3 runs of BENCH_STREAM_SECS seconds (default 1).
# Ratios are ours / peer (higher is better). Exit 77 = skipped.
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
secs=${BENCH_STREAM_SECS:-1}
lib=build/native/libwasyncio.a
out=build/native/bench
[[ -f $lib ]] || { echo "bench_stream: run make native first" >&2; exit 77; }
mkdir -p "$out"
gcc -O2 -std=gnu11 -Isrc -pthread tests/bench/stream_echo.c -o "$out/stream_echo" \
    "$lib" -luv -lcurl -lhttp_parser -lssl -lcrypto -lm ||
    { echo "bench_stream: building stream_echo failed" >&2; exit 1; }
gcc -O2 -std=gnu11 tests/bench/stream_echo_uv.c -o "$out/stream_echo_uv" -luv ||
    { echo "bench_stream: building stream_echo_uv failed" >&2; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f×", a / b; else printf "n/a" }'; }
best3() {
    local best=0 v
    for _ in 1 2 3; do
        v=$(timeout 30 "$@" 2>/dev/null | head -n1)
        [[ $v =~ ^[0-9.]+$ ]] || continue
        best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
    done
    [[ $best == 0 ]] && echo "n/a" || echo "$best"
}
have_node=0
command -v node >/dev/null && have_node=1

row() { # row LABEL UNIT MODE N
    local ours aio=n/a node=n/a uv
    ours=$(best3 "$out/stream_echo" "$3" "$4" "$secs")
    [[ -x $py ]] && aio=$(best3 "$py" tests/bench/stream_echo_peer.py "$3" "$4" "$secs")
    ((have_node)) && node=$(best3 node tests/bench/stream_echo_peer.mjs "$3" "$4" "$secs")
    uv=$(best3 "$out/stream_echo_uv" "$3" "$4" "$secs")
    printf '| %s | %s | %s | asyncio %s · node net %s · raw libuv %s | %s · %s · %s |\n' \
        "$1" "$ours" "$2" "$aio" "$node" "$uv" \
        "$(ratio "$ours" "$aio")" "$(ratio "$ours" "$node")" "$(ratio "$ours" "$uv")"
}

row "streams: echo round trips, 1 connection" "rt/s" rt 1
row "streams: echo round trips, 100 connections" "rt/s" rt 100
row "streams: bulk through 1 connection (64 KiB writes)" "MB/s" bulk 1
