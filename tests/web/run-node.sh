#!/usr/bin/env bash
# run-node.sh: the Emscripten Node builds against the native build.
#  1. every example in build/web/node/examples prints the same lines as
#     build/native/examples/<name> (timings such as "3.001 s" are masked; the
#     lines and their order must match);
#  2. every scenario in build/web/node/scenarios exits 0 and ends with
#     "N passed, 0 failed";
#  3. the stream cases (tests/wasip2/p2_streams.c) on node:net against
#     tests/wasip2/stream_peer.py.
# fetch_all runs against web/serve.mjs on 127.0.0.1, for both builds.
set -u
cd "$(dirname "$0")/../.."
web=build/web/node native=build/native
pass=0 fail=0 failed=()
tmp=$(mktemp -d)
source tests/procs.sh
procs_on_exit 'rm -rf "$tmp"'

source tests/same_output.sh

procs_start node web/serve.mjs --root build/web --port 0 > "$tmp/srv.out" 2>&1
for _ in $(seq 50); do grep -q http "$tmp/srv.out" && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/srv.out" | head -1)

args_for() {
  case "$1" in
    fetch_all) echo "$base/api/item/1?delay=100 $base/api/item/2?delay=100 $base/api/item/3?delay=100" ;;
    *) echo "" ;;
  esac
}

check() { # name ok? detail
  if [[ $2 == 1 ]]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); failed+=("$1"); echo "FAIL $1"; [[ -n ${3:-} ]] && echo "$3"; fi
}

shopt -s nullglob
for js in "$web"/examples/*.js; do
  name=$(basename "$js" .js)
  [[ $name == ws_chat_client ]] && continue # needs a server: the twins block below
  nat="$native/examples/$name"
  [[ -x $nat ]] || { check "example $name (no native build to compare)" 0; continue; }
  read -r -a a <<< "$(args_for "$name")"  # no globbing: URLs contain '?'
  timeout 60 "$nat" "${a[@]}" > "$tmp/native.txt" 2>&1; nrc=$?
  timeout 60 node "$js" "${a[@]}" > "$tmp/web.txt" 2>&1; wrc=$?
  if [[ $nrc == "$wrc" ]] && same_output "$tmp/native.txt" "$tmp/web.txt" > "$tmp/diff.txt"; then
    check "example $name (same $(wc -l < "$tmp/web.txt") lines, exit $wrc)" 1
  else
    check "example $name (exit native $nrc, web $wrc)" 0 "$(head -20 "$tmp/diff.txt")"
  fi
done

for js in "$web"/scenarios/*.js; do
  name=$(basename "$js" .js)
  timeout 120 node "$js" > "$tmp/sc.txt" 2>&1; rc=$?
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/sc.txt" | tail -1)
  if [[ $rc == 0 && $last =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
    check "scenario $name ($last)" 1
  else
    check "scenario $name (exit $rc: ${last:-no summary})" 0 "$(tail -15 "$tmp/sc.txt")"
  fi
done

# Streams on node:net: the cases of the WASI 0.2 component
# (tests/wasip2/p2_streams.c) against tests/wasip2/stream_peer.py's peers.
stream_test=$web/tests/p2_streams.js
if [[ -f $stream_test ]]; then
  procs_start /usr/bin/python3 tests/wasip2/stream_peer.py > "$tmp/speer.port" 2> "$tmp/speer.err"
  for _ in $(seq 100); do [[ -s $tmp/speer.port ]] && break; sleep 0.1; done
  closed=$(procs_free_port)
  timeout 120 node "$stream_test" "$(head -1 "$tmp/speer.port")" "$closed" > "$tmp/st.txt" 2>&1; rc=$?
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/st.txt" | tail -1)
  if [[ $rc == 0 && $last =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
    check "streams on node:net ($last)" 1
  else
    check "streams on node:net (exit $rc: ${last:-no summary})" 0 "$(tail -15 "$tmp/st.txt"; cat "$tmp/speer.err")"
  fi
  # out of descriptors: WA_EMFILE by name, and the server goes on
  if command -v prlimit > /dev/null; then
    timeout 60 prlimit --nofile=120:120 node "$stream_test" "$(head -1 "$tmp/speer.port")" "$closed" emfile \
      > "$tmp/st.txt" 2>&1; rc=$?
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/st.txt" | tail -1)
    [[ $rc == 0 && $last =~ ^[0-9]+\ passed,\ 0\ failed ]]
    check "streams on node:net, EMFILE (${last:-exit $rc})" $(( $? == 0 )) "$(tail -5 "$tmp/st.txt")"
  fi
else
  check "streams on node:net ($stream_test not built)" 0
fi

# The WebSocket twin under Node (bound to the ws package): it prints what the
# Python client prints, against the Python server and against the native
# C server (tests/ws/twins.sh).
if [[ -f $web/examples/ws_chat_client.js && -x $native/examples/ws_chat_server ]]; then
  bash tests/ws/twins.sh "node $web/examples/ws_chat_client.js" "$native/examples/ws_chat_server" \
    > "$tmp/twins.txt" 2>&1
  while read -r line; do
    case "$line" in
      "ok   "*"Python client vs C server"*) ;; # the native server's own check (test-native)
      "ok   "*) check "ws twin under Node: ${line#ok   }" 1 ;;
      "FAIL "*"Python client vs C server"*) ;;
      "FAIL "*) check "ws twin under Node: ${line#FAIL }" 0 "$(cat "$tmp/twins.txt")" ;;
    esac
  done < <(sed 's/^ *//' "$tmp/twins.txt")
fi

# Without the ws package (none found from the program's directory, the
# recorded copy hidden): Node 20's --experimental-websocket global is the
# fallback, and the twin still prints the Python client's lines; without the
# flag either, WA_ENOTSUP and one line saying how to get ws.
if [[ -f $web/examples/ws_chat_client.js && -x $native/examples/ws_chat_server ]]; then
  mkdir -p "$tmp/nows"
  sed 's|Module\[.waWsModule.\] = "[^"]*"|Module["waWsModule"] = "/nonexistent/ws"|' \
    "$web/examples/ws_chat_client.js" > "$tmp/nows/c.js"
  cp "$web/examples/ws_chat_client.wasm" "$tmp/nows/c.wasm"
  NODE_PATH= bash tests/ws/twins.sh "node --experimental-websocket $tmp/nows/c.js" \
    "$native/examples/ws_chat_server" > "$tmp/nows.txt" 2>&1
  if grep -q "ok   C client vs Python server" "$tmp/nows.txt"; then
    check "ws twin under Node 20's --experimental-websocket (no ws package)" 1
  else
    check "ws twin under --experimental-websocket" 0 "$(head -20 "$tmp/nows.txt")"
  fi
  (cd "$tmp/nows" && NODE_PATH= timeout 20 node c.js ws://127.0.0.1:1) > "$tmp/nows.out" 2>&1
  n=$(grep -c "needs the ws package" "$tmp/nows.out")
  if [[ $n == 1 ]] && grep -q "not supported on this target" "$tmp/nows.out"; then
    check "ws under Node without ws or the flag: WA_ENOTSUP, said once" 1
  else
    check "ws under Node without ws or the flag" 0 "$(cat "$tmp/nows.out")"
  fi
fi

# The user's recipe builds without Binaryen warnings: every function the
# script names in Asyncify's remove-list (the loop side of src/host/web and
# src/core) still exists under that name.
js/wasyncio-emcc.sh --node -o "$tmp/say_hello.js" examples/say_hello.c > "$tmp/emcc.out" 2>&1; rc=$?
if [[ $rc == 0 ]] && ! grep -q "removelist contained a non-existing" "$tmp/emcc.out"; then
  check "wasyncio-emcc.sh: the Asyncify remove-list names exist" 1
else
  check "wasyncio-emcc.sh: exit $rc, or a remove-list name is gone" 0 "$(head -5 "$tmp/emcc.out")"
fi

# Stack overflow: stopped before the frame writes, reported once by name
# with the size needed, exit 134 (the README's status for Emscripten in
# Node), and nothing after it (no "nothing can wake the main task" from the
# JS side, no sibling output).
demo=$web/tools/overflow_demo.js
for mode in stack far main; do  # main: the program's own stack
  timeout 60 node "$demo" "$mode" > "$tmp/of.out" 2> "$tmp/of.err"; rc=$?
  want="wasyncio: stack overflow in task '[a-z-]*' (stack [0-9]* bytes, needs at least [0-9]*, stopped before it wrote)"
  [[ $mode == main ]] &&  # not a task's: the link's stack size is the cure
    want="wasyncio: stack overflow on the program's own stack (main() and the loop, not a task; [0-9]* bytes, needs at least [0-9]*, stopped before it wrote); raise it when linking: emcc -sSTACK_SIZE"
  n=$(grep -c "$want" "$tmp/of.err")
  if [[ $rc == 134 && $n == 1 && $(wc -l < "$tmp/of.err") == 1 ]] && ! grep -q "sibling heap\|no overflow" "$tmp/of.out"; then
    check "stack overflow ($mode): reported once, exit $rc" 1
  else
    check "stack overflow ($mode): exit $rc, $n reports" 0 "$(cat "$tmp/of.out" "$tmp/of.err" | head)"
  fi
done

# The same from a library build (the runtime stays alive for JS): the
# waCall's task overflows; one report, exit 134, no "nothing can wake".
timeout 60 node -e "require('./build/web/test/node/web_api.cjs')().then((m) => m.waCall('t_stack_overflow', null))" \
  > "$tmp/of.out" 2> "$tmp/of.err"; rc=$?
n=$(grep -c "wasyncio: stack overflow in task '[^']*' (stack 16384 bytes, needs at least [0-9]*, stopped before it wrote)" "$tmp/of.err")
if [[ $rc == 134 && $n == 1 ]] && ! grep -q "nothing can wake" "$tmp/of.err"; then
  check "stack overflow in a library build's waCall: reported once, exit $rc" 1
else
  check "stack overflow in a library build's waCall: exit $rc, $n reports" 0 "$(cat "$tmp/of.out" "$tmp/of.err" | head)"
fi

# The Asyncify-buffer overflow: reported, exit 134 like the stack's above;
# also one whose records outgrow the buffer and the whole stack (stopped
# before they leave the task's memory, named, not a trap).
for mode in asyncify asyncify-far; do
  timeout 60 node "$demo" $mode > "$tmp/ovf.txt" 2>&1; rc=$?
  if [[ $rc == 134 ]] && grep -q "wasyncio: Asyncify buffer overflow in task" "$tmp/ovf.txt" &&
     ! grep -q "unreachable\|RuntimeError" "$tmp/ovf.txt"; then
    check "$mode overflow reported, exit 134" 1
  else
    check "$mode overflow (exit $rc, want 134)" 0 "$(head -5 "$tmp/ovf.txt")"
  fi
done

echo "web-node: $pass passed, $fail failed"
for f in "${failed[@]}"; do echo "FAILED: $f"; done
((fail == 0))
