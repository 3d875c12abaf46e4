#!/usr/bin/env bash
# bench_pg.sh: the PostgreSQL rows of `make bench`, every peer in this run
# against the same throwaway server (tests/pg/cluster.sh, fsync off):
#   SELECT $1::int round trips per second on one connection
#   10,000 queries through a pool of 10 by 100 tasks, per second
#   a 10,000-row fetch (int, text, float8 read into values), ms
# wasyncio-pg (tests/bench/pg_bench.c) vs asyncpg (pg_peer.py, Debian's
# python3-asyncpg) vs node-postgres (pg_peer.mjs, pg pinned in js/). Each
# figure is the best of 3 runs. Rows: `| name | value | unit | peer | ratio |`,
# ratio = ours / peer for rates, peer / ours for times. Exit 77 = skipped.
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
out=build/native/bench
libs=(build/native/libwasyncio-pg.a build/native/libwasyncio.a)
[[ -f ${libs[0]} && -f ${libs[1]} ]] || { echo "bench_pg: run make pg first" >&2; exit 77; }
source tests/procs.sh
source tests/pg/cluster.sh
command -v "$PG_BIN/initdb" >/dev/null 2>&1 || { echo "bench_pg: PostgreSQL is not installed" >&2; exit 77; }
mkdir -p "$out"
gcc -O2 -std=gnu11 -Isrc -Isrc/pg -pthread tests/bench/pg_bench.c -o "$out/pg_bench" "${libs[@]}" \
    -lpq -luv -lcurl -lhttp_parser -lm || { echo "bench_pg: building pg_bench failed" >&2; exit 1; }
pg_cluster_start >/dev/null || { echo "bench_pg: the server did not start" >&2; exit 1; }

best3() { # best3 max|min CMD...: the best of three runs' first lines
    local how=$1 best="" v
    shift
    for _ in 1 2 3; do
        v=$(timeout 120 "$@" 2>/dev/null | head -n1)
        [[ $v =~ ^[0-9.]+$ ]] || continue
        best=$(awk -v a="$best" -v b="$v" -v h="$how" \
            'BEGIN { if (a == "" || (h == "max" ? b > a : b < a)) print b; else print a }')
    done
    echo "${best:-n/a}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1f×", a / b; else printf "n/a" }'; }
have_asyncpg=0
"$py" -c 'import asyncpg' 2>/dev/null && have_asyncpg=1
have_nodepg=0
command -v node >/dev/null && [[ -d js/node_modules/pg ]] && have_nodepg=1

row() { # row TITLE UNIT max|min WHAT
    local title=$1 unit=$2 how=$3 what=$4 ours apg=n/a npg=n/a r1 r2
    ours=$(best3 "$how" "$out/pg_bench" "$what")
    ((have_asyncpg)) && apg=$(best3 "$how" "$py" tests/bench/pg_peer.py "$what")
    ((have_nodepg)) && npg=$(best3 "$how" node tests/bench/pg_peer.mjs "$what")
    if [[ $how == max ]]; then r1=$(ratio "$ours" "$apg") r2=$(ratio "$ours" "$npg")
    else r1=$(ratio "$apg" "$ours") r2=$(ratio "$npg" "$ours"); fi
    printf '| %s | %s | %s | asyncpg %s · node-postgres %s | %s · %s |\n' \
        "$title" "$ours" "$unit" "$apg" "$npg" "$r1" "$r2"
}

row 'pg: SELECT $1::int round trips, one connection' 'queries/s' max rt
row 'pg: 10,000 queries, pool of 10, 100 tasks' 'queries/s' max pool
row 'pg: fetch 10,000 rows (int, text, float8)' 'ms' min fetch
