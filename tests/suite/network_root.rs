//! hostname.valid and hosts.nic-addresses against image roots (`--root`), one fixture per
//! network-configuration format: Red Hat and SUSE ifcfg files, Debian's interfaces with sourced
//! files, netplan, NetworkManager keyfiles; and the host-name files of each family.

use crate::common;
use crate::common::{Tree, check, check_root, status};
use serde_json::Value;

const ONLY: &[&str] = &["--only", "hostname.valid,hosts.nic-addresses"];

fn details(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

fn has_detail(report: &Value, id: &str, want: &str) -> bool {
    details(report, id).iter().any(|d| d == want)
}

fn text(report: &Value, id: &str, field: &str) -> String {
    check(report, id)[field].as_str().unwrap_or("").to_string()
}

/// RHEL 6: HOSTNAME= in /etc/sysconfig/network decides; IPADDR/NETMASK, an alias file, a bond
/// with its port, a DHCP interface, an ONBOOT=no interface and a backup file. One address is
/// missing from /etc/hosts: fail, naming it, with the line to add; the DHCP interface is named.
#[test]
fn rhel6_ifcfg() {
    let t = Tree::new();
    let ns = "/etc/sysconfig/network-scripts";
    t.file("/etc/sysconfig/network", "NETWORKING=yes\nHOSTNAME=rhel6-web.example.com\n")
        .file(&format!("{ns}/ifcfg-eth0"), "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nIPADDR=198.51.100.10\nNETMASK=255.255.255.0\n")
        .file(&format!("{ns}/ifcfg-eth0:1"), "DEVICE=eth0:1\nIPADDR=198.51.100.11\nPREFIX=24\n")
        .file(&format!("{ns}/ifcfg-eth0.bak"), "DEVICE=eth0\nIPADDR=198.51.100.99\n")
        .file(&format!("{ns}/ifcfg-bond0"), "DEVICE=bond0\nBOOTPROTO=static\nIPADDR0=203.0.113.10\nPREFIX0=24\nIPADDR1=203.0.113.11\nPREFIX1=24\n")
        .file(&format!("{ns}/ifcfg-eth2"), "DEVICE=eth2\nMASTER=bond0\nSLAVE=yes\nBOOTPROTO=dhcp\n")
        .file(&format!("{ns}/ifcfg-eth3"), "DEVICE=eth3\nBOOTPROTO=dhcp\n")
        .file(&format!("{ns}/ifcfg-eth4"), "DEVICE=eth4\nONBOOT=no\nIPADDR=203.0.113.44\n")
        .file(&format!("{ns}/ifcfg-lo"), "DEVICE=lo\nIPADDR=127.0.0.1\n")
        .file(
            "/etc/hosts",
            "127.0.0.1   localhost localhost.localdomain\n198.51.100.10 rhel6-web.example.com rhel6-web\n\t203.0.113.10\tRHEL6-WEB.example.com # bond\n203.0.113.11 rhel6-web.example.com\r\n",
        );
    let (code, r) = check_root(t.path(), ONLY);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "hostname.valid"), "pass");
    assert!(has_detail(
        &r,
        "hostname.valid",
        "host name 'rhel6-web.example.com' from /etc/sysconfig/network (HOSTNAME=)"
    ));
    assert_eq!(status(&r, "hosts.nic-addresses"), "fail");
    let id = "hosts.nic-addresses";
    assert_eq!(
        text(&r, id, "summary"),
        "/etc/hosts does not map 'rhel6-web.example.com' to 198.51.100.11 (eth0:1)"
    );
    for want in [
        "198.51.100.10 on eth0 (set at /etc/sysconfig/network-scripts/ifcfg-eth0 line 4): mapped by /etc/hosts line 2",
        "203.0.113.10 on bond0 (set at /etc/sysconfig/network-scripts/ifcfg-bond0 line 3): mapped by /etc/hosts line 3",
        "203.0.113.11 on bond0 (set at /etc/sysconfig/network-scripts/ifcfg-bond0 line 5): mapped by /etc/hosts line 4",
        "198.51.100.11 on eth0:1 (set at /etc/sysconfig/network-scripts/ifcfg-eth0:1 line 2): not mapped",
        "not counted: eth2 (port of bond0, which holds the addresses)",
        "not counted: eth4 (not brought up at boot): 203.0.113.44",
        "eth3: DHCP (/etc/sysconfig/network-scripts/ifcfg-eth3); its address cannot be known from the image",
    ] {
        assert!(
            has_detail(&r, id, want),
            "missing {want:?} in {:#?}",
            details(&r, id)
        );
    }
    assert!(!details(&r, id).iter().any(|d| d.contains("198.51.100.99")));
    let fix = text(&r, id, "remediation");
    assert!(
        fix.starts_with(
            "Add to /etc/hosts of the image:\n198.51.100.11  rhel6-web.example.com rhel6-web\n"
        ),
        "{fix}"
    );
}

/// SLES 11: /etc/HOSTNAME decides; IPADDR with a prefix and IPADDR_x; everything mapped: pass.
#[test]
fn sles_ifcfg_all_mapped() {
    let t = Tree::new();
    t.file("/etc/HOSTNAME", "sles11.example.com\n")
        .file("/etc/sysconfig/network/config", "NETCONFIG_DNS_POLICY=\"auto\"\n")
        .file("/etc/sysconfig/network/ifcfg-eth0", "BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='198.51.100.20/24'\nIPADDR_second='203.0.113.20'\nNETMASK_second='255.255.255.0'\n")
        .file("/etc/sysconfig/network/ifcfg-lo", "IPADDR=127.0.0.1/8\n")
        .file("/etc/hosts", "127.0.0.1 localhost\n198.51.100.20 sles11.example.com sles11\n203.0.113.20 sles11.example.com sles11\n");
    let (code, r) = check_root(t.path(), ONLY);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(status(&r, "hosts.nic-addresses"), "pass");
    assert_eq!(
        text(&r, "hosts.nic-addresses", "summary"),
        "/etc/hosts maps 'sles11.example.com' to every adapter address (198.51.100.20, 203.0.113.20)"
    );
    assert!(has_detail(
        &r,
        "hostname.valid",
        "host name 'sles11.example.com' from /etc/HOSTNAME"
    ));
}

/// Debian: /etc/hostname, interfaces with source-directory and `auto` in another file, and
/// Debian's 127.0.1.1 line: the addresses are mapped, the loopback line warns and the fix
/// names it.
#[test]
fn debian_interfaces_loopback_line() {
    let t = Tree::new();
    t.file("/etc/hostname", "deb12\n")
        .file("/etc/network/interfaces", "source-directory /etc/network/interfaces.d\n\nauto lo\niface lo inet loopback\n\nallow-hotplug ens3\n")
        .file("/etc/network/interfaces.d/ens3", "iface ens3 inet static\n    address 198.51.100.30\n    netmask 255.255.255.0\niface ens3 inet6 static\n    address 2001:db8::30/64\n")
        .file("/etc/network/interfaces.d/README.txt", "iface bogus inet static\n address 203.0.113.1\n")
        .file("/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tdeb12.example.com\tdeb12\n198.51.100.30 deb12.example.com deb12\n2001:db8::30 deb12\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\n");
    let (code, r) = check_root(t.path(), ONLY);
    assert_eq!(code, 0);
    let id = "hosts.nic-addresses";
    assert_eq!(status(&r, id), "warn");
    assert_eq!(
        text(&r, id, "summary"),
        "'deb12' also maps to loopback 127.0.1.1, which lookups can return first"
    );
    assert!(has_detail(
        &r,
        id,
        "loopback: 'deb12' also maps to 127.0.1.1 by /etc/hosts line 2"
    ));
    assert!(has_detail(
        &r,
        id,
        "2001:db8::30 on ens3 (set at /etc/network/interfaces.d/ens3 line 5) (IPv6): mapped by /etc/hosts line 4"
    ));
    assert!(
        !details(&r, id).iter().any(|d| d.contains("203.0.113.1")),
        "README.txt is not read"
    );
    assert_eq!(
        text(&r, id, "remediation"),
        "Take 'deb12' off /etc/hosts line 2 (`127.0.1.1 deb12.example.com deb12`): resolving the name must not give a loopback address."
    );
}

/// Netplan: a later file replaces keys of a device defined in an earlier one, /etc shadows
/// /lib, a renamed device is reported under its new name, and an unmapped address fails.
#[test]
fn netplan_merge_and_rename() {
    let t = Tree::new();
    t.file("/etc/hostname", "noble\n")
        .file("/lib/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0:\n      addresses: [203.0.113.99/24]\n")
        .file("/etc/netplan/50-cloud-init.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n")
        .file("/etc/netplan/90-static.yaml", "# operator's static addresses\nnetwork:\n  ethernets:\n    eth0:\n      dhcp4: no\n      addresses:\n        - 198.51.100.40/24\n    lan1:\n      match:\n        macaddress: \"52:54:00:aa:bb:cc\"\n      set-name: eth1\n      addresses: [ \"203.0.113.40/24\" ]\n")
        .file("/etc/hosts", "198.51.100.40 noble\n");
    let (_, r) = check_root(t.path(), ONLY);
    let id = "hosts.nic-addresses";
    assert_eq!(status(&r, id), "fail", "{:#?}", details(&r, id));
    assert!(has_detail(
        &r,
        id,
        "198.51.100.40 on eth0 (set at /etc/netplan/90-static.yaml line 7): mapped by /etc/hosts line 1"
    ));
    assert!(has_detail(
        &r,
        id,
        "203.0.113.40 on eth1 (set at /etc/netplan/90-static.yaml line 12): not mapped"
    ));
    assert!(
        !details(&r, id)
            .iter()
            .any(|d| d.contains("203.0.113.99") || d.contains("DHCP"))
    );
    assert!(text(&r, id, "remediation").contains("\n203.0.113.40  noble"));
}

/// A netplan file this tool cannot read is an error naming the file and line, never a pass.
#[test]
fn netplan_unreadable_is_error() {
    let t = Tree::new();
    t.file("/etc/hostname", "noble\n")
        .file(
            "/etc/netplan/01.yaml",
            // An alias of no anchor: libyaml refuses it too (anchors themselves are read).
            "network:\n  ethernets:\n    eth0: *nothing\n",
        )
        .file("/etc/hosts", "");
    let (code, r) = check_root(t.path(), ONLY);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "hosts.nic-addresses"), "error");
    let d = details(&r, "hosts.nic-addresses").join("\n");
    assert!(
        d.contains("/etc/netplan/01.yaml: line 3: alias *nothing of no anchor"),
        "{d}"
    );
}

/// A file netplan refuses (an unknown key in a device definition) makes netplan apply no
/// netplan file at all: both checks reading netplan say `error` naming the file, the line and
/// netplan's reason, and count no address of the other, valid file.
#[test]
fn netplan_refused_key_is_error() {
    let t = Tree::new();
    t.file("/etc/hostname", "noble\n")
        .file(
            "/etc/netplan/50-cloud-init.yaml",
            "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [198.51.100.60/24]\n",
        )
        .file(
            "/etc/netplan/90-local.yaml",
            "network:\n  ethernets:\n    eth0:\n      nameserver:\n        addresses: [192.0.2.53]\n",
        )
        .file("/etc/hosts", "198.51.100.60 noble\n");
    for f in ["50-cloud-init.yaml", "90-local.yaml"] {
        let p = t.path().join("etc/netplan").join(f);
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }
    let (code, r) = check_root(t.path(), &["--only", "nic.ipv4,hosts.nic-addresses"]);
    assert_eq!(code, 1);
    for id in ["nic.ipv4", "hosts.nic-addresses"] {
        assert_eq!(status(&r, id), "error", "{id}: {:#?}", check(&r, id));
        let d = details(&r, id).join("\n");
        assert!(
            d.contains("/etc/netplan/90-local.yaml: line 4: unknown key 'nameserver'"),
            "{id}: {d}"
        );
        assert!(!d.contains("198.51.100.60 on"), "{id}: {d}");
    }
}

/// NetworkManager keyfiles: a static profile mapped, a DHCP profile named in a warning, a
/// profile not started at boot not counted.
#[test]
fn networkmanager_keyfiles() {
    let t = Tree::new();
    let d = "/etc/NetworkManager/system-connections";
    t.file("/etc/hostname", "rhel9\n")
        .file(&format!("{d}/eth0.nmconnection"), "[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\naddress1=198.51.100.50/24,198.51.100.1\nmethod=manual\n")
        .file(&format!("{d}/eth1.nmconnection"), "[connection]\nid=eth1\ntype=ethernet\ninterface-name=eth1\n\n[ipv4]\nmethod=auto\n")
        .file(&format!("{d}/spare.nmconnection"), "[connection]\nid=spare\ntype=ethernet\ninterface-name=eth2\nautoconnect=false\n[ipv4]\nmethod=manual\naddress1=203.0.113.52/24\n")
        .file("/etc/hosts", "198.51.100.50 rhel9.example.com rhel9\n");
    // NetworkManager loads only profiles no group or other may read.
    for n in ["eth0", "eth1", "spare"] {
        let p = t.path().join(format!("{}/{n}.nmconnection", &d[1..]));
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }
    let (_, r) = check_root(t.path(), ONLY);
    let id = "hosts.nic-addresses";
    assert_eq!(status(&r, id), "warn", "{:#?}", details(&r, id));
    assert_eq!(
        text(&r, id, "summary"),
        "eth1 (/etc/NetworkManager/system-connections/eth1.nmconnection) uses DHCP, so its address cannot be known from the image"
    );
    assert!(has_detail(
        &r,
        id,
        "not counted: eth2 (not brought up at boot): 203.0.113.52"
    ));
}

/// NetworkManager's loading rules in a whole run: a profile whose mode lets others read it
/// is ignored by NetworkManager (so its address is not counted, and the check says why), a
/// profile in /run shadows the /etc file of the same uuid, and a `.conf` name in /etc loads.
#[test]
fn networkmanager_loading_rules() {
    let t = Tree::new();
    let etc = "/etc/NetworkManager/system-connections";
    let run = "/run/NetworkManager/system-connections";
    let u = "uuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\n";
    let p = |ifname: &str, addr: &str, uuid: &str| {
        format!(
            "[connection]\ntype=ethernet\ninterface-name={ifname}\n{uuid}[ipv4]\nmethod=manual\naddress1={addr}/24\n"
        )
    };
    t.file("/etc/hostname", "rhel9\n")
        .file(
            &format!("{etc}/eth0.nmconnection"),
            p("eth0", "198.51.100.60", u),
        )
        .file(
            &format!("{run}/eth0-temp.nmconnection"),
            p("eth0", "198.51.100.61", u),
        )
        .file(&format!("{etc}/eth1.conf"), p("eth1", "198.51.100.62", ""))
        .file(
            &format!("{etc}/open.nmconnection"),
            p("eth2", "198.51.100.63", ""),
        )
        .file("/etc/hosts", "198.51.100.61 rhel9\n198.51.100.62 rhel9\n");
    for f in [
        format!("{etc}/eth0.nmconnection"),
        format!("{run}/eth0-temp.nmconnection"),
        format!("{etc}/eth1.conf"),
    ] {
        let path = t.path().join(&f[1..]);
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
    }
    let (_, r) = check_root(t.path(), ONLY);
    let id = "hosts.nic-addresses";
    let all = details(&r, id).join("\n");
    assert_eq!(status(&r, id), "warn", "{all}");
    assert!(
        !all.contains("198.51.100.60") && !all.contains("198.51.100.63"),
        "{all}"
    );
    assert!(
        all.contains("open.nmconnection: NetworkManager ignores this profile: its mode 0644"),
        "{all}"
    );
}

/// --ignore-interface applies to image configuration too, and the ignored address is listed.
#[test]
fn ignore_interface_option() {
    let t = Tree::new();
    t.file("/etc/hostname", "hpc01\n")
        .file(
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "IPADDR=198.51.100.60\nPREFIX=24\n",
        )
        .file(
            "/etc/sysconfig/network-scripts/ifcfg-ib0",
            "IPADDR=203.0.113.60\nPREFIX=24\n",
        )
        .file("/etc/hosts", "198.51.100.60 hpc01\n");
    let (_, r) = check_root(t.path(), ONLY);
    assert_eq!(status(&r, "hosts.nic-addresses"), "fail");
    let (code, r) = check_root(
        t.path(),
        &[
            "--only",
            "hosts.nic-addresses",
            "--ignore-interface",
            "ib*",
            "--ignore-interface",
            "x[0-9]",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(status(&r, "hosts.nic-addresses"), "pass");
    assert!(has_detail(
        &r,
        "hosts.nic-addresses",
        "ignored: ib0 (--ignore-interface ib*): 203.0.113.60"
    ));
    let bad = common::run([
        "--root",
        &t.path().display().to_string(),
        "--ignore-interface",
        "eth[0",
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--ignore-interface"), "{}", bad.stderr);
}

/// An image with no network configuration and no host name: both checks skip with a reason.
#[test]
fn nothing_configured_skips() {
    let t = Tree::new();
    t.file("/etc/hosts", "127.0.0.1 localhost\n");
    let (code, r) = check_root(t.path(), ONLY);
    assert_eq!(code, 0);
    assert_eq!(status(&r, "hostname.valid"), "skip");
    assert_eq!(status(&r, "hosts.nic-addresses"), "skip");
    t.file("/etc/hostname", "img\n");
    let (_, r) = check_root(t.path(), ONLY);
    assert_eq!(status(&r, "hosts.nic-addresses"), "skip");
    assert!(text(&r, "hosts.nic-addresses", "summary").contains("sets no static address"));
}

/// A machine name that breaks the rule fails, naming the character, its position and the
/// file that set it; a differing name in another file is shown; the fix suggests a valid name.
#[test]
fn invalid_hostname_in_image() {
    let t = Tree::new();
    t.file("/etc/hostname", "web_01.example.com\n")
        .file("/etc/sysconfig/network", "HOSTNAME=web01\n");
    let (code, r) = check_root(t.path(), &["--only", "hostname.valid"]);
    assert_eq!(code, 1);
    let id = "hostname.valid";
    assert_eq!(status(&r, id), "fail");
    assert_eq!(
        text(&r, id, "summary"),
        "machine name 'web_01' breaks the naming rule: character 4 is '_'; only letters, digits and hyphens are allowed"
    );
    assert!(has_detail(
        &r,
        id,
        "host name 'web_01.example.com' from /etc/hostname"
    ));
    assert!(has_detail(
        &r,
        id,
        "/etc/sysconfig/network (HOSTNAME=) sets 'web01' (not the name in use)"
    ));
    assert!(
        text(&r, id, "remediation")
            .contains("write web-01.example.com to /etc/hostname in the image")
    );
    // Length, leading hyphen and a non-ASCII name.
    for (name, want) in [
        (
            "a".repeat(64),
            "it is 64 characters long; at most 63 are allowed",
        ),
        ("-web".to_string(), "it begins with a hyphen"),
        ("s\u{e9}rveur".to_string(), "character 2 is 'é' (U+00E9)"),
    ] {
        t.file("/etc/hostname", format!("{name}\n"));
        let (_, r) = check_root(t.path(), &["--only", "hostname.valid"]);
        assert_eq!(status(&r, id), "fail");
        assert!(
            text(&r, id, "summary").contains(want),
            "{}",
            text(&r, id, "summary")
        );
    }
}

/// `/etc/hosts` as an absolute symbolic link resolves inside the image, not to the host's file.
#[test]
fn hosts_symlink_stays_in_image() {
    let t = Tree::new();
    t.file("/etc/hostname", "linked\n")
        .file(
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "IPADDR=198.51.100.70\n",
        )
        .file("/data/hosts", "198.51.100.70 linked\n")
        .symlink("/etc/hosts", "/data/hosts");
    let (code, r) = check_root(t.path(), ONLY);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(status(&r, "hosts.nic-addresses"), "pass");
}

/// No /etc/hosts at all: every address is unmapped (fail), the detail says the file is
/// missing, and the fix gives the lines that create it.
#[test]
fn missing_hosts_file_fails() {
    let t = Tree::new();
    t.file("/etc/hostname", "nohosts\n").file(
        "/etc/sysconfig/network-scripts/ifcfg-eth0",
        "IPADDR=198.51.100.80\nPREFIX=24\n",
    );
    let (code, r) = check_root(t.path(), &["--only", "hosts.nic-addresses"]);
    assert_eq!(code, 1);
    let id = "hosts.nic-addresses";
    assert_eq!(status(&r, id), "fail");
    assert!(has_detail(&r, id, "/etc/hosts does not exist"));
    assert_eq!(
        text(&r, id, "remediation"),
        "Add to /etc/hosts of the image:\n198.51.100.80  nohosts"
    );
}

/// Differential against netplan's own generator (Debian's netplan.io,
/// `/usr/libexec/netplan/generate --root-dir`): on each of the package's example files and on
/// generated two-file trees (a cloud-init file with IPv4, a second adding IPv6, a repeated key,
/// a dot-file, a second document), the static addresses and DHCP settings the tool reads per
/// device equal those of the systemd-networkd files the generator writes. Devices the generator
/// hands to NetworkManager (renderer: NetworkManager) have no networkd file and are skipped.
#[test]
fn netplan_generate_differential() {
    use std::collections::BTreeSet;
    use std::process::Command;
    let generate = std::path::Path::new("/usr/libexec/netplan/generate");
    assert!(
        generate.exists(),
        "netplan.io is needed (tests/deps.d/30-network.sh)"
    );
    let examples = std::path::Path::new("/usr/share/doc/netplan/examples");
    let mut trees: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(examples)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    for p in &names {
        // The generator refuses Open vSwitch definitions on a machine without ovs-vsctl: a
        // fact about this test machine, not about the file.
        if p.ends_with("openvswitch.yaml") {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        trees.push((
            p.display().to_string(),
            vec![("50-example.yaml".into(), text)],
        ));
    }
    let head = |id: &str| format!("network:\n  version: 2\n  ethernets:\n    {id}:\n");
    for (i, second) in [
        "      addresses:\n        - \"2001:db8::7/64\"\n",
        "      dhcp4: false\n      addresses: [198.51.100.8/24]\n      addresses: [198.51.100.9/24]\n",
        "      dhcp6: true\n      addresses: [\"203.0.113.7/24\"]\n---\nnetwork:\n  ethernets:\n    eth1:\n      addresses: [203.0.113.8/24]\n",
        "      addresses: [\"caf\\u00e9\\b\"]\n",
        "      addresses: [198.51.100.5]\n",
        // Anchors and aliases (libyaml resolves them for netplan), also on a sequence item.
        "      addresses: &v6 [\"2001:db8::9/64\"]\n    eth1:\n      addresses: *v6\n      dhcp4: true\n",
        "      addresses:\n        - &a 203.0.113.9/24\n    eth2:\n      addresses: [*a]\n",
        // A quoted scalar over two lines (a `\\` at the end joins without a blank).
        "      addresses: [\"203.0.113.\\\n        10/24\"]\n",
        "      addresses:\n        - \"2001:db8::a\n          /64\"\n",
        // A merge key is YAML 1.1, which libyaml's loader does not apply.
        "      <<: {dhcp4: true}\n",
    ]
    .iter()
    .enumerate()
    {
        trees.push((
            format!("generated {i}"),
            vec![
                (
                    "50-cloud-init.yaml".into(),
                    format!("{}      dhcp4: true\n      addresses: [198.51.100.7/24]\n", head("eth0")),
                ),
                ("90-local.yaml".into(), format!("{}{second}", head("eth0"))),
                (
                    ".99-hidden.yaml".into(),
                    format!("{}      addresses: [192.0.2.99/24]\n", head("eth0")),
                ),
            ],
        ));
    }
    let (mut devices, mut agreed, mut files) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (what, tree) in &trees {
        let dir = tempfile::tempdir().unwrap();
        let np = dir.path().join("etc/netplan");
        std::fs::create_dir_all(&np).unwrap();
        let mut parsed = Vec::new();
        let mut tool_error = None;
        for (name, text) in tree {
            let p = np.join(name);
            std::fs::write(&p, text).unwrap();
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            files += 1;
            if name.starts_with('.') {
                continue;
            }
            match asr_preflight::parse::netplan::parse(text) {
                Ok(d) => parsed.push(d),
                Err(e) => tool_error = Some(e.to_string()),
            }
        }
        let out = Command::new(generate)
            .arg("--root-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        let ifs = asr_preflight::parse::netplan::interfaces(&parsed);
        if tool_error.is_none()
            && let Some(c) = ifs.iter().find(|c| !c.problems.is_empty())
        {
            tool_error = Some(c.problems[0].clone());
        }
        if !out.status.success() || tool_error.is_some() {
            devices += 1;
            // Both must refuse, or neither.
            if !out.status.success() && tool_error.is_some() {
                agreed += 1;
            } else {
                disagreements.push(format!(
                    "{what}: generate ok={} ({}), tool error {tool_error:?}",
                    out.status.success(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            continue;
        }
        for cfg in ifs {
            let id = cfg.label.clone().or(cfg.name.clone()).unwrap();
            let network = dir
                .path()
                .join(format!("run/systemd/network/10-netplan-{id}.network"));
            let Ok(text) = std::fs::read_to_string(&network) else {
                continue;
            };
            devices += 1;
            let real: BTreeSet<String> = text
                .lines()
                .filter_map(|l| l.strip_prefix("Address="))
                .map(str::to_string)
                .collect();
            let dhcp = text
                .lines()
                .find_map(|l| l.strip_prefix("DHCP="))
                .unwrap_or("no");
            let real_dhcp = (
                matches!(dhcp, "yes" | "ipv4"),
                matches!(dhcp, "yes" | "ipv6"),
            );
            let mine: BTreeSet<String> = cfg
                .addresses
                .iter()
                .map(|a| match a.prefix {
                    Some(p) => format!("{}/{p}", a.addr),
                    None => a.addr.to_string(),
                })
                .collect();
            if real == mine && real_dhcp == (cfg.dhcp4, cfg.dhcp6) {
                agreed += 1;
            } else {
                disagreements.push(format!(
                    "{what} {id}: generate {real:?} dhcp {real_dhcp:?}, tool {mine:?} dhcp {:?}",
                    (cfg.dhcp4, cfg.dhcp6)
                ));
            }
        }
    }
    eprintln!(
        "netplan generate differential: {} trees ({files} files), {agreed} of {devices} devices agree",
        trees.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// A NetworkManager tombstone: the user deleted the /usr/lib profile that carries the NIC's
/// only address, so NetworkManager leaves `/etc/.../UUID.nmmeta` linked to /dev/null and no
/// longer loads it. Without the link, both checks count the address; with it, neither does.
#[test]
fn networkmanager_tombstone_hides_usr_lib_profile() {
    let lib = "/usr/lib/NetworkManager/system-connections";
    let etc = "/etc/NetworkManager/system-connections";
    let uuid = "2a6a1a4e-4d1b-4d4e-9a8a-7c3f0e5b6d11";
    let only = &["--only", "nic.ipv4,hosts.nic-addresses"];
    let run = |tombstone: bool| {
        let t = Tree::new();
        t.file("/etc/hostname", "rhel9\n")
            .file(
                &format!("{lib}/eth0.nmconnection"),
                format!(
                    "[connection]\ntype=ethernet\ninterface-name=eth0\nuuid={uuid}\n[ipv4]\nmethod=manual\naddress1=198.51.100.70/24\n"
                ),
            )
            .file("/etc/hosts", "127.0.0.1 localhost\n");
        let profile = t.path().join(format!("{}/eth0.nmconnection", &lib[1..]));
        std::fs::set_permissions(profile, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        std::fs::create_dir_all(t.path().join(&etc[1..])).unwrap();
        if tombstone {
            let link = t.path().join(format!("{}/{uuid}.nmmeta", &etc[1..]));
            std::os::unix::fs::symlink("/dev/null", link).unwrap();
        }
        check_root(t.path(), only).1
    };
    let counted = |r: &Value, id: &str| {
        let c = check(r, id);
        format!("{} {}", c["summary"], c["details"]).contains("198.51.100.70")
    };
    let plain = run(false);
    for id in ["nic.ipv4", "hosts.nic-addresses"] {
        assert!(counted(&plain, id), "{id}: {:#?}", check(&plain, id));
    }
    let hidden = run(true);
    for id in ["nic.ipv4", "hosts.nic-addresses"] {
        assert!(!counted(&hidden, id), "{id}: {:#?}", check(&hidden, id));
    }
    // Nothing else configures a NIC, so both checks have nothing to judge.
    for id in ["nic.ipv4", "hosts.nic-addresses"] {
        assert_eq!(status(&hidden, id), "skip", "{id}");
    }
}
