#!/usr/bin/env bash
# shellcheck disable=SC2046,SC2044  # the cached file names are plain (no spaces), word splitting is intended
# Starts the long fuzz runs from real files nobody here wrote: copies what the test suite has
# downloaded (firewalld, ufw and nftables packages, iptables' test dumps, the hosts corpus,
# distro's release files, util-linux's test data) into fuzz/corpus/TARGET, which git ignores.
# Run `make test` (or the tests that fetch these) first; missing caches are skipped with a note.
set -uo pipefail
cd "$(dirname "$0")" || exit 2
fw=../target/tmp/testdata-firewall
td=/var/cache/asr-preflight-testdata
put() { # put TARGET FILE...
    local t=$1; shift
    mkdir -p "corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "corpus/$t/real-$(echo "$f" | md5sum | cut -c1-12)"
    done
}
have() { [ -e "$1" ] || { echo "gather-corpus: no $1, skipped"; return 1; }; }

if have "$fw/iptables-dumps"; then put iptables "$fw"/iptables-dumps/*; fi
if have "$fw/deb/nftables"; then
    put nftables $(find "$fw/deb/nftables" -name '*.nft' -o -name 'nftables.conf')
fi
if have "$fw/deb/firewalld"; then
    ssh=$(find "$fw/deb/firewalld" -path '*services/ssh.xml' | head -n 1)
    mkdir -p corpus/firewall_config
    for z in $(find "$fw/deb/firewalld" -path '*zones/*.xml'); do
        { cat "$z"; printf '\0'; cat "$ssh"; printf '\0\0public'; } > "corpus/firewall_config/real-zone-$(basename "$z")"
    done
fi
if have "$fw/deb/ufw"; then
    r=$(dirname "$(find "$fw/deb/ufw" -name before.rules | head -n 1)")
    u=$(find "$fw/deb/ufw" -name user.rules | head -n 1)
    { cat "$r/before.rules"; printf '\0'; cat "$u"; printf '\0'; cat "$r/after.rules"; printf '\0DROP'; } > corpus/firewall_config/real-ufw
fi
if have "$td/hosts-corpus"; then put netconf "$td"/hosts-corpus/*.hosts; fi
if have "$td/distro-1.9.0"; then
    put release_files $(find "$td/distro-1.9.0" -path '*resources*' -type f -name '*release*')
fi
if have ../target/tmp/testdata/util-linux; then
    put mounts $(find ../target/tmp/testdata/util-linux -type f -name '*mountinfo*' -o -type f -name '*fstab*')
fi
put mounts /proc/self/mountinfo /etc/fstab
put sshd_ports /proc/net/tcp /proc/net/tcp6 /etc/ssh/sshd_config
put boot_config $(find /lib/systemd/system -maxdepth 1 -name '*.service' | head -n 40) /proc/cmdline
put proxy $(find /etc/ssl/certs -name '*.pem' | head -n 20)
for d in corpus/*; do echo "gather-corpus: $d: $(find "$d" -type f | wc -l) inputs"; done
