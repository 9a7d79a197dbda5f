#!/usr/bin/env bash
# Instructions per scan of each benchmark input (valgrind's callgrind), a figure that
# does not move with the load of the machine, unlike criterion's timings. Needs
# valgrind. Usage: scripts/bench-ir.sh [INPUT...]   (default: every input)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench-ir: valgrind is not installed" >&2; exit 1; }
cargo build --quiet --profile bench -p gatehouse-core --example scan_loop
bin="${CARGO_TARGET_DIR:-target}/release/examples/scan_loop"
if [ $# -eq 0 ]; then
    set -- $("$bin" | cut -f1)
fi
for input in "$@"; do
    case "$input" in
        adversarial/*) n=1 ;;
        untrusted/*) n=2 ;;
        *) n=20 ;;
    esac
    # The example runs N measured scans plus 10 timing batches of max(N/10, 1).
    b=$(( n / 10 )); [ "$b" -lt 1 ] && b=1
    total=$(( n + 10 * b ))
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*measured*' \
        "$bin" "$input" "$n" >/dev/null 2>&1
    ir=$(grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}')
    rm -f "$out"
    printf '%-34s %12d instructions per scan\n' "$input" $(( ir / total ))
done
