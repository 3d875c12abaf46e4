#!/usr/bin/env bash
# wasyncio-stack-check.sh: the post-link step that stops a wasm stack
# overflow before it writes. Binaryen's --stack-check compares every new
# value of __stack_pointer against two limit globals and calls a handler
# when it falls outside; wasyncio's fiber layer keeps those limits on the
# running task's stack at every switch (globals wa__stack_lo/wa__stack_hi)
# and the handler (wa__fiber_stack_overflow) names the task and exits.
#
#   wasi/wasyncio-stack-check.sh in.wasm out.wasm [wasm-opt passes to run first]
#
# wasyncio-wasm-opt.sh and wasyncio-emcc.sh run it with their Asyncify and
# optimisation passes: the check goes in after them, in the same wasm-opt
# run, so the handler stays outside Asyncify's view (else every function
# with a frame would look like it may suspend) and the globals keep their
# names (Binaryen 108 does not write global names back). The input needs
# its names (wasm-ld keeps them without -O; emcc needs --profiling-funcs).
# WASYNCIO_STACK_CHECK=0 copies the module unchecked (to measure the cost).
#
# Why through text: Binaryen 108's pass makes limit globals of its own, zero
# (every check fails until someone sets them), and types the handler call
# as returning a value, which fails validation. So the instrumented module is
# printed without validation, its checks are pointed at wasyncio's globals
# and handler, and it is parsed (and validated) back.
set -euo pipefail
WASM_OPT="${WASM_OPT:-wasm-opt}"
if [ $# -lt 2 ]; then
  echo "usage: wasyncio-stack-check.sh in.wasm out.wasm [wasm-opt passes]" >&2
  exit 2
fi
in=$1 out=$2
shift 2
if [ "${WASYNCIO_STACK_CHECK:-1}" = 0 ]; then
  "$WASM_OPT" "$@" "$in" -o "$out"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t features < <("$WASM_OPT" "$in" --print-features 2>/dev/null)
"$WASM_OPT" "${features[@]}" "$@" --no-validation --stack-check \
  --pass-arg=stack-check-handler@wa__stack_check_import "$in" -S -o "$tmp/in.wat"
if ! grep -q '^ (global \$__stack_pointer ' "$tmp/in.wat"; then
  echo "wasyncio-stack-check: $in has no names (link without -O; emcc: --profiling-funcs)" >&2
  exit 1
fi
# A module without wasyncio's fiber layer (a bare benchmark floor) has no
# tasks whose limits to keep: it gets the passes without the check.
if ! grep -q '^ (global \$wa__stack_lo ' "$tmp/in.wat"; then
  "$WASM_OPT" "$@" "$in" -o "$out"
  exit 0
fi
for need in '^ (global \$wa__stack_hi ' '^ (func \$wa__fiber_stack_overflow '; do
  if ! grep -q "$need" "$tmp/in.wat"; then
    echo "wasyncio-stack-check: $in lacks ${need#*\\\$}(a different wasyncio version?)" >&2
    exit 1
  fi
done
# The pass's globals, as its exported setter names them: base, then limit.
mapfile -t pass < <(awk '/^ \(func \$__set_stack_limits /{f=1; next}
  f && /global.set/ {sub(/.*global.set \$/, ""); print; if (++n == 2) exit}' "$tmp/in.wat")
if [ ${#pass[@]} -ne 2 ]; then
  echo "wasyncio-stack-check: Binaryen's --stack-check output is not what this script knows" >&2
  exit 1
fi
q() { printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g'; }
base=$(q "${pass[0]}") limit=$(q "${pass[1]}")
sed -e "/^ (global \\\$$base (mut i32)/d" -e "/^ (global \\\$$limit (mut i32)/d" \
    -e '/^ (import "env" "wa__stack_check_import"/d' \
    -e '/^ (export "__set_stack_limits"/d' \
    -e "s/\\\$$base\\([) ]\\|\$\\)/\$wa__stack_hi\\1/g" \
    -e "s/\\\$$limit\\([) ]\\|\$\\)/\$wa__stack_lo\\1/g" \
    -e 's/(call \$wa__stack_check_import$/(call $wa__fiber_stack_overflow/' \
    -e 's/^ (global \$wa__stack_hi (mut i32) (i32.const 0))$/ (global $wa__stack_hi (mut i32) (i32.const -1))/' \
    "$tmp/in.wat" > "$tmp/out.wat"
"$WASM_OPT" -q "${features[@]}" "$tmp/out.wat" -o "$out"
