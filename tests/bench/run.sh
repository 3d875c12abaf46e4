#!/usr/bin/env bash
# run.sh: `make bench`: prints one markdown table. The core part runs
# first, then every other tests/bench/bench_*.sh (owned by the HTTP, WASI
# and web parts). Each part prints rows `| name | value | unit | peer | ratio |`;
# a part that exits 77 was skipped for missing prerequisites, any other
# non-zero exit is shown as a failed row. Numbers are never asserted.
set -u
cd "$(dirname "$0")/../.."
[[ -f build/native/libwasyncio.a ]] || make -s native >&2 || exit 1

echo "Ratios > 1 mean wasyncio is better: peer/ours for times and sizes, ours/peer for rates."
echo "Every peer is measured in this same run, except figures marked (published)."
echo
echo "| benchmark | wasyncio | unit | peer | ratio |"
echo "|---|---|---|---|---|"
status=0
parts=(tests/bench/bench_core.sh)
for p in tests/bench/bench_*.sh; do
    [[ $p == tests/bench/bench_core.sh ]] || parts+=("$p")
done
for p in "${parts[@]}"; do
    name=$(basename "$p" .sh)
    bash "$p"
    rc=$?
    if ((rc == 77)); then
        echo "($name skipped: prerequisites missing)" >&2
    elif ((rc != 0)); then
        echo "| $name: failed (exit $rc) | - | - | - | - |"
        status=1
    fi
done
exit $status
