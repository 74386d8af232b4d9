//! `ssh.autostart` through the binary, against fixture roots laid out as each distribution's
//! tools leave them: CentOS 7 (systemd), RHEL 6 (Upstart running chkconfig's rc links), SLES 11
//! (SysV, insserv), Ubuntu 14.04 (Upstart job and override), Debian (systemd, masked).

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{Tree, check, check_root, status};

fn executable(t: &Tree, p: &str) {
    t.file(p, "#!/bin/sh\n");
    fs::set_permissions(
        t.path().join(p.trim_start_matches('/')),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}

fn autostart(t: &Tree) -> serde_json::Value {
    let (_, report) = check_root(
        t.path(),
        &["--only", "ssh.autostart", "--scenario", "vmware-to-azure"],
    );
    check(&report, "ssh.autostart").clone()
}

fn centos7() -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/centos-release", "CentOS Linux release 7.2.1511 (Core)\n")
        .symlink("/sbin/init", "../lib/systemd/systemd")
        .symlink("/etc/systemd/system/default.target", "/lib/systemd/system/multi-user.target")
        .file(
            "/usr/lib/systemd/system/sshd.service",
            "[Service]\nExecStart=/usr/sbin/sshd -D $OPTIONS\n[Install]\nWantedBy=multi-user.target\n",
        )
        .file(
            "/usr/lib/systemd/system/multi-user.target",
            "[Unit]\nRequires=basic.target\n",
        )
        .symlink("/lib", "usr/lib");
    t
}

/// CentOS 7 with sshd enabled passes and says how it is started; disabled fails with
/// `systemctl enable sshd`.
#[test]
fn centos7_enabled_and_disabled() {
    let t = centos7();
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(c["remediation"], "systemctl enable sshd", "{c:#}");
    t.symlink(
        "/etc/systemd/system/multi-user.target.wants/sshd.service",
        "/usr/lib/systemd/system/sshd.service",
    );
    let c = autostart(&t);
    assert_eq!(c["status"], "pass", "{c:#}");
    let details = c["details"].to_string();
    assert!(
        details.contains("multi-user.target.wants/sshd.service"),
        "{c:#}"
    );
    assert!(details.contains("init system: systemd"), "{c:#}");
}

/// Without any sshd the failure names the package and gives the install-and-enable command.
#[test]
fn centos7_not_installed_names_the_package() {
    let t = centos7();
    fs::remove_file(t.path().join("usr/lib/systemd/system/sshd.service")).unwrap();
    let c = autostart(&t);
    assert_eq!(c["status"], "fail");
    assert!(
        c["summary"].as_str().unwrap().contains("openssh-server"),
        "{c:#}"
    );
    assert_eq!(
        c["remediation"],
        "yum install -y openssh-server && systemctl enable sshd"
    );
}

/// RHEL 6: Upstart runs the rc scripts of inittab's runlevel; chkconfig's K link in rc3.d
/// means off, `chkconfig sshd on` is the fix, an S link means on.
#[test]
fn rhel6_chkconfig_layout() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 6.7 (Santiago)\n",
        )
        .file("/etc/inittab", "id:3:initdefault:\n")
        .file("/etc/init/rcS.conf", "start on startup\n")
        .symlink("/etc/init.d", "rc.d/init.d")
        .symlink("/etc/rc.d/rc3.d/K25sshd", "../init.d/sshd")
        .symlink("/etc/rc.d/rc5.d/S55sshd", "../init.d/sshd");
    for p in [
        "/sbin/init",
        "/sbin/initctl",
        "/sbin/chkconfig",
        "/etc/rc.d/init.d/sshd",
    ] {
        executable(&t, p);
    }
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(c["remediation"], "chkconfig sshd on");
    assert!(
        c["details"].to_string().contains("init system: Upstart"),
        "{c:#}"
    );
    fs::remove_file(t.path().join("etc/rc.d/rc3.d/K25sshd")).unwrap();
    t.symlink("/etc/rc.d/rc3.d/S55sshd", "../init.d/sshd");
    assert_eq!(autostart(&t)["status"], "pass");
}

/// SLES 11: SysV init, rc directories under /etc/init.d, the fix is `insserv sshd`.
#[test]
fn sles11_insserv_layout() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/SuSE-release",
            "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n",
        )
        .file("/etc/inittab", "id:5:initdefault:\n")
        .symlink("/etc/rc.d", "init.d")
        .dir("/etc/init.d/rc3.d")
        .dir("/etc/init.d/rc5.d");
    for p in ["/sbin/init", "/sbin/insserv", "/etc/init.d/sshd"] {
        executable(&t, p);
    }
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(c["remediation"], "insserv sshd");
    t.symlink("/etc/init.d/rc5.d/S12sshd", "../sshd");
    let c = autostart(&t);
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("SysV init"));
}

/// Ubuntu 14.04: the ssh job starts on runlevel [2345]; an override saying `manual` disables
/// it, and the fix removes that line.
#[test]
fn ubuntu1404_upstart_override() {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\n")
        .file("/etc/init/rc-sysinit.conf", "env DEFAULT_RUNLEVEL=2\n")
        .file(
            "/etc/init/ssh.conf",
            "description \"OpenSSH server\"\nstart on runlevel [2345]\nstop on runlevel [!2345]\nexec /usr/sbin/sshd -D\n",
        )
        .file("/etc/init/ssh.override", "manual\n");
    for p in ["/sbin/init", "/sbin/initctl", "/etc/init.d/ssh"] {
        executable(&t, p);
    }
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(
        c["remediation"],
        "sed -i '/^[[:space:]]*manual[[:space:]]*$/d' /etc/init/ssh.override"
    );
    fs::write(t.path().join("etc/init/ssh.override"), "").unwrap();
    assert_eq!(autostart(&t)["status"], "pass");
}

/// Debian with ssh.service masked: a failure that says masked, fixed by unmask and enable.
#[test]
fn debian_masked() {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .symlink("/sbin/init", "/lib/systemd/systemd")
        .file(
            "/lib/systemd/system/ssh.service",
            "[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n",
        )
        .symlink(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        )
        .symlink("/etc/systemd/system/ssh.service", "/dev/null");
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("masked"), "{c:#}");
    assert_eq!(
        c["remediation"],
        "systemctl unmask ssh && systemctl enable ssh"
    );
}

/// A file that decides but cannot be read (here /etc/inittab is a FIFO) is an error, and
/// offline the check never claims to know whether sshd runs now.
#[test]
fn unreadable_is_error_and_offline_says_nothing_of_processes() {
    let t = Tree::new();
    t.x86_64().dir("/etc/init.d");
    executable(&t, "/sbin/init");
    executable(&t, "/etc/init.d/sshd");
    nix::unistd::mkfifo(&t.path().join("etc/inittab"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let c = autostart(&t);
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(c["details"].to_string().contains("/etc/inittab"), "{c:#}");
    assert!(!c["details"].to_string().contains("runs now"), "{c:#}");
}

/// The requirement is the VMware/physical row's: other scenarios skip it.
#[test]
fn skipped_outside_vmware_and_physical() {
    let t = centos7();
    let (_, report) = check_root(
        t.path(),
        &["--only", "ssh.autostart", "--scenario", "hyperv-to-azure"],
    );
    assert_eq!(status(&report, "ssh.autostart"), "skip");
}
