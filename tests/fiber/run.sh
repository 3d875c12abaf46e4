#!/usr/bin/env bash
# run.sh: fiber_check.c against the native fiber layer alone, on every CPU
# and variant this machine can run: the x86-64 or aarch64 asm switch
# natively, the ucontext fallback, and the other CPU's asm switch
# cross-compiled and run under qemu-user. Prints "fiber: N passed, N failed"
# (one count per build). The other fiber tests in this folder: test_fiber.c
# (cmocka, make test-native/test-asan) and fiber_selftest.c (wasm, make
# test-wasi).
set -u
cd "$(dirname "$0")/../.."
out=build/cross
mkdir -p "$out"
src="tests/fiber/fiber_check.c src/fiber/fiber.c src/fiber/fiber_report.c src/fiber/fiber_stack.c"
flags="-O2 -std=gnu11 -Isrc"
pass=0 fail=0
run() { # name, then the command that runs it
    local name=$1; shift
    local res
    res=$("$@" 2>&1 | tail -n 1)
    if [[ $res =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
        echo "ok   $name: $res"; pass=$((pass + 1))
    else
        echo "FAIL $name: $res"; fail=$((fail + 1))
    fi
}
build() { # compiler, output, extra sources and flags...
    local cc=$1 exe=$2; shift 2
    $cc $flags $src "$@" -o "$exe" || { echo "FAIL building $exe"; fail=$((fail + 1)); return 1; }
}

arch=$(uname -m)
if build gcc "$out/fiber_$arch" "src/fiber/switch_$arch.S"; then
    run "asm switch ($arch)" "$out/fiber_$arch"
fi
if build gcc "$out/fiber_ucontext" -DWA_FIBER_UCONTEXT; then
    run "ucontext fallback ($arch)" "$out/fiber_ucontext"
fi
other=$([[ $arch == x86_64 ]] && echo aarch64 || echo x86_64)
cross=$other-linux-gnu-gcc
if command -v "$cross" >/dev/null && command -v "qemu-$other" >/dev/null; then
    if build "$cross" "$out/fiber_$other" -static "src/fiber/switch_$other.S"; then
        run "asm switch ($other, qemu-$other)" "qemu-$other" "$out/fiber_$other"
    fi
else
    echo "skip $other asm switch: no $cross or qemu-$other (make deps installs them)"
fi
echo "fiber: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
