#!/usr/bin/env bash
# Prints the wall time and peak memory of a full `check` on this machine (live) and against a
# fixture root, and the size of the release binary. Figures, not assertions.
# Usage: benches/full_check.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release -q
bin=target/release/asr-preflight
printf 'binary: %s bytes (%s)\n' "$(stat -c %s "$bin")" "$bin"
measure() {
    local label=$1; shift
    local best="" peak=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o /tmp/asr-bench.$$ "$bin" "$@" --format json >/dev/null || true
        read -r secs kb < <(tail -n 1 /tmp/asr-bench.$$)
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
        [ "$kb" -gt "$peak" ] && peak=$kb
    done
    rm -f /tmp/asr-bench.$$
    printf '%-40s best %6ss  peak RSS %6s KiB  (%s runs)\n' "$label" "$best" "$peak" "$runs"
}
measure "check (live, all checks)"
measure "check --root fixtures/os/centos-6.5" --root fixtures/os/centos-6.5
