# Disk and free-space tests: lsblk, findmnt, unshare, mount and losetup (util-linux, mount) as
# oracles and namespace tools; mkfs.ext4 for a file system with reserved blocks; xz to unpack
# util-linux's lsblk dumps, which tests/data/util-linux-dumps.sh fetches with apt-get source.
apt_need util-linux mount e2fsprogs xz-utils coreutils
