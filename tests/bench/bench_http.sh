#!/usr/bin/env bash
# bench_http.sh: the HTTP rows of `make bench`.
#  client: 1,000 GETs of a small page at concurrency 100: wasyncio's wa_fetch
#          vs aiohttp running the tutorial's fetch_all vs Node's fetch. The
#          page comes from build/native/examples/hello_server (fast enough
#          that the clients, not the server, are measured).
#  server: wrk -t1 -c100 against hello_server vs the tutorial's aiohttp app
#          and nginx (Debian nginx-light, one worker, answering
#          "Hello, World!" from a config written to a temp dir, on 127.0.0.1):
#          nginx is the practical ceiling on this machine. The same again
#          under wrk -c1000 (hello_server vs nginx).
#  One wrk thread: on this 2-core machine both servers are single-threaded,
#  so the load generator gets one core and the server the other; with -t2
#  wrk competes with the server for its core and both figures drop.
# Rows: `| name | value | unit | peer | ratio |`, ratio = ours / peer for
# throughput (higher is better), peer / ours for latency. Exit 77 = skipped.
# BENCH_HTTP_SECS sets wrk's duration (default 10).
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
secs=${BENCH_HTTP_SECS:-10}
server=build/native/examples/hello_server
lib=build/native/libwasyncio.a
out=build/native/bench
[[ -x $server && -f $lib ]] || { echo "bench_http: run make native first" >&2; exit 77; }
mkdir -p "$out"
tmp=$(mktemp -d)
source tests/procs.sh
procs_on_exit 'rm -rf "$tmp"'

cp "$lib" "$tmp/libwasyncio.a"
gcc -O2 -std=gnu11 -Isrc -pthread tests/bench/http_client.c -o "$out/http_client" \
    "$tmp/libwasyncio.a" -luv -lcurl -lhttp_parser -lm ||
    { echo "bench_http: building http_client failed" >&2; exit 1; }

wait_port() {
    for _ in $(seq 200); do
        "$py" -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# start CMD...: runs it in the background, remembers the pid
start() { procs_start "$@" >/dev/null 2>&1; }
stop_last() { procs_stop "$procs_last"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1f×", a / b; else printf "n/a" }'; }
best3() {
    local best=0 v
    for _ in 1 2 3; do
        v=$("$@" 2>/dev/null | head -n1)
        [[ $v =~ ^[0-9.]+$ ]] || continue
        best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
    done
    [[ $best == 0 ]] && echo "n/a" || echo "$best"
}
have_aiohttp=0
[[ -x $py ]] && "$py" -c 'import aiohttp' 2>/dev/null && have_aiohttp=1
have_node=0
command -v node >/dev/null && have_node=1

# ---------------------------------------------------------------- client
port=$(procs_free_port)
start "$server" "$port"
wait_port "$port" || { echo "bench_http: hello_server did not start" >&2; exit 1; }
url="http://127.0.0.1:$port/bench"
ours=$(best3 "$out/http_client" "$url" 1000 100)
aio=n/a node_rps=n/a
((have_aiohttp)) && aio=$(best3 "$py" tests/bench/http_client_peer.py "$url" 1000 100)
((have_node)) && node_rps=$(best3 node tests/bench/http_client_peer.mjs "$url" 1000 100)
printf '| http client: 1,000 GETs, 100 in flight | %s | req/s | aiohttp %s · node fetch %s | %s · %s faster |\n' \
    "$ours" "$aio" "$node_rps" "$(ratio "$ours" "$aio")" "$(ratio "$ours" "$node_rps")"

# ---------------------------------------------------------------- server
# wrk_run URL -> "req/s p99_ms"
wrk_run() {
    wrk -t1 -c"${2:-100}" -d"${secs}s" --latency "$1" 2>/dev/null | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                   ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
        END { printf "%.0f %.2f\n", rps, ms }'
}
# nginx_start PORT: one nginx process (no daemon, no master) serving
# "Hello, World!" on 127.0.0.1:PORT from a config in $tmp.
nginx_start() {
    local d=$tmp/nginx
    mkdir -p "$d"
    cat >"$d/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
pid $d/nginx.pid;
error_log $d/error.log;
worker_rlimit_nofile 4096;
events { worker_connections 2048; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server {
        listen 127.0.0.1:$1;
        location / { default_type text/plain; return 200 "Hello, World!"; }
    }
}
CONF
    start "$nginx" -p "$d" -c "$d/nginx.conf"
}
if ! command -v wrk >/dev/null; then
    echo "bench_http: wrk missing, server rows skipped" >&2
    exit 0
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || nginx=
read -r ours_rps ours_p99 < <(wrk_run "$url")
read -r ours_rps1k ours_p991k < <(wrk_run "$url" 1000)
stop_last
peer_rps=n/a peer_p99=n/a
if ((have_aiohttp)); then
    pport=$(procs_free_port)
    start "$py" tests/bench/http_server_peer.py "$pport"
    if wait_port "$pport"; then
        read -r peer_rps peer_p99 < <(wrk_run "http://127.0.0.1:$pport/bench")
    fi
    stop_last
fi
ngx_rps=n/a ngx_p99=n/a ngx_rps1k=n/a ngx_p991k=n/a
if [[ -n $nginx ]]; then
    nport=$(procs_free_port)
    nginx_start "$nport"
    if wait_port "$nport"; then
        read -r ngx_rps ngx_p99 < <(wrk_run "http://127.0.0.1:$nport/bench")
        read -r ngx_rps1k ngx_p991k < <(wrk_run "http://127.0.0.1:$nport/bench" 1000)
    fi
    stop_last
else
    echo "bench_http: nginx missing (Debian nginx-light), its column is n/a" >&2
fi
printf '| http server: wrk -t1 -c100 -d%ss, hello_server | %s | req/s | aiohttp %s · nginx %s | %s faster · %s of nginx |\n' \
    "$secs" "$ours_rps" "$peer_rps" "$ngx_rps" "$(ratio "$ours_rps" "$peer_rps")" "$(ratio "$ours_rps" "$ngx_rps")"
printf '| http server: p99 latency (same run) | %s | ms | aiohttp %s · nginx %s | %s · %s lower |\n' \
    "$ours_p99" "$peer_p99" "$ngx_p99" "$(ratio "$peer_p99" "$ours_p99")" "$(ratio "$ngx_p99" "$ours_p99")"
printf '| http server: wrk -t1 -c1000 -d%ss, hello_server | %s | req/s | nginx %s | %s of nginx |\n' \
    "$secs" "$ours_rps1k" "$ngx_rps1k" "$(ratio "$ours_rps1k" "$ngx_rps1k")"
printf '| http server: p99 latency, -c1000 (same run) | %s | ms | nginx %s | %s lower |\n' \
    "$ours_p991k" "$ngx_p991k" "$(ratio "$ngx_p991k" "$ours_p991k")"
