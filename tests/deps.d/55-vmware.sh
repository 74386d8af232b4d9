# vmware.tools tests enable and disable open-vm-tools units with `systemctl --root` (the oracle).
apt_need systemd
