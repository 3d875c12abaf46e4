#!/usr/bin/env bash
# run.sh: `make install` into a temporary prefix, then build and run a user's
# program (app.c + greet.c, server_app.c) for every installed target from that
# prefix alone (make test-install). Builds run in a scratch directory, and no
# installed file may name the source tree; the hosts (node:wasi runner, jco,
# node) stand in for wasmtime and a browser. Prints "install: N passed, N failed".
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
P="$tmp/prefix"
# jco serve runs the component in a child process: procs.sh stops the group.
source "$root/tests/procs.sh"
procs_on_exit 'rm -rf "$tmp"'
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
ko() { fail=$((fail + 1)); echo "  FAIL $*"; }
JCO="$root/js/node_modules/.bin/jco"
want="hi from the prefix: 60 20 40"

echo "== make install PREFIX=$P"
if ! make -C "$root" --no-print-directory install PREFIX="$P" >"$tmp/install.log" 2>&1; then
    ko "make install"; tail -20 "$tmp/install.log"; exit 1
fi
grep '^install:' "$tmp/install.log" | sed 's/^/    /'
installed=$(sed -n 's/^install: \(.*\) into .*/\1/p' "$tmp/install.log")
# Text files only: compiled objects keep the build path in their debug info.
if grep -rlIF "$root" "$P" >"$tmp/refs" 2>/dev/null; then
    ko "installed files name the source tree:"; head -5 "$tmp/refs"
else ok "no installed file names the source tree"; fi

# A missing toolchain is skipped and named, the rest still installs.
if make -C "$root" --no-print-directory install PREFIX="$tmp/partial" EMCC=/nonexistent/emcc \
        >"$tmp/partial.log" 2>&1 && grep -q '^install: skipped web: /nonexistent/emcc' "$tmp/partial.log" &&
   [[ -f $tmp/partial/lib/libwasyncio.a && ! -e $tmp/partial/bin/wasyncio-emcc ]]; then
    ok "without emcc: web skipped and named, the rest installed"
else ko "install without emcc"; grep '^install' "$tmp/partial.log"; fi

# The user's project: sources copied out; builds run there.
mkdir -p "$tmp/user"
cp "$root"/tests/install/{app.c,greet.c,server_app.c} "$tmp/user/"
# the streams twin and the lines asyncio prints (examples/expected)
cp "$root/examples/echo_streams.c" "$root/examples/expected/echo_streams.txt" "$tmp/user/"
cd "$tmp/user" || exit 1
export PATH="$P/bin:$PATH"

expect_run() { # name expected-first-line command...
    local name=$1 first=$2; shift 2
    local out rc
    out=$(timeout 60 "$@" 2>"$tmp/err")
    rc=$?
    if [[ $rc -eq 0 && "$(head -1 <<<"$out")" == "$first" && "$out" == *"wasyncio "*": ok" ]]; then ok "$name"
    else ko "$name (exit $rc)"; echo "$out" | head -3; head -3 "$tmp/err"; fi
}

echo "== native (pkg-config)"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
so=$(readlink "$P/lib/libwasyncio.so.0")
if [[ $so == libwasyncio.so.0.* && -f $P/lib/$so ]] &&
   readelf -d "$P/lib/$so" | grep -q 'SONAME.*\[libwasyncio.so.0\]'; then
    ok "SONAME libwasyncio.so.0 -> $so"
else ko "SONAME / versioned symlinks"; ls -l "$P/lib"; fi
if cc -O2 app.c greet.c -DGREETING='"hi from the prefix"' $(pkg-config --cflags --libs wasyncio) \
      -Wl,-rpath,"$P/lib" -o app_shared 2>"$tmp/err"; then
    readelf -d app_shared | grep -q 'NEEDED.*libwasyncio.so.0' || ko "app_shared does not need libwasyncio.so.0"
    expect_run "native shared (pkg-config, rpath)" "$want" ./app_shared
else ko "native shared build"; head -5 "$tmp/err"; fi
if cc -O2 app.c greet.c -DGREETING='"hi from the prefix"' $(pkg-config --cflags --libs wasyncio-static) \
      -o app_static 2>"$tmp/err"; then
    if readelf -d app_static | grep -q 'libwasyncio'; then ko "app_static links libwasyncio.so"
    else expect_run "native static (pkg-config wasyncio-static)" "$want" ./app_static; fi
else ko "native static build"; head -5 "$tmp/err"; fi

# The streams twin, built as a user would from the prefix (static, which
# needs libssl/libcrypto named by wasyncio-static.pc), prints the asyncio lines.
cp "$root/examples/echo_streams.c" "$root/examples/expected/echo_streams.txt" .
if cc -O2 echo_streams.c $(pkg-config --cflags --libs wasyncio-static) -o echo_streams \
      2>"$tmp/err"; then
    if timeout 30 ./echo_streams 2>"$tmp/err" | cmp -s - echo_streams.txt; then
        ok "native echo_streams (static) prints the asyncio twin's lines"
    else ko "native echo_streams output"; timeout 30 ./echo_streams 2>&1 | diff - echo_streams.txt | head -5; fi
else ko "native echo_streams build"; head -5 "$tmp/err"; fi

echo "== WebSocket chat twins (pkg-config wasyncio-static), against the aiohttp twins"
cp "$root"/examples/ws_chat_{client,server}.c "$tmp/user/"
if cc -O2 ws_chat_client.c $(pkg-config --cflags --libs wasyncio-static) -o ws_chat_client 2>"$tmp/err" &&
   cc -O2 ws_chat_server.c $(pkg-config --cflags --libs wasyncio-static) -o ws_chat_server 2>>"$tmp/err"; then
    if bash "$root/tests/ws/twins.sh" ./ws_chat_client ./ws_chat_server >"$tmp/twins.log" 2>&1; then
        ok "ws_chat twins: C/Python, Python/C, C/C print what Python/Python prints"
    else ko "ws_chat twins"; cat "$tmp/twins.log"; fi
else ko "ws_chat twins build"; head -5 "$tmp/err"; fi

if [[ " $installed " == *" wasi "* ]]; then
    echo "== WASI preview1 (wasyncio-wasi-cc, node:wasi)"
    mkdir -p "$tmp/runner" # the host: a node:wasi runner standing in for wasmtime
    cp "$root/wasi/run-node.mjs" "$root/wasi/asyncify-check.mjs" "$tmp/runner/"
    if wasyncio-wasi-cc app.c greet.c -DGREETING='"hi from the prefix"' -O2 -o app.wasm 2>"$tmp/err"; then
        expect_run "wasi-cc app under node:wasi" "$want" node "$tmp/runner/run-node.mjs" app.wasm
    else ko "wasyncio-wasi-cc"; head -5 "$tmp/err"; fi
    out=$(WASM_OPT=/nonexistent/wasm-opt wasyncio-wasi-cc app.c greet.c -DGREETING='"x"' -o x.wasm 2>&1)
    [[ $? -ne 0 && $out == *"wasm-opt"*"not found"*WASM_OPT* ]] && ok "missing wasm-opt named" || ko "missing wasm-opt: $out"
    out=$(WASI_SDK_PATH=/nonexistent/wasi-sdk wasyncio-wasi-cc app.c -o x.wasm 2>&1)
    [[ $? -ne 0 && $out == *"/nonexistent/wasi-sdk/bin/clang"*"not found"* ]] && ok "missing WASI_SDK_PATH compiler named" || ko "bad WASI_SDK_PATH: $out"
else ko "wasi not installed (toolchain missing?)"; fi

if [[ " $installed " == *" wasip2 "* ]]; then
    echo "== WASI 0.2 (wasyncio-wasip2-cc, jco run / jco serve)"
    if wasyncio-wasip2-cc app.c greet.c -DGREETING='"hi from the prefix"' -o app_p2.wasm 2>"$tmp/err"; then
        expect_run "wasip2-cc command under jco run" "$want" "$JCO" run app_p2.wasm
    else ko "wasyncio-wasip2-cc command"; head -5 "$tmp/err"; fi
    if wasyncio-wasip2-cc server_app.c -O2 -o server.wasm 2>"$tmp/err"; then
        bash "$root/tests/wasip2/imports.sh" server.wasm >"$tmp/imports" 2>&1 &&
            ok "server component imports only wasi:http/proxy at 0.2.0" ||
            { ko "server component imports"; cat "$tmp/imports"; }
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        procs_start "$JCO" serve server.wasm --port "$port" --host 127.0.0.1 >"$tmp/serve.log" 2>&1
        got=
        for _ in $(seq 100); do
            got=$(curl -s --max-time 2 "http://127.0.0.1:$port/ada") && [[ -n $got ]] && break
            sleep 0.2
        done
        [[ $got == "installed hello, ada" ]] && ok "wasip2-cc server under jco serve" ||
            { ko "wasip2-cc server: got [$got]"; tail -3 "$tmp/serve.log"; }
    else ko "wasyncio-wasip2-cc server"; head -5 "$tmp/err"; fi
    # streams: wasi:sockets under jco, the twin's lines exactly
    if wasyncio-wasip2-cc echo_streams.c -O2 -o echo_streams.wasm 2>"$tmp/err"; then
        out=$(timeout 60 "$JCO" run echo_streams.wasm 2>"$tmp/err")
        [[ $? -eq 0 && "$out" == "$(cat echo_streams.txt)" ]] &&
            ok "wasip2-cc echo_streams under jco run prints the Python twin's lines" ||
            { ko "wasip2-cc echo_streams: got [$out]"; head -3 "$tmp/err"; }
    else ko "wasyncio-wasip2-cc echo_streams"; head -5 "$tmp/err"; fi
    # WebSocket: the RFC 6455 engine over wasi:sockets, the chat twin's lines exactly
    if wasyncio-wasip2-cc ws_chat_client.c -O2 -o ws_chat_client.wasm 2>"$tmp/err"; then
        srv=./ws_chat_server # the native twin built above
        if bash "$root/tests/ws/twins.sh" "$JCO run ws_chat_client.wasm" "$srv" >"$tmp/twins.log" 2>&1; then
            ok "wasip2-cc ws_chat_client under jco run prints the Python client's lines"
        else ko "wasip2-cc ws_chat_client"; cat "$tmp/twins.log"; fi
    else ko "wasyncio-wasip2-cc ws_chat_client"; head -5 "$tmp/err"; fi
else ko "wasip2 not installed (toolchain or make deps missing?)"; fi

if [[ " $installed " == *" web "* ]]; then
    echo "== Node and pages (wasyncio-emcc)"
    if wasyncio-emcc --node app.c greet.c -DGREETING='"hi from the prefix"' -o app.js 2>"$tmp/err"; then
        expect_run "wasyncio-emcc --node app under node" "$want" node app.js
    else ko "wasyncio-emcc --node"; head -5 "$tmp/err"; fi
    # streams: node:net, the twin's lines exactly
    if wasyncio-emcc --node echo_streams.c -o echo_streams.js 2>"$tmp/err"; then
        out=$(timeout 60 node echo_streams.js 2>"$tmp/err")
        [[ $? -eq 0 && "$out" == "$(cat echo_streams.txt)" ]] &&
            ok "wasyncio-emcc --node echo_streams prints the Python twin's lines" ||
            { ko "wasyncio-emcc --node echo_streams: got [$out]"; head -3 "$tmp/err"; }
    else ko "wasyncio-emcc --node echo_streams"; head -5 "$tmp/err"; fi
    # WebSocket under Node: bound to the ws package; none next to the program
    # here, so it is the copy the prefix ships (lib/wasyncio/web/node_modules/ws).
    if wasyncio-emcc --node ws_chat_client.c -o ws_chat_client.js 2>"$tmp/err"; then
        srv=./ws_chat_server # the native twin built above
        if [[ ! -d node_modules ]] &&
           bash "$root/tests/ws/twins.sh" "node ws_chat_client.js" "$srv" >"$tmp/twins.log" 2>&1; then
            ok "wasyncio-emcc --node ws_chat_client prints the Python client's lines (ws from the prefix)"
        else ko "wasyncio-emcc --node ws_chat_client"; cat "$tmp/twins.log"; fi
    else ko "wasyncio-emcc --node ws_chat_client"; head -5 "$tmp/err"; fi
    # The same twin in a page (Chromium), from the prefix: its lines exactly.
    mkdir -p site/examples && cp "$P/lib/wasyncio/web/wasyncio.mjs" site/
    if wasyncio-emcc ws_chat_client.c -o site/examples/ws_chat_client.mjs 2>"$tmp/err"; then
        if timeout 120 node "$root/tests/web/ws_browser_cases.mjs" chromium --twin-only site \
               >"$tmp/page.log" 2>&1; then
            ok "wasyncio-emcc ws_chat_client in a Chromium page prints the Python client's lines"
        else ko "ws_chat_client in a page"; grep -v '^ok' "$tmp/page.log" | head -5; fi
    else ko "wasyncio-emcc ws_chat_client (page)"; head -5 "$tmp/err"; fi
    mkdir -p page
    if wasyncio-emcc app.c greet.c -DGREETING='"hi"' -o page/app.mjs 2>"$tmp/err" &&
       [[ -f page/app.wasm && -f $P/lib/wasyncio/web/wasyncio.mjs ]]; then
        ok "wasyncio-emcc page build (app.mjs + app.wasm; loader wasyncio.mjs installed)"
    else ko "wasyncio-emcc page build"; head -5 "$tmp/err"; fi
    out=$(EMCC=/nonexistent/emcc wasyncio-emcc --node app.c -o x.js 2>&1)
    [[ $? -ne 0 && $out == *"emcc"*"not found"*EMCC* ]] && ok "missing emcc named" || ko "missing emcc: $out"
else ko "web not installed (emscripten missing?)"; fi

echo "install: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
