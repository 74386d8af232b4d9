# Failover tests (tests/suite/failover.rs, tests/suite/initramfs.rs): the system's cpio and the compressors
# distributions build initramfs images with, to make real images; and a real Debian kernel
# package (module tree with modules.builtin and the Hyper-V driver files, /boot/vmlinuz),
# extracted into the test cache, as an example nobody here wrote.
apt_need cpio gzip xz-utils lz4 zstd
kdir=/var/cache/asr-preflight-testdata/linux-image
if [ ! -s "$kdir/release" ]; then
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1)
    rm -rf "$kdir"
    mkdir -p "$kdir/root"
    dpkg-deb -x "$tmp"/*.deb "$kdir/root"
    ls "$kdir/root/lib/modules" | head -n 1 > "$kdir/release"
    rm -rf "$tmp"
    echo "install-deps: extracted $pkg into $kdir"
fi
