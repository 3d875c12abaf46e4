#!/usr/bin/env bash
# format_check.sh: every C file the project writes follows .clang-format
# (make test-native runs it). To fix a file: clang-format-19 -i FILE.
set -u
cd "$(dirname "$0")/.." || exit 1
fmt=${CLANG_FORMAT:-clang-format-19}
command -v "$fmt" >/dev/null || { echo "format: $fmt missing (make deps installs clang-format-19)"; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/fuzz/corpus/' ||
                     find src tests examples wasi web -name '*.[ch]' -not -path 'tests/fuzz/corpus/*')
bad=$("$fmt" --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning:.*/\1/p' | sort -u)
if [[ -n $bad ]]; then
    echo "format: these files differ from .clang-format (clang-format-19 -i FILE):"
    sed 's/^/  /' <<<"$bad"
    exit 1
fi
echo "format: ${#files[@]} C files follow .clang-format"
