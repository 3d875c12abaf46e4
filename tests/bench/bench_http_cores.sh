#!/usr/bin/env bash
# bench_http_cores.sh: the "http server, all cores" rows of `make bench`:
# build/native/examples/hello_server on as many loops as the machine has
# cores (--threads N, each loop on a thread with its own SO_REUSEPORT
# listener) under wrk -t1 -c200 and -c1000, beside nginx (Debian
# nginx-light) with as many worker processes (`return 200`, each worker
# with its own reuseport listener, as ours), and beside hello_server on one
# loop, all in this run. Keep-alive is the same on both sides: 75 s idle,
# no cap on requests per connection (nginx's keepalive_requests is raised
# from its default 1000, after which it would close the connection).
# wrk runs on the same cores: on a 2-core machine it takes about one.
# The three servers take turns, BENCH_CORES_ROUNDS times (default 2), and
# each keeps its best run: on a shared machine one run can be taken by
# another program's burst. Rows: `| name | value | unit | peer | ratio |`.
# Exit 77 = skipped. BENCH_HTTP_SECS sets each wrk run's duration
# (default 10; here halved, at least 3 s, as every run is repeated).
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
secs=$(( ${BENCH_HTTP_SECS:-10} / 2 ))
((secs >= 3)) || secs=3
rounds=${BENCH_CORES_ROUNDS:-2}
server=build/native/examples/hello_server
[[ -x $server ]] || { echo "bench_http_cores: run make native first" >&2; exit 77; }
command -v wrk >/dev/null || { echo "bench_http_cores: wrk missing" >&2; exit 77; }
cores=$(nproc)
tmp=$(mktemp -d)
source tests/procs.sh
procs_on_exit 'rm -rf "$tmp"'

wait_port() {
    for _ in $(seq 200); do
        "$py" -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
start() { procs_start "$@" >/dev/null 2>&1; }
stop_last() { procs_stop "$procs_last"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f×", a / b; else printf "n/a" }'; }
# wrk_rps URL CONNS -> req/s
wrk_rps() {
    wrk -t1 -c"$2" -d"${secs}s" "$1" 2>/dev/null | awk '/Requests\/sec/ { printf "%.0f\n", $2 }'
}
# serve_rps CONNS CMD...: start CMD (it serves on $port), one wrk run
measure() {
    local conns=$1
    shift
    start "$@"
    local r=n/a
    if wait_port "$port"; then
        r=$(wrk_rps "http://127.0.0.1:$port/bench" "$conns")
        [[ -n $r ]] || r=n/a
    fi
    stop_last
    echo "$r"
}

nginx_conf() {
    local d=$tmp/nginx
    mkdir -p "$d"
    cat >"$d/nginx.conf" <<CONF
worker_processes $cores;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server {
        listen 127.0.0.1:$1 reuseport;
        location / { default_type text/plain; return 200 "Hello, World!"; }
    }
}
CONF
    echo "$d"
}

nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || nginx=

best() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a") print b; else if (b == "n/a") print a; else print (b + 0 > a + 0) ? b : a }'; }
for conns in 200 1000; do
    ours=n/a one=n/a ngx=n/a
    for ((r = 0; r < rounds; r++)); do
        port=$(procs_free_port)
        ours=$(best "$ours" "$(measure "$conns" "$server" "$port" --threads "$cores")")
        port=$(procs_free_port)
        one=$(best "$one" "$(measure "$conns" "$server" "$port")")
        if [[ -n $nginx ]]; then
            port=$(procs_free_port)
            d=$(nginx_conf "$port")
            ngx=$(best "$ngx" "$(measure "$conns" "$nginx" -p "$d" -c "$d/nginx.conf")")
        fi
    done
    printf '| http server, all cores: %s loops, wrk -t1 -c%s, best of %s × %ss | %s | req/s | nginx %s workers %s · one loop %s | %s of nginx · %s of one loop |\n' \
        "$cores" "$conns" "$rounds" "$secs" "$ours" "$cores" "$ngx" "$one" "$(ratio "$ours" "$ngx")" "$(ratio "$ours" "$one")"
done
