#!/usr/bin/env bash
# Prints how long net.egress-firewall (and ssh.firewall, which now also walks the reply path)
# takes on boot-time rule sets of N OUTPUT rules (--root), with the test Service Tags file so
# that destination rules are judged against the regional prefixes and the endpoints are cut at
# rule boundaries: N destination-limited ACCEPTs (none matching an endpoint), N port rules, N
# destination-limited DROPs inside the tags' ranges, N LOG rules, and a firewalld policy of N
# destination-limited rich rules. Figures, not assertions.
# Usage: benches/egress_eval.sh [N]   (rules per set, default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
bin=${BIN:-target/release/asr-preflight}
[ -x "$bin" ] || cargo build --release -q
tags=tests/data/service_tags/ServiceTags_Public_test.json
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
    local label=$1 dir=$2 only=$3
    /usr/bin/time -f '%e %M' -o "$tmp/t" "$bin" check --root "$dir" --only "$only" --format json \
        --scenario azure-to-azure --service-tags "$tags" --source-region westeurope --target-region northeurope > "$tmp/out" || true
    read -r secs kb < "$tmp/t"
    status=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(",".join(c["status"] for c in r["checks"]))' "$tmp/out")
    printf '%-52s %-20s %6ss  peak RSS %7s KiB  %s\n' "$label" "$only" "$secs" "$kb" "$status"
}
both() {
    measure "$1" "$2" net.egress-firewall
    measure "$1" "$2" ssh.firewall
}
d=$( { printf '*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -m state --state ESTABLISHED -j ACCEPT\n'
       for i in $(seq "$n"); do printf -- '-A OUTPUT -d 10.%d.%d.%d/32 -p tcp --dport 443 -j ACCEPT\n' $((i/65536%256)) $((i/256%256)) $((i%256)); done
       printf -- '-A OUTPUT -d 198.51.100.0/24 -j ACCEPT\n-A OUTPUT -d 203.0.113.0/24 -j ACCEPT\nCOMMIT\n'; } | mkroot dst)
both "$n destination-limited OUTPUT ACCEPTs" "$d"
d=$( { printf '*filter\n:OUTPUT DROP [0:0]\n'
       for i in $(seq "$n"); do printf -- '-A OUTPUT -p tcp --dport %d -j ACCEPT\n' $((30000 + i % 30000)); done
       printf -- '-A OUTPUT -p tcp --dport 443 -j ACCEPT\nCOMMIT\n'; } | mkroot ports)
both "$n OUTPUT port rules" "$d"
d=$( { printf '*filter\n:OUTPUT ACCEPT [0:0]\n'
       for i in $(seq "$n"); do printf -- '-A OUTPUT -d %s.%d/32 -p tcp --dport 443 -j DROP\n' $([ $((i%2)) = 0 ] && echo 198.51.100 || echo 203.0.113) $((i%256)); done
       printf 'COMMIT\n'; } | mkroot drops)
both "$n destination DROPs inside the tags' ranges" "$d"
d=$( { printf '*filter\n:OUTPUT ACCEPT [0:0]\n'
       for i in $(seq "$n"); do printf -- '-A OUTPUT -d 10.0.%d.%d/32 -j LOG\n' $((i/256%256)) $((i%256)); done
       printf 'COMMIT\n'; } | mkroot logs)
both "$n destination-limited LOG rules" "$d"
# firewalld: a policy from HOST to ANY with N destination-limited rich rules (none matching an
# endpoint), then the tags' ranges, target REJECT.
mkfwd() {
    local dir=$tmp/fwd
    mkdir -p "$dir/etc/firewalld/zones" "$dir/etc/firewalld/services" "$dir/etc/firewalld/policies" \
        "$dir/usr/lib/systemd/system" "$dir/etc/systemd/system/multi-user.target.wants"
    : > "$dir/usr/lib/systemd/systemd"
    printf '[Service]\n' > "$dir/usr/lib/systemd/system/firewalld.service"
    ln -s /usr/lib/systemd/system/firewalld.service "$dir/etc/systemd/system/multi-user.target.wants/firewalld.service"
    printf 'DefaultZone=public\n' > "$dir/etc/firewalld/firewalld.conf"
    printf '<zone><service name="ssh"/></zone>\n' > "$dir/etc/firewalld/zones/public.xml"
    printf '<service><port protocol="tcp" port="22"/></service>\n' > "$dir/etc/firewalld/services/ssh.xml"
    cat > "$dir/etc/firewalld/policies/out.xml"
    echo "$dir"
}
d=$( { printf '<policy target="REJECT"><ingress-zone name="HOST"/><egress-zone name="ANY"/>\n'
       for i in $(seq "$n"); do printf '<rule family="ipv4"><destination address="10.%d.%d.%d/32"/><port port="443" protocol="tcp"/><accept/></rule>\n' $((i/65536%256)) $((i/256%256)) $((i%256)); done
       printf '<rule family="ipv4"><destination address="198.51.100.0/24"/><accept/></rule>\n<rule family="ipv4"><destination address="203.0.113.0/24"/><accept/></rule>\n</policy>\n'; } | mkfwd)
both "firewalld policy with $n destination rich rules" "$d"
