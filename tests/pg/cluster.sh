#!/usr/bin/env bash
# cluster.sh: a throwaway PostgreSQL cluster for the tests, the demo and the
# bench: initdb into a temporary directory (owned by postgres when run as
# root: the server refuses root), trust auth, a free port on 127.0.0.1, the
# socket in the same directory, fsync off.
#
# Sourced (after tests/procs.sh): pg_cluster_start sets and exports PGHOST,
# PGPORT, PGUSER, PGDATABASE and WA_PG_DIR and stops the server (and removes
# the directory) on every exit of the script, through procs_on_exit.
# As a command, for the fault tests: cluster.sh stop|start|restart DIR [PORT].
#
# The data directory's name carries WA_RUN_TAG, so tests/leftovers.sh finds a
# server left running even though postgres rewrites its environment.

PG_BIN=${PG_BIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}

pg_as_owner() { # run a PostgreSQL tool as the owner of the data directory
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_cluster_ctl() { # pg_cluster_ctl start|stop|restart DIR [PORT]
    local what=$1 dir=$2 port=${3:-}
    [[ -z $port && -f $dir/port ]] && port=$(cat "$dir/port")
    case $what in
        stop) pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true ;;
        start)
            pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 start \
                -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
                >/dev/null ;;
        restart) pg_cluster_ctl stop "$dir" && pg_cluster_ctl start "$dir" "$port" ;;
    esac
}

pg_cluster_start() {
    if ! command -v "$PG_BIN/initdb" >/dev/null 2>&1; then
        echo "cluster: PostgreSQL is not installed (make deps installs it)" >&2
        return 1
    fi
    local dir port
    dir=$(mktemp -d "/tmp/wa-pg-${WA_RUN_TAG:-$$}-XXXXXX")
    chmod 755 "$dir"
    [[ $(id -u) == 0 ]] && chown postgres: "$dir"
    procs_on_exit "pg_cluster_ctl stop '$dir'; rm -rf '$dir'"
    pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 || {
        echo "cluster: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        return 1
    }
    port=$(procs_free_port)
    echo "$port" >"$dir/port"
    pg_cluster_ctl start "$dir" "$port" || {
        echo "cluster: the server did not start:" >&2
        cat "$dir/log" >&2
        return 1
    }
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres WA_PG_DIR=$dir
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    pg_cluster_ctl "$@"
fi
