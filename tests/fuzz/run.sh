#!/usr/bin/env bash
# run.sh DIR SECS: runs every libFuzzer harness built in DIR (fuzz_*) for SECS
# seconds each, from the seed corpus in tests/fuzz/corpus/<name> (copied, so
# the repo's seeds stay as committed) with tests/fuzz/<name>.dict, or http.dict. A crash or
# leak fails the run and leaves its input in DIR/artifacts/. Prints
# "fuzz: N passed, N failed".
set -u
dir=${1:?usage: run.sh DIR SECS}
secs=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir/artifacts"
# One harness per core at a time: each still gets a whole core for SECS
# seconds (the same number of inputs as run alone), in half the wall time.
jobs_max=$(nproc 2>/dev/null || echo 2)
fuzz_one() { # bin: runs it, bounded; its exit status is the verdict
    local bin=$1 name seeds work dict
    name=$(basename "$bin")
    seeds=$root/tests/fuzz/corpus/${name#fuzz_}
    work=$dir/corpus/${name#fuzz_}
    dict=$root/tests/fuzz/${name#fuzz_}.dict # a harness's own, else HTTP's
    [[ -f $dict ]] || dict=$root/tests/fuzz/http.dict
    mkdir -p "$work"
    # bounded: max_total_time, per-input timeout, memory cap; an outer
    # timeout in case the fuzzer itself wedges. nice: under make -j the
    # suites that measure time (tutorial examples) run beside it.
    timeout $((secs + 60)) nice -n 10 "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
        -dict="$dict" -artifact_prefix="$dir/artifacts/$name-" \
        -print_final_stats=1 "$work" "$seeds" >"$dir/$name.log" 2>&1
}
bins=()
for bin in "$dir"/fuzz_*; do
    [[ -x $bin && -f $bin ]] && bins+=("$bin")
done
declare -A pid_of
pass=0 fail=0
for ((i = 0; i < ${#bins[@]}; i += jobs_max)); do
    for bin in "${bins[@]:i:jobs_max}"; do
        echo "== $(basename "$bin") (${secs}s)"
        fuzz_one "$bin" &
        pid_of[$bin]=$!
    done
    for bin in "${bins[@]:i:jobs_max}"; do
        name=$(basename "$bin")
        if wait "${pid_of[$bin]}"; then
            grep -E "stat::number_of_executed_units" "$dir/$name.log" | sed "s/^/  $name: /"
            pass=$((pass + 1))
        else
            tail -n 30 "$dir/$name.log"
            echo "FAILED: $name (input in $dir/artifacts/)"
            fail=$((fail + 1))
        fi
    done
done
echo "fuzz: $pass passed, $fail failed"
((fail == 0 && pass > 0))
