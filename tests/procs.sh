# procs.sh: sourced by every script that starts a helper process (a server,
# a browser, a runner). Each helper runs in its own session, so the whole
# tree it spawns (jco serve runs the component in a child process) is one
# process group, and the group is killed when the script ends: on success,
# failure, timeout (SIGTERM) or Ctrl-C.
#
#   source tests/procs.sh
#   procs_start CMD ARGS... >log 2>&1   # $procs_last is its pid (= its group)
#   procs_stop PID                      # kill one group now and reap it
#   procs_on_exit 'rm -rf "$tmp"'       # more clean-up for the exit trap
#   procs_free_port, procs_wait_http URL  # where to listen, when it is up
#
# The script must not set its own EXIT trap (use procs_on_exit instead).

procs_groups=()
procs_last=
procs_extra=()

procs_start() {
    # Background jobs of a non-interactive shell share its process group, so
    # setsid makes the child a group leader without forking again: $! is then
    # both the pid and the group id.
    setsid "$@" &
    procs_last=$!
    procs_groups+=("$procs_last")
}

# 0 while pid runs. A zombie counts as gone: init reaps orphans lazily here.
procs_alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

procs_kill_group() {
    local pid=$1
    kill -TERM -- "-$pid" 2>/dev/null || return 0
    # Give the group a moment to exit cleanly, then make sure.
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        procs_alive "$pid" || break
        sleep 0.05
    done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

procs_stop() {
    local pid=$1 kept=() p
    procs_kill_group "$pid"
    for p in "${procs_groups[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    procs_groups=("${kept[@]}")
}

procs_on_exit() { procs_extra+=("$1"); }

# A free TCP port on 127.0.0.1, for a helper server to listen on.
procs_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# 0 once URL answers (any status), 1 after about 20 s without an answer.
procs_wait_http() {
    local _
    for _ in $(seq 200); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.1
    done
    return 1
}

procs_cleanup() {
    local p c
    for p in "${procs_groups[@]}"; do procs_kill_group "$p"; done
    procs_groups=()
    for c in "${procs_extra[@]}"; do eval "$c"; done
    procs_extra=()
}

trap procs_cleanup EXIT
# A signal ends the script through exit, so the EXIT trap runs once.
trap 'exit 130' INT
trap 'exit 143' TERM HUP
