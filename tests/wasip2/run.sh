#!/usr/bin/env bash
# run.sh DIR: the WASI 0.2 component tests (make test-wasip2). DIR is
# build/wasip2. Everything listens on 127.0.0.1 only and is stopped on exit.
#   1. p2_client.wasm under `jco run` against tests/http/helper_server.py and
#      `python3 -m http.server` (status, body, 404, refused, bad URL, limit,
#      timeouts, streaming, cancellation, sleeps and fetches together).
#   1b. p2_streams.wasm under `jco run` (wasi:sockets) against its own server
#      and tests/wasip2/stream_peer.py's hostile peers; its import list.
#   1c. the WebSocket client: the chat twin against the Python server (and
#      the native C server), and tests/web/ws_cases.mjs on ws_api.wasm.
#   2. examples/fetch_all.wasm under `jco run` against the static server;
#      the tutorial examples, the portable scenarios and the overflow reports.
#   3. every server component's import list (imports.sh: wasi:http/proxy
#      at 0.2.0 only, P2_SERVER_WASM names them);
#      p2_server.wasm (and examples/hello_server.wasm) under `jco serve`,
#      checked with curl: routes, 404/405/500, query, headers, body, 413;
#      then the native build of p2_server.c must pass the same checks.
# Prints "wasip2: N passed, N failed" and exits non-zero on any failure.
set -u
dir=${1:?usage: run.sh build/wasip2}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JCO="${JCO:-$root/js/node_modules/.bin/jco}"
case $JCO in /*) ;; *) JCO="$root/$JCO" ;; esac
PY=/usr/bin/python3
pass=0 fail=0
tmp=$(mktemp -d)
source "$root/tests/procs.sh"
source "$root/tests/same_output.sh"
procs_on_exit 'rm -rf "$tmp"'

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
expect() { # name expected actual
    if [[ "$3" == "$2" ]]; then ok "$1"; else bad "$1: expected [$2] got [$3]"; fi
}

# ------------------------------------------------------------ peers
mkdir -p "$tmp/www"
printf 'hello wasip2\n' >"$tmp/www/hello.txt"
head -c 200000 /dev/zero | tr '\0' 'x' >"$tmp/www/big.bin"
procs_start $PY "$root/tests/http/helper_server.py" 0 >"$tmp/helper.port" 2>"$tmp/helper.err"
sport=$(procs_free_port)
procs_start $PY -m http.server "$sport" --bind 127.0.0.1 -d "$tmp/www" >"$tmp/static.log" 2>&1
closed=$(procs_free_port) # nobody listens there
for _ in $(seq 100); do [[ -s $tmp/helper.port ]] && break; sleep 0.1; done
hport=$(head -1 "$tmp/helper.port")
procs_wait_http "http://127.0.0.1:$sport/hello.txt" || bad "static server did not start"
procs_wait_http "http://127.0.0.1:$hport/hello" || bad "helper server did not start"

# ------------------------------------------------------------ client
echo "== p2_client.wasm (jco run)"
out=$(timeout 120 "$JCO" run "$dir/tests/p2_client.wasm" "http://127.0.0.1:$hport" \
      "http://127.0.0.1:$sport" "http://127.0.0.1:$closed" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
if [[ $rc -eq 0 ]] && grep -q '^[0-9]* passed, 0 failed$' <<<"$out"; then
    ok "p2_client: $(tail -1 <<<"$out")"
else
    bad "p2_client (exit $rc)"
fi

# ------------------------------------------------------------ streams
echo "== p2_streams.wasm (jco run, wasi:sockets)"
# Hostile and faulty peers (stream_peer.py) and the component's own server:
# echo, 100 connections, refused, unresolvable, reset, half close, a line
# that never ends, a slow reader, a silent peer, cancels with nothing left.
procs_start $PY "$root/tests/wasip2/stream_peer.py" >"$tmp/speer.port" 2>"$tmp/speer.err"
for _ in $(seq 100); do [[ -s $tmp/speer.port ]] && break; sleep 0.1; done
speer=$(head -1 "$tmp/speer.port")
out=$(timeout 120 "$JCO" run "$dir/tests/p2_streams.wasm" "$speer" "$closed" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
if [[ $rc -eq 0 ]] && grep -q '^[0-9]* passed, 0 failed$' <<<"$out"; then
    ok "p2_streams: $(tail -1 <<<"$out")"
else
    bad "p2_streams (exit $rc)"; cat "$tmp/speer.err"
fi
# Out of descriptors (prlimit): WA_EMFILE by name, and the server goes on.
if command -v prlimit >/dev/null; then
    out=$(timeout 60 prlimit --nofile=120:120 "$JCO" run "$dir/tests/p2_streams.wasm" "$speer" "$closed" emfile 2>&1)
    rc=$?
    if [[ $rc -eq 0 ]] && grep -q '^[0-9]* passed, 0 failed$' <<<"$out"; then ok "p2_streams EMFILE: $(tail -1 <<<"$out")"
    else bad "p2_streams EMFILE (exit $rc)"; tail -5 <<<"$out"; fi
fi
# Only what is used is imported: the stream program takes wasi:sockets and
# no wasi:http; a program without streams takes no wasi:sockets.
imp() { "$JCO" wit "$1" 2>/dev/null | sed -n 's/^ *import \([^@;]*\).*/\1/p' | sort | tr '\n' ' '; }
got=$(imp "$dir/tests/p2_streams.wasm")
want_sockets="wasi:sockets/instance-network wasi:sockets/ip-name-lookup wasi:sockets/network wasi:sockets/tcp wasi:sockets/tcp-create-socket"
missing=()
for w in $want_sockets; do [[ " $got " == *" $w "* ]] || missing+=("$w"); done
if ((${#missing[@]} == 0)) && [[ $got != *wasi:http* && $got != *wasi:sockets/udp* ]]; then
    ok "p2_streams imports wasi:sockets (tcp, lookup), no udp, no wasi:http"
else bad "p2_streams imports: missing [${missing[*]}] in [$got]"; fi
got=$(imp "$dir/examples/say_hello.wasm")
[[ -n $got && $got != *wasi:sockets* ]] && ok "say_hello imports no wasi:sockets" || bad "say_hello imports [$got]"
# examples/echo_streams.wasm is checked against the Python twin's lines
# (examples/expected/) with the tutorial examples below.

# ------------------------------------------------------------ WebSocket
echo "== WebSocket client (jco run, the RFC 6455 engine over wasi:sockets)"
# The chat twin prints exactly the Python client's lines (Python server, and
# the native C server when built), then the cases of tests/web/ws_cases.mjs.
if [[ -f $dir/examples/ws_chat_client.wasm ]]; then
    cserver="$root/build/native/examples/ws_chat_server"
    [[ -x $cserver ]] || cserver="$PY $root/tests/twins/ws_chat_server.py"
    timeout 180 bash "$root/tests/ws/twins.sh" "$JCO run $dir/examples/ws_chat_client.wasm" "$cserver" \
        > "$tmp/twins.txt" 2>&1
    while read -r line; do
        case "$line" in
            "ok   "*"Python client vs"*|"FAIL "*"Python client vs"*) ;; # the server's own suite
            "ok   "*) ok "ws twin under jco run: ${line#ok   }" ;;
            "FAIL "*) bad "ws twin under jco run: ${line#FAIL }"; head -20 "$tmp/twins.txt" ;;
        esac
    done < <(sed 's/^ *//' "$tmp/twins.txt")
fi
if [[ -f $dir/tests/ws_api.wasm ]]; then
    out=$(timeout 240 node "$root/tests/wasip2/ws_p2.test.mjs" "$dir/tests/ws_api.wasm" "$JCO" 2>&1)
    rc=$?
    if [[ $rc -eq 0 ]]; then ok "ws cases: $(tail -1 <<<"$out")"
    else bad "ws cases (exit $rc)"; grep -v '^ok' <<<"$out" | head -20; fi
fi
# A command serves WebSockets too, over the streams layer's wasi:sockets
# listener (a wasi:http proxy component cannot upgrade).
out=$(timeout 120 bash "$root/tests/ws/wasip2_server.sh" 2>&1)
rc=$?
if [[ $rc -eq 0 ]]; then ok "${out#ok   }"
else bad "WebSocket server as a command (exit $rc)"; head -10 <<<"$out"; fi

echo "== overflow_demo.wasm (jco run)"
# A task's frame 8x its stack, whose only write would land in a sibling's
# heap block: stopped before it writes, reported by name with the size it
# needed, non-zero exit, and the program goes no further.
out=$(timeout 60 "$JCO" run "$dir/tools/overflow_demo.wasm" far 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
if [[ $rc -ne 0 ]] && grep -q "wasyncio: stack overflow in task 'far-writer' (stack 4096 bytes, needs at least 3[0-9]\{4\}, stopped before it wrote)" <<<"$out" &&
   ! grep -q "sibling heap\|unreachable" <<<"$out"; then
    ok "stack overflow stopped and reported (exit $rc)"
else
    bad "stack overflow (exit $rc)"
fi

echo "== examples/fetch_all.wasm (jco run)"
out=$(timeout 60 "$JCO" run "$dir/examples/fetch_all.wasm" "http://127.0.0.1:$sport/hello.txt" \
      "http://127.0.0.1:$sport/big.bin" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
if [[ $rc -eq 0 ]] && grep -q "hello.txt: 200, 13 bytes" <<<"$out" &&
   grep -q "big.bin: 200, 200000 bytes" <<<"$out" && grep -q "^concurrent took" <<<"$out"; then
    ok "fetch_all"
else
    bad "fetch_all (exit $rc)"
fi

echo "== tutorial examples (jco run, current directory preopened)"
for want in "$root"/examples/expected/*.txt; do
    ex=$(basename "$want" .txt)
    [[ $ex == db_pool ]] && continue # wasyncio-pg is native only (libpq)
    args=()
    [[ $ex == read_file ]] && args=(examples/data/hello.txt)
    got=$(cd "$root" && timeout 60 "$JCO" run --jco-import "$root/tests/wasi/jco-preopen.mjs" \
          "$dir/examples/$ex.wasm" "${args[@]}" 2>"$tmp/ex.err")
    rc=$?
    if [[ $rc -eq 0 ]] && same_output "$want" <(echo "$got") > "$tmp/ex.diff"; then ok "example $ex"
    else bad "example $ex (exit $rc)"; head -8 "$tmp/ex.diff"; head -3 "$tmp/ex.err"; fi
done

# As under test-wasi's --dir .: sc_run's missing file is then WA_ENOENT (with
# no preopen at all it would be WA_ENOTCAPABLE).
echo "== scenarios (jco run, current directory preopened)"
for sc in "$dir"/scenarios/*.wasm; do
    name=$(basename "$sc" .wasm)
    (cd "$root" && timeout 120 "$JCO" run --jco-import "$root/tests/wasi/jco-preopen.mjs" "$sc") >"$tmp/sc.out" 2>&1
    rc=$?
    last=$(tail -1 "$tmp/sc.out")
    if [[ $rc -eq 0 && $last =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then ok "$name: $last"
    else bad "$name (exit $rc)"; grep FAIL "$tmp/sc.out" | head -5; fi
done
# sc_run checks wa_wait_writable(1) == 0: it must hold with stdout on /dev/null
(cd "$root" && timeout 60 "$JCO" run --jco-import "$root/tests/wasi/jco-preopen.mjs" \
    "$dir/scenarios/sc_run.wasm") >/dev/null 2>"$tmp/sc.err"
rc=$?
[[ $rc -eq 0 ]] && ok "sc_run with stdout on /dev/null" || { bad "sc_run with stdout on /dev/null (exit $rc)"; head -3 "$tmp/sc.err"; }

echo "== overflow reports (jco run)"
# jco, like wasmtime running a component, exits 1, not 134: wasi:cli/exit@0.2
# carries only success or failure (the README's per-host table).
for kind in asyncify asyncify-far stack; do
    timeout 60 "$JCO" run "$dir/tools/overflow_demo.wasm" "$kind" >"$tmp/ovf.out" 2>&1
    rc=$?
    if [[ $rc -eq 1 ]] && grep -q "wasyncio: .*overflow in task" "$tmp/ovf.out"; then ok "$kind overflow reported, exit 1"
    else bad "$kind overflow: exit $rc, want 1"; head -5 "$tmp/ovf.out"; fi
done

# ------------------------------------------------------------ server
echo "== server components import only wasi:http/proxy@0.2.0"
if out=$(bash "$root/tests/wasip2/imports.sh" ${P2_SERVER_WASM:?} 2>&1); then ok "imports: $P2_SERVER_WASM"
else bad "imports"; fi
echo "$out" | sed 's/^/    /'

serve() { # component port
    procs_start "$JCO" serve "$1" --port "$2" --host 127.0.0.1 >"$tmp/serve.$2.log" 2>&1
    procs_wait_http "http://127.0.0.1:$2/" || { bad "jco serve $1 did not start"; cat "$tmp/serve.$2.log"; return 1; }
}
get() { curl -s --max-time 10 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

# The same checks for every build of tests/wasip2/p2_server.c.
server_checks() { # base-url label wa_read_file-code
    local u=$1 l=$2
    expect "$l GET /alice" "Hello, alice!" "$(get "$u/alice")"
    expect "$l GET /" "Hello, World!" "$(get "$u/")"
    expect "$l GET /caf%C3%A9 (decoded param)" "Hello, café!" "$(get "$u/caf%C3%A9")"
    expect "$l unknown route" "404" "$(code "$u/no/such/route")"
    expect "$l %00 in a parameter" "400" "$(code "$u/a%00b")"
    expect "$l wrong method" "405" "$(code -X DELETE "$u/alice")"
    expect "$l handler error" "500" "$(code "$u/fail/now")"
    expect "$l content-type" "text/plain; charset=utf-8" \
        "$(curl -s -D - -o /dev/null "$u/alice" | tr -d '\r' | sed -n 's/^content-type: //Ip')"
    expect "$l POST body, query, header" "POST q= z len=5:body!" \
        "$(get -X POST -H 'X-Test: abc' --data-binary 'body!' "$u/echo/it?q=%20z")"
    expect "$l POST status" "201" "$(code -X POST --data-binary x "$u/echo/it")"
    expect "$l reply header" "abc" \
        "$(curl -s -D - -o /dev/null -X POST -H 'X-Test: abc' -d x "$u/echo/it" | tr -d '\r' | sed -n 's/^x-seen: //Ip')"
    expect "$l the host asked for" "h.example:81" \
        "$(curl -s -D - -o /dev/null -X POST -H 'Host: h.example:81' -d x "$u/echo/it" | tr -d '\r' | sed -n 's/^x-host: //Ip')"
    head -c 1100000 /dev/zero >"$tmp/big.req"
    expect "$l body over 1 MiB" "413" "$(code -X POST --data-binary @"$tmp/big.req" "$u/echo/it")"
    expect "$l handler sleeps in the loop" "slept together" "$(get "$u/slow/naps")"
    expect "$l libc in a handler (clock, random, stdout, files)" "clock 1 random 1 stdout 1 file $3" \
        "$(get "$u/libc/check")"
    # 50 concurrent requests (on wasip2 each is its own wa_run in the instance)
    seq 50 | xargs -P 25 -I{} curl -s --max-time 20 -o "$tmp/c.{}" "$u/n{}"
    local good=0 i
    for i in $(seq 50); do [[ "$(cat "$tmp/c.$i" 2>/dev/null)" == "Hello, n$i!" ]] && good=$((good + 1)); done
    expect "$l 50 concurrent requests" "50" "$good"
    rm -f "$tmp"/c.*
}

echo "== p2_server.wasm (jco serve)"
p=$(procs_free_port)
if serve "$dir/tests/p2_server.wasm" "$p"; then
    server_checks "http://127.0.0.1:$p" wasip2 -19 # WA_ENOTCAPABLE: no files in the proxy world
fi

# The native build of the same program must pass the same checks.
if [[ -f $root/build/native/libwasyncio.a ]]; then
    echo "== p2_server (native, same checks)"
    # a private copy: a parallel build may be rewriting the library
    cp "$root/build/native/libwasyncio.a" "$tmp/libwasyncio.a"
    if gcc -O2 -std=gnu11 -I"$root/src" "$root/tests/wasip2/p2_server.c" -o "$tmp/p2_server_native" \
        "$tmp/libwasyncio.a" -luv -lcurl -lhttp_parser -lssl -lcrypto -pthread -lm; then
        p=$(procs_free_port)
        procs_start "$tmp/p2_server_native" "$p" >"$tmp/native.log" 2>&1
        if procs_wait_http "http://127.0.0.1:$p/"; then
            server_checks "http://127.0.0.1:$p" native -30 # WA_ENOENT: no such file
        else
            bad "native p2_server did not start"
        fi
    else
        bad "native p2_server did not build"
    fi
fi

echo "== examples/hello_server.wasm (jco serve)"
p=$(procs_free_port)
if serve "$dir/examples/hello_server.wasm" "$p"; then
    # the unchanged native program: its main() runs per request (see
    # src/host/wasip2/serve.c), or wa_build_app() when it defines one
    expect "hello_server GET /alice" "Hello, alice!" "$(get "http://127.0.0.1:$p/alice")"
    expect "hello_server GET / (only /{name}, as aiohttp)" "404" "$(code "http://127.0.0.1:$p/")"
    expect "hello_server unknown route" "404" "$(code "http://127.0.0.1:$p/a/b")"
fi

echo "wasip2: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
