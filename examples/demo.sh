#!/usr/bin/env bash
# demo.sh: runs the native examples in tutorial order, a heading before each
# (make demo builds them first). fetch_all, if built, runs against a local
# server on a free 127.0.0.1 port (tests/http/helper_server.py).
# `demo.sh --list` names the examples the tour runs (make demo builds those).
set -u
cd "$(dirname "$0")/.."
tour=(sync_vs_async fetch_all say_hello tasks read_file async_range to_thread echo_streams)
# db_pool (asyncpg twin) is built only where libpq's headers are.
[[ -f "$(pg_config --includedir 2>/dev/null)/libpq-fe.h" ]] && tour+=(db_pool)
if [[ ${1:-} == --list ]]; then echo "${tour[*]}"; exit 0; fi
bin=build/native/examples
py=/usr/bin/python3
status=0
source tests/procs.sh

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
    # A local threaded server whose /delay answers after 300 ms stands in for
    # slow remote APIs, so the sequential/concurrent difference shows.
    local out port pid
    out=$(mktemp)
    procs_start "$py" tests/http/helper_server.py 0 > "$out" 2>/dev/null
    pid=$procs_last
    for _ in $(seq 50); do
        port=$(head -n1 "$out")
        [[ -n $port ]] && break
        sleep 0.1
    done
    rm -f "$out"
    if [[ -z $port ]]; then
        echo "demo: the local HTTP server did not start" >&2
        procs_stop "$pid"; status=1; return
    fi
    run fetch_all "Sync vs Async with HTTP (aiohttp gather twin; each URL takes 300 ms)" \
        "http://127.0.0.1:$port/delay?ms=300" "http://127.0.0.1:$port/delay?ms=300&n=2" \
        "http://127.0.0.1:$port/delay?ms=300&n=3"
    procs_stop "$pid"
}

# The database twin runs against the server named by PGHOST/PGPORT when
# one is set, else against a throwaway cluster (tests/pg/cluster.sh) when
# PostgreSQL is installed; without either it is skipped, saying so.
db_demo() {
    local heading="Database connection pools (asyncpg create_pool twin)"
    if [[ ! -x $bin/db_pool ]]; then
        echo; echo "=== db_pool: skipped (libpq not installed: make deps installs PostgreSQL)"; return
    fi
    if [[ -z ${PGHOST:-}${PGPORT:-} ]]; then
        source tests/pg/cluster.sh
        if ! command -v "$PG_BIN/initdb" >/dev/null 2>&1; then
            echo; echo "=== db_pool: skipped (no PostgreSQL server: set PGHOST/PGPORT, or make deps)"; return
        fi
        pg_cluster_start || { echo "demo: could not start a PostgreSQL cluster" >&2; status=1; return; }
    fi
    run db_pool "$heading"
}

for name in "${tour[@]}"; do
    case $name in
        sync_vs_async) run sync_vs_async "Sync vs Async (sleeps stand in for requests)" ;;
        fetch_all) fetch_demo ;;
        say_hello) run say_hello "Coroutines with async/await" ;;
        tasks) run tasks "Running Multiple Tasks (gather)" ;;
        read_file) run read_file "Async Context Managers (aiofiles twin)" examples/data/hello.txt ;;
        async_range) run async_range "Async Iterators (async for over async_range)" ;;
        to_thread) run to_thread "Pitfall 1: blocking code goes to a thread" ;;
        echo_streams) run echo_streams "Streams: a line-echo server and its clients (asyncio streams twin)" ;;
        db_pool) db_demo ;;
    esac
done

# hello_server serves until interrupted, so the demo does not run it
echo
echo "demo: done"
exit $status
