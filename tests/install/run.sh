#!/usr/bin/env bash
# run.sh: `make install` into a temporary prefix, then build and run a user's
# program (app.c + greet.c, server_app.c) for every installed target from that
# prefix alone (make test-install). Builds run in a scratch directory, and no
# installed file may name the source tree; the installed runners (wasyncio-run,
# wasyncio-serve) and node stand in for wasmtime and a browser. Also: named
# file errors per target, C++ sources, --help of every command, and distinct
# output names in the README's example block. Prints "install: N passed, N failed".
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
P="$tmp/prefix"
# wasyncio-serve is started as a helper: procs.sh stops it (and any child) with the script.
source "$root/tests/procs.sh"
procs_on_exit 'rm -rf "$tmp"'
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
ko() { fail=$((fail + 1)); echo "  FAIL $*"; }
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
cp "$root"/tests/install/{app.c,greet.c,server_app.c,cat.c,hello.cpp} "$tmp/user/"
# the streams twin and the lines asyncio prints (examples/expected)
cp "$root/examples/echo_streams.c" "$root/examples/expected/echo_streams.txt" "$tmp/user/"
cd "$tmp/user" || exit 1
export PATH="$P/bin:$PATH"

expect_run() { # name expected-first-line command...
    local name=$1 first=$2; shift 2
    local out rc
    out=$(timeout 60 "$@" 2>"$tmp/err")
    rc=$?
    if [[ $rc -eq 0 && "$(head -1 <<<"$out")" == "$first" && "$out" == *"wasyncio $version: ok" ]]; then ok "$name"
    else ko "$name (exit $rc)"; echo "$out" | head -3; head -3 "$tmp/err"; fi
}

# Every installed command answers --help.
for cmd in "$P"/bin/wasyncio-*; do
    out=$("$cmd" --help 2>&1); rc=$?
    [[ $rc -eq 0 && $out == *"$(basename "$cmd")"* ]] && ok "$(basename "$cmd") --help" ||
        ko "$(basename "$cmd") --help (exit $rc): $(head -2 <<<"$out")"
done

# The README's example blocks build each target into its own files: a page
# or Node build writes OUT.wasm beside OUT.mjs / OUT.js, so it must not meet a
# WASI OUT.wasm (the general block, and the streams block's twin builds).
outs=$(awk '/^```sh$/ { inb = 1; buf = ""; next }
    /^```$/ { if (inb && buf ~ /wasyncio-wasi(p2)?-cc/ && buf ~ /wasyncio-emcc/) {
                nb++; n = split(buf, w, /[ \t\n]+/)
                for (i = 1; i < n; i++) if (w[i] == "-o") {
                    o = w[i + 1]; print nb, o
                    if (o ~ /\.m?js$/) { sub(/\.m?js$/, ".wasm", o); print nb, o } } }
              inb = 0; next }
    inb { buf = buf $0 "\n" }' "$root/README.md" | sort)
if [[ $(cut -d' ' -f1 <<<"$outs" | sort -u | wc -l) -ge 2 && -z $(uniq -d <<<"$outs") ]]; then
    ok "README example blocks: distinct outputs ($(cut -d' ' -f2 <<<"$outs" | tr '\n' ' '))"
else ko "README example blocks: a block writes a file twice, or a block is gone: $(uniq -d <<<"$outs" | tr '\n' ' ')"; fi

echo "x" > readable.txt
# cat_expect NAME COMMAND...: cat.c's report for readable.txt, missing.txt and
# /etc/passwd, one line each, against want_cat.
cat_expect() {
    local name=$1; shift
    local out
    out=$(timeout 60 "$@" readable.txt missing.txt /etc/passwd 2>"$tmp/err" | tr '\n' ' ')
    [[ $out == "$want_cat " ]] && ok "$name: $want_cat" || { ko "$name: got [$out] want [$want_cat]"; head -3 "$tmp/err"; }
}

echo "== native (pkg-config)"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
# The version: one number in the header, the .pc files and the file names;
# the SONAME changes with the ABI (0.MINOR while the major is 0).
version=$(pkg-config --modversion wasyncio)
IFS=. read -r vmaj vmin _ <<<"$version"
soname=libwasyncio.so.$([[ $vmaj == 0 ]] && echo "0.$vmin" || echo "$vmaj")
so=$(readlink "$P/lib/$soname")
if [[ $so == "libwasyncio.so.$version" && -f $P/lib/$so ]] &&
   readelf -d "$P/lib/$so" | grep -q "SONAME.*\[$soname\]"; then
    ok "SONAME $soname -> $so"
else ko "SONAME / versioned symlinks for $version"; ls -l "$P/lib"; fi
[[ $(pkg-config --modversion wasyncio-static) == "$version" ]] && ok "both .pc files say $version" ||
    ko "wasyncio-static.pc version differs from $version"
if cc -O2 app.c greet.c -DGREETING='"hi from the prefix"' $(pkg-config --cflags --libs wasyncio) \
      -Wl,-rpath,"$P/lib" -o app_shared 2>"$tmp/err"; then
    readelf -d app_shared | grep -q "NEEDED.*\[$soname\]" || ko "app_shared does not need $soname"
    expect_run "native shared (pkg-config, rpath)" "$want" ./app_shared
else ko "native shared build"; head -5 "$tmp/err"; fi
if cc -O2 app.c greet.c -DGREETING='"hi from the prefix"' $(pkg-config --cflags --libs wasyncio-static) \
      -o app_static 2>"$tmp/err"; then
    if readelf -d app_static | grep -q 'libwasyncio'; then ko "app_static links libwasyncio.so"
    else expect_run "native static (pkg-config wasyncio-static)" "$want" ./app_static; fi
else ko "native static build"; head -5 "$tmp/err"; fi
if cc cat.c $(pkg-config --cflags --libs wasyncio-static) -o cat_native 2>"$tmp/err"; then
    want_cat="readable.txt: 2 bytes missing.txt: WA_ENOENT /etc/passwd: $(wc -c </etc/passwd) bytes"
    cat_expect "native file errors" ./cat_native
else ko "native cat build"; head -5 "$tmp/err"; fi

# The streams twin, built as a user would from the prefix (static, which
# needs libssl/libcrypto named by wasyncio-static.pc), prints the asyncio lines.
cp "$root/examples/echo_streams.c" "$root/examples/expected/echo_streams.txt" .
if cc -O2 echo_streams.c $(pkg-config --cflags --libs wasyncio-static) -o echo_streams \
      2>"$tmp/err"; then
    if timeout 30 ./echo_streams 2>"$tmp/err" | cmp -s - echo_streams.txt; then
        ok "native echo_streams (static) prints the asyncio twin's lines"
    else ko "native echo_streams output"; timeout 30 ./echo_streams 2>&1 | diff - echo_streams.txt | head -5; fi
else ko "native echo_streams build"; head -5 "$tmp/err"; fi
# wasyncio-pg: its own library and pkg-config module; libwasyncio stays
# free of libpq. The twin is built as its README says and, with PostgreSQL
# here, run against a throwaway cluster.
if [[ -f $P/lib/pkgconfig/wasyncio-pg.pc ]]; then
    echo "== wasyncio-pg (pkg-config)"
    if readelf -d "$P/lib/$so" | grep -q 'NEEDED.*libpq'; then ko "libwasyncio needs libpq"
    else ok "libwasyncio does not depend on libpq"; fi
    # Its SONAME follows libwasyncio's rule (0.MINOR while the major is 0),
    # since it is built on libwasyncio's ABI.
    pgso=libwasyncio-pg.so.${soname#libwasyncio.so.}
    if [[ $(readlink "$P/lib/$pgso") == "libwasyncio-pg.so.$version" ]] &&
       readelf -d "$P/lib/$pgso" | grep -q "SONAME.*\[$pgso\]"; then ok "SONAME $pgso"
    else ko "wasyncio-pg SONAME is not $pgso"; ls -l "$P"/lib/libwasyncio-pg*; fi
    cp "$root/examples/db_pool.c" .
    if cc db_pool.c $(pkg-config --cflags --libs wasyncio-pg) -Wl,-rpath,"$P/lib" -o db_pool 2>"$tmp/err"; then
        ok "db_pool.c built with pkg-config wasyncio-pg"
        source "$root/tests/pg/cluster.sh"
        if command -v "$PG_BIN/initdb" >/dev/null 2>&1 && pg_cluster_start; then
            if [[ "$(timeout 60 ./db_pool 2>&1)" == "$(cat "$root/examples/expected/db_pool.txt")" ]]; then
                ok "db_pool against a throwaway cluster prints the twin's lines"
            else ko "db_pool output"; timeout 60 ./db_pool 2>&1 | head -5; fi
        fi
    else ko "db_pool build"; head -5 "$tmp/err"; fi
fi

echo "== WebSocket chat twins (pkg-config wasyncio-static), against the aiohttp twins"
cp "$root"/examples/ws_chat_{client,server}.c "$tmp/user/"
if cc -O2 ws_chat_client.c $(pkg-config --cflags --libs wasyncio-static) -o ws_chat_client 2>"$tmp/err" &&
   cc -O2 ws_chat_server.c $(pkg-config --cflags --libs wasyncio-static) -o ws_chat_server 2>>"$tmp/err"; then
    if bash "$root/tests/ws/twins.sh" ./ws_chat_client ./ws_chat_server >"$tmp/twins.log" 2>&1; then
        ok "ws_chat twins: C/Python, Python/C, C/C print what Python/Python prints"
    else ko "ws_chat twins"; cat "$tmp/twins.log"; fi
else ko "ws_chat twins build"; head -5 "$tmp/err"; fi

if [[ " $installed " == *" wasi "* ]]; then
    echo "== WASI preview1 (wasyncio-wasi-cc, wasyncio-run)"
    if wasyncio-wasi-cc app.c greet.c -DGREETING='"hi from the prefix"' -O2 -o app.wasm 2>"$tmp/err"; then
        expect_run "wasi-cc app under wasyncio-run" "$want" wasyncio-run app.wasm
    else ko "wasyncio-wasi-cc"; head -5 "$tmp/err"; fi
    for O in -O0 -O3 -Oz -g; do
        wasyncio-wasi-cc app.c greet.c -DGREETING='"hi from the prefix"' "$O" -o "app$O.wasm" 2>"$tmp/err" &&
            expect_run "wasi-cc $O" "$want" wasyncio-run "app$O.wasm" ||
            { ko "wasyncio-wasi-cc $O"; head -3 "$tmp/err"; }
    done
    if wasyncio-wasi-cc cat.c -o cat-p1.wasm 2>"$tmp/err"; then
        want_cat="readable.txt: 2 bytes missing.txt: WA_ENOENT /etc/passwd: WA_ENOTCAPABLE"
        cat_expect "preview1 file errors (wasyncio-run --dir .)" wasyncio-run --dir . cat-p1.wasm
        want_cat="readable.txt: WA_ENOTCAPABLE missing.txt: WA_ENOTCAPABLE /etc/passwd: WA_ENOTCAPABLE"
        cat_expect "preview1 without --dir" wasyncio-run cat-p1.wasm
    else ko "wasyncio-wasi-cc cat.c"; head -5 "$tmp/err"; fi
    # C++: built with a wasi-sdk's libc++, or refused by name without one.
    out=$(wasyncio-wasi-cc hello.cpp -o hello-p1.wasm 2>&1); rc=$?
    if [[ $rc -eq 0 ]]; then expect_run "wasi-cc C++ source" "c++ task: ok" wasyncio-run hello-p1.wasm
    elif [[ $out == *"hello.cpp: C++ sources need libc++ for wasm32-wasi"*WASI_SDK_PATH* ]]; then
        ok "wasi-cc C++ source refused by name (no libc++ for wasm32-wasi here)"
    else ko "wasi-cc C++ source: $out"; fi
    out=$(WASM_OPT=/nonexistent/wasm-opt wasyncio-wasi-cc app.c greet.c -DGREETING='"x"' -o x.wasm 2>&1)
    [[ $? -ne 0 && $out == *"wasm-opt"*"not found"*WASM_OPT* ]] && ok "missing wasm-opt named" || ko "missing wasm-opt: $out"
    out=$(WASI_SDK_PATH=/nonexistent/wasi-sdk wasyncio-wasi-cc app.c -o x.wasm 2>&1)
    [[ $? -ne 0 && $out == *"/nonexistent/wasi-sdk/bin/clang"*"not found"* ]] && ok "missing WASI_SDK_PATH compiler named" || ko "bad WASI_SDK_PATH: $out"
else ko "wasi not installed (toolchain missing?)"; fi

if [[ " $installed " == *" wasip2 "* ]]; then
    echo "== WASI 0.2 (wasyncio-wasip2-cc, wasyncio-run / wasyncio-serve)"
    if wasyncio-wasip2-cc app.c greet.c -DGREETING='"hi from the prefix"' -o app_p2.wasm 2>"$tmp/err"; then
        expect_run "wasip2-cc command under wasyncio-run" "$want" wasyncio-run app_p2.wasm
    else ko "wasyncio-wasip2-cc command"; head -5 "$tmp/err"; fi
    if wasyncio-wasip2-cc cat.c -o cat-p2.wasm 2>"$tmp/err"; then
        want_cat="readable.txt: 2 bytes missing.txt: WA_ENOENT /etc/passwd: WA_ENOTCAPABLE"
        cat_expect "0.2 file errors (wasyncio-run --dir .)" wasyncio-run --dir . cat-p2.wasm
    else ko "wasyncio-wasip2-cc cat.c"; head -5 "$tmp/err"; fi
    if wasyncio-wasip2-cc server_app.c -O2 -o server.wasm 2>"$tmp/err"; then
        bash "$root/tests/wasip2/imports.sh" server.wasm >"$tmp/imports" 2>&1 &&
            ok "server component imports only wasi:http/proxy at 0.2.0" ||
            { ko "server component imports"; cat "$tmp/imports"; }
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        procs_start wasyncio-serve --port "$port" --host 127.0.0.1 server.wasm >"$tmp/serve.log" 2>&1
        serve_pid=$procs_last
        got=
        for _ in $(seq 100); do
            got=$(curl -s --max-time 2 "http://127.0.0.1:$port/ada") && [[ -n $got ]] && break
            sleep 0.2
        done
        [[ $got == "installed hello, ada" ]] && ok "wasip2-cc server under wasyncio-serve" ||
            { ko "wasip2-cc server: got [$got]"; tail -3 "$tmp/serve.log"; }
        # Killing the server process alone (not its group) frees the port:
        # nothing listens on in a child.
        kill -TERM "$serve_pid" 2>/dev/null
        for _ in $(seq 50); do curl -s --max-time 1 "http://127.0.0.1:$port/ada" >/dev/null || break; sleep 0.1; done
        curl -s --max-time 1 "http://127.0.0.1:$port/ada" >/dev/null &&
            ko "wasyncio-serve killed: something still serves port $port" ||
            ok "wasyncio-serve killed: nothing left serving"
    else ko "wasyncio-wasip2-cc server"; head -5 "$tmp/err"; fi
    # streams: wasi:sockets under the installed runner (the README's command),
    # the twin's lines exactly
    if wasyncio-wasip2-cc echo_streams.c -O2 -o echo_streams-p2.wasm 2>"$tmp/err"; then
        out=$(timeout 60 wasyncio-run echo_streams-p2.wasm 2>"$tmp/err")
        [[ $? -eq 0 && "$out" == "$(cat echo_streams.txt)" ]] &&
            ok "wasip2-cc echo_streams under wasyncio-run prints the Python twin's lines" ||
            { ko "wasip2-cc echo_streams: got [$out]"; head -3 "$tmp/err"; }
    else ko "wasyncio-wasip2-cc echo_streams"; head -5 "$tmp/err"; fi
    # WebSocket: the RFC 6455 engine over wasi:sockets, the chat twin's lines exactly
    if wasyncio-wasip2-cc ws_chat_client.c -O2 -o ws_chat_client.wasm 2>"$tmp/err"; then
        srv=./ws_chat_server # the native twin built above
        if bash "$root/tests/ws/twins.sh" "wasyncio-run ws_chat_client.wasm" "$srv" >"$tmp/twins.log" 2>&1; then
            ok "wasip2-cc ws_chat_client under wasyncio-run prints the Python client's lines"
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
    if wasyncio-emcc --node hello.cpp -o hello.js 2>"$tmp/err"; then
        expect_run "wasyncio-emcc --node C++ source" "c++ task: ok" node hello.js
    else ko "wasyncio-emcc C++"; head -5 "$tmp/err"; fi
    if wasyncio-emcc --node cat.c -o cat-node.js 2>"$tmp/err"; then
        want_cat="readable.txt: 2 bytes missing.txt: WA_ENOENT /etc/passwd: $(wc -c </etc/passwd) bytes"
        cat_expect "Node (Emscripten) file errors" node cat-node.js
    else ko "wasyncio-emcc cat.c"; head -5 "$tmp/err"; fi
    out=$(EMCC=/nonexistent/emcc wasyncio-emcc --node app.c -o x.js 2>&1)
    [[ $? -ne 0 && $out == *"emcc"*"not found"*EMCC* ]] && ok "missing emcc named" || ko "missing emcc: $out"
else ko "web not installed (emscripten missing?)"; fi

echo "install: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
