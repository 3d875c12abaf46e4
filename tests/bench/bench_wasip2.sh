#!/usr/bin/env bash
# bench_wasip2.sh: the WASI 0.2 component rows of `make bench`, all on
# 127.0.0.1 and all under jco (Node's preview2 host; wasmtime is not
# installable here, so these figures are jco's, not wasmtime's):
#   client: 1,000 GETs of a small file at concurrency 100 by p2_bench.wasm
#           under `jco run`; peers: Node's fetch and Python aiohttp (the
#           tutorial's fetch_all shape) against the same server.
#   server: wrk -d5s -c50 against the app under `jco serve`; peers: a
#           minimal component with no runtime (a hand-written handler that
#           writes "Hello, name!": the host's ceiling) and, when built, the
#           native hello_server.
#   streams: echo round trips and bulk MB/s through wasi:sockets
#           (stream_target_rows.sh), beside the native build.
# Prints rows `| name | value | unit | peer | ratio |` (ratio = peer / ours).
# Exit 77 means skipped (prerequisites missing).
set -u
cd "$(dirname "$0")/../.."
dir=${1:-build/wasip2}
JCO=${JCO:-js/node_modules/.bin/jco}
PY=/usr/bin/python3
for f in "$dir/tests/p2_bench.wasm" "$dir/tests/p2_server.wasm" "$dir/examples/hello_server.wasm"; do
    [[ -f $f ]] || { echo "bench_wasip2: $f missing (run make wasip2)" >&2; exit 77; }
done
[[ -x $JCO ]] || { echo "bench_wasip2: jco missing" >&2; exit 77; }
tmp=$(mktemp -d)
source tests/procs.sh
procs_on_exit 'rm -rf "$tmp"'

# ratio A B = A / B; rows pass (ours, peer) for rates, so > 1 means we are better
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (p+0 > 0 && o+0 > 0) printf "%.2f×", p / o; else printf "n/a" }'; }
first_num() { grep -m1 -Eo '^[0-9]+(\.[0-9]+)?' || echo "n/a"; }

# ---------------------------------------------------------------- client
# The file server: Node's http (keep-alive, fast) so the client is measured,
# not the server (python3 -m http.server resets connections at c=100).
cat >"$tmp/files.mjs" <<'JS'
import http from "node:http";
const body = Buffer.from("hello wasip2\n");
const s = http.createServer((q, r) => {
  r.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  r.end(body);
});
s.listen(+process.argv[2], "127.0.0.1");
JS
cat >"$tmp/node_fetch.mjs" <<'JS'
const [url, n, c] = [process.argv[2], +process.argv[3], +process.argv[4]];
let next = 0, fail = 0;
const t0 = performance.now();
async function w() {
  while (next < n) { next++; try { const r = await fetch(url); await r.arrayBuffer(); if (r.status !== 200) fail++; } catch { fail++; } }
}
await Promise.all(Array.from({ length: c }, w));
console.log(Math.round(n / ((performance.now() - t0) / 1000)));
if (fail) console.error(fail + " failures");
JS
cat >"$tmp/aio_fetch.py" <<'PYEOF'
import asyncio, sys, time
import aiohttp
url, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    left = [n]
    async with aiohttp.ClientSession() as session:
        async def worker():
            while left[0] > 0:
                left[0] -= 1
                async with session.get(url) as r:
                    await r.read()
        t0 = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(c)])
        print(round(n / (time.perf_counter() - t0)))
asyncio.run(main())
PYEOF
fp=$(procs_free_port)
procs_start node "$tmp/files.mjs" "$fp"
procs_wait_http "http://127.0.0.1:$fp/" || { echo "bench_wasip2: file server did not start" >&2; exit 1; }
url="http://127.0.0.1:$fp/hello.txt"
ours=$("$JCO" run "$dir/tests/p2_bench.wasm" "$url" 1000 100 2>/dev/null | first_num)
nodef=$(node "$tmp/node_fetch.mjs" "$url" 1000 100 2>/dev/null | first_num)
aio=n/a
$PY -c 'import aiohttp' 2>/dev/null && aio=$($PY "$tmp/aio_fetch.py" "$url" 1000 100 2>/dev/null | first_num)
printf '| wasip2 client: 1,000 GETs at c=100 (jco run) | %s | req/s | node fetch %s · aiohttp %s | %s · %s |\n' \
    "$ours" "$nodef" "$aio" "$(ratio "$ours" "$nodef")" "$(ratio "$ours" "$aio")"

# ---------------------------------------------------------------- server
wrk_rps() { wrk -t2 -c50 -d5s "$1" 2>/dev/null | awk '/Requests\/sec/ { printf "%.0f", $2 }'; }
# Runs in a $(...) subshell, which has no exit trap of its own: the server
# (jco serve and the child process it runs the component in) is stopped here.
serve_rps() { # component -> req/s under jco serve
    local p g; p=$(procs_free_port)
    procs_start "$JCO" serve "$1" --port "$p" --host 127.0.0.1 >"$tmp/serve.$p.log" 2>&1
    g=$procs_last
    if procs_wait_http "http://127.0.0.1:$p/"; then wrk_rps "http://127.0.0.1:$p/alice"; else echo n/a; fi
    procs_stop "$g"
}
if command -v wrk >/dev/null; then
    app=$(serve_rps "$dir/tests/p2_server.wasm")
    hello=$(serve_rps "$dir/examples/hello_server.wasm")
    floor=n/a
    if [[ -f $dir/tools/p2_floor.wasm ]]; then floor=$(serve_rps "$dir/tools/p2_floor.wasm"); fi
    native=n/a
    if [[ -x build/native/examples/hello_server ]]; then
        np=$(procs_free_port)
        procs_start build/native/examples/hello_server "$np" >/dev/null 2>&1
        procs_wait_http "http://127.0.0.1:$np/" && native=$(wrk_rps "http://127.0.0.1:$np/alice")
        procs_stop "$procs_last"
    fi
    printf '| wasip2 server: tests/wasip2/p2_server app, wrk -d5s c=50 (jco serve) | %s | req/s | bare component %s · native %s | %s · %s |\n' \
        "${app:-n/a}" "${floor:-n/a}" "$native" "$(ratio "$app" "$floor")" "$(ratio "$app" "$native")"
    printf '| wasip2 server: examples/hello_server (jco serve) | %s | req/s | bare component %s | %s |\n' \
        "${hello:-n/a}" "${floor:-n/a}" "$(ratio "$hello" "$floor")"
else
    echo "bench_wasip2: wrk missing, server rows skipped" >&2
fi

# ---------------------------------------------------------------- streams
# wasi:sockets echo and bulk under jco, beside the native build of the same
# program (tests/bench/stream_bench.c).
bash tests/bench/stream_target_rows.sh wasip2 || true
