#!/usr/bin/env bash
# check-exports.sh LIB.so: the shared library must export only the public
# API: every defined dynamic symbol starts with wa_ and none with wa__ (the
# library is built with -fvisibility=hidden; wasyncio.h marks the public
# functions WA_EXTERN). Names each offender and exits non-zero.
set -euo pipefail
lib=${1:?usage: check-exports.sh LIB.so}
syms=$(nm -D --defined-only "$lib" | awk '{print $NF}')
if [[ -z $syms ]]; then
    echo "exports: $lib exports nothing (nm failed?)" >&2
    exit 1
fi
bad=$(grep -v '^wa_' <<<"$syms" || true)
bad+=$'\n'$(grep '^wa__' <<<"$syms" || true)
bad=$(sed '/^$/d' <<<"$bad")
if [[ -n $bad ]]; then
    echo "exports: $lib exports non-public symbols:" >&2
    sed 's/^/  /' <<<"$bad" >&2
    exit 1
fi
echo "exports: $(wc -l <<<"$syms") symbols, all public wa_ names"
