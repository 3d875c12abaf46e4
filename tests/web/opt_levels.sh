#!/usr/bin/env bash
# opt_levels.sh: wasyncio-emcc builds a tiny program for Node, for a page and
# as a library at every optimisation level and with -g; each build must be
# free of warnings and run (the page build in Node posing as a worker). Part
# of make test-web. Prints "opt-levels: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
emcc_cmd=(bash "$root/js/wasyncio-emcc.sh")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
cp tests/install/app.c tests/install/greet.c tests/web/opt_lib.c tests/web/opt_run.mjs "$tmp/"
cd "$tmp" || exit 1
want="hi: 60 20 40"

# build NAME ARGS...: a build whose output has no "warning" line
build() {
    local name=$1; shift
    if ! timeout 300 "${emcc_cmd[@]}" "$@" >"$name.log" 2>&1; then
        ko "$name: build failed"; head -5 "$name.log"; return 1
    fi
    if grep -qi 'warning' "$name.log"; then
        ko "$name: build warnings"; grep -i -m3 'warning' "$name.log"; return 1
    fi
}

for O in -O0 -O1 -O2 -O3 -Os -Oz -g; do
    if build "node$O" --node "$O" app.c greet.c -DGREETING='"hi"' -o "node$O.js"; then
        out=$(timeout 30 node "node$O.js" 2>&1); rc=$?
        [[ $rc == 0 && $(head -1 <<<"$out") == "$want" ]] && ok "node build $O runs" ||
            { ko "node build $O (exit $rc)"; head -3 <<<"$out" | cut -c1-200; }
    fi
    if build "page$O" --page "$O" app.c greet.c -DGREETING='"hi"' -o "page$O.mjs"; then
        out=$(timeout 30 node opt_run.mjs page "./page$O.mjs" "page$O.wasm" 2>&1); rc=$?
        [[ $rc == 0 && $(head -1 <<<"$out") == "$want" ]] && ok "page build $O runs" ||
            { ko "page build $O (exit $rc)"; head -3 <<<"$out" | cut -c1-200; }
    fi
    if build "lib$O" --node-lib "$O" opt_lib.c -o "lib$O.cjs"; then
        out=$(timeout 30 node opt_run.mjs lib "./lib$O.cjs" 2>&1); rc=$?
        [[ $rc == 0 && $(head -1 <<<"$out") == '{"echo":{"n":7}}' ]] && ok "library build $O runs" ||
            { ko "library build $O (exit $rc)"; head -3 <<<"$out" | cut -c1-200; }
    fi
done
# -g keeps the C function names (stack traces name them); without it they go.
if wasm-opt node-g.wasm -S -o - 2>/dev/null | grep -q '^ (func \$main_task' &&
   ! wasm-opt node-O2.wasm -S -o - 2>/dev/null | grep -q '^ (func \$main_task'; then
    ok "-g keeps function names, -O2 strips them"
else ko "-g names"; fi
out=$("${emcc_cmd[@]}" --node -O9 app.c -o x.js 2>&1)
[[ $? -ne 0 && $out == *"unknown optimisation level -O9"* ]] && ok "-O9 refused by name" || ko "-O9: $out"
# Plain emcc, without the JS library: the first error names the command.
out=$(timeout 120 emcc -I"$root/src" app.c greet.c -DGREETING='"x"' "$root/build/web/libwasyncio.a" \
      -o plain.js 2>&1)
first=$(grep -m1 -i 'error' <<<"$out")
[[ $first == *"undefined symbol: WASYNCIO_LINK_WITH_wasyncio_emcc"* ]] &&
    ok "plain emcc: the first error names wasyncio-emcc" || ko "plain emcc: $first"
echo "opt-levels: $pass passed, $fail failed"
[[ $fail == 0 ]]
