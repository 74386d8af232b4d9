//! ssh.firewall and mvc.port-20004 on fixture roots (`--root`): sshd's ports from its
//! configuration and Include files, the boot-time firewalls of SLES 11 (SuSEfirewall2 under
//! SysV init), Ubuntu 14.04 (ufw under upstart) and RHEL 8 (nftables with includes), files a
//! firewall would refuse, and what cannot be known offline.

use crate::common::{Tree, check, check_root, status};

/// RHEL 7 style root with the iptables service enabled and `rules` as /etc/sysconfig/iptables.
fn rhel7(rules: &str) -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 7.2 (Maipo)\n",
        )
        .file("/usr/lib/systemd/systemd", "")
        .file("/usr/lib/systemd/system/iptables.service", "[Service]\n")
        .symlink(
            "/etc/systemd/system/basic.target.wants/iptables.service",
            "/usr/lib/systemd/system/iptables.service",
        )
        .file("/etc/sysconfig/iptables", rules);
    t
}

const ONLY_2222: &str =
    "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT\nCOMMIT\n";

/// The ports come from sshd_config and its Include files; one open port of two is a warning,
/// all open is a pass, none a failure with the iptables command to fix it.
#[test]
fn sshd_ports_from_includes() {
    let t = rhel7(ONLY_2222);
    t.file(
        "/etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\n",
    )
    .file("/etc/ssh/sshd_config.d/50-port.conf", "Port 2222\n");
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let c = check(&r, "ssh.firewall");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(
        c["details"][0].as_str().unwrap().contains("TCP 2222"),
        "{c:#}"
    );
    assert!(
        c["details"][0].as_str().unwrap().contains("50-port.conf"),
        "{c:#}"
    );
    t.file("/etc/ssh/sshd_config.d/60-more.conf", "Port 22\n");
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    assert_eq!(status(&r, "ssh.firewall"), "warn");
    std::fs::remove_file(t.path().join("etc/ssh/sshd_config.d/50-port.conf")).unwrap();
    let (code, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let c = check(&r, "ssh.firewall");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(code, 1);
    let fix = c["remediation"].as_str().unwrap();
    assert!(
        fix.contains("iptables -A INPUT -p tcp --dport 22 -m state --state NEW -j ACCEPT && service iptables save"),
        "{fix}"
    );
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("cannot be known with --root"),
        "{c:#}"
    );
}

/// A file iptables-restore would refuse is an error naming the file and line, never a pass.
#[test]
fn broken_rules_file_is_an_error() {
    let t = rhel7(
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT --bogus\nCOMMIT\n",
    );
    let (code, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let c = check(&r, "ssh.firewall");
    assert_eq!(c["status"], "error", "{c:#}");
    assert_eq!(code, 1);
    let d = c["details"].to_string();
    assert!(d.contains("/etc/sysconfig/iptables: line 4"), "{d}");
}

/// SLES 11 SP3: SuSEfirewall2 started by SysV in runlevel 3, sshd opened through
/// FW_CONFIGURATIONS_EXT and its service file, 20004 closed: ssh passes, 20004 warns with the
/// variable to change, and fails with --multi-vm.
#[test]
fn sles11_susefirewall2() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/SuSE-release",
            "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n",
        )
        .file("/etc/inittab", "id:3:initdefault:\n")
        .file("/etc/init.d/SuSEfirewall2_setup", "#!/bin/sh\n")
        .file("/etc/init.d/SuSEfirewall2_init", "#!/bin/sh\n")
        .symlink("/etc/init.d/rc3.d/S11SuSEfirewall2_setup", "../SuSEfirewall2_setup")
        .symlink("/etc/init.d/rc3.d/S02SuSEfirewall2_init", "../SuSEfirewall2_init")
        .file("/etc/services", "ssh             22/tcp     # SSH Remote Login Protocol\n")
        .file(
            "/etc/sysconfig/SuSEfirewall2",
            "FW_DEV_EXT=\"any eth0\"\nFW_CONFIGURATIONS_EXT=\"sshd\"\nFW_SERVICES_EXT_TCP=\"\"\nFW_REJECT=\"no\"\n",
        )
        .file(
            "/etc/sysconfig/SuSEfirewall2.d/services/sshd",
            "## Name: Secure Shell Server\n## Description: opens ports for OpenSSH\nTCP=\"ssh\"\n",
        );
    // rc runs only executable scripts.
    for script in ["SuSEfirewall2_setup", "SuSEfirewall2_init"] {
        use std::os::unix::fs::PermissionsExt;
        let p = t.path().join("etc/init.d").join(script);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall,mvc.port-20004"]);
    let ssh = check(&r, "ssh.firewall");
    assert_eq!(ssh["status"], "pass", "{ssh:#}");
    assert!(
        ssh["summary"].as_str().unwrap().contains("SuSEfirewall2"),
        "{ssh:#}"
    );
    let mvc = check(&r, "mvc.port-20004");
    assert_eq!(mvc["status"], "warn", "{mvc:#}");
    assert!(
        mvc["remediation"]
            .as_str()
            .unwrap()
            .contains("FW_SERVICES_EXT_TCP")
    );
    assert!(
        mvc["details"].to_string().contains("an image has none"),
        "{mvc:#}"
    );
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004", "--multi-vm"]);
    assert_eq!(status(&r, "mvc.port-20004"), "fail");
    // The SysV links removed: SuSEfirewall2 does not start, nothing filters.
    std::fs::remove_file(t.path().join("etc/init.d/rc3.d/S11SuSEfirewall2_setup")).unwrap();
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004"]);
    assert_eq!(status(&r, "mvc.port-20004"), "pass");
}

/// Ubuntu 14.04: ufw started by its upstart job with ENABLED=yes; an override saying `manual`
/// keeps it from starting.
#[test]
fn ubuntu1404_ufw_upstart() {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\n")
        .symlink("/sbin/init", "/sbin/upstart")
        .file("/etc/init/ufw.conf", "description \"Uncomplicated firewall\"\nstart on (starting network-interface\n          or starting network-manager\n          or starting networking)\n")
        .file("/etc/ufw/ufw.conf", "ENABLED=yes\nLOGLEVEL=low\n")
        .file("/etc/default/ufw", "IPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\n")
        .file("/etc/ufw/before.rules", "*filter\n:ufw-before-input - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\nCOMMIT\n")
        .file("/etc/ufw/after.rules", "*filter\n:ufw-after-input - [0:0]\nCOMMIT\n")
        .file("/etc/ufw/user.rules", "*filter\n:ufw-user-input - [0:0]\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")
        .file("/etc/ufw/before6.rules", "*filter\n:ufw6-before-input - [0:0]\nCOMMIT\n")
        .file("/etc/ufw/after6.rules", "*filter\n:ufw6-after-input - [0:0]\nCOMMIT\n")
        .file("/etc/ufw/user6.rules", "*filter\n:ufw6-user-input - [0:0]\nCOMMIT\n");
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall,mvc.port-20004"]);
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    let mvc = check(&r, "mvc.port-20004");
    assert_eq!(mvc["status"], "warn", "{mvc:#}");
    assert!(
        mvc["remediation"]
            .as_str()
            .unwrap()
            .contains("ufw allow 20004/tcp")
    );
    assert!(
        mvc["details"]
            .to_string()
            .contains("Upstart job /etc/init/ufw.conf"),
        "{mvc:#}"
    );
    t.file("/etc/init/ufw.override", "manual\n");
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004"]);
    assert_eq!(status(&r, "mvc.port-20004"), "pass", "{r:#}");
}

/// RHEL 8: nftables.service loads /etc/sysconfig/nftables.conf, which includes a file; the
/// included rules decide, and a source-limited rule makes the answer partial, naming it.
#[test]
fn rhel8_nftables_with_include() {
    let t = Tree::new();
    t.rhel8_nftables(
        "# Uncomment the include statement here to load the default config sample\ninclude \"/etc/nftables/main.nft\"\n",
    )
    .file(
            "/etc/nftables/main.nft",
            "table inet nftables_svc {\n  chain INPUT {\n    type filter hook input priority filter + 20; policy drop;\n    ct state established,related accept\n    iif lo accept\n    tcp dport ssh accept\n    ip saddr 192.0.2.0/24 tcp dport 20004 accept\n  }\n}\n",
        );
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall,mvc.port-20004"]);
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    let mvc = check(&r, "mvc.port-20004");
    assert_eq!(mvc["status"], "warn", "{mvc:#}");
    let d = mvc["details"].to_string();
    assert!(
        d.contains("ip saddr 192.0.2.0/24 tcp dport 20004 accept"),
        "{d}"
    );
    assert!(d.contains("the peer's address"), "{d}");
}

/// The multi-VM port check does not apply where no agent runs in the guest (Hyper-V).
#[test]
fn mvc_not_applicable_to_hyperv() {
    let t = rhel7(ONLY_2222);
    let (_, r) = check_root(
        t.path(),
        &["--only", "mvc.port-20004", "--scenario", "hyperv-to-azure"],
    );
    assert_eq!(status(&r, "mvc.port-20004"), "skip");
}
