#!/usr/bin/env bash
# wasyncio-wasm-opt.sh: the post-link step every wasm program using
# wasyncio needs: Binaryen's Asyncify pass (which lets tasks suspend), then
# optimisation. Use it on your own programs:
#
#   clang --target=wasm32-wasi -O2 -c app.c -I.../include
#   clang --target=wasm32-wasi app.o libwasyncio.a -o app.raw.wasm   # no -O here
#   wasi/wasyncio-wasm-opt.sh app.raw.wasm app.wasm
#
# Link without -O: clang then runs wasm-opt on its own, whose output this
# step cannot make work (refused here, with a message saying so). WASM_OPT selects the binary (default wasm-opt,
# Binaryen >= 108). WASYNCIO_OPT_LEVEL overrides the level (default -O3).
# WASYNCIO_ASYNCIFY=0 skips Asyncify (for measuring its cost only: such a
# module traps at the first task switch).
#
# The remove-list names libc functions that can never reach a task switch
# (they call no user code), so they need no instrumentation: smaller and
# faster code, still correct for any user program. User code is never
# listed: any function of yours may suspend.
set -euo pipefail
WASM_OPT="${WASM_OPT:-wasm-opt}"
LEVEL="${WASYNCIO_OPT_LEVEL:--O3}"
if [ $# -ne 2 ]; then
  echo "usage: wasyncio-wasm-opt.sh in.wasm out.wasm" >&2
  exit 2
fi
# stdio output paths: they reach only the fd_write import, through FILE
# function pointers that Asyncify must otherwise assume could be anything.
REMOVE="vfprintf,printf_core,fprintf,printf,vprintf,snprintf,vsnprintf,sprintf,vsprintf,\
fputs,puts,fputc,putc,putchar,fwrite,__fwritex,__towrite,__stdio_write,__stdout_write,\
__stdio_seek,__stdio_close,__stdio_read,__toread,fflush,__overflow,__uflow,fclose,\
fgets,fread,getc,fgetc,sn_write,out,pad,fmt_fp,fmt_u,fmt_x,fmt_o,pop_arg,getint,\
__lockfile,__unlockfile,__stdio_exit,close_file,strtod,strtol,strtoul,__intscan,__floatscan,\
malloc,free,calloc,realloc,aligned_alloc,dlmalloc,dlfree,dlrealloc,posix_memalign,\
memcpy,memmove,memset,strlen,strcmp,strncmp,strchr,strdup"
# Refuse the two mis-builds that otherwise fail only at run time, naming the
# step: a module linked with -O (clang ran wasm-opt itself; its output loses
# the function names and traps with a bare `unreachable` at the first task
# switch after this step), and one that already went through this step.
# A module without asyncify.* imports does not use the task switch at all.
marks=$("$WASM_OPT" "$1" --print 2>/dev/null | grep -E '^ \((import "asyncify" "start_unwind"|export "asyncify_start_unwind")' || true)
case $marks in
  *'export "asyncify_start_unwind"'*)
    echo "wasyncio-wasm-opt: $1 already went through the Asyncify step; give it the module as linked" >&2
    exit 1 ;;
  *'(import "asyncify" "start_unwind" (func $wa__asyncify_start_unwind'*) ;;
  *'(import "asyncify"'*)
    echo "wasyncio-wasm-opt: $1 has no function names: it was linked with -O (clang then runs wasm-opt itself, and the result traps at the first task switch) or stripped (-s). Link without -O and -s (compiling with -O2 is fine), or use wasyncio-wasi-cc, which does that." >&2
    exit 1 ;;
esac
args=(--asyncify --pass-arg=asyncify-ignore-imports)
if [ "${WASYNCIO_ASYNCIFY:-1}" = 0 ]; then
  args=()
else
  args+=("--pass-arg=asyncify-removelist@$REMOVE")
fi
# Binaryen warns for listed names a given program does not contain; that is
# expected (the list covers every program), so those lines are dropped.
# Stack check: wasyncio-stack-check.sh runs these passes, then
# instruments every move of the stack pointer against the task's limits.
bash "$(dirname "${BASH_SOURCE[0]}")/wasyncio-stack-check.sh" "$1" "$2" "${args[@]}" "$LEVEL" \
  2> >(grep -v 'list contained a non-existing function name' >&2)
