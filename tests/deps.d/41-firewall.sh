# Firewall tests: iptables and nft load generated and real rule sets into test-created network
# namespaces (iproute2's `ip netns`); openssh-client provides /etc/ssh, over which `ip netns exec`
# bind-mounts a test sshd_config; dpkg-dev-free .deb extraction uses dpkg-deb (dpkg); the real
# files come through apt-get download / apt-get source and pip (tests/testdata/fetch-firewall.sh).
apt_need iptables nftables iproute2 openssh-client dpkg xz-utils python3 python3-pip
