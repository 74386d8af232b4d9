#!/usr/bin/env bash
# Fetches util-linux's lsblk test dumps (real host snapshots: sys/block trees with sizes,
# proc/self/mountinfo, and lsblk's expected output) from the Debian source package into a cache
# directory, and prints the directory that holds simple-lvm/ and simple-nvme/ and expected/.
# The files are GPL and are never committed: tests call this at run time.
# Usage: tests/data/util-linux-dumps.sh CACHE_DIR
set -euo pipefail
cache=${1:?usage: $0 CACHE_DIR}
out="$cache/util-linux"
if [ -f "$out/.complete" ]; then
    echo "$out"
    exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# deb-src is not configured by default: a private apt configuration leaves the system's alone
# (the recipe of shared/reference/test-data.md).
D="$work/apt"
mkdir -p "$D/parts" "$D/lists/partial" "$D/cache/archives/partial"
sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$D/parts/src.sources"
A=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$D/parts"
   -o "Dir::State::Lists=$D/lists" -o "Dir::Cache=$D/cache" -o APT::Sandbox::User=root)
apt-get "${A[@]}" -qq update >&2
(cd "$work" && apt-get "${A[@]}" -qq source --download-only util-linux >&2)
origs=("$work"/util-linux_*.orig.tar.xz)
orig=${origs[0]}
# util-linux_2.38.1.orig.tar.xz unpacks into util-linux-2.38.1/
top=$(basename "$orig" .orig.tar.xz)
top=${top/_/-}
tar -C "$work" -xJf "$orig" "$top/tests/ts/lsblk/dumps" "$top/tests/expected/lsblk"
rm -rf "$out.tmp" && mkdir -p "$out.tmp/expected"
for d in "$work/$top"/tests/ts/lsblk/dumps/*.tar.xz; do
    tar -C "$out.tmp" -xJf "$d"
done
cp "$work/$top"/tests/expected/lsblk/* "$out.tmp/expected/"
touch "$out.tmp/.complete"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out"
