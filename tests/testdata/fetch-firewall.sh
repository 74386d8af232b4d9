#!/usr/bin/env bash
# Downloads the real firewall files the firewall tests compare against into CACHE_DIR (never
# into the repository): the firewalld, ufw and nftables .debs, insights-core's parser tests
# (RHEL 6 iptables-save output) and the iptables source's test dumps. Idempotent: what is
# already in the cache is not fetched again. Only the ordinary clients (apt-get, pip) are used.
set -euo pipefail
cache=${1:?usage: fetch-firewall.sh CACHE_DIR}
mkdir -p "$cache"
cd "$cache"

apt_download() {
    apt-get download "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$1" >/dev/null; }
}

for pkg in firewalld ufw nftables; do
    [ -d "deb/$pkg" ] && continue
    rm -rf dl "deb/$pkg.tmp"
    mkdir -p dl "deb/$pkg.tmp"
    (cd dl && apt_download "$pkg")
    dpkg-deb -x dl/*.deb "deb/$pkg.tmp"
    mv "deb/$pkg.tmp" "deb/$pkg"
    rm -rf dl
done

if [ ! -f insights/test_iptables.py ]; then
    rm -rf pip && mkdir -p pip insights
    python3 -m pip download -q --no-deps --no-binary :all: insights-core==3.8.4 -d pip
    tar xzf pip/insights_core-3.8.4.tar.gz -C pip
    cp pip/insights_core-3.8.4/insights/tests/parsers/test_iptables.py insights/
    rm -rf pip
fi

if [ ! -d iptables-dumps ]; then
    # Debian source packages without touching the system's apt configuration.
    D="$cache/aptsrc"
    rm -rf "$D" && mkdir -p "$D/parts" "$D/lists/partial" "$D/cache/archives/partial" "$D/src"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$D/parts/src.sources"
    else
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$D/parts/src.list"
    fi
    A=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$D/parts" -o "Dir::State::Lists=$D/lists" -o "Dir::Cache=$D/cache")
    apt-get "${A[@]}" update -qq
    (cd "$D/src" && apt-get "${A[@]}" source --download-only iptables >/dev/null 2>&1)
    tar xJf "$D"/src/iptables_*.orig.tar.* -C "$D/src"
    mkdir -p iptables-dumps.tmp
    for f in "$D"/src/iptables-*/iptables/tests/shell/testcases/*/dumps/*; do
        case "$f" in *.xml) continue ;; esac
        t=$(basename "$(dirname "$(dirname "$f")")")
        cp "$f" "iptables-dumps.tmp/$t-$(basename "$f")"
    done
    mv iptables-dumps.tmp iptables-dumps
    rm -rf "$D"
fi
echo "fetch-firewall: $cache ready"
