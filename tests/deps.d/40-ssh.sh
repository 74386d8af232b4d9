# ssh.autostart and mvc tests: systemctl and systemd-sysv-generator answer as oracles,
# `apt-get download openssh-server` supplies Debian's real unit files (dpkg-deb unpacks them),
# ip and iptables build the network namespaces the mvc listen/probe test runs in.
apt_need systemd iproute2 iptables
# `apt-get download` needs package lists, which a fresh machine may not have yet.
if [ -z "$apt_updated" ] && ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    apt-get update -qq
    apt_updated=1
fi
# tests/suite/services_sysv.rs downloads insights-core's sdist (real chkconfig data) with pip.
python3 -m pip --version >/dev/null 2>&1 || apt_need python3-pip
# tests/ssh.rs sshd_t_differential: `sshd -T -f FILE` of Debian's openssh-server is the oracle
# for sshd_config (never started as a daemon); netbase supplies the /etc/services it resolves
# service-name ports in.
apt_need openssh-server openssh-client netbase
