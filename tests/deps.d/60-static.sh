# The static musl build (dist/build-static.sh, Debian route: rustc-web/cargo-web 1.96 with the
# matching std sources, musl-gcc, LLVM's libunwind) and its tests: readelf/strip (binutils), cc
# and the seccomp headers for tests/oldkernel/seccomp_enosys.c, setarch and flock (util-linux),
# chroot (coreutils), python3 (the harness self-test asks getrandom through it).
apt_need musl-tools rustc-web cargo-web rust-web-src libunwind-14-dev binutils gcc libc6-dev \
    linux-libc-dev util-linux coreutils python3
