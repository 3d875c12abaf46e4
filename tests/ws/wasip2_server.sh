#!/usr/bin/env bash
# wasip2_server.sh: a WASI 0.2 command serves WebSockets over the streams
# layer's wasi:sockets listener. Builds tests/ws/stream_echo_server.c against
# build/wasip2/libwasyncio.a as a command component (the steps of
# wasi/wasip2/build.mk), runs it under `jco run`, and checks it with
# python3-websockets: echoes of text and binary up to 200 KB, and the close
# code echoed. Exit 77 (skipped) without the WASI 0.2 library or jco.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root" || exit 1
lib=build/wasip2/libwasyncio.a
jco=js/node_modules/.bin/jco
[[ -f $lib && -x $jco ]] || { echo "wasip2_server: no $lib or jco (make wasip2 deps)" >&2; exit 77; }
source tests/procs.sh
tmp=$(mktemp -d)
procs_on_exit 'rm -rf "$tmp"'
cc=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
if ! { "$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -Isrc -c tests/ws/stream_echo_server.c \
           -o "$tmp/s.o" && "$cc" --target=wasm32-wasi --sysroot="$sysroot" "$tmp/s.o" "$lib" \
           -o "$tmp/raw.wasm" && bash wasi/wasyncio-wasm-opt.sh "$tmp/raw.wasm" "$tmp/opt.wasm" &&
       node wasi/wasip2/component.mjs "$tmp/opt.wasm" command "$tmp/server.wasm"; } >"$tmp/build.log" 2>&1; then
    echo "FAIL wasip2 WebSocket server: build"; tail -5 "$tmp/build.log"; exit 1
fi
port=$(procs_free_port)
procs_start "$jco" run "$tmp/server.wasm" "$port" >"$tmp/server.log" 2>&1
for _ in $(seq 100); do grep -q listening "$tmp/server.log" && break; sleep 0.1; done
out=$(timeout 60 /usr/bin/python3 - "$port" <<'PY' 2>&1
import asyncio, os, sys, websockets
async def main(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/echo", max_size=None) as ws:
        for m in ["hello", "é" * 1000, "x" * 200_000, os.urandom(70_000)]:
            await ws.send(m)
            assert await ws.recv() == m, "echo"
        await ws.close(4001, "bye")
        assert ws.close_code == 4001, ws.close_code
    print("ok")
asyncio.run(main(int(sys.argv[1])))
PY
)
if [[ $out == ok ]]; then
    echo "ok   wasip2 WebSocket server (wa_start_server + wa_ws_accept_stream under jco run)"
else
    echo "FAIL wasip2 WebSocket server: $out"; tail -5 "$tmp/server.log"; exit 1
fi
