#!/usr/bin/env bash
# Prints the wall time and peak memory of hosts.nic-addresses against an image whose /etc/hosts
# is an ad-blocking list of LINES lines (real ones reach several hundred thousand), with the
# host's own lines at the end. Figures, not assertions.
# Usage: benches/hosts_large.sh [LINES] [RUNS]   (default 400000, 3)
#        BIN=path/to/asr-preflight benches/hosts_large.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-400000}
runs=${2:-3}
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=${CARGO_TARGET_DIR:-target}/release/asr-preflight
fi
img=$(mktemp -d)
trap 'rm -rf "$img"' EXIT
mkdir -p "$img/etc/sysconfig/network-scripts"
echo big-hosts >"$img/etc/hostname"
printf 'IPADDR=198.51.100.10\nPREFIX=24\n' >"$img/etc/sysconfig/network-scripts/ifcfg-eth0"
awk -v n="$lines" 'BEGIN { print "127.0.0.1 localhost"; for (i = 0; i < n; i++) printf "0.0.0.0 ad%d.tracker.example\n", i; print "198.51.100.10 big-hosts.example.com big-hosts" }' >"$img/etc/hosts"
printf 'hosts file: %s lines, %s bytes; binary %s\n' "$((lines + 2))" "$(stat -c %s "$img/etc/hosts")" "$BIN"
best="" peak=0
for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$img/time" "$BIN" --root "$img" --only hosts.nic-addresses --format json >"$img/out" || true
    grep -q '"status": "pass"' "$img/out" || { echo "unexpected result:"; cat "$img/out"; exit 1; }
    read -r secs kb < <(tail -n 1 "$img/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
done
printf 'hosts.nic-addresses --root: best %ss, peak RSS %s KiB (%s runs)\n' "$best" "$peak" "$runs"
