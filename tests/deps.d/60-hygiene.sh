# hygiene tests: systemctl --root is the enablement oracle, openssl parses bundles and makes
# hash links, python3 runs a stand-in agent process; `apt-get download` fetches Debian's
# chrony, systemd-timesyncd, waagent, adjtimex and ca-certificates packages (unpacked only,
# never installed: adjtimex's maintainer scripts would retune the clock).
apt_need systemd openssl python3
if [ -z "$apt_updated" ] && ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    apt-get update -qq
    apt_updated=1
fi
