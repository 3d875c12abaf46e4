#!/usr/bin/env bash
# wasyncio-wasi-cc: build a C program that uses wasyncio for WASI in one
# command: compile, link without -O, the Asyncify step, and for WASI 0.2 the
# component step. Installed as two names (make install):
#
#   wasyncio-wasi-cc   [--] app.c [more.c lib.a -Iinc -DX -O2 -lm ...] -o app.wasm
#       (C++ sources, .cpp/.cc/.cxx, need a wasi-sdk's libc++: WASI_SDK_PATH)
#       a WASI preview1 module (wasmtime run, node:wasi)
#   wasyncio-wasip2-cc [--command|--server] app.c [...] -o app.wasm
#       a WASI 0.2 component: a command (wasi:cli/run), or, when the program
#       defines wa_build_app() (or with --server), a wasi:http/incoming-handler
#       server that imports only the wasi:http/proxy world
#
# Flags go to both steps, except that -O/-g stay out of the link (with -O,
# clang runs wasm-opt itself, which breaks the Asyncify step) and -l/-L/-Wl
# stay out of compiles. Toolchain, as in the Makefile: WASI_SDK_PATH (a
# wasi-sdk), else WASI_CC (default clang-19) with WASI_SYSROOT (default /usr,
# Debian's wasi-libc); WASM_OPT (Binaryen's wasm-opt); NODE for WASI 0.2.
set -euo pipefail
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
me="$(basename "$0")"
die() { echo "$me: $*" >&2; exit 2; }

mode=wasi
case "$me" in *wasip2*) mode=wasip2 ;; esac
role=auto # wasip2: command, server, or decided by wa_build_app

# Where the headers, archives and tools are: an installed prefix
# (bin/../lib/wasyncio) or the source tree (wasi/.., after make wasi/wasip2).
if [ -d "$here/../lib/wasyncio" ]; then
  prefix="$(cd "$here/.." && pwd)"
  inc="$prefix/include"
  data="$prefix/lib/wasyncio"
  lib_wasi="$data/wasm32-wasi"
  lib_p2="$data/wasm32-wasip2"
  wasm_opt_step="$data/wasyncio-wasm-opt.sh"
  component_step="$data/wasip2/component.mjs"
  built_by="reinstall with the toolchain present (make install)"
else
  root="$(cd "$here/.." && pwd)"
  inc="$root/src"
  lib_wasi="$root/build/wasi"
  lib_p2="$root/build/wasip2"
  wasm_opt_step="$here/wasyncio-wasm-opt.sh"
  component_step="$here/wasip2/component.mjs"
  built_by="run 'make wasi wasip2' in $root"
fi

if [ -n "${WASI_SDK_PATH:-}" ]; then
  cc="${WASI_CC:-$WASI_SDK_PATH/bin/clang}"
  sysroot="${WASI_SYSROOT:-$WASI_SDK_PATH/share/wasi-sysroot}"
else
  cc="${WASI_CC:-clang-19}"
  sysroot="${WASI_SYSROOT:-/usr}"
fi
WASM_OPT="${WASM_OPT:-wasm-opt}"
NODE="${NODE:-node}"
export WASM_OPT

srcs=() cxx_srcs=() objs=() cflags=() ldflags=() out=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) [ $# -ge 2 ] || die "-o needs a file"; out="$2"; shift 2 ;;
    -o*) out="${1#-o}"; shift ;;
    --command|--server) [ $mode = wasip2 ] || die "$1 is for wasyncio-wasip2-cc"; role="${1#--}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    --) shift ;;
    *.c) srcs+=("$1"); shift ;;
    *.cpp|*.cc|*.cxx|*.C|*.c++) cxx_srcs+=("$1"); shift ;;
    *.o|*.a) objs+=("$1"); shift ;;
    -l*|-L*|-Wl,*) ldflags+=("$1"); shift ;;
    -O*|-g*) cflags+=("$1"); shift ;;
    -c|-S|-E) die "$1: this command always compiles and links; use clang for one step" ;;
    *) cflags+=("$1"); ldflags+=("$1"); shift ;;
  esac
done
[ -n "$out" ] && [ $((${#srcs[@]} + ${#cxx_srcs[@]} + ${#objs[@]})) -gt 0 ] ||
  die "usage: $me [options] app.c [more sources, objects, flags] -o app.wasm"

# Name what is missing before starting.
command -v "$cc" >/dev/null 2>&1 ||
  die "C compiler '$cc' not found: install clang-19 and lld-19, or set WASI_SDK_PATH to a wasi-sdk (or WASI_CC)"
[ -f "$sysroot/lib/wasm32-wasi/libc.a" ] ||
  die "no wasi-libc in $sysroot (lib/wasm32-wasi/libc.a): install wasi-libc and libclang-rt-19-dev-wasm32, or set WASI_SDK_PATH"
command -v "$WASM_OPT" >/dev/null 2>&1 ||
  die "Binaryen's wasm-opt ('$WASM_OPT') not found: install binaryen (108 or newer) or set WASM_OPT"
lib="$lib_wasi"
[ $mode = wasip2 ] && lib="$lib_p2"
[ -f "$lib/libwasyncio.a" ] || die "$lib/libwasyncio.a is missing: $built_by"
# C++ needs a C++ library built for wasm32-wasi (libc++, as a wasi-sdk ships
# without exceptions); Debian's wasi-libc has none.
cxx_libs=()
if [ ${#cxx_srcs[@]} -gt 0 ]; then
  [ -f "$sysroot/lib/wasm32-wasi/libc++.a" ] ||
    die "${cxx_srcs[0]}: C++ sources need libc++ for wasm32-wasi, which $sysroot lacks; set WASI_SDK_PATH to a wasi-sdk (it ships one), or write the program in C"
  cxx_libs=(-lc++ -lc++abi)
fi
if [ $mode = wasip2 ]; then
  command -v "$NODE" >/dev/null 2>&1 || die "node ('$NODE') not found: WASI 0.2 components are made with Node 18+ (or set NODE)"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
target=(--target=wasm32-wasi "--sysroot=$sysroot")
n=0
for src in "${srcs[@]}"; do
  o="$tmp/$n-$(basename "${src%.c}").o"
  n=$((n + 1))
  "$cc" "${target[@]}" -std=gnu11 -I"$inc" ${cflags[@]+"${cflags[@]}"} -c "$src" -o "$o"
  objs+=("$o")
done
for src in ${cxx_srcs[@]+"${cxx_srcs[@]}"}; do
  o="$tmp/$n-$(basename "${src%.*}").o"
  n=$((n + 1))
  "$cc" "${target[@]}" -x c++ -std=gnu++17 -fno-exceptions -I"$inc" \
    ${cflags[@]+"${cflags[@]}"} -c "$src" -o "$o"
  objs+=("$o")
done

link=("$cc" "${target[@]}" -Qunused-arguments)
if [ $mode = wasip2 ]; then
  if [ $role = auto ]; then
    # A server is a program that defines wa_build_app (src/host/wasip2/serve.c).
    nm="$(dirname "$(command -v "$cc")")/llvm-nm"
    [ -x "$nm" ] || nm="$(command -v "llvm-nm${cc##*clang}" || command -v llvm-nm || true)"
    [ -n "$nm" ] || die "llvm-nm not found (needed to see whether the program defines wa_build_app); pass --command or --server"
    role=command
    if "$nm" --defined-only "${objs[@]}" 2>/dev/null | grep -qE ' [TtW] wa_build_app$'; then role=server; fi
  fi
  if [ $role = server ]; then
    [ -f "$lib_p2/libwasyncio-proxy.a" ] || die "$lib_p2/libwasyncio-proxy.a is missing: $built_by"
    # A reactor: no _start; crt1-reactor.o runs constructors from _initialize.
    link+=(-nostartfiles "$sysroot/lib/wasm32-wasi/crt1-reactor.o" -Wl,--no-entry)
    objs+=("$lib_p2/libwasyncio-proxy.a")
  fi
fi
"${link[@]}" "${objs[@]}" "$lib/libwasyncio.a" ${cxx_libs[@]+"${cxx_libs[@]}"} \
  ${ldflags[@]+"${ldflags[@]}"} -o "$tmp/raw.wasm"

if [ $mode = wasi ]; then
  bash "$wasm_opt_step" "$tmp/raw.wasm" "$out"
else
  bash "$wasm_opt_step" "$tmp/raw.wasm" "$tmp/opt.wasm"
  "$NODE" "$component_step" "$tmp/opt.wasm" "$role" "$out"
fi
