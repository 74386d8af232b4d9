#!/usr/bin/env bash
# Prints how coverage grew over a libFuzzer run, from its log (fuzz/run.sh output):
#   fuzz/curve.sh LOG
# executions and `cov` at the start, at each quarter of the executions, and at the end, plus
# the edges found in the last quarter: a run "stopped finding coverage" when that is ~0.
set -euo pipefail
log=${1:?log file}
sed -n 's/^#\([0-9]*\)[^c]*cov: \([0-9]*\).*/\1 \2/p' "$log" | awk '
    { e[NR] = $1; c[NR] = $2 }
    END {
        if (NR == 0) { print "no coverage lines"; exit 1 }
        last = e[NR]
        printf "executions %d, coverage %d -> %d\n", last, c[1], c[NR]
        q = 1
        for (i = 1; i <= NR; i++) {
            while (q <= 3 && e[i] >= last * q / 4) { at[q] = c[i]; q++ }
        }
        printf "at 25%%: %d, 50%%: %d, 75%%: %d, end: %d; last quarter: +%d\n", at[1], at[2], at[3], c[NR], c[NR] - at[3]
    }'
