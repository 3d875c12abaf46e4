#!/usr/bin/env bash
# imports.sh COMPONENT...: every server component must import a subset of the
# wasi:http/proxy world (what `wasmtime serve` without -Scli, Spin, wasmCloud
# and Fastly-style hosts offer), each interface at 0.2.0 (the lowest version
# with every function wasyncio calls), and export wasi:http/incoming-handler.
# Lists each component's imports; exits 1 on the first one that breaks this.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JCO="${JCO:-$root/js/node_modules/.bin/jco}"
case $JCO in /*) ;; *) JCO="$root/$JCO" ;; esac
# wasi:http/proxy@0.2.0: its `imports` world plus what wasi:http/types uses.
proxy=(wasi:http/types wasi:http/outgoing-handler wasi:io/poll wasi:io/error wasi:io/streams
       wasi:clocks/monotonic-clock wasi:clocks/wall-clock wasi:random/random
       wasi:cli/stdout wasi:cli/stderr wasi:cli/stdin)
proxy=" ${proxy[*]} "
status=0
for comp in "$@"; do
    wit=$("$JCO" wit "$comp" 2>&1) || { echo "$comp: jco wit failed: $wit"; status=1; continue; }
    imports=$(sed -n 's/^ *import \([^;]*\);/\1/p' <<<"$wit")
    exports=$(sed -n 's/^ *export \([^;]*\);/\1/p' <<<"$wit")
    bad=()
    for i in $imports; do
        name=${i%@*} version=${i##*@}
        [[ $proxy == *" $name "* && $version == 0.2.0 ]] || bad+=("$i")
    done
    echo "$(basename "$comp"): $(tr '\n' ' ' <<<"$imports")"
    if ((${#bad[@]})); then
        echo "  outside wasi:http/proxy@0.2.0: ${bad[*]}"; status=1
    fi
    if [[ $exports != "wasi:http/incoming-handler@0.2.0" ]]; then
        echo "  exports [$exports], want wasi:http/incoming-handler@0.2.0"; status=1
    fi
done
exit $status
