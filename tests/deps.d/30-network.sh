# Network identity tests (tests/suite/network_live.rs, tests/suite/hosts_corpus.rs): network namespaces and
# veth pairs (iproute2), unshare and flock (util-linux), glibc's getent as the oracle (libc-bin),
# and pip plus tar to fetch the real hosts files of reference/test-data.md into the cache.
apt_need iproute2 util-linux libc-bin tar gzip
python3 -m pip --version >/dev/null 2>&1 || apt_need python3 python3-pip
bash tests/data/fetch-hosts-corpus.sh >/dev/null
# tests/network_root.rs netplan_generate_differential: netplan.io's generator
# (/usr/libexec/netplan/generate --root-dir, never applied) and its example files are the
# oracle for netplan files.
apt_need netplan.io
# tests/suite/nm_keyfile.rs nm_keyfile_differential: libnm's own keyfile reader (the NM 1.0
# typelib through Debian's python3-gi; no daemon) is the oracle for NetworkManager keyfiles.
# tests/data/nm-keyfile-oracle.py runs it with /usr/bin/python3, the interpreter python3-gi
# belongs to.
apt_need gir1.2-nm-1.0 python3-gi
