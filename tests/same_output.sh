# same_output.sh: sourced by the scripts that check that an example prints
# what the native build (or examples/expected/) prints, on another target.
# Timings such as "0.6 s" or "12 ms" vary with the machine's load, so they
# are masked; every other character, and the order of lines, must match.
#
#   same_output WANT_FILE GOT_FILE   # 0 if equal; else prints a diff, 1

same_output_mask() { sed -E 's/[0-9]+(\.[0-9]+)?[[:space:]]*(ms|s|us|µs|ns)\b/<time>/g'; }

same_output() {
    diff -u <(same_output_mask <"$1") <(same_output_mask <"$2")
}
