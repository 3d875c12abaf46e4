#!/usr/bin/env bash
# test-wasi.sh "EXAMPLES" "SCENARIOS": the WASI test driver (make test-wasi).
# Every example and scenario runs under node:wasi (run-node.mjs) and under
# jco run (run-jco.sh); WASI_HOSTS picks others (jsc: JavaScriptCore's shell,
# run-jsc.sh; make test-wasi-jsc) and WASI_SUITE names the closing line. An
# example's stdout must equal the native build's, line for line with the
# timings masked (tests/same_output.sh); the HTTP examples must report
# WA_ENOTSUP instead. Scenarios must exit 0 and end with "N passed, 0
# failed". Overflow reports are checked too.
set -u
cd "$(dirname "$0")/.."
source tests/same_output.sh
examples=${1:-}
scenarios=${2:-}
hosts=${WASI_HOSTS:-node jco}
suite=${WASI_SUITE:-wasi}
W=build/wasi
N=build/native/examples
pass=0 fail=0 failed=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "  ok   $1"; }
ko() { fail=$((fail + 1)); failed+=("$1"); echo "  FAIL $1"; }

# host NAME: the command prefix for a host
run_on() { # run_on HOST WASM ARGS... > stdout
    local host=$1; shift
    case $host in
        node) timeout 120 node wasi/run-node.mjs --dir . "$@" ;;
        jco) timeout 120 bash wasi/run-jco.sh "$@" ;;
        jsc) timeout 120 bash wasi/run-jsc.sh --dir . "$@" ;;
    esac
}

args_for() { # args_for NAME HOST: extra arguments an example needs
    case $1 in
        fetch_all) echo "http://127.0.0.1:9/" ;;
        *) ;;
    esac
}

echo "== $suite examples"
for ex in $examples; do
    if [[ $ex == fetch_all || $ex == hello_server ]]; then
        # preview1 has no HTTP: fetches and listening must report WA_ENOTSUP.
        for host in $hosts; do
            run_on $host $W/examples/$ex.wasm $(args_for "$ex" $host) > "$tmp/out" 2> "$tmp/err"
            if grep -q "not supported on this target" "$tmp/out" "$tmp/err"; then ok "$ex ($host): WA_ENOTSUP"
            else ko "$ex ($host): expected WA_ENOTSUP"; cat "$tmp/out" "$tmp/err"; fi
        done
        continue
    fi
    extra=$(args_for "$ex" native)
    if [[ -x $N/$ex ]]; then
        timeout 60 $N/$ex $extra > "$tmp/want" 2>/dev/null
    else
        ko "$ex: no native build to compare with"; continue
    fi
    for host in $hosts; do
        run_on $host $W/examples/$ex.wasm $(args_for "$ex" $host) > "$tmp/got" 2> "$tmp/err"
        rc=$?
        if [[ $rc -eq 0 ]] && same_output "$tmp/want" "$tmp/got" > "$tmp/diff"; then ok "$ex ($host)"
        else ko "$ex ($host) exit $rc"; cat "$tmp/diff" "$tmp/err" | head -20; fi
    done
done

echo "== $suite scenarios"
for sc in $scenarios; do
    for host in $hosts; do
        run_on $host $W/scenarios/$sc.wasm > "$tmp/got" 2> "$tmp/err"
        rc=$?
        last=$(tail -n 1 "$tmp/got")
        if [[ $rc -eq 0 && $last =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then ok "$sc ($host): $last"
        else ko "$sc ($host) exit $rc"; grep FAIL "$tmp/got" | head; tail -3 "$tmp/err"; fi
    done
done

echo "== $suite fiber backend"
for host in $hosts; do
    run_on $host $W/tools/fiber_selftest.wasm > "$tmp/got" 2>&1
    rc=$?; last=$(tail -n 1 "$tmp/got")
    if [[ $rc -eq 0 && $last =~ passed,\ 0\ failed$ ]]; then ok "fiber_selftest ($host): $last"
    else ko "fiber_selftest ($host)"; cat "$tmp/got"; fi
done
check_report() { # check_report NAME WASM ARG PATTERN
    for host in $hosts; do
        run_on $host "$2" "$3" > "$tmp/got" 2> "$tmp/err"
        rc=$?
        if [[ $rc -ne 0 ]] && grep -q "$4" "$tmp/err" && ! grep -q "unreachable" "$tmp/err"; then
            ok "$1 ($host): reported, exit $rc"
        else ko "$1 ($host) exit $rc"; cat "$tmp/got" "$tmp/err" | head; fi
    done
}
check_report "asyncify overflow" $W/tools/overflow_demo.wasm asyncify \
    "wasyncio: Asyncify buffer overflow in task 'deep-recursion'"
check_report "stack overflow" $W/tools/overflow_demo.wasm stack \
    "wasyncio: stack overflow in task 'stack-hog'"
check_report "fiber buffer overflow" $W/tools/fiber_selftest.wasm overflow-aux \
    "Asyncify buffer overflow in task 'deep-one'"

echo "$suite: $pass passed, $fail failed"
if ((fail)); then printf '  failed: %s\n' "${failed[@]}"; exit 1; fi
