//! The firewall checks on real files nobody here wrote, downloaded at test time by
//! tests/testdata/fetch-firewall.sh: firewalld's shipped zones and services, ufw's shipped rule
//! files, RHEL 6 `iptables-save` output from insights-core, the iptables source's test dumps
//! (a firewalld-generated ruleset among them) and nftables' example rulesets. Where the kernel
//! can load a file, it is the oracle: the file is loaded into a test-created namespace and the
//! tool's answers are compared with what got in.

use crate::common;
use crate::netns;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{Tree, check, check_root, status};
use crate::netns::{NetPair, is_root};

/// The download cache, filled once per test run.
fn cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("testdata-firewall");
        let out = Command::new("bash")
            .arg(common::repo().join("tests/testdata/fetch-firewall.sh"))
            .arg(&dir)
            .output()
            .expect("run fetch-firewall.sh");
        assert!(
            out.status.success(),
            "fetch-firewall.sh failed (apt-get and pip must reach their registries):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn deb(pkg: &str) -> PathBuf {
    cache().join("deb").join(pkg)
}

/// Copies a directory tree (files and symbolic links) into the fixture.
fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        let to = dst.join(e.file_name());
        if t.is_dir() {
            copy_tree(&e.path(), &to);
        } else if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// A systemd image with `unit` (taken from `unit_src`) enabled.
fn systemd_root(unit: &str, unit_src: &Path) -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .file("/usr/lib/systemd/systemd", "")
        .file(
            &format!("/lib/systemd/system/{unit}"),
            std::fs::read(unit_src).unwrap(),
        )
        .symlink(
            &format!("/etc/systemd/system/multi-user.target.wants/{unit}"),
            &format!("/lib/systemd/system/{unit}"),
        );
    t
}

/// A root with firewalld from its .deb enabled at boot and `zone` as the default zone.
fn firewalld_root(zone: &str) -> Tree {
    let d = deb("firewalld");
    let t = systemd_root(
        "firewalld.service",
        &d.join("lib/systemd/system/firewalld.service"),
    );
    copy_tree(
        &d.join("usr/lib/firewalld"),
        &t.path().join("usr/lib/firewalld"),
    );
    copy_tree(&d.join("etc/firewalld"), &t.path().join("etc/firewalld"));
    let conf = std::fs::read_to_string(d.join("etc/firewalld/firewalld.conf")).unwrap();
    assert!(
        conf.contains("\nDefaultZone=public\n"),
        "firewalld.conf changed shape"
    );
    t.file(
        "/etc/firewalld/firewalld.conf",
        conf.replace("\nDefaultZone=public\n", &format!("\nDefaultZone={zone}\n")),
    );
    t
}

/// Every zone firewalld ships, as the default zone: ssh gets in exactly where the zone lists
/// the ssh service (ssh.xml: tcp/22) or accepts everything; the deciding zone is named.
#[test]
fn firewalld_shipped_zones() {
    let zones = deb("firewalld").join("usr/lib/firewalld/zones");
    let mut seen = 0;
    for e in std::fs::read_dir(&zones).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let Some(zone) = name.strip_suffix(".xml") else {
            continue;
        };
        let xml = std::fs::read_to_string(zones.join(&name)).unwrap();
        // What the zone file itself says (read here with plain string tests, not our parser).
        let open = xml.contains("<service name=\"ssh\"/>") || xml.contains("target=\"ACCEPT\"");
        let t = firewalld_root(zone);
        let (_, r) = check_root(t.path(), &["--only", "ssh.firewall,mvc.port-20004"]);
        let ssh = check(&r, "ssh.firewall");
        assert_eq!(
            status(&r, "ssh.firewall"),
            if open { "pass" } else { "fail" },
            "zone {zone}: {ssh:#}"
        );
        assert!(
            ssh["summary"].as_str().unwrap().contains("firewalld"),
            "{ssh:#}"
        );
        if !open {
            let fix = ssh["remediation"].as_str().unwrap();
            assert!(
                fix.contains(&format!(
                    "firewall-cmd --permanent --zone={zone} --add-service=ssh"
                )),
                "{fix}"
            );
        }
        // 20004 is in no shipped service: only the accept-all zone lets it in.
        let accept_all = xml.contains("target=\"ACCEPT\"");
        assert_eq!(
            status(&r, "mvc.port-20004"),
            if accept_all { "pass" } else { "warn" },
            "zone {zone}"
        );
        seen += 1;
    }
    assert!(seen >= 8, "only {seen} zones in the .deb");
}

/// firewalld's shipped configuration filters nothing on the way out: every shipped zone lets
/// the Site Recovery endpoints out. Direct rules of filter OUTPUT (the way firewalld restricts
/// outgoing traffic) are followed: a final DROP after an ESTABLISHED accept blocks them and is
/// named, while sshd's replies still leave; an accept for 443 before it lets them out.
#[test]
fn firewalld_output_direct_rules() {
    let a2a = [
        "--only",
        "net.egress-firewall,ssh.firewall",
        "--scenario",
        "azure-to-azure",
    ];
    let t = firewalld_root("public");
    let (_, r) = check_root(t.path(), &a2a);
    assert_eq!(status(&r, "net.egress-firewall"), "pass", "{r:#}");
    let direct = |extra: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"OUTPUT\" priority=\"0\">-m state --state ESTABLISHED,RELATED -j ACCEPT</rule>\n{extra}  <rule ipv=\"ipv4\" table=\"filter\" chain=\"OUTPUT\" priority=\"99\">-j DROP</rule>\n</direct>\n"
        )
    };
    t.file("/etc/firewalld/direct.xml", direct(""));
    let (_, r) = check_root(t.path(), &a2a);
    let c = check(&r, "net.egress-firewall");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("direct rule -j DROP"),
        "{c:#}"
    );
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    t.file(
        "/etc/firewalld/direct.xml",
        direct("  <rule ipv=\"ipv4\" table=\"filter\" chain=\"OUTPUT\" priority=\"1\">-p tcp -m tcp --dport 443 -j ACCEPT</rule>\n"),
    );
    let (_, r) = check_root(t.path(), &a2a);
    assert_eq!(status(&r, "net.egress-firewall"), "pass", "{r:#}");
}

/// firewalld policies: the package's own policies (allow-host-ipv6: ANY to HOST, ICMPv6 only)
/// change neither direction; a policy from HOST to ANY in /etc/firewalld/policies that rejects
/// all but HTTPS to one Service Tags range lets Site Recovery out and blocks Storage (named),
/// and is a warning without the tags file; the same name in /etc overrides a shipped policy;
/// a policy into HOST with target DROP makes ssh.firewall a warning naming it.
#[test]
fn firewalld_policies() {
    let shipped = deb("firewalld").join("usr/lib/firewalld/policies");
    let names: Vec<String> = std::fs::read_dir(&shipped)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.contains(&"allow-host-ipv6.xml".to_string()),
        "{names:?}"
    );
    let tags = common::repo()
        .join("tests/data/service_tags/ServiceTags_Public_test.json")
        .display()
        .to_string();
    let a2a = [
        "--only",
        "net.egress-firewall,ssh.firewall",
        "--scenario",
        "azure-to-azure",
        "--service-tags",
        tags.as_str(),
        "--source-region",
        "westeurope",
        "--target-region",
        "westeurope",
    ];
    let t = firewalld_root("public");
    assert!(
        t.path()
            .join("usr/lib/firewalld/policies/allow-host-ipv6.xml")
            .exists()
    );
    let (_, r) = check_root(t.path(), &a2a);
    assert_eq!(status(&r, "net.egress-firewall"), "pass", "{r:#}");
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    let out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<policy target=\"REJECT\" priority=\"-10\">\n  <ingress-zone name=\"HOST\"/>\n  <egress-zone name=\"ANY\"/>\n  <rule family=\"ipv4\">\n    <destination address=\"198.51.100.0/24\"/>\n    <port port=\"443\" protocol=\"tcp\"/>\n    <accept/>\n  </rule>\n</policy>\n";
    t.file("/etc/firewalld/policies/egress-https.xml", out);
    let (_, r) = check_root(t.path(), &a2a);
    let c = check(&r, "net.egress-firewall");
    assert_eq!(c["status"], "fail", "{c:#}");
    let s = c["summary"].as_str().unwrap();
    assert!(s.contains("(Storage) TCP 443 is blocked"), "{s}");
    assert!(s.contains("policy egress-https"), "{s}");
    assert!(!s.contains("(AzureSiteRecovery)"), "{s}");
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    // Without addresses the destination rule decides: a warning naming it.
    let (_, r) = check_root(t.path(), &a2a[..4]);
    let c = check(&r, "net.egress-firewall");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(
        c["summary"].to_string().contains("198.51.100.0/24"),
        "{c:#}"
    );
    // The /etc file of a shipped policy's name replaces it.
    let ipv6 = std::fs::read_to_string(shipped.join("allow-host-ipv6.xml")).unwrap();
    t.file(
        "/etc/firewalld/policies/allow-host-ipv6.xml",
        ipv6.replace("target=\"CONTINUE\"", "target=\"DROP\""),
    );
    let (_, r) = check_root(t.path(), &a2a);
    let ssh = check(&r, "ssh.firewall");
    assert_eq!(ssh["status"], "warn", "{ssh:#}");
    assert!(
        ssh["summary"]
            .to_string()
            .contains("policy allow-host-ipv6"),
        "{ssh:#}"
    );
}

/// Port 20004 added to the public zone in /etc/firewalld overrides the shipped zone; with
/// --multi-vm a blocked port fails; an interface bound to another zone makes it partial.
#[test]
fn firewalld_overrides_and_bindings() {
    let t = firewalld_root("public");
    let (code, r) = check_root(t.path(), &["--only", "mvc.port-20004", "--multi-vm"]);
    assert_eq!(status(&r, "mvc.port-20004"), "fail");
    assert_eq!(code, 1);
    let public =
        std::fs::read_to_string(deb("firewalld").join("usr/lib/firewalld/zones/public.xml"))
            .unwrap();
    t.file(
        "/etc/firewalld/zones/public.xml",
        public.replace(
            "</zone>",
            "  <port port=\"20004\" protocol=\"tcp\"/>\n</zone>",
        ),
    );
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004", "--multi-vm"]);
    assert_eq!(status(&r, "mvc.port-20004"), "pass", "{r:#}");
    // eth1 bound to the drop zone by NetworkManager's ifcfg file.
    t.file(
        "/etc/sysconfig/network-scripts/ifcfg-eth1",
        "DEVICE=eth1\nONBOOT=yes\nZONE=drop\n",
    );
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004,ssh.firewall"]);
    for id in ["mvc.port-20004", "ssh.firewall"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "warn", "{c:#}");
        let d = c["details"].to_string();
        assert!(d.contains("interface eth1 -> zone drop"), "{d}");
    }
}

/// The triple-quoted Python string `NAME = """..."""` of insights-core's test module.
fn python_string(src: &str, name: &str) -> String {
    let start = src
        .find(&format!("{name} = \"\"\""))
        .unwrap_or_else(|| panic!("{name} not in test_iptables.py"));
    let body = &src[start + name.len() + 6..];
    body[..body.find("\"\"\"").unwrap()]
        .trim_start_matches('\n')
        .to_string()
}

fn insights() -> String {
    std::fs::read_to_string(cache().join("insights/test_iptables.py")).unwrap()
}

/// RHEL 6 (SysV init, runlevel 3) with the iptables services enabled and insights-core's real
/// iptables-save output as /etc/sysconfig/iptables: ssh is accepted; 20004 only from
/// 192.168.0.0/24, so the answer is partial and names that rule.
#[test]
fn rhel6_sysconfig_iptables() {
    let src = insights();
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 6.7 (Santiago)\n",
        )
        .file("/etc/inittab", "id:3:initdefault:\n")
        .file("/etc/rc.d/init.d/iptables", "#!/bin/sh\n")
        .file("/etc/rc.d/init.d/ip6tables", "#!/bin/sh\n")
        .symlink("/etc/rc.d/rc3.d/S08iptables", "../init.d/iptables")
        .symlink("/etc/rc.d/rc3.d/S08ip6tables", "../init.d/ip6tables")
        .file(
            "/etc/sysconfig/iptables",
            python_string(&src, "IPTABLES_SAVE"),
        )
        .file(
            "/etc/sysconfig/ip6tables",
            python_string(&src, "IP6TABLES_SAVE"),
        );
    // rc runs only executable scripts.
    for script in ["iptables", "ip6tables"] {
        use std::os::unix::fs::PermissionsExt;
        let p = t.path().join("etc/rc.d/init.d").join(script);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall,mvc.port-20004"]);
    let ssh = check(&r, "ssh.firewall");
    assert_eq!(ssh["status"], "pass", "{ssh:#}");
    assert!(
        ssh["details"].to_string().contains("S08iptables"),
        "{ssh:#}"
    );
    let mvc = check(&r, "mvc.port-20004");
    assert_eq!(mvc["status"], "warn", "{mvc:#}");
    let d = mvc["details"].to_string();
    assert!(d.contains("-A INPUT -s 192.168.0.0/24 -j ACCEPT"), "{d}");
    assert!(d.contains("the peer's address"), "{d}");
    // IPv6: fe80::/64 only, also partial.
    assert!(
        d.contains("TCP 20004 after reboot, IPv6: accepted only for some peers"),
        "{d}"
    );
    // The service disabled: nothing loads at boot.
    std::fs::remove_file(t.path().join("etc/rc.d/rc3.d/S08iptables")).unwrap();
    std::fs::remove_file(t.path().join("etc/rc.d/rc3.d/S08ip6tables")).unwrap();
    let (_, r) = check_root(t.path(), &["--only", "mvc.port-20004"]);
    assert_eq!(status(&r, "mvc.port-20004"), "pass");
    assert!(
        check(&r, "mvc.port-20004")["summary"]
            .as_str()
            .unwrap()
            .contains("no firewall")
    );
}

fn ufw_root(user_rules_extra: &str) -> Tree {
    let d = deb("ufw");
    let t = systemd_root("ufw.service", &d.join("lib/systemd/system/ufw.service"));
    for f in [
        "before.rules",
        "after.rules",
        "before6.rules",
        "after6.rules",
        "user.rules",
        "user6.rules",
    ] {
        let mut text = std::fs::read_to_string(d.join("usr/share/ufw").join(f)).unwrap();
        if f == "user.rules" {
            text = text.replace(
                "### RULES ###\n",
                &format!("### RULES ###\n{user_rules_extra}"),
            );
        }
        t.file(&format!("/etc/ufw/{f}"), text);
    }
    let conf = std::fs::read_to_string(d.join("usr/share/ufw/ufw.conf")).unwrap();
    t.file(
        "/etc/ufw/ufw.conf",
        conf.replace("ENABLED=no", "ENABLED=yes"),
    )
    .file(
        "/etc/default/ufw",
        std::fs::read(d.join("etc/default/ufw")).unwrap(),
    );
    t
}

/// ufw's shipped rule files enabled with the shipped default DROP policy block ssh; the rule
/// `ufw allow 22/tcp` writes lets it in, and the fix names ufw.
#[test]
fn ufw_shipped_rules() {
    let t = ufw_root("");
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    let c = check(&r, "ssh.firewall");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["remediation"]
            .as_str()
            .unwrap()
            .contains("ufw allow 22/tcp"),
        "{c:#}"
    );
    let t = ufw_root(
        "\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n",
    );
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
    // ENABLED=no: ufw loads nothing.
    let conf = std::fs::read_to_string(deb("ufw").join("usr/share/ufw/ufw.conf")).unwrap();
    let t = ufw_root("");
    t.file("/etc/ufw/ufw.conf", conf);
    let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
    assert_eq!(status(&r, "ssh.firewall"), "pass");
}

/// ufw's outgoing side with its shipped files: the shipped default (`DEFAULT_OUTPUT_POLICY=
/// "ACCEPT"`) lets the Site Recovery endpoints out; DROP or REJECT blocks them (named as ufw's
/// OUTPUT policy or its reject chain) while the replies of an allowed ssh still leave through the
/// shipped ESTABLISHED rule of before.rules; `ufw allow out 443/tcp` lets them out again.
#[test]
fn ufw_outgoing_policy() {
    let a2a = [
        "--only",
        "net.egress-firewall,ssh.firewall",
        "--scenario",
        "azure-to-azure",
    ];
    let ssh = "\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n";
    let t = ufw_root(ssh);
    let (_, r) = check_root(t.path(), &a2a);
    assert_eq!(status(&r, "net.egress-firewall"), "pass", "{r:#}");
    let defaults = std::fs::read_to_string(deb("ufw").join("etc/default/ufw")).unwrap();
    assert!(
        defaults.contains("DEFAULT_OUTPUT_POLICY=\"ACCEPT\""),
        "{defaults}"
    );
    for (policy, by) in [
        ("DROP", "filter OUTPUT policy DROP"),
        ("REJECT", "ufw-reject-output"),
    ] {
        let t = ufw_root(ssh);
        t.file(
            "/etc/default/ufw",
            defaults.replace(
                "DEFAULT_OUTPUT_POLICY=\"ACCEPT\"",
                &format!("DEFAULT_OUTPUT_POLICY=\"{policy}\""),
            ),
        );
        let (_, r) = check_root(t.path(), &a2a);
        let c = check(&r, "net.egress-firewall");
        assert_eq!(c["status"], "fail", "{c:#}");
        assert!(
            c["summary"].as_str().unwrap().contains(by),
            "{policy}: {c:#}"
        );
        assert_eq!(status(&r, "ssh.firewall"), "pass", "{r:#}");
        let out = format!(
            "{ssh}### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 out\n-A ufw-user-output -p tcp --dport 443 -j ACCEPT\n"
        );
        let t2 = ufw_root(&out);
        t2.file(
            "/etc/default/ufw",
            defaults.replace(
                "DEFAULT_OUTPUT_POLICY=\"ACCEPT\"",
                &format!("DEFAULT_OUTPUT_POLICY=\"{policy}\""),
            ),
        );
        let (_, r) = check_root(t2.path(), &a2a);
        assert_eq!(status(&r, "net.egress-firewall"), "pass", "{r:#}");
    }
}

const PORTS: &[u16] = &[22, 53, 80, 443, 873, 1723, 5666, 8080, 20004];

fn live_answers(pair: &NetPair) -> BTreeMap<(u16, String), String> {
    let out = pair
        .server_cmd(&[
            common::bin().to_str().unwrap(),
            "check",
            "--only",
            "ssh.firewall",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    answers(&v, "now")
}

/// The tool's answer per (port, IP version) on one side of a report.
fn answers(v: &serde_json::Value, side: &str) -> BTreeMap<(u16, String), String> {
    let details: Vec<String> = check(v, "ssh.firewall")["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    let mut m = BTreeMap::new();
    for p in PORTS {
        for fam in ["IPv4", "IPv6"] {
            let head = format!("TCP {p} {side}, {fam}: ");
            let line = details
                .iter()
                .find(|d| d.starts_with(&head))
                .unwrap_or_else(|| panic!("no {head} in {details:#?}"));
            m.insert((*p, fam.to_string()), line[head.len()..].to_string());
        }
    }
    m
}

/// Loads each text with `tool` in a namespace and compares the live answers with the kernel.
/// Returns how many loaded; a partial answer is accepted only where `partial_ok` says the file
/// has rules limited to sources or interfaces.
/// A fixture root that loads a text at boot (for the same comparison with `--root`).
type BootRoot<'a> = &'a dyn Fn(&str, bool) -> Tree;

fn agree_with_kernel(
    files: &[(String, String, bool)],
    tool: &[&str],
    partial_ok: &dyn Fn(&str) -> bool,
    boot: Option<BootRoot<'_>>,
) -> usize {
    let pair = NetPair::new(PORTS);
    std::fs::create_dir_all(pair.etc().join("ssh")).unwrap();
    let cfg: String = PORTS.iter().map(|p| format!("Port {p}\n")).collect();
    std::fs::write(pair.etc().join("ssh/sshd_config"), cfg).unwrap();
    let mut loaded = 0;
    let mut bad = Vec::new();
    for (name, text, v6) in files {
        pair.flush();
        let mut t = tool.to_vec();
        if *v6 && t[0] == "iptables-restore" {
            t[0] = "ip6tables-restore";
        }
        if let Err(e) = pair.load(&t, text) {
            eprintln!("{name}: not loadable here ({}), left out", e.trim());
            continue;
        }
        loaded += 1;
        let targets: Vec<(u16, &str, SocketAddr)> = PORTS
            .iter()
            .flat_map(|p| {
                [
                    (
                        *p,
                        "IPv4",
                        format!("{}:{p}", netns::SERVER_V4).parse().unwrap(),
                    ),
                    (
                        *p,
                        "IPv6",
                        format!("[{}]:{p}", netns::SERVER_V6).parse().unwrap(),
                    ),
                ]
            })
            .collect();
        let reach = pair.reachable(&targets.iter().map(|t| t.2).collect::<Vec<_>>());
        let mut sides = vec![("live", live_answers(&pair))];
        if let Some(make) = boot {
            let t = make(text, *v6);
            let cfg: String = PORTS.iter().map(|p| format!("Port {p}\n")).collect();
            t.file("/etc/ssh/sshd_config", cfg);
            let (_, r) = check_root(t.path(), &["--only", "ssh.firewall"]);
            sides.push(("--root", answers(&r, "after reboot")));
        }
        for (side, said) in &sides {
            for ((p, fam, _), ok) in targets.iter().zip(reach.iter().copied()) {
                let s = &said[&(*p, fam.to_string())];
                let fine = if s.starts_with("accepted only") {
                    partial_ok(name)
                } else if s.starts_with("accepted") {
                    ok
                } else if s.starts_with("blocked") {
                    !ok
                } else {
                    false
                };
                if !fine {
                    bad.push(format!(
                        "{name} ({side}): TCP {p} {fam}: kernel {} but the tool says {s}",
                        if ok { "accepted" } else { "blocked" }
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    loaded
}

/// Real iptables-save dumps (the iptables source's tests, a firewalld-generated Fedora
/// ruleset with counters among them, and insights-core's RHEL 6 output) loaded with
/// iptables-restore: the tool's live answers agree with the kernel.
#[test]
fn real_iptables_dumps_agree_with_kernel() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let dir = cache().join("iptables-dumps");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let v6 = name.contains("ip6");
        files.push((name, std::fs::read_to_string(&p).unwrap(), v6));
    }
    let src = insights();
    files.push((
        "insights IPTABLES_SAVE".into(),
        python_string(&src, "IPTABLES_SAVE"),
        false,
    ));
    files.push((
        "insights IP6TABLES_SAVE".into(),
        python_string(&src, "IP6TABLES_SAVE"),
        true,
    ));
    files.sort();
    // Which files have source- or interface-limited rules was read off the files themselves.
    let partial_ok = |name: &str| {
        files.iter().find(|f| f.0 == name).is_some_and(|f| {
            f.1.contains(" -s ") || f.1.contains(" -i ") || f.1.contains("--limit")
        })
    };
    let boot = |text: &str, v6: bool| {
        let unit = "[Service]\nExecStart=/usr/libexec/iptables/iptables.init start\n";
        let (u, f) = if v6 {
            ("ip6tables.service", "/etc/sysconfig/ip6tables")
        } else {
            ("iptables.service", "/etc/sysconfig/iptables")
        };
        let t = Tree::new();
        t.x86_64()
            .file("/usr/lib/systemd/systemd", "")
            .file(&format!("/usr/lib/systemd/system/{u}"), unit)
            .symlink(
                &format!("/etc/systemd/system/basic.target.wants/{u}"),
                &format!("/usr/lib/systemd/system/{u}"),
            )
            .file(f, text);
        t
    };
    let loaded = agree_with_kernel(&files, &["iptables-restore"], &partial_ok, Some(&boot));
    assert!(loaded >= 6, "only {loaded} of {} dumps loaded", files.len());
}

/// ufw's shipped rule files, assembled as ufw-init loads them, agree with the kernel once
/// loaded (with and without an allow rule).
#[test]
fn ufw_rules_agree_with_kernel() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    use asr_preflight::firewall::{Family, ufw};
    let d = deb("ufw").join("usr/share/ufw");
    let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    let mut files = Vec::new();
    for (fam, t) in [(Family::V4, ""), (Family::V6, "6")] {
        for (label, extra) in [
            ("default", ""),
            (
                "allow 22",
                "-A ufw{t}-user-input -p tcp --dport 22 -j ACCEPT\n",
            ),
        ] {
            let extra = extra.replace("{t}", t);
            let f = ufw::Files {
                input_policy: "DROP".into(),
                output_policy: "ACCEPT".into(),
                before: read(&format!("before{t}.rules")),
                after: read(&format!("after{t}.rules")),
                user: read(&format!("user{t}.rules"))
                    .replace("### RULES ###\n", &format!("### RULES ###\n{extra}")),
            };
            files.push((
                format!("ufw {label} {t}"),
                ufw::assemble(&f, fam),
                fam == Family::V6,
            ));
        }
    }
    // ufw-init loads its files with --noflush.
    let loaded = agree_with_kernel(&files, &["iptables-restore", "-n"], &|_| false, None);
    assert_eq!(loaded, 4);
}

/// nftables' example rulesets from its .deb, loaded with nft -f, agree with the kernel; read as
/// /etc/nftables.conf with nftables.service enabled (--root), they give the same answers.
#[test]
fn nftables_examples_agree_with_kernel() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let dir = deb("nftables").join("usr/share/doc/nftables/examples");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "nft") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            // Load each on a clean slate.
            files.push((name, format!("flush ruleset\n{text}"), false));
        }
    }
    files.sort();
    let partial_ok = |name: &str| {
        files
            .iter()
            .find(|f| f.0 == name)
            .is_some_and(|f| f.1.contains("saddr") || f.1.contains("iif") || f.1.contains("limit"))
    };
    let unit = deb("nftables").join("lib/systemd/system/nftables.service");
    let boot = |text: &str, _: bool| {
        let t = systemd_root("nftables.service", &unit);
        t.file("/etc/nftables.conf", text);
        t
    };
    let loaded = agree_with_kernel(&files, &["nft", "-f", "-"], &partial_ok, Some(&boot));
    assert!(loaded >= 8, "only {loaded} examples loaded");
}
