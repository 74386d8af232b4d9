#!/usr/bin/env bash
# Builds the static release binary of asr-preflight for x86_64-unknown-linux-musl and prints its
# path as the LAST line of output (everything else goes to stderr).
#
# Two routes, chosen automatically:
#  - rustup's musl target, when it is installed (`rustup target add x86_64-unknown-linux-musl`);
#  - otherwise Debian's own toolchain: rustc-web/cargo-web 1.96 with the matching std sources
#    (rust-web-src), -Z build-std, musl-gcc as linker and LLVM's libunwind (plus a one-function
#    shim for __fprintf_chk, which musl lacks). Missing Debian packages are installed with apt-get
#    when running as root (as on CI). See ../shared/reference/static-build.md for why.
#
# Both routes link with relocation-model=static: no ELF interpreter, no shared libraries, so the
# binary starts on any x86_64 Linux guest, including 2.6.32 kernels.
#
# Usage: dist/build-static.sh [--keep-symbols]
#   --keep-symbols  build an unstripped copy (in <repo>/target/static-symbols) to measure what
#                   takes the space (dist/size-report.sh); never ship that one.
#
# Environment:
#   ASR_STATIC_TARGET_DIR  cargo target dir of this build (default: <repo>/target/static)
#   ASR_STATIC_ROUTE       force a route: rustup | debian (default: rustup when the target is installed)
set -euo pipefail

TARGET=x86_64-unknown-linux-musl
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
keep_symbols=""
case "${1:-}" in
"") ;;
--keep-symbols) keep_symbols=1 ;;
*)
    echo "usage: $0 [--keep-symbols]" >&2
    exit 2
    ;;
esac
if [ -n "$keep_symbols" ]; then
    target_dir=${ASR_STATIC_TARGET_DIR:-$repo/target/static-symbols}
    export CARGO_PROFILE_RELEASE_STRIP=false
else
    target_dir=${ASR_STATIC_TARGET_DIR:-$repo/target/static}
fi
mkdir -p "$target_dir"

log() { echo "build-static: $*" >&2; }

# One build at a time per target dir (the tests of several files may ask concurrently); the
# second caller then finds everything up to date.
exec 9>"$target_dir/.build-static.lock"
flock 9

# The calling environment may be a `cargo test` of the host toolchain: none of its settings may
# leak into this build.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET CARGO_BUILD_TARGET_DIR RUSTFLAGS CARGO_ENCODED_RUSTFLAGS \
    RUSTC RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTDOC CARGO_MAKEFLAGS CARGO_PRIMARY_PACKAGE \
    RUSTUP_TOOLCHAIN CARGO_BUILD_RUSTC CARGO_BUILD_RUSTFLAGS CARGO
[ -n "$keep_symbols" ] || unset CARGO_PROFILE_RELEASE_STRIP

route=${ASR_STATIC_ROUTE:-}
if [ -z "$route" ]; then
    if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
        route=rustup
    else
        route=debian
    fi
fi
log "route: $route"

# No unwind tables: with panic = "abort" nothing unwinds, and they were 414 KiB of .eh_frame
# (std is rebuilt with these flags on the Debian route, so its tables go too).
static_flags="-C relocation-model=static -C target-feature=+crt-static -C force-unwind-tables=no"

case "$route" in
rustup)
    RUSTFLAGS="$static_flags" cargo build --release --locked --target "$TARGET" \
        --target-dir "$target_dir" >&2
    ;;
debian)
    need=()
    for p in rustc-web cargo-web rust-web-src musl-tools libunwind-14-dev binutils; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
            log "missing Debian packages: ${need[*]} (run as root, or: apt-get install ${need[*]})"
            exit 1
        fi
        log "apt-get install ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    fi
    # Debian's LLVM libunwind is built with _FORTIFY_SOURCE and calls __fprintf_chk, which musl
    # does not have: add a shim to a private copy of the archive.
    shim="$target_dir/musl-shim"
    if [ ! -f "$shim/libunwind.a" ]; then
        tmp=$(mktemp -d "$target_dir/shim.XXXXXX")
        cat >"$tmp/chk.c" <<'EOF'
#include <stdio.h>
#include <stdarg.h>
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
    va_list ap;
    int r;
    (void)flag;
    va_start(ap, fmt);
    r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}
EOF
        musl-gcc -O2 -c "$tmp/chk.c" -o "$tmp/chk.o"
        cp /usr/lib/llvm-14/lib/libunwind.a "$tmp/libunwind.a"
        ar r "$tmp/libunwind.a" "$tmp/chk.o" 2>/dev/null
        rm -rf "$shim"
        mv "$tmp" "$shim"
    fi
    # build-std needs the std sources that match the compiler exactly: Debian's rustc with
    # Debian's rust-web-src, hence /usr/bin/rustc and /usr/bin/cargo, never the rustup proxies.
    # Since std is built here anyway, it is built for size: std's `optimize_for_size` (smaller
    # sort and formatting routines) and no `backtrace` feature (nothing unwinds with
    # panic=abort, so the DWARF symboliser is dead weight), and panic messages keep their text
    # but not the source file and line (-Z location-detail=none). README "Static build" has
    # what each saves.
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=musl-gcc \
        RUSTFLAGS="-C link-self-contained=no $static_flags -Z location-detail=none -L $shim" \
        /usr/bin/cargo build --release --locked -Z build-std=std,panic_abort \
        -Z build-std-features=optimize_for_size --target "$TARGET" \
        --target-dir "$target_dir" >&2
    ;;
*)
    log "unknown ASR_STATIC_ROUTE '$route' (rustup or debian)"
    exit 2
    ;;
esac

bin="$target_dir/$TARGET/release/asr-preflight"
# The release profile strips already; strip again in case a linker kept a symbol table.
if [ -z "$keep_symbols" ] && readelf -S "$bin" | grep -q '\.symtab'; then
    strip "$bin"
fi
# Refuse to hand out a binary that would need a loader or a library on the guest.
if readelf -l "$bin" | grep -q 'INTERP' || readelf -d "$bin" 2>/dev/null | grep -q 'NEEDED'; then
    log "$bin is not fully static:"
    readelf -l -d "$bin" | grep -E 'INTERP|NEEDED' >&2
    exit 1
fi
log "$(stat -c %s "$bin") bytes"
echo "$bin"
