#!/usr/bin/env bash
# demo.sh: runs the native examples in tutorial order, a heading before each
# (make demo builds them first). fetch_all, if built, runs against a local
# python http.server on a free 127.0.0.1 port.
set -u
cd "$(dirname "$0")/.."
bin=build/native/examples
py=/usr/bin/python3
status=0

if [[ ! -d $bin ]]; then
    echo "demo: $bin not found; run 'make native' first" >&2
    exit 1
fi

run() { # run NAME HEADING [ARGS...]
    local name=$1 heading=$2
    shift 2
    [[ -x $bin/$name ]] || { echo "(skipping $name: not built)"; return; }
    echo
    echo "=== $name: $heading"
    "$bin/$name" "$@" || { echo "demo: $name exited with $?" >&2; status=1; }
}

fetch_demo() {
    [[ -x $bin/fetch_all ]] || return 0
    local dir port pid
    dir=$(mktemp -d)
    for i in 1 2 3; do echo "page $i" > "$dir/page$i.txt"; done
    port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$py" -m http.server "$port" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
    pid=$!
    # wait until the server accepts connections (at most ~5 s)
    for _ in $(seq 50); do
        "$py" -c "import socket; socket.create_connection(('127.0.0.1',$port),0.1)" 2>/dev/null && break
        sleep 0.1
    done
    run fetch_all "Sync vs Async with HTTP (aiohttp gather twin)" \
        "http://127.0.0.1:$port/page1.txt" "http://127.0.0.1:$port/page2.txt" \
        "http://127.0.0.1:$port/page3.txt"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -rf "$dir"
}

run sync_vs_async "Sync vs Async (sleeps stand in for requests)"
fetch_demo
run say_hello "Coroutines with async/await"
run tasks "Running Multiple Tasks (gather)"
run read_file "Async Context Managers (aiofiles twin)" examples/data/hello.txt
run async_range "Async Iterators (async for over async_range)"
run to_thread "Pitfall 1: blocking code goes to a thread"

# hello_server serves until interrupted, so the demo does not run it
echo
echo "demo: done"
exit $status
