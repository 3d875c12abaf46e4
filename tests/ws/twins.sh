#!/usr/bin/env bash
# twins.sh CLIENT SERVER: the WebSocket twins' acceptance test. CLIENT and
# SERVER are commands (a native binary, or e.g. "node client.js"); CLIENT
# gets the base URL ws://127.0.0.1:PORT, SERVER the port. The reference is
# what the Python client prints against the Python server
# (tests/twins: ws_chat_{client,server}.py, aiohttp, Debian's
# /usr/bin/python3); in every pairing the client must print exactly that:
#   C client vs Python server, Python client vs C server, C client vs C server.
# Set TWINS_DIR to where the .py twins live (default: tests/twins).
# Prints "twins: N passed, N failed".
set -u
client=${1:?usage: twins.sh CLIENT SERVER}
server=${2:?usage: twins.sh CLIENT SERVER}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=/usr/bin/python3
dir=${TWINS_DIR:-$root/tests/twins}
source "$root/tests/procs.sh"
source "$root/tests/same_output.sh"
tmp=$(mktemp -d)
procs_on_exit 'rm -rf "$tmp"'
pass=0 fail=0

wait_port() {
    for _ in $(seq 200); do
        "$py" -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# pair NAME CLIENT_CMD SERVER_CMD OUT
pair() {
    local name=$1 cl=$2 sv=$3 out=$4 port
    port=$(procs_free_port)
    # shellcheck disable=SC2086 # the commands are word lists on purpose
    procs_start $sv "$port" >"$tmp/server.log" 2>&1
    local pid=$procs_last
    if ! wait_port "$port"; then
        echo "  FAIL $name: server did not start"; cat "$tmp/server.log"
        fail=$((fail + 1)); procs_stop "$pid"; return 1
    fi
    # shellcheck disable=SC2086
    timeout 60 $cl "ws://127.0.0.1:$port" >"$out" 2>"$tmp/client.err"
    local rc=$?
    procs_stop "$pid"
    [[ $name == reference ]] && return $rc
    if [[ $rc -eq 0 ]] && same_output "$tmp/want" "$out" >"$tmp/diff"; then
        echo "  ok   $name"; pass=$((pass + 1))
    else
        echo "  FAIL $name (exit $rc)"; cat "$tmp/diff" "$tmp/client.err" | head -20
        fail=$((fail + 1))
    fi
}

pair reference "$py $dir/ws_chat_client.py" "$py $dir/ws_chat_server.py" "$tmp/want" ||
    { echo "twins: the Python reference did not run"; exit 1; }
pair "C client vs Python server" "$client" "$py $dir/ws_chat_server.py" "$tmp/a"
pair "Python client vs C server" "$py $dir/ws_chat_client.py" "$server" "$tmp/b"
pair "C client vs C server" "$client" "$server" "$tmp/c"
echo "twins: $pass passed, $fail failed"
((fail == 0))
