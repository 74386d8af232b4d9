#!/usr/bin/env bash
# Prints how long reading one initramfs takes and how much memory it needs: an image of a real
# module tree (Debian's kernel package from the test cache, tests/deps.d/70-failover.sh; about
# the size of a generic, non-host-only initramfs) compressed with each compressor, listed by
# `check --root --only failover.initramfs-drivers`. Figures, not assertions.
# Usage: benches/initramfs.sh [RUNS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release -q
bin=${CARGO_TARGET_DIR:-target}/release/asr-preflight
cache=/var/cache/asr-preflight-testdata/linux-image
rel=$(cat "$cache/release")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree/usr/lib/modules/$rel/kernel
mkdir -p "$tree"
for d in drivers/scsi drivers/ata drivers/md drivers/block drivers/nvme drivers/hv drivers/net fs; do
    mkdir -p "$tree/$d"
    cp -r "$cache/root/lib/modules/$rel/kernel/$d/." "$tree/$d/"
done
(cd "$work/tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$work/main.cpio"
printf 'uncompressed cpio: %s bytes, %s entries\n' "$(stat -c %s "$work/main.cpio")" "$(cpio -t --quiet < "$work/main.cpio" | wc -l)"
root=$work/root
mkdir -p "$root/boot" "$root/lib/modules/$rel/kernel" "$root/etc"
printf 'ID=debian\nVERSION_ID="12"\n' > "$root/etc/os-release"
: > "$root/boot/vmlinuz-$rel"
for c in "gzip -6" "xz --check=crc32 --lzma2=dict=1MiB -T0" "xz --format=lzma" "lz4 -l -9" "zstd -q -19 -T0" "cat"; do
    $c < "$work/main.cpio" > "$root/boot/initrd.img-$rel"
    best="" peak=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$work/t" "$bin" check --root "$root" --only failover.initramfs-drivers \
            --scenario vmware-to-azure --format json >/dev/null || true
        read -r secs kb < <(tail -n 1 "$work/t")
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
        [ "$kb" -gt "$peak" ] && peak=$kb
    done
    printf '%-45s image %10s bytes  best %6ss  peak RSS %7s KiB\n' "$c" "$(stat -c %s "$root/boot/initrd.img-$rel")" "$best" "$peak"
done
