#!/usr/bin/env bash
# Prints the wall time and peak memory of `asr-preflight fleet` over N generated host reports
# (tests/support/gen_fleet_reports.py, varied from a real report of fixtures/os/centos-7.2), for
# each output format. The issue's budget for 10,000 reports: under 2 s and under 200 MB. The CPU
# seconds (user+sys) and the load average are printed too: on a shared machine the wall time
# says more about the neighbours than about the tool.
# Usage: benches/fleet.sh [N]   (default 10000)
#        BIN=path/to/asr-preflight benches/fleet.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=${CARGO_TARGET_DIR:-target}/release/asr-preflight
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN" check --root fixtures/os/centos-7.2 --format json >"$work/template.json" || true
python3 tests/support/gen_fleet_reports.py "$work/template.json" "$n" "$work/hosts" >/dev/null
printf '%s reports, %s bytes; binary %s; load average %s\n' "$n" "$(du -sb "$work/hosts" | cut -f1)" \
    "$BIN" "$(cut -d' ' -f1-3 /proc/loadavg)"
for format in html json csv human; do
    rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$BIN" fleet "$work/hosts" --format "$format" --output "$work/out.$format" || rc=$?
    [ "$rc" -le 1 ] || { echo "fleet --format $format exited $rc"; exit 1; }
    read -r secs user sys kb < <(tail -n 1 "$work/time")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    printf 'fleet --format %-5s %5ss wall  %5ss CPU  peak RSS %6s KiB (%s MB)  output %s bytes\n' \
        "$format" "$secs" "$cpu" "$kb" "$((kb / 1024))" "$(stat -c %s "$work/out.$format")"
done
