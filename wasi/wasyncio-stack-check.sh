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
# Two runs: the passes before the optimisation level (Asyncify and its
# arguments) first, so the records check below meets Binaryen's output in
# its plain shapes; then the level and what follows, with the stack check,
# which must come after every optimisation. The first run gets the level
# as a setting, which Asyncify's own instrumentation uses.
first=() then=() level=()
for a in "$@"; do
  if [ ${#then[@]} -gt 0 ] || [[ $a == -O* ]]; then then+=("$a"); else first+=("$a"); fi
done
case "${then[0]:-}" in
  -O[0-4]) level=(--optimize-level="${then[0]#-O}") ;;
  -Os) level=(--optimize-level=2 --shrink-level=1) ;;
  -Oz) level=(--optimize-level=2 --shrink-level=2) ;;
  -O) level=(--optimize-level=2) ;;
esac
"$WASM_OPT" "${features[@]}" ${level[@]+"${level[@]}"} ${first[@]+"${first[@]}"} "$in" \
  -S -o "$tmp/first.wat"
if ! grep -q '^ (global \$__stack_pointer ' "$tmp/first.wat"; then
  echo "wasyncio-stack-check: $in has no names (link without -O; emcc: --profiling-funcs)" >&2
  exit 1
fi
# A module without wasyncio's fiber layer (a bare benchmark floor) has no
# tasks whose limits to keep: it gets the passes without the checks.
if ! grep -q '^ (global \$wa__stack_lo ' "$tmp/first.wat"; then
  "$WASM_OPT" "$@" "$in" -o "$out"
  exit 0
fi
for need in '^ (global \$wa__stack_hi ' '^ (func \$wa__fiber_stack_overflow ' \
            '^ (func \$wa__fiber_aux_overflow$'; do
  if ! grep -q "$need" "$tmp/first.wat"; then
    echo "wasyncio-stack-check: $in lacks ${need#*\\\$}(a different wasyncio version?)" >&2
    exit 1
  fi
done
# The Asyncify buffer: Binaryen's unwind writes each frame's record and
# moves the data pointer on (store data <- data + N), checking the end only
# once the unwind is over. After every such move, check it here, so an
# unwind that passes the end the fiber layer gives (near the top of the
# task's own memory) stops in wa__fiber_aux_overflow before the next record
# writes. The rewind's moves (data - N) need none. Any other store to the
# data pointer, or a record over the slack the fiber layer keeps above that
# end (WA_AUX_SLACK, 1024), means an output this script does not know. The
# checks call an import for now, which the optimiser cannot inline (the
# handler inlined at every record made every switch 25% slower); the last
# step below points them at the handler.
if [ -n "${first[*]:-}" ] && grep -q '^ (global \$__asyncify_data ' "$tmp/first.wat"; then
  if ! awk -v slack=1024 '
    function trim(s) { sub(/^ +/, "", s); return s }
    { line[NR] = $0 }
    END {
      stores = moves = back = 0
      for (i = 1; i <= NR; i++) {
        print line[i]
        if (line[i] ~ /^ \(import / && !imported) {
          print " (import \"env\" \"wa__aux_check_import\" (func $wa__aux_check_import))"
          imported = 1
        }
        if (trim(line[i]) != "(i32.store" || trim(line[i + 1]) != "(global.get $__asyncify_data)")
          continue
        stores++
        op = trim(line[i + 2]); k = trim(line[i + 6])
        if ((op != "(i32.add" && op != "(i32.sub") || trim(line[i + 3]) != "(i32.load" ||
            trim(line[i + 4]) != "(global.get $__asyncify_data)" || k !~ /^\(i32\.const -?[0-9]+\)$/ ||
            trim(line[i + 7]) != ")" || trim(line[i + 8]) != ")") continue
        n = substr(k, 12) + 0 # "(i32.const " is 11 characters
        if (op == "(i32.sub") n = -n # the optimiser writes a move either way
        if (n <= 0) { back++; continue }
        if (n > slack) { print "a record of " n " bytes" > "/dev/stderr"; exit 3 }
        moves++
        for (j = i + 1; j <= i + 8; j++) print line[j]
        pad = substr(line[i], 1, index(line[i], "(") - 1)
        print pad "(if"
        print pad " (i32.gt_u"
        print pad "  (i32.load"
        print pad "   (global.get $__asyncify_data)"
        print pad "  )"
        print pad "  (i32.load offset=4"
        print pad "   (global.get $__asyncify_data)"
        print pad "  )"
        print pad " )"
        print pad " (call $wa__aux_check_import)"
        print pad ")"
        i += 8
      }
      if (!imported || stores != moves + back || moves == 0) {
        print stores " stores to the Asyncify data pointer, " moves " + " back " known" > "/dev/stderr"
        exit 3
      }
    }' "$tmp/first.wat" > "$tmp/records.wat"; then
    echo "wasyncio-stack-check: Binaryen's Asyncify output is not what this script knows" >&2
    exit 1
  fi
else
  cp "$tmp/first.wat" "$tmp/records.wat"
fi
"$WASM_OPT" "${features[@]}" "$tmp/records.wat" ${then[@]+"${then[@]}"} --no-validation \
  --stack-check --pass-arg=stack-check-handler@wa__stack_check_import -S -o "$tmp/in.wat"
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
    -e '/^ (import "env" "wa__aux_check_import"/d' \
    -e 's/(call \$wa__aux_check_import)/(call $wa__fiber_aux_overflow)/' \
    -e '/^ (export "__set_stack_limits"/d' \
    -e "s/\\\$$base\\([) ]\\|\$\\)/\$wa__stack_hi\\1/g" \
    -e "s/\\\$$limit\\([) ]\\|\$\\)/\$wa__stack_lo\\1/g" \
    -e 's/(call \$wa__stack_check_import$/(call $wa__fiber_stack_overflow/' \
    -e 's/^ (global \$wa__stack_hi (mut i32) (i32.const 0))$/ (global $wa__stack_hi (mut i32) (i32.const -1))/' \
    "$tmp/in.wat" > "$tmp/out.wat"
# -g among the passes (a debug build) keeps the function names in the output.
names=()
for a in "$@"; do [ "$a" = -g ] && names=(-g); done
"$WASM_OPT" -q "${features[@]}" ${names[@]+"${names[@]}"} "$tmp/out.wat" -o "$out"
