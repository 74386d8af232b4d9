//! Coverage cases for the checks coded in batch a (kept apart from mod.rs's table so that
//! work on different checks does not edit the same lines).

use super::{
    Case, GIB_SECTORS, case, probe_live, probe_root_space, probe_root_space_ample,
    probe_without_hostname,
};
use crate::probe::FakeProbe;
use crate::scenario::Scenario;

const ROOT_VFAT: (&str, &str) = ("/etc/fstab", "/dev/sda1 / vfat defaults 0 1\n");
const ROOT_AND_BOOT_BAD: (&str, &str) = (
    "/etc/fstab",
    "/dev/sda2 / jfs defaults 0 1\n/dev/sda1 /boot vfat defaults 0 2\n",
);
const ROOT_AND_BOOT_OK: (&str, &str) = (
    "/etc/fstab",
    "/dev/sda2 / xfs defaults 0 1\n/dev/sda1 /boot ext2 defaults 0 2\n",
);

const SECURE_BOOT_ON: (&str, &str) = (
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
    "\x07\0\0\0\x01",
);
const SECURE_BOOT_OFF: (&str, &str) = (
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
    "\x07\0\0\0\0",
);

fn probe_root_full() -> FakeProbe {
    probe_root_space(0)
}

const RESUME_SDA2: (&str, &str) = (
    "/etc/default/grub",
    "GRUB_CMDLINE_LINUX=\"resume=/dev/sda2\"\n",
);

/// systemd starts the iptables service at boot, which loads /etc/sysconfig/iptables.
const IPTABLES_ENABLED: &[(&str, &str)] = &[
    ("/sbin/init", "/lib/systemd/systemd"),
    (
        "/etc/systemd/system/multi-user.target.wants/iptables.service",
        "/usr/lib/systemd/system/iptables.service",
    ),
];
const IPTABLES_UNIT: (&str, &str) = (
    "/usr/lib/systemd/system/iptables.service",
    "[Install]\nWantedBy=multi-user.target\n",
);
const IPTABLES_DROP: (&str, &str) = (
    "/etc/sysconfig/iptables",
    "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
);
const IPTABLES_DROP_ALL: (&str, &str) = (
    "/etc/sysconfig/iptables",
    "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n",
);
const IPTABLES_FROM_NET: (&str, &str) = (
    "/etc/sysconfig/iptables",
    "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
);
const SSHD_TWO_PORTS: (&str, &str) = ("/etc/ssh/sshd_config", "Port 22\nPort 2222\n");

const IPTABLES_20004_FROM_NET: (&str, &str) = (
    "/etc/sysconfig/iptables",
    "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 198.51.100.0/24 -p tcp --dport 20004 -j ACCEPT\nCOMMIT\n",
);
const IPTABLES_OUT_DROP: (&str, &str) = (
    "/etc/sysconfig/iptables",
    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n",
);
const IPTABLES_OUT_TO_NET: (&str, &str) = (
    "/etc/sysconfig/iptables",
    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n-A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\n-A OUTPUT -d 198.51.100.0/24 -p tcp --dport 20004 -j ACCEPT\nCOMMIT\n",
);
const TCP_HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
/// A socket listening on 0.0.0.0:20004 (0x4E24).
const TCP_20004: (&str, &str) = (
    "/proc/net/tcp",
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:4E24 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n",
);

const C7_MODULES: (&str, &str) = ("/lib/modules/3.10.0-327.el7.x86_64/kernel/README", "");
const C7_VMLINUZ: (&str, &str) = ("/boot/vmlinuz-3.10.0-327.el7.x86_64", "");

const VMTOOLSD: (&str, &str) = ("/usr/bin/vmtoolsd", "");
const VMTOOLSD_UNIT: (&str, &str) = (
    "/lib/systemd/system/vmtoolsd.service",
    "[Install]\nWantedBy=multi-user.target\n",
);
const VMTOOLSD_ENABLED: &[(&str, &str)] = &[
    ("/sbin/init", "/lib/systemd/systemd"),
    (
        "/etc/systemd/system/multi-user.target.wants/vmtoolsd.service",
        "/lib/systemd/system/vmtoolsd.service",
    ),
];

fn probe_without_processes() -> FakeProbe {
    let mut p = probe_live();
    p.processes = Err(crate::probe::ProbeError {
        what: "processes",
        cause: "test".into(),
    });
    p
}

pub(super) const CASES: &[Case] = &[
    // agent.filesystems
    Case {
        files: &[ROOT_AND_BOOT_OK],
        ..case("agent.filesystems")
    },
    Case {
        files: &[ROOT_VFAT],
        ..case("agent.filesystems")
    },
    Case {
        files: &[ROOT_AND_BOOT_BAD],
        ..case("agent.filesystems")
    },
    Case {
        files: &[ROOT_AND_BOOT_BAD],
        matrix: "asr-2026",
        ..case("agent.filesystems")
    },
    Case {
        live: Some(probe_live),
        ..case("agent.filesystems")
    },
    // agent.secure-boot
    Case {
        files: &[("/sys/firmware/dmi/tables/DMI", "")],
        ..case("agent.secure-boot")
    },
    Case {
        files: &[SECURE_BOOT_OFF],
        ..case("agent.secure-boot")
    },
    Case {
        files: &[SECURE_BOOT_ON],
        ..case("agent.secure-boot")
    },
    Case {
        files: &[SECURE_BOOT_ON],
        matrix: "asr-2026",
        ..case("agent.secure-boot")
    },
    Case {
        live: Some(probe_live),
        ..case("agent.secure-boot")
    },
    Case {
        files: &[("/sys/firmware/efi/systab", "")],
        ..case("agent.secure-boot")
    },
    // agent.root-free-space
    Case {
        live: Some(probe_root_space_ample),
        ..case("agent.root-free-space")
    },
    Case {
        live: Some(probe_root_full),
        ..case("agent.root-free-space")
    },
    Case {
        live: Some(probe_root_full),
        matrix: "asr-2026",
        ..case("agent.root-free-space")
    },
    Case {
        live: Some(probe_live),
        ..case("agent.root-free-space")
    },
    // agent.grub-device-names
    Case {
        files: &[(
            "/etc/default/grub",
            "GRUB_CMDLINE_LINUX=\"resume=UUID=6a0f4bf4-7a0e-4b37-9d3c-0b1d9a6f1e51\"\n",
        )],
        ..case("agent.grub-device-names")
    },
    Case {
        files: &[RESUME_SDA2],
        ..case("agent.grub-device-names")
    },
    Case {
        files: &[RESUME_SDA2],
        matrix: "asr-2026",
        ..case("agent.grub-device-names")
    },
    // ssh.firewall
    case("ssh.firewall"),
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_DROP_ALL],
        links: IPTABLES_ENABLED,
        ..case("ssh.firewall")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_DROP, SSHD_TWO_PORTS],
        links: IPTABLES_ENABLED,
        ..case("ssh.firewall")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_FROM_NET],
        links: IPTABLES_ENABLED,
        ..case("ssh.firewall")
    },
    Case {
        files: &[(
            "/etc/ssh/sshd_config",
            "Include /etc/ssh/sshd_config.d/*.conf\n",
        )],
        links: &[("/etc/ssh/sshd_config.d", "sshd_config.d")],
        ..case("ssh.firewall")
    },
    Case {
        files: &[IPTABLES_UNIT],
        links: &[
            IPTABLES_ENABLED[0],
            IPTABLES_ENABLED[1],
            ("/etc/sysconfig/iptables", "iptables"),
        ],
        ..case("ssh.firewall")
    },
    // mvc.port-20004
    case("mvc.port-20004"),
    Case {
        files: &[("/proc/net/tcp", TCP_HEADER)],
        live: Some(probe_live),
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_DROP_ALL],
        links: IPTABLES_ENABLED,
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_DROP_ALL],
        links: IPTABLES_ENABLED,
        multi_vm: true,
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_20004_FROM_NET],
        links: IPTABLES_ENABLED,
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_OUT_DROP],
        links: IPTABLES_ENABLED,
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_OUT_DROP],
        links: IPTABLES_ENABLED,
        multi_vm: true,
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT, IPTABLES_OUT_TO_NET],
        links: IPTABLES_ENABLED,
        ..case("mvc.port-20004")
    },
    Case {
        files: &[IPTABLES_UNIT],
        links: &[
            IPTABLES_ENABLED[0],
            IPTABLES_ENABLED[1],
            ("/etc/sysconfig/iptables", "iptables"),
        ],
        ..case("mvc.port-20004")
    },
    Case {
        live: Some(probe_live),
        ..case("mvc.port-20004")
    },
    Case {
        files: &[TCP_20004],
        live: Some(probe_live),
        ..case("mvc.port-20004")
    },
    // kernel.installed-supported
    Case {
        base: Some("centos-7.2"),
        files: &[C7_VMLINUZ, C7_MODULES],
        ..case("kernel.installed-supported")
    },
    Case {
        base: Some("ol-6.4-uek2"),
        matrix: "asr-2026",
        files: &[("/boot/vmlinuz-2.6.39-400.17.1.el6uek.x86_64", "")],
        ..case("kernel.installed-supported")
    },
    Case {
        base: Some("ol-9.4-uek7"),
        matrix: "asr-2026",
        files: &[("/boot/vmlinuz-5.15.0-206.153.7.1.el9uek.x86_64", "")],
        ..case("kernel.installed-supported")
    },
    Case {
        base: Some("centos-7.2"),
        ..case("kernel.installed-supported")
    },
    // kernel.modules-dir
    Case {
        base: Some("centos-7.2"),
        files: &[C7_MODULES],
        ..case("kernel.modules-dir")
    },
    Case {
        base: Some("centos-7.2"),
        ..case("kernel.modules-dir")
    },
    Case {
        live: Some(probe_live),
        ..case("kernel.modules-dir")
    },
    case("kernel.modules-dir"),
    // disk.a2a-types
    Case {
        scenario: Scenario::AzureToAzure,
        disks: (1, GIB_SECTORS),
        ..case("disk.a2a-types")
    },
    Case {
        scenario: Scenario::AzureToAzure,
        files: &[
            ("/sys/block/nvme0n1/size", "100\n"),
            ("/sys/block/drbd0/size", "100\n"),
            ("/sys/block/dm-0/size", "100\n"),
            ("/sys/block/dm-0/dm/uuid", "mpath-3600a098038303053\n"),
            (
                "/sys/devices/platform/host3/session1/target3:0:0/3:0:0:0/block/sdb/size",
                "100\n",
            ),
        ],
        links: &[(
            "/sys/block/sdb",
            "../devices/platform/host3/session1/target3:0:0/3:0:0:0/block/sdb",
        )],
        ..case("disk.a2a-types")
    },
    Case {
        scenario: Scenario::AzureToAzure,
        disks: (1, GIB_SECTORS),
        links: &[("/sys/block/sdb", "sdb")],
        ..case("disk.a2a-types")
    },
    // vmware.tools
    Case {
        scenario: Scenario::VmwareToAzure,
        files: &[VMTOOLSD, VMTOOLSD_UNIT],
        links: VMTOOLSD_ENABLED,
        ..case("vmware.tools")
    },
    Case {
        scenario: Scenario::VmwareToAzure,
        ..case("vmware.tools")
    },
    Case {
        scenario: Scenario::VmwareToAzure,
        files: &[VMTOOLSD],
        links: &[VMTOOLSD_ENABLED[0]],
        ..case("vmware.tools")
    },
    Case {
        scenario: Scenario::VmwareToAzure,
        files: &[VMTOOLSD, VMTOOLSD_UNIT],
        links: &[VMTOOLSD_ENABLED[0]],
        ..case("vmware.tools")
    },
    Case {
        scenario: Scenario::VmwareToAzure,
        files: &[VMTOOLSD, VMTOOLSD_UNIT],
        links: &[
            VMTOOLSD_ENABLED[0],
            ("/etc/systemd/system/vmtoolsd.service", "/dev/null"),
        ],
        ..case("vmware.tools")
    },
    Case {
        scenario: Scenario::VmwareToAzure,
        files: &[VMTOOLSD, VMTOOLSD_UNIT],
        links: VMTOOLSD_ENABLED,
        live: Some(probe_live),
        ..case("vmware.tools")
    },
    Case {
        scenario: Scenario::VmwareToAzure,
        files: &[VMTOOLSD, VMTOOLSD_UNIT],
        links: VMTOOLSD_ENABLED,
        live: Some(probe_without_processes),
        ..case("vmware.tools")
    },
    // ascii.hostname
    Case {
        files: &[("/etc/hostname", "web01\n")],
        ..case("ascii.hostname")
    },
    Case {
        files: &[("/etc/hostname", "w\u{e9}b01\n")],
        ..case("ascii.hostname")
    },
    Case {
        live: Some(probe_without_hostname),
        ..case("ascii.hostname")
    },
];
