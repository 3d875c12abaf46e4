#!/usr/bin/env bash
# run-native.sh DIR: runs every DIR/tests/test_* (the native-only cmocka
# suites) and every DIR/scenarios/* (each prints "N passed, N failed").
# Output of each suite stays visible; a suite counts as failed on a non-zero
# exit. Prints "native: N passed, N failed" (suites) and exits non-zero if any
# failed.
set -u
dir=${1:?usage: run-native.sh DIR}
pass=0 fail=0 failed=()

run_one() {
    local bin=$1
    echo "== ${bin#"$dir"/}"
    local t0=$EPOCHREALTIME rc=0
    # a hung suite must not hang make test: 120 s is far above any suite's run
    timeout 120 "$bin" || rc=$?
    # each suite's time, so a slow one is seen (make test stays within 10 minutes)
    awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="${bin#"$dir"/}" 'BEGIN { printf "-- %s: %.1f s\n", n, b - a }'
    if ((rc == 0)); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        failed+=("${bin#"$dir"/} (exit $rc)")
    fi
}

shopt -s nullglob
for t in "$dir"/tests/test_*; do
    [[ -f $t && -x $t ]] && run_one "$t"
done
for s in "$dir"/scenarios/*; do
    [[ -f $s && -x $s ]] && run_one "$s"
done

if ((pass + fail == 0)); then
    echo "native: no suites found under $dir" >&2
    echo "native: 0 passed, 1 failed"
    exit 1
fi
for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "native: $pass passed, $fail failed"
((fail == 0))
