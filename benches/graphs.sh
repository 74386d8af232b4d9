#!/usr/bin/env bash
# Prints run time against input size for the inputs issue 20 found quadratic or worse, to show
# that each now grows linearly (time per element roughly constant down each table):
#   a fail2ban-style blocklist of N `-s ADDR -j DROP` rules (iptables, ssh.firewall);
#   nftables with N small chains, each jumped to from the input chain (ssh.firewall);
#   grub.cfg with N menu entries in submenus, and submenus nested past the depth limit;
#   N systemd targets that each Wants= all the others (N^2 edges; time per edge).
# Figures, not assertions. Usage: benches/graphs.sh [SCALE]  (SCALE multiplies the sizes, default 1)
# BIN=path/to/asr-preflight picks the binary (default target/release/asr-preflight, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1}
bin=${BIN:-target/release/asr-preflight}
[ -x "$bin" ] || cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run LABEL N UNIT ROOT ARGS...: one timed run; prints N, seconds, microseconds per UNIT, RSS.
run() {
    local label=$1 n=$2 per=$3 dir=$4
    shift 4
    /usr/bin/time -f '%e %M' -o "$tmp/t" "$bin" check --root "$dir" --format json "$@" > "$tmp/out" || true
    # GNU time puts "Command exited with non-zero status N" first when the status is not 0.
    read -r secs kb < <(tail -n 1 "$tmp/t")
    python3 -c 'import sys; n,s,kb=int(sys.argv[2]),float(sys.argv[3]),sys.argv[4]; print("%-22s %9d %8.2f s %9.2f us/%s  peak RSS %8s KiB" % (sys.argv[1], n, s, s*1e6/max(n,1), sys.argv[5], kb))' \
        "$label" "$n" "$secs" "$kb" "$per"
    rm -rf "$dir"
}

blocklist() {
    local n=$1 d=$tmp/bl
    mkdir -p "$d/etc/rc.d/init.d" "$d/etc/rc.d/rc3.d" "$d/etc/sysconfig"
    echo 'Red Hat Enterprise Linux Server release 6.7 (Santiago)' > "$d/etc/redhat-release"
    echo 'id:3:initdefault:' > "$d/etc/inittab"
    printf '#!/bin/sh\n' > "$d/etc/rc.d/init.d/iptables"
    chmod 755 "$d/etc/rc.d/init.d/iptables"
    ln -s ../init.d/iptables "$d/etc/rc.d/rc3.d/S08iptables"
    python3 - "$n" > "$d/etc/sysconfig/iptables" <<'PY'
import sys
n = int(sys.argv[1])
print("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]")
for i in range(n):
    print("-A INPUT -s 10.%d.%d.%d/32 -j DROP" % (i >> 16, (i >> 8) & 255, i & 255))
print("COMMIT")
PY
    run "iptables blocklist" "$n" rule "$d" --only ssh.firewall
}

nft_chains() {
    local n=$1 d=$tmp/nft
    mkdir -p "$d/etc/sysconfig" "$d/usr/lib/systemd/system" "$d/etc/systemd/system/multi-user.target.wants"
    printf 'ID="rhel"\nVERSION_ID="8.4"\n' > "$d/etc/os-release"
    : > "$d/usr/lib/systemd/systemd"
    printf '[Service]\nType=oneshot\nExecStart=/sbin/nft -f /etc/sysconfig/nftables.conf\n' > "$d/usr/lib/systemd/system/nftables.service"
    ln -s /usr/lib/systemd/system/nftables.service "$d/etc/systemd/system/multi-user.target.wants/nftables.service"
    python3 - "$n" > "$d/etc/sysconfig/nftables.conf" <<'PY'
import sys
n = int(sys.argv[1])
print("table ip t {")
for i in range(n):
    print(" chain c%d {\n  ip saddr 10.%d.%d.1 drop\n }" % (i, i // 256, i % 256))
print(" chain input {\n  type filter hook input priority 0; policy accept;")
for i in range(n):
    print("  jump c%d" % i)
print(" }\n}")
PY
    run "nftables chains" "$n" chain "$d" --only ssh.firewall
}

grub_entries() {
    local n=$1 depth=$2 label=$3 d=$tmp/grub
    mkdir -p "$d/etc" "$d/boot/grub2"
    printf 'ID="rhel"\nVERSION_ID="7.9"\n' > "$d/etc/os-release"
    python3 - "$n" "$depth" > "$d/boot/grub2/grub.cfg" <<'PY'
import sys
n, depth = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n // depth):
    print("submenu 's' {\n" * (depth - 1), end="")
    print("menuentry 'x' {\n linux /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/sda1\n}")
    print("}\n" * (depth - 1), end="")
PY
    run "$label" "$n" level "$d"
}

systemd_targets() {
    local n=$1 d=$tmp/sd
    mkdir -p "$d/etc/systemd/system" "$d/usr/lib/systemd"
    printf 'ID="rhel"\nVERSION_ID="8.4"\n' > "$d/etc/os-release"
    : > "$d/usr/lib/systemd/systemd"
    python3 - "$n" "$d/etc/systemd/system" <<'PY'
import sys, os
n, dirname = int(sys.argv[1]), sys.argv[2]
names = ["t%d.target" % i for i in range(n)]
wants = " ".join(names)
for name in names:
    with open(os.path.join(dirname, name), "w") as f:
        f.write("[Unit]\nWants=%s\n" % wants)
os.symlink("/etc/systemd/system/t0.target", os.path.join(dirname, "default.target"))
PY
    run "systemd targets" $((n * n)) edge "$d"
}

# ONLY=firewall|nftables|grub|systemd runs one group (nftables: only the nftables chains).
only=${ONLY:-all}
printf '%-22s %9s %10s %12s\n' input size time "per element"
if [ "$only" = all ] || [ "$only" = firewall ]; then
    for n in 12500 25000 50000 100000; do blocklist $((n * scale)); done
fi
if [ "$only" = all ] || [ "$only" = firewall ] || [ "$only" = nftables ]; then
    for n in 2500 5000 10000 20000; do nft_chains $((n * scale)); done
fi
if [ "$only" = all ] || [ "$only" = grub ]; then
    for n in 25000 50000 100000 200000; do grub_entries $((n * scale)) 4 "grub entries, depth 4"; done
    for n in 50000 100000 200000; do grub_entries $((n * scale)) $((n * scale)) "grub one nest (refused)"; done
fi
if [ "$only" = all ] || [ "$only" = systemd ]; then
    for n in 250 500 1000 1500; do systemd_targets $((n * scale)); done
fi
