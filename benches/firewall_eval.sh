#!/usr/bin/env bash
# Prints how long ssh.firewall and mvc.port-20004 take on large boot-time rule sets (--root),
# so that the evaluator's cost on real-world sizes is visible: a fail2ban-like chain of many
# source-limited REJECTs, many port rules, and many source-limited LOG rules (which must not
# multiply the paths explored). Figures, not assertions.
# Usage: benches/firewall_eval.sh [N]   (rules per set, default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
bin=${BIN:-target/release/asr-preflight}
[ -x "$bin" ] || cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkroot() {
    local dir=$tmp/$1
    mkdir -p "$dir/etc/sysconfig" "$dir/usr/lib/systemd/system" "$dir/etc/systemd/system/basic.target.wants"
    : > "$dir/usr/lib/systemd/systemd"
    printf '[Service]\n' > "$dir/usr/lib/systemd/system/iptables.service"
    ln -s /usr/lib/systemd/system/iptables.service "$dir/etc/systemd/system/basic.target.wants/iptables.service"
    cat > "$dir/etc/sysconfig/iptables"
    echo "$dir"
}
measure() {
    local label=$1 dir=$2
    /usr/bin/time -f '%e %M' -o "$tmp/t" "$bin" check --root "$dir" --only ssh.firewall,mvc.port-20004 --format json > "$tmp/out" || true
    read -r secs kb < "$tmp/t"
    status=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(",".join(c["status"] for c in r["checks"]))' "$tmp/out")
    printf '%-48s %6ss  peak RSS %7s KiB  statuses %s\n' "$label" "$secs" "$kb" "$status"
}
d=$( { printf '*filter\n:INPUT ACCEPT [0:0]\n:f2b - [0:0]\n-A INPUT -p tcp -m multiport --dports 22,20004 -j f2b\n'
       for i in $(seq "$n"); do printf -- '-A f2b -s 10.%d.%d.%d/32 -j REJECT\n' $((i/65536%256)) $((i/256%256)) $((i%256)); done
       printf -- '-A f2b -j RETURN\nCOMMIT\n'; } | mkroot f2b)
measure "$n source-limited REJECTs (fail2ban)" "$d"
d=$( { printf '*filter\n:INPUT DROP [0:0]\n'
       for i in $(seq "$n"); do printf -- '-A INPUT -p tcp --dport %d -j ACCEPT\n' $((30000 + i % 30000)); done
       printf -- '-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n'; } | mkroot ports)
measure "$n port rules" "$d"
d=$( { printf '*filter\n:INPUT ACCEPT [0:0]\n'
       for i in $(seq "$n"); do printf -- '-A INPUT -s 10.0.%d.%d/32 -j LOG\n' $((i/256%256)) $((i%256)); done
       printf 'COMMIT\n'; } | mkroot logs)
measure "$n source-limited LOG rules" "$d"
