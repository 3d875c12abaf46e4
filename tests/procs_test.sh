#!/usr/bin/env bash
# procs_test.sh: checks tests/procs.sh, which every script that starts a
# helper process uses: a helper that forks a child of its own (as `jco serve`
# does) must leave nothing behind when the script ends normally, fails, or
# is killed by SIGTERM (a timeout) or SIGINT (Ctrl-C).
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0
tmp=$(mktemp -d)
source tests/procs.sh   # for procs_alive (and its exit trap)
procs_on_exit 'rm -rf "$tmp"'

# A script that starts a "server" whose real work runs in a grandchild, then
# ends the way $1 says. The grandchild writes its pid so we can look for it.
cat >"$tmp/script.sh" <<'SH'
set -u
source tests/procs.sh
procs_start bash -c 'sleep 300 & echo $! > "$0"; wait' "$PIDFILE" >/dev/null 2>&1
for _ in $(seq 100); do [[ -s $PIDFILE ]] && break; sleep 0.02; done
case $1 in
    ok) exit 0 ;;
    fail) false; exit 1 ;;
    hang) sleep 300 ;;
esac
SH

# Job control gives each script its own process group that does not ignore
# SIGINT, as a script in a terminal's foreground has; the signal goes to that
# whole group, as Ctrl-C (or timeout's TERM) does.
set -m
check() { # how [signal]
    local how=$1 sig=${2:-} pid
    local pidfile="$tmp/$how.$sig.pid"
    PIDFILE=$pidfile bash "$tmp/script.sh" "$how" &
    local sp=$!
    for _ in $(seq 100); do [[ -s $pidfile ]] && break; sleep 0.02; done
    [[ -n $sig ]] && { sleep 0.1; kill "-$sig" -- "-$sp"; }
    wait "$sp" 2>/dev/null
    pid=$(cat "$pidfile" 2>/dev/null)
    sleep 0.2
    if [[ -z $pid ]]; then
        fail=$((fail + 1)); echo "FAIL $how ${sig:-}: the helper never started"
    elif procs_alive "$pid"; then
        fail=$((fail + 1)); echo "FAIL $how ${sig:-}: helper's child $pid survived"
        kill "$pid" 2>/dev/null
    else
        pass=$((pass + 1)); echo "ok   $how ${sig:-}: nothing left running"
    fi
}
check ok
check fail
check hang TERM 2>/dev/null
check hang INT 2>/dev/null
echo "procs: $pass passed, $fail failed"
((fail == 0))
