//! `vmware.tools` on fixture roots: only VMware guests are judged; open-vm-tools enabled and
//! disabled by systemd's own `systemctl --root` (whose `is-enabled` answer the check must
//! share), the VMware Tools tarball under SysV init, and tools that are missing.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::common::{Tree, check, check_root, status};
use serde_json::Value;

const RHEL_UNIT: &str = "[Unit]\nDescription=Service for virtual machines hosted on VMware\nConditionVirtualization=vmware\n[Service]\nExecStart=/usr/bin/vmtoolsd\nTimeoutStopSec=5\n[Install]\nWantedBy=multi-user.target\n";
const DEBIAN_UNIT: &str = "[Unit]\nDescription=Service for virtual machines hosted on VMware\nConditionVirtualization=vmware\n[Service]\nExecStart=/usr/bin/vmtoolsd\n[Install]\nAlias=vmtoolsd.service\nWantedBy=multi-user.target\n";

/// DMI of a VMware virtual machine, as sysfs shows it.
fn vmware_dmi(t: &Tree) -> &Tree {
    t.file("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n")
        .file(
            "/sys/class/dmi/id/product_name",
            "VMware Virtual Platform\n",
        )
}

/// A systemd machine (merged /usr layout left out: /lib/systemd as on Debian and RHEL 7).
fn systemd_guest(os_release: &str) -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/os-release", os_release)
        .symlink("/sbin/init", "/lib/systemd/systemd")
        .file("/lib/systemd/systemd", "\x7fELF")
        .symlink("/lib/systemd/system/default.target", "multi-user.target")
        .file(
            "/lib/systemd/system/multi-user.target",
            "[Unit]\nRequires=basic.target\n",
        )
        .file("/lib/systemd/system/basic.target", "[Unit]\n");
    vmware_dmi(&t);
    t
}

fn tools(t: &Tree, s: &str) -> (String, Value) {
    let (_, v) = check_root(t.path(), &["--only", "vmware.tools", "--scenario", s]);
    (
        status(&v, "vmware.tools"),
        check(&v, "vmware.tools").clone(),
    )
}

/// `systemctl --root=DIR ACTION UNIT`, asserting success, and its output.
fn systemctl(t: &Tree, args: &[&str]) -> String {
    let out = Command::new("systemctl")
        .arg(format!("--root={}", t.path().display()))
        .args(args)
        .output()
        .expect("systemctl runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Machines that DMI shows are not VMware guests are not judged, whatever the scenario; with
/// no DMI at all (an image), only the vmware-to-azure scenario makes it one.
#[test]
fn only_vmware_guests() {
    let kvm = Tree::new();
    kvm.x86_64()
        .file("/sys/class/dmi/id/sys_vendor", "QEMU\n")
        .file(
            "/sys/class/dmi/id/product_name",
            "Standard PC (Q35 + ICH9, 2009)\n",
        );
    let (s, c) = tools(&kvm, "vmware-to-azure");
    assert_eq!(s, "skip", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("QEMU"));
    let image = Tree::new();
    image.x86_64();
    assert_eq!(tools(&image, "physical-to-azure").0, "skip");
    let (s, c) = tools(&image, "vmware-to-azure");
    assert_eq!(s, "fail", "no DMI, VMware scenario, no tools: {c:#}");
}

/// open-vm-tools on RHEL 7 and Debian: the check's "starts at boot" follows what
/// `systemctl --root is-enabled` says after `systemctl --root enable` and `disable`.
#[test]
fn open_vm_tools_agrees_with_systemctl() {
    for (os, unit_name, unit) in [
        (
            "ID=\"rhel\"\nVERSION_ID=\"7.2\"\n",
            "vmtoolsd.service",
            RHEL_UNIT,
        ),
        (
            "ID=debian\nVERSION_ID=\"10\"\n",
            "open-vm-tools.service",
            DEBIAN_UNIT,
        ),
    ] {
        let t = systemd_guest(os);
        t.file(&format!("/lib/systemd/system/{unit_name}"), unit)
            .file("/usr/bin/vmtoolsd", "\x7fELF")
            .dir("/etc/vmware-tools");
        systemctl(&t, &["enable", unit_name]);
        assert_eq!(systemctl(&t, &["is-enabled", unit_name]), "enabled");
        let (s, c) = tools(&t, "vmware-to-azure");
        assert_eq!(s, "pass", "{os}: {c:#}");
        assert!(c.to_string().contains("open-vm-tools"), "{c:#}");
        systemctl(&t, &["disable", unit_name]);
        assert_eq!(systemctl(&t, &["is-enabled", unit_name]), "disabled");
        let (s, c) = tools(&t, "vmware-to-azure");
        assert_eq!(s, "fail", "{os}: {c:#}");
        assert!(
            c["remediation"]
                .as_str()
                .unwrap()
                .starts_with("systemctl enable"),
            "{c:#}"
        );
    }
}

/// The VMware Tools tarball on RHEL 6 (SysV rc links under upstart's inittab default): an S
/// link in runlevel 3 passes; without it the finding says to run chkconfig.
#[test]
fn vmware_tools_tarball_sysv() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 6.7 (Santiago)\n",
        )
        .file("/sbin/init", "\x7fELF")
        .file("/sbin/chkconfig", "\x7fELF")
        .file("/etc/inittab", "id:3:initdefault:\n")
        .file("/etc/vmware-tools/locations", "answer BINDIR /usr/bin\n")
        .file("/usr/lib/vmware-tools/sbin64/vmtoolsd", "\x7fELF")
        .file("/etc/rc.d/init.d/vmware-tools", "#!/bin/sh\n")
        .symlink("/etc/init.d", "rc.d/init.d")
        .dir("/etc/rc.d/rc3.d");
    vmware_dmi(&t);
    let script = t.path().join("etc/rc.d/init.d/vmware-tools");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (s, c) = tools(&t, "vmware-to-azure");
    assert_eq!(s, "fail", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("tarball"), "{c:#}");
    assert_eq!(c["remediation"], "chkconfig vmware-tools on");
    t.symlink("/etc/rc.d/rc3.d/S03vmware-tools", "../init.d/vmware-tools");
    let (s, c) = tools(&t, "vmware-to-azure");
    assert_eq!(s, "pass", "{c:#}");
    assert!(
        c.to_string().contains("known only on the running machine"),
        "{c:#}"
    );
}

/// A VMware guest without the tools fails, with the distribution's install command.
#[test]
fn missing_tools() {
    let t = systemd_guest("ID=\"rhel\"\nVERSION_ID=\"8.4\"\n");
    t.file(
        "/etc/redhat-release",
        "Red Hat Enterprise Linux release 8.4 (Ootpa)\n",
    );
    let (s, c) = tools(&t, "vmware-to-azure");
    assert_eq!(s, "fail", "{c:#}");
    assert_eq!(
        c["remediation"],
        "dnf install open-vm-tools && systemctl enable --now vmtoolsd"
    );
}
