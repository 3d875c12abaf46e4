#!/usr/bin/env bash
# readme_snippets.sh: every C block in README.md that is a whole file (it
# starts with #include) compiles as a user would paste it: C11, -Wall -Werror,
# nothing but the public header. Prints "readme: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '
    /^```c$/ { inside = 1; first = 1; next }
    /^```/   { inside = 0; next }
    inside && first { first = 0; whole = ($0 ~ /^#include/); if (whole) out = sprintf("%s/block%02d_line%d.c", dir, ++n, NR) }
    inside && whole { print > out }
' README.md
pass=0 fail=0
for f in "$tmp"/*.c; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .c)
    if ${CC:-cc} -std=c11 -Wall -Werror -Wno-unused-parameter -fsyntax-only -Isrc "$f" 2> "$tmp/err"; then
        pass=$((pass + 1))
    else
        echo "FAIL README.md ${name#*_}: the snippet does not compile as pasted"
        sed 's/^/    /' "$tmp/err" | head -20
        fail=$((fail + 1))
    fi
done
echo "readme: $pass passed, $fail failed"
((pass > 0 && fail == 0))
