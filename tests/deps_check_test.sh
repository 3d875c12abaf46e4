#!/usr/bin/env bash
# deps_check_test.sh: compiling never installs. With dpkg saying every
# package is missing (a stand-in first on PATH, as are apt-get and sudo,
# which record any call), `make deps-check` and a compile rule must fail,
# name `make deps`, and run no apt-get. Prints "deps-check: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' > "$tmp/bin/dpkg"
printf '#!/bin/sh\necho "$0 $*" >> %s/installs\nexit 0\n' "$tmp" > "$tmp/bin/apt-get"
cp "$tmp/bin/apt-get" "$tmp/bin/sudo"
chmod +x "$tmp/bin/"*
pass=0 fail=0
check() { # name, then 1 if it held
    if [[ $2 == 1 ]]; then echo "ok   $1"; pass=$((pass + 1))
    else echo "FAIL $1"; fail=$((fail + 1)); fi
}
for target in deps-check deps-check-tests "$tmp/native/obj/core/task.o"; do
    out=$(PATH="$tmp/bin:$PATH" timeout 60 make --no-print-directory -B -j1 \
          "$target" B="$tmp/native" 2>&1)
    rc=$?
    check "${target#"$tmp"/} fails when packages are missing" $((rc != 0))
    check "${target#"$tmp"/} names make deps" $([[ $out == *"make deps"* ]] && echo 1 || echo 0)
    check "${target#"$tmp"/} installs nothing" $([[ ! -e $tmp/installs ]] && echo 1 || echo 0)
done
echo "deps-check: $pass passed, $fail failed"
((fail == 0))
