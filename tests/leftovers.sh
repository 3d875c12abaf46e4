#!/usr/bin/env bash
# leftovers.sh: the last step of `make test` and `make bench`: fails, naming
# each process, if anything they started is still running. The Makefile
# exports WA_RUN_TAG to every recipe, so every process a suite started
# carries it in its environment, even one re-parented to init after its
# parent died. Leftovers are killed after being named, so one bad run does
# not leak into the next.
#
#   tests/leftovers.sh "make test"
set -u
what=${1:-this run}
tag=${WA_RUN_TAG:-}
if [[ -z $tag ]]; then
    echo "leftovers: WA_RUN_TAG is not set; nothing to check" >&2
    exit 0
fi

# This script and the make processes above it carry the tag too.
ancestors=" "
p=$$
while [[ $p -gt 1 ]]; do
    ancestors+="$p "
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || break
    [[ -n $p ]] || break
done

# 0 if pid descends from this script (its own pipelines carry the tag).
ours() {
    local q=$1
    while [[ -n $q && $q -gt 1 ]]; do
        [[ $q == "$$" ]] && return 0
        q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null)
    done
    return 1
}

tagged() {
    local f pid
    # one grep over every environment: -z reads NUL-separated entries
    for f in $(grep -lzxF "WA_RUN_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null); do
        pid=${f#/proc/}
        pid=${pid%/environ}
        [[ $ancestors == *" $pid "* ]] && continue
        # exited meanwhile, or a zombie (init reaps orphans lazily here)
        [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) =~ ^[^Z]$ ]] || continue
        ours "$pid" && continue
        echo "$pid"
    done
}

# A PostgreSQL server rewrites its environment (its process titles), so the
# throwaway clusters (tests/pg/cluster.sh) are found by their data
# directory, whose name carries the tag.
tagged_pg() {
    local f pid
    for f in $(grep -lzF "wa-pg-$tag-" /proc/[0-9]*/cmdline 2>/dev/null); do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        [[ $ancestors == *" $pid "* ]] && continue
        [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) =~ ^[^Z]$ ]] || continue
        ours "$pid" && continue
        echo "$pid"
    done
}

# Processes that are exiting right now get a moment.
left=()
for _ in 1 2 3 4 5 6 7 8 9 10; do
    mapfile -t left < <({ tagged; tagged_pg; } | sort -u)
    ((${#left[@]} == 0)) && break
    sleep 0.2
done

if ((${#left[@]} == 0)); then
    echo "leftovers: none after $what"
    exit 0
fi
echo "leftovers: ${#left[@]} process(es) still running after $what:" >&2
for pid in "${left[@]}"; do
    cmd=$(tr "\0" " " 2>/dev/null <"/proc/$pid/cmdline")
    echo "  pid $pid: ${cmd:-(exited)}" >&2
done
kill -KILL "${left[@]}" 2>/dev/null
echo "leftovers: 0 passed, 1 failed"
exit 1
