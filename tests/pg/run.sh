#!/usr/bin/env bash
# run.sh: make test-pg: wasyncio-pg's suite (plain and under ASan/UBSan),
# asyncpg's transaction answers (tx_asyncpg.py) and the db_pool twin against a throwaway PostgreSQL cluster (cluster.sh),
# stopped on every way out. Skips, saying so, when PostgreSQL is absent.
set -u
cd "$(dirname "$0")/../.."
source tests/procs.sh
source tests/pg/cluster.sh
pass=0 fail=0

if ! command -v "$PG_BIN/initdb" >/dev/null 2>&1; then
    echo "test-pg: PostgreSQL is not installed (make deps installs it): skipped"
    echo "test-pg: 0 passed, 0 failed"
    exit 0
fi
pg_cluster_start || { echo "test-pg: 0 passed, 1 failed"; exit 1; }

check() { # check NAME CMD...: one suite
    local name=$1
    shift
    echo "== $name"
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $name"; fi
}

check pg timeout 180 build/native/pg/test_pg
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    check pg-asan timeout 180 build/native/asan/pg/test_pg

# test_pg's test_transactions_as_asyncpg compares the driver's answers with
# tests/pg/tx_asyncpg.txt; here the record is checked against asyncpg itself.
tx_asyncpg() {
    if ! /usr/bin/python3 -c 'import asyncpg' 2>/dev/null; then
        echo "asyncpg is not installed: the record is not checked"
        return 0
    fi
    diff tests/pg/tx_asyncpg.txt <(timeout 60 /usr/bin/python3 tests/pg/tx_asyncpg.py 2>&1)
}
check tx-asyncpg tx_asyncpg

# The twin prints what the asyncpg original prints against the same server.
twin() {
    local want got
    # the original, when its asyncpg is here; else the recorded lines
    local py
    for py in tests/twins/db_pool.py ""; do [[ -f $py ]] && break; done
    if [[ -n $py ]] && /usr/bin/python3 -c 'import asyncpg' 2>/dev/null; then
        want=$(timeout 60 /usr/bin/python3 "$py" 2>&1)
    else
        want=$(cat examples/expected/db_pool.txt)
    fi
    got=$(timeout 60 build/native/examples/db_pool 2>&1)
    if [[ $got == "$want" ]]; then return 0; fi
    diff <(echo "$want") <(echo "$got")
    return 1
}
# Its "rounds of 0.2 s" line times the run: on a loaded machine either side
# may take a round longer, so a mismatch is tried once more.
check db_pool-twin eval 'twin >/dev/null || twin'

echo "test-pg: $pass passed, $fail failed"
((fail == 0))
