#!/usr/bin/env bash
# wasyncio-emcc.sh: build a C program that uses wasyncio for a web page or
# Node in one command: emcc with the JS library and flags, then the
# post-link Asyncify pass (Binaryen) that makes the task switch work.
#
#   js/wasyncio-emcc.sh [--page|--node|--lib] [-O0..-O3|-Os|-Oz] [-g] -o OUT SOURCES... [emcc args]
#     SOURCES are C, or C++ (.cpp/.cc/.cxx: compiled and linked with em++).
#     --page  (default) ES module OUT.mjs + OUT.wasm; the page imports it:
#             import create from './OUT.mjs'; const m = await create({print});
#             main() runs at once; m.waDone resolves when the main task ends.
#     --node  a program: `node OUT.js args`; exits 0/1 when the main task ends.
#     --lib   no main(): an ES module whose WA_JS_EXPORT coroutines JS calls
#             with m.waCall(name, arg).
#     --node-lib  the same for Node: a CommonJS factory (OUT.cjs), e.g.
#             const m = await require('./OUT.cjs')();
# Installed as PREFIX/bin/wasyncio-emcc (make install), it uses
# PREFIX/lib/wasyncio/web/ (the archive, its error table wasyncio_errors.js,
# the JS half of the host, the page loader wasyncio.mjs); in the source tree,
# build/web/libwasyncio.a and build/web/wasyncio_errors.js (`make web`).
# Env: EMCC, WASM_OPT, WASYNCIO_A, WASYNCIO_ERRORS_JS.
set -euo pipefail
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
me="$(basename "$0")"
if [ -d "$here/../lib/wasyncio/web" ]; then
  data="$(cd "$here/../lib/wasyncio/web" && pwd)"
  inc="$(cd "$here/../include" && pwd)"
  LIB="${WASYNCIO_A:-$data/libwasyncio.a}"
  missing_lib="reinstall with emcc present (make install)"
  stack_check="$data/wasyncio-stack-check.sh"
else
  data="$here"
  inc="$(dirname "$here")/src"
  LIB="${WASYNCIO_A:-$(dirname "$here")/build/web/libwasyncio.a}"
  missing_lib="run 'make web' first"
  stack_check="$(dirname "$here")/wasi/wasyncio-stack-check.sh"
fi
EMCC="${EMCC:-emcc}"
WASM_OPT="${WASM_OPT:-wasm-opt}"
# The error table for wasyncio_loop.js, generated from src/wasyncio/errors.h.
ERRORS_JS="${WASYNCIO_ERRORS_JS:-$(dirname "$LIB")/wasyncio_errors.js}"
# Debian's emcc, run by the machine's Node, finds acorn (package node-acorn)
# only through NODE_PATH.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"

mode=page
out=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --page|--node|--lib|--node-lib) mode="${1#--}"; shift ;;
    -o) out="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "$out" ] || [ ${#args[@]} -eq 0 ]; then
  echo "usage: $0 [--page|--node|--lib] -o OUT SOURCES... [emcc args]" >&2
  exit 2
fi
if ! command -v "$EMCC" >/dev/null 2>&1; then
  echo "$me: Emscripten's emcc ('$EMCC') not found: install emscripten or set EMCC" >&2
  exit 2
fi
if ! command -v "$WASM_OPT" >/dev/null 2>&1; then
  echo "$me: Binaryen's wasm-opt ('$WASM_OPT') not found: install binaryen or set WASM_OPT" >&2
  exit 2
fi
for f in "$LIB" "$ERRORS_JS"; do
  if [ ! -f "$f" ]; then
    echo "$me: $f is missing; $missing_lib" >&2
    exit 2
  fi
done

# The user's -O level (default -O2) compiles the sources and sets the level of
# the final wasm-opt pass, which optimises the whole module after Asyncify.
# It never reaches emcc's link, which stays at -O1: at -O2 and above emcc's
# link runs its own wasm-opt (the first Asyncify rewind then fails with
# 'unreachable' in the task on emscripten 3.1.6, and the functions the
# remove-list below names are gone) and at -O3/-Os/-Oz it also minifies the
# import names the JS library and the Asyncify step rely on. -g keeps the
# function names in the module (stack traces name C functions).
objs=()
srcs=()
rest=()
cflags=()
olevel=-O2
debug=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for a in "${args[@]}"; do
  case "$a" in
    *.c|*.cpp|*.cc|*.cxx|*.C|*.c++) srcs+=("$a") ;;
    -O|-O[0-3sz]|-Ofast|-Og) olevel="$a" ;;
    -O*) echo "$me: unknown optimisation level $a (use -O0..-O3, -Os, -Oz)" >&2; exit 2 ;;
    -g*) cflags+=("$a"); debug=1 ;;
    -I*|-D*|-U*|-W*|-std=*) cflags+=("$a") ;;
    *) rest+=("$a") ;;
  esac
done
case "$olevel" in
  -O|-Og) final_opt=-O1 ;;
  -Ofast) final_opt=-O3 ;;
  *) final_opt="$olevel" ;;
esac
# C++ sources are compiled and the program linked by em++ (Emscripten's
# libc++ comes with it).
EMXX="${EMXX:-$(dirname "$EMCC")/em++}"
[ "$(dirname "$EMCC")" = . ] && EMXX="${EMXX#./}"
linker="$EMCC"
n=0
for a in ${srcs[@]+"${srcs[@]}"}; do
  o="$tmp/$n-$(basename "${a%.*}").o"
  n=$((n + 1))
  case "$a" in
    *.c) "$EMCC" "$olevel" -std=gnu11 -I"$inc" ${cflags[@]+"${cflags[@]}"} -c "$a" -o "$o" ;;
    *) "$EMXX" "$olevel" -std=gnu++17 -I"$inc" ${cflags[@]+"${cflags[@]}"} -c "$a" -o "$o"
       linker="$EMXX" ;;
  esac
  objs+=("$o")
done
# _wa__fiber_stack_overflow, _wa__fiber_aux_overflow: the post-link checks'
# handlers, called from wasm only (emcc would otherwise drop them before
# wasyncio-stack-check.sh runs).
exports=_malloc,_free,_wa_strerror,_wa_error_name,_wa__web_call,_wa__web_call_cancel,_wa__fiber_stack_overflow,_wa__fiber_aux_overflow
# --profiling-funcs keeps the names wasyncio-stack-check.sh finds its
# globals and handler by; they are stripped again after it.
# The JS half of the host, one library file per job (src/host/web/js_imports.h
# names the file of each import); src/install.mk installs the same list.
js_libs=(--js-library "$ERRORS_JS")
for f in loop promise call fetch net ws; do js_libs+=(--js-library "$data/wasyncio_$f.js"); done
common=(-O1 --profiling-funcs "${js_libs[@]}" -sALLOW_MEMORY_GROWTH=1)
# WebSocket under Node: the ws package next to this script (js/node_modules
# in the tree, PREFIX/lib/wasyncio/web/node_modules installed) is where the
# program looks after its own require('ws') (js/wasyncio_ws.js).
ws_pre=()
if [ -d "$data/node_modules/ws" ]; then
  printf "Module['waWsModule'] = %s;\n" "$(printf '%s' "$data/node_modules/ws" | sed 's/[\\"]/\\&/g; s/.*/"&"/')" \
    > "$tmp/ws_pre.js"
  ws_pre=(--pre-js "$tmp/ws_pre.js")
fi
case "$mode" in
  page) flags=(-sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web,worker
               -sEXPORT_NAME=createWasyncio -sEXPORTED_FUNCTIONS=_main,$exports) ;;
  lib)  flags=(-sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web,worker
               -sEXPORT_NAME=createWasyncio --no-entry -sEXPORTED_FUNCTIONS=$exports) ;;
  node-lib) flags=(-sMODULARIZE=1 -sENVIRONMENT=node -sEXPORT_NAME=createWasyncio
               --no-entry --pre-js "$data/node_pre.js" ${ws_pre[@]+"${ws_pre[@]}"}
               -sEXPORTED_FUNCTIONS=$exports) ;;
  node) flags=(-sENVIRONMENT=node -sEXIT_RUNTIME=1 -sNODERAWFS=1
               --pre-js "$data/node_pre.js" ${ws_pre[@]+"${ws_pre[@]}"}
               -sEXPORTED_FUNCTIONS=_main,$exports) ;;
esac
"$linker" "${common[@]}" "${flags[@]}" ${objs[@]+"${objs[@]}"} ${rest[@]+"${rest[@]}"} "$LIB" -o "$out"
# No -sASYNCIFY: emcc reports the functions imported from module "asyncify"
# as undefined (kept as imports by -sERROR_ON_UNDEFINED_SYMBOLS=0); the
# post-link wasm-opt --asyncify instruments the module and turns those
# asyncify.* imports into its own functions.
# Then the stack check (wasi/wasyncio-stack-check.sh): a task's stack
# overflow is stopped before the frame writes, and reported by name.
# The loop's own side, from a JS entry down to the fiber layer's bottom
# loop, never unwinds (a task's unwind stops in that loop), but Binaryen
# cannot see it through their calls into stdio and task hooks, so they are
# named here: left uninstrumented, a JS call into C costs ~6 ns less.
# Binaryen warns if a name is missing (renamed in src/host/web or src/core).
loop_side=wa__web_call,wa__web_call_start,wa__web_run_now,wa__run_now,wa__web_resume,wa__web_run_soon
loop_side=$loop_side,wa__web_run_slice,wa__loop_turn,wa__host_drive,wa__fiber_run
wasm="${out%.*}.wasm"
WASM_OPT="$WASM_OPT" bash "$stack_check" "$wasm" "$wasm" \
  --asyncify --pass-arg=asyncify-ignore-imports \
  --pass-arg=asyncify-removelist@"$loop_side" "$final_opt" $([ "$debug" = 1 ] && echo -g)
if [ "$debug" = 0 ]; then
  "$WASM_OPT" --strip-debug "$wasm" -o "$wasm"
fi
