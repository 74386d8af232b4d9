#!/usr/bin/env bash
# Prints, side by side in one run, where the time of a check goes (issue 21): the whole live check
# without the ASCII scan; a --root check of an image with five kernels whose initramfs images are
# xz, zstd and gzip; each initramfs decoder (a one-kernel image, `--only failover.initramfs-drivers`)
# next to its reference program (`xz -dc`, `zstd -dc`, `gzip -dc`) on the same file, both as the
# check reads it (it stops once every driver it looks for was seen) and whole. Every line is
# the median of RUNS runs (wall and CPU: user + system, children included) and the peak RSS of the
# runs. The initramfs content is a real module tree (Debian's kernel package from the test cache,
# tests/deps.d/70-failover.sh), about the size of a generic, non host-only image. Figures, not
# assertions. Usage: benches/speed.sh [RUNS]   (default 10)
# ASR_BENCH_BIN=PATH measures that binary instead of a host release build (for example the
# static one: ASR_BENCH_BIN=$(dist/build-static.sh | tail -n 1) benches/speed.sh).
# The live lines also give the instructions asr-preflight itself executed (callgrind, its
# own threads, not the programs it runs): unlike wall time on a shared machine, repeatable.
# ASR_BENCH_LIVE_ONLY=1 stops after the live lines.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
if [ -n "${ASR_BENCH_BIN:-}" ]; then
    bin=$ASR_BENCH_BIN
else
    cargo build --release -q
    bin=${CARGO_TARGET_DIR:-target}/release/asr-preflight
fi
cache=/var/cache/asr-preflight-testdata/linux-image
rel=$(cat "$cache/release")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure LABEL CMD...: median wall and CPU of RUNS runs, output discarded.
measure() {
    local label=$1; shift
    python3 - "$runs" "$label" "$@" <<'PY'
import os, statistics, sys, time
runs, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
walls, cpus, rss = [], [], 0
for _ in range(runs):
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1); os.dup2(fd, 2)
        os.execvp(cmd[0], cmd)
    _, _, ru = os.wait4(pid, 0)
    walls.append(time.perf_counter() - t)
    cpus.append(ru.ru_utime + ru.ru_stime)
    rss = max(rss, ru.ru_maxrss)
print(f"{label:<44} wall {statistics.median(walls)*1000:9.1f} ms  cpu {statistics.median(cpus)*1000:9.1f} ms  peak RSS {rss:7d} KiB")
PY
}

# instructions LABEL CMD...: what callgrind counts for CMD's own process (children not traced).
instructions() {
    local label=$1; shift
    if ! command -v valgrind >/dev/null; then
        printf '%-44s instructions: valgrind is not installed\n' "$label"
        return
    fi
    valgrind --tool=callgrind --trace-children=no --callgrind-out-file="$work/callgrind.out" \
        "$@" >/dev/null 2>"$work/callgrind.err" || true
    printf '%-44s instructions %15s (callgrind, own process)\n' "$label" \
        "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/callgrind.err")"
}

printf 'binary: %s bytes (%s); load average: %s\n' "$(stat -c %s "$bin")" "$bin" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of $runs runs"
measure "check --skip ascii.system-paths (live)" "$bin" check --skip ascii.system-paths --format json
measure "check --only os.supported (live)" "$bin" check --only os.supported --format json
instructions "check --skip ascii.system-paths (live)" "$bin" check --skip ascii.system-paths --format json
instructions "check --only os.supported (live)" "$bin" check --only os.supported --format json
if [ -n "${ASR_BENCH_LIVE_ONLY:-}" ]; then
    exit 0
fi

tree=$work/tree/usr/lib/modules/$rel/kernel
mkdir -p "$tree"
for d in drivers/scsi drivers/ata drivers/md drivers/block drivers/nvme drivers/hv drivers/net fs; do
    mkdir -p "$tree/$d"
    cp -r "$cache/root/lib/modules/$rel/kernel/$d/." "$tree/$d/"
done
(cd "$work/tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$work/main.cpio"
printf 'initramfs content: %s bytes of cpio\n' "$(stat -c %s "$work/main.cpio")"
xz --check=crc32 --lzma2=dict=1MiB -T0 < "$work/main.cpio" > "$work/img.xz"
zstd -q -19 -T0 < "$work/main.cpio" > "$work/img.zst"
gzip -6 < "$work/main.cpio" > "$work/img.gz"

# root DIR: a Debian 12 image skeleton.
root() {
    mkdir -p "$1/boot" "$1/etc"
    printf 'ID=debian\nVERSION_ID="12"\n' > "$1/etc/os-release"
}
# kernel DIR RELEASE IMAGE: an installed kernel with IMAGE as its initramfs.
kernel() {
    mkdir -p "$1/lib/modules/$2/kernel"
    : > "$1/boot/vmlinuz-$2"
    cp "$3" "$1/boot/initrd.img-$2"
}
five=$work/five
root "$five"
i=0
for img in img.xz img.zst img.gz img.xz img.zst; do
    i=$((i + 1))
    kernel "$five" "$rel-$i" "$work/$img"
done
measure "check --root (5 kernels: xz zstd gzip xz zstd)" "$bin" check --root "$five" --format json --scenario vmware-to-azure

for c in xz:img.xz zstd:img.zst gzip:img.gz; do
    prog=${c%%:*} file=$work/${c#*:}
    one=$work/one-$prog
    root "$one"
    kernel "$one" "$rel" "$file"
    printf '%s image: %s bytes\n' "$prog" "$(stat -c %s "$file")"
    measure "  asr-preflight reading the $prog image" "$bin" check --root "$one" --only failover.initramfs-drivers --format json --scenario vmware-to-azure
    # The same image under another kernel's name: its own module directory never appears, so
    # nothing stops the read early and the whole stream is decoded, as the reference does.
    whole=$work/whole-$prog
    root "$whole"
    kernel "$whole" "$rel-other" "$file"
    measure "  asr-preflight reading all of the $prog image" "$bin" check --root "$whole" --only failover.initramfs-drivers --format json --scenario vmware-to-azure
    measure "  $prog -dc" "$prog" -dc "$file"
done
