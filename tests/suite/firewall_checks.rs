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

/// The Service Tags test file (the published shape; documentation prefixes only).
fn tags_file() -> String {
    crate::common::repo()
        .join("tests/data/service_tags/ServiceTags_Public_test.json")
        .display()
        .to_string()
}

fn egress(t: &Tree, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["--only", "net.egress-firewall"];
    args.extend_from_slice(extra);
    let (code, r) = check_root(t.path(), &args);
    (code, check(&r, "net.egress-firewall").clone())
}

/// The first case: an image whose OUTPUT chain rejects TCP 443 fails net.egress-firewall
/// in Azure-to-Azure, naming the rule; without output rules it passes.
#[test]
fn egress_output_rejects_443() {
    let t = rhel7(
        "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -o lo -j ACCEPT\n-A OUTPUT -p tcp -m tcp --dport 443 -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n",
    );
    let (code, c) = egress(&t, &["--scenario", "azure-to-azure"]);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(code, 1);
    let s = c["summary"].as_str().unwrap();
    assert!(s.contains("OUTPUT rule 2"), "{s}");
    assert!(s.contains("--dport 443 -j REJECT"), "{s}");
    let t = rhel7(ONLY_2222);
    let (_, c) = egress(&t, &["--scenario", "azure-to-azure"]);
    assert_eq!(c["status"], "pass", "{c:#}");
    // No agent in a Hyper-V guest talks to Azure.
    let (_, c) = egress(&t, &["--scenario", "hyperv-to-azure"]);
    assert_eq!(c["status"], "skip", "{c:#}");
}

/// The second case: an nftables output hook that drops everything but DNS.
#[test]
fn egress_nftables_output_dns_only() {
    let t = Tree::new();
    t.rhel8_nftables(
        "table inet filter {\n  chain output {\n    type filter hook output priority 0; policy drop;\n    oif lo accept\n    udp dport 53 accept\n    tcp dport 53 accept\n  }\n}\n",
    );
    let (_, c) = egress(&t, &["--scenario", "azure-to-azure"]);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("output policy DROP"),
        "{c:#}"
    );
}

/// Rules limited to destination addresses: a warning naming the rule without addresses; with
/// the Service Tags file judged per regional tag (Site Recovery and monitoring in 198.51.100.0/24
/// let out, Storage in 203.0.113.0/24 blocked); allowing both ranges passes.
#[test]
fn egress_address_rules_and_service_tags() {
    let only_asr = "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A OUTPUT -d 198.51.100.0/24 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n";
    let t = rhel7(only_asr);
    let (_, c) = egress(&t, &["--scenario", "azure-to-azure"]);
    assert_eq!(c["status"], "warn", "{c:#}");
    let s = c["summary"].as_str().unwrap();
    assert!(s.contains("-d 198.51.100.0/24"), "{s}");
    assert!(s.contains("the remote address connected to"), "{s}");
    let tags = tags_file();
    let with_tags = [
        "--scenario",
        "azure-to-azure",
        "--service-tags",
        tags.as_str(),
        "--source-region",
        "West Europe",
        "--target-region",
        "northeurope",
    ];
    let (_, c) = egress(&t, &with_tags);
    assert_eq!(c["status"], "fail", "{c:#}");
    let s = c["summary"].as_str().unwrap();
    assert!(s.contains("(Storage) TCP 443 is blocked"), "{s}");
    assert!(!s.contains("(AzureSiteRecovery)"), "{s}");
    let d = c["details"].to_string();
    assert!(
        d.contains("Service Tags AzureSiteRecovery.NorthEurope"),
        "{d}"
    );
    assert!(d.contains("Service Tags Storage.WestEurope"), "{d}");
    let both = only_asr.replace(
        "-A OUTPUT -d 198.51.100.0/24",
        "-A OUTPUT -d 203.0.113.0/24 -p tcp --dport 443 -j ACCEPT\n-A OUTPUT -d 198.51.100.0/24",
    );
    let t = rhel7(&both);
    let (_, c) = egress(&t, &with_tags);
    assert_eq!(c["status"], "pass", "{c:#}");
    // Only some of the global tag's prefixes are allowed: the regional choice matters.
    let part = only_asr.replace("198.51.100.0/24", "198.51.100.16/29");
    let t = rhel7(&part);
    let (_, c) = egress(
        &t,
        &[
            "--scenario",
            "azure-to-azure",
            "--service-tags",
            tags.as_str(),
        ],
    );
    let s = c["summary"].as_str().unwrap();
    assert!(
        s.contains("(AzureSiteRecovery) TCP 443 is let out only for some"),
        "{s}"
    );
}

/// Without a tags file, --target-region uses the matrix's 2017 table of Site Recovery service
/// and monitoring IPs (seeds/003).
#[test]
fn egress_region_table_of_2017() {
    let t = rhel7(
        "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -d 52.166.13.64/32 -p tcp --dport 443 -j ACCEPT\n-A OUTPUT -d 52.166.6.245 -p tcp --dport 443 -j ACCEPT\n-A OUTPUT -d 40.68.93.145 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n",
    );
    let (_, c) = egress(
        &t,
        &[
            "--scenario",
            "azure-to-azure",
            "--target-region",
            "West Europe",
        ],
    );
    let s = c["summary"].as_str().unwrap();
    assert!(!s.contains("(AzureSiteRecovery)"), "{s}");
    assert!(!s.contains("(EventHub)"), "{s}");
    assert!(s.contains("(Storage)"), "{s}");
    assert!(c["details"].to_string().contains("2017"), "{c:#}");
    let (_, c) = egress(
        &t,
        &["--scenario", "azure-to-azure", "--target-region", "eastus"],
    );
    assert_eq!(c["status"], "fail", "{c:#}");
}

/// VMware/physical: the appliance on 443 and 9443; an address given is judged, a name is not.
#[test]
fn egress_appliance() {
    let t = rhel7(
        "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -d 203.0.113.5 -p tcp -m multiport --dports 443,9443 -j ACCEPT\n-A OUTPUT -d 203.0.113.6 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n",
    );
    let (_, c) = egress(&t, &["--appliance", "203.0.113.5"]);
    assert_eq!(c["status"], "pass", "{c:#}");
    let (_, c) = egress(&t, &["--appliance", "203.0.113.6"]);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("TCP 9443 is blocked"),
        "{c:#}"
    );
    let (_, c) = egress(&t, &["--appliance", "cs.example.com"]);
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(c["details"].to_string().contains("names are not resolved"));
}

/// A malformed --service-tags file is a usage error (exit 2) that says what is wrong.
#[test]
fn egress_bad_service_tags() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ServiceTags_Public_bad.json");
    std::fs::write(
        &bad,
        "{\"values\": [{\"name\": \"Storage\", \"properties\": {\"addressPrefixes\": [\"10.0.0.0/40\"]}}]}",
    )
    .unwrap();
    let r = crate::common::run([
        "check",
        "--root",
        "/nonexistent",
        "--service-tags",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("10.0.0.0/40"), "{}", r.stderr);
    let r = crate::common::run(["check", "--service-tags", "/nonexistent/tags.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// The reply path: INPUT lets ssh in, but an OUTPUT policy of DROP lets sshd's replies out only
/// with an ESTABLISHED (or source-port) rule; without one ssh.firewall fails naming the policy,
/// and the fix is an output rule. nftables' output hook with policy drop likewise (the issue's
/// third case).
#[test]
fn ssh_reply_path() {
    let base = "*filter\n:INPUT DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A OUTPUT -p udp --dport 53 -j ACCEPT\n";
    let t = rhel7(&format!("{base}COMMIT\n"));
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let c = check(&r, "ssh.firewall");
    assert_eq!(c["status"], "fail", "{c:#}");
    let d = c["details"].to_string();
    assert!(d.contains("filter OUTPUT policy DROP"), "{d}");
    assert!(d.contains("the replies from TCP 22"), "{d}");
    let fix = c["remediation"].as_str().unwrap();
    assert!(
        fix.contains("iptables -A OUTPUT -p tcp --sport 22 -m state --state ESTABLISHED -j ACCEPT"),
        "{fix}"
    );
    for allow in [
        "-A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\n",
        "-A OUTPUT -p tcp --sport 22 -j ACCEPT\n",
    ] {
        let t = rhel7(&format!("{base}{allow}COMMIT\n"));
        let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
        assert_eq!(status(&r, "ssh.firewall"), "pass", "{allow}: {r:#}");
    }
    let t = Tree::new();
    t.rhel8_nftables(
        "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n  }\n  chain output {\n    type filter hook output priority 0; policy drop;\n    udp dport 53 accept\n  }\n}\n",
    );
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let c = check(&r, "ssh.firewall");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["remediation"].as_str().unwrap().contains(
            "nft insert rule inet filter output tcp sport 22 ct state established accept"
        ),
        "{c:#}"
    );
}

/// mvc.port-20004 also judges the replies and the outbound connections to other members.
#[test]
fn mvc_outbound_20004() {
    let t = rhel7(
        "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 20004 -j REJECT\nCOMMIT\n",
    );
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004"]);
    let c = check(&r, "mvc.port-20004");
    assert_eq!(c["status"], "warn", "{c:#}");
    let s = c["summary"].as_str().unwrap();
    assert!(
        s.contains("outbound TCP 20004 to the other members is blocked after reboot"),
        "{s}"
    );
    assert!(s.contains("OUTPUT rule 1"), "{s}");
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004", "--multi-vm"]);
    assert_eq!(status(&r, "mvc.port-20004"), "fail");
    let t = rhel7(
        "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --sport 20004 -j DROP\nCOMMIT\n",
    );
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004", "--multi-vm"]);
    let c = check(&r, "mvc.port-20004");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["details"]
            .to_string()
            .contains("the replies from TCP 20004")
    );
}

/// `explain net.egress-firewall` states the requirement with both seed documents' sections and
/// shows the 2017 per-region table of Site Recovery addresses.
#[test]
fn egress_explain() {
    let r = crate::common::run(["explain", "net.egress-firewall"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for want in [
        "seeds/003",
        "Outbound connectivity for Azure Site Recovery IP ranges",
        "seeds/000",
        "Provider and agent",
        "2017-05-13",
        "West Europe",
        "52.166.13.64, 52.166.6.245",
        "monitoring 40.68.93.145",
        "--service-tags",
    ] {
        assert!(r.stdout.contains(want), "{want} missing:\n{}", r.stdout);
    }
}

/// Forced tunnelling from image files: a route-tun0 default, an ifcfg GATEWAY on a ppp device,
/// a netplan WireGuard tunnel routing the default, a NetworkManager WireGuard profile; each warns
/// in Azure-to-Azure, an ordinary ifcfg-eth0 GATEWAY does not.
#[test]
fn forced_tunnel_from_image_files() {
    let a2a = ["--scenario", "azure-to-azure"];
    let t = rhel7(ONLY_2222);
    t.file(
        "/etc/sysconfig/network-scripts/ifcfg-eth0",
        "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=192.0.2.10\nPREFIX=24\nGATEWAY=192.0.2.1\n",
    );
    let (_, c) = egress(&t, &a2a);
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(
        c["details"]
            .to_string()
            .contains("ifcfg-eth0: GATEWAY=192.0.2.1"),
        "{c:#}"
    );
    let cases: &[(&str, &str, &str)] = &[
        (
            "/etc/sysconfig/network-scripts/route-tun0",
            "default via 10.8.0.1 dev tun0\n",
            "tun0",
        ),
        (
            "/etc/sysconfig/network-scripts/ifcfg-ppp0",
            "DEVICE=ppp0\nTYPE=xDSL\nGATEWAY=10.64.64.64\n",
            "ppp0",
        ),
        (
            "/etc/netplan/60-wg.yaml",
            "network:\n  version: 2\n  tunnels:\n    wg0:\n      mode: wireguard\n      addresses: [10.9.0.2/24]\n      routes:\n        - to: default\n          via: 10.9.0.1\n",
            "wg0",
        ),
        (
            "/etc/NetworkManager/system-connections/office.nmconnection",
            "[connection]\nid=office\ntype=wireguard\ninterface-name=wg-office\n\n[ipv4]\nmethod=manual\naddress1=10.10.0.2/24\n",
            "wg-office",
        ),
    ];
    // NetworkManager loads only profiles no group or other may read.
    let private = |t: &Tree, path: &str| {
        let p = t.path().join(&path[1..]);
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    };
    for (path, text, dev) in cases {
        let t = rhel7(ONLY_2222);
        t.file(path, text);
        private(&t, path);
        let (_, c) = egress(&t, &a2a);
        assert_eq!(c["status"], "warn", "{path}: {c:#}");
        let s = c["summary"].as_str().unwrap();
        assert!(s.contains(dev), "{path}: {s}");
        assert!(s.contains("Forced tunneling configuration"), "{s}");
        let (_, c) = egress(
            &t,
            &[
                "--scenario",
                "physical-to-azure",
                "--appliance",
                "192.0.2.5",
            ],
        );
        assert_eq!(c["status"], "pass", "{path}: {c:#}");
    }
    // never-default=true keeps the VPN off the default route.
    let t = rhel7(ONLY_2222);
    t.file(
        "/etc/NetworkManager/system-connections/office.nmconnection",
        "[connection]\ntype=wireguard\ninterface-name=wg0\n[ipv4]\nmethod=manual\naddress1=10.10.0.2/24\nnever-default=true\n",
    );
    private(
        &t,
        "/etc/NetworkManager/system-connections/office.nmconnection",
    );
    let (_, c) = egress(&t, &a2a);
    assert_eq!(c["status"], "pass", "{c:#}");
    // A profile NetworkManager ignores for its mode takes no route.
    let t = rhel7(ONLY_2222);
    t.file(cases[3].0, cases[3].1);
    let (_, c) = egress(&t, &a2a);
    assert_eq!(c["status"], "pass", "{c:#}");
}

/// SLES 12 with SuSEfirewall2.service enabled and `sysconfig` as /etc/sysconfig/SuSEfirewall2.
fn sles12_susefirewall2(sysconfig: &str) -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/os-release",
            "NAME=\"SLES\"\nVERSION=\"12-SP3\"\nVERSION_ID=\"12.3\"\nID=\"sles\"\n",
        )
        .file("/usr/lib/systemd/systemd", "")
        .file(
            "/usr/lib/systemd/system/SuSEfirewall2.service",
            "[Service]\nExecStart=/usr/sbin/SuSEfirewall2 boot_setup\n[Install]\nWantedBy=SuSEfirewall2_init.service\n",
        )
        .symlink(
            "/etc/systemd/system/multi-user.target.wants/SuSEfirewall2.service",
            "/usr/lib/systemd/system/SuSEfirewall2.service",
        )
        .file("/etc/services", "ssh             22/tcp\nhttps           443/tcp\n")
        .file("/etc/sysconfig/SuSEfirewall2", sysconfig);
    t
}

/// SuSEfirewall2 from its package's own sysconfig template (tests/data/susefirewall2): nothing
/// is opened inbound, so ssh.firewall fails, while every connection out is let out by the
/// OUTPUT policy the script sets, which the details say; a FW_CUSTOMRULES script makes both
/// checks warnings that name it; opening ssh in the template passes ssh.firewall.
#[test]
fn susefirewall2_template_output() {
    let template = std::fs::read_to_string(
        crate::common::repo().join("tests/data/susefirewall2/SuSEfirewall2.sysconfig"),
    )
    .unwrap();
    let args = ["--scenario", "azure-to-azure"];
    let t = sles12_susefirewall2(&template);
    let (_, c) = egress(&t, &args);
    assert_eq!(c["status"], "pass", "{c:#}");
    let d = c["details"].to_string();
    assert!(
        d.contains(
            "SuSEfirewall2 lets every connection this machine opens out (OUTPUT policy ACCEPT"
        ),
        "{d}"
    );
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let ssh = check(&r, "ssh.firewall");
    assert_eq!(ssh["status"], "fail", "{ssh:#}");
    assert!(!ssh["summary"].to_string().contains("replies"), "{ssh:#}");

    let custom = template.replace(
        "FW_CUSTOMRULES=\"\"\n",
        "FW_CUSTOMRULES=\"/etc/sysconfig/scripts/SuSEfirewall2-custom\"\n",
    );
    assert_ne!(custom, template, "the template changed shape");
    let t = sles12_susefirewall2(&custom);
    let (_, c) = egress(&t, &args);
    assert_eq!(c["status"], "warn", "{c:#}");
    let s = c["summary"].as_str().unwrap();
    assert!(s.contains("FW_CUSTOMRULES"), "{s}");
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    assert_eq!(status(&r, "ssh.firewall"), "warn");

    let ssh_open = template.replace(
        "FW_SERVICES_EXT_TCP=\"\"\n",
        "FW_SERVICES_EXT_TCP=\"ssh\"\n",
    );
    let t = sles12_susefirewall2(&ssh_open);
    let (_, r) = check_root(
        t.path(),
        &[
            "--only",
            "ssh.firewall,net.egress-firewall",
            "--scenario",
            "azure-to-azure",
        ],
    );
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    assert_eq!(status(&r, "net.egress-firewall"), "pass", "{r:#}");
}
