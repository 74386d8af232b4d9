//! The firewall evaluation against the kernel's own netfilter. Generated rule sets (policies,
//! user chains with RETURN, REJECT and DROP, ports, ranges, multiport, conntrack state NEW,
//! `-i lo`, LOG, vmaps, a PREROUTING chain, source- and interface-limited rules) are loaded into
//! a test-created network namespace with `iptables-restore` or `nft -f`; a peer namespace
//! connects to every port over IPv4 and IPv6; the binary, run inside the server namespace,
//! must agree with what got in. The same rule sets written as boot configuration
//! (/etc/sysconfig/iptables, /etc/nftables.conf) in a fixture root must give the same answers
//! with `--root`.

use crate::common;
use crate::netns;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::common::{Tree, bin};
use crate::netns::{NetPair, is_root};

/// The ports listened on and asked about.
const PORTS: &[u16] = &[22, 1000, 1500, 2222, 3000, 8080, 20004, 20005];

/// A small deterministic generator (xorshift), so a failing case can be reproduced by index.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn port(&mut self) -> u16 {
        PORTS[self.below(PORTS.len() as u64) as usize]
    }
}

#[derive(Debug, Clone)]
enum M {
    Proto(&'static str),
    Dport(u16),
    Range(u16, u16),
    Multi(Vec<u16>),
    NotDport(u16),
    StateNew,
    StateEst,
    Lo,
    NotLo,
    SrcPeer,
    SrcOther,
    IfaceVs,
    Syn,
}

#[derive(Debug, Clone)]
enum T {
    Accept,
    Drop,
    Reject,
    Return,
    Jump(usize),
    Log,
    Count,
    /// `tcp dport vmap { a : accept, b : drop }` (two rules in iptables).
    Vmap(u16, u16),
}

#[derive(Debug, Clone)]
struct R {
    ms: Vec<M>,
    t: T,
}

#[derive(Debug, Clone)]
struct Case {
    policy_drop: bool,
    input: Vec<R>,
    users: Vec<Vec<R>>,
    /// A DROP for one port in a PREROUTING chain.
    pre_drop: Option<u16>,
    /// Some rule depends on the peer's address or interface.
    conditional: bool,
}

fn gen_rule(rng: &mut Rng, chain: Option<usize>, users: usize, conditional: &mut bool) -> R {
    let mut ms = Vec::new();
    let mut proto = None;
    if rng.chance(75) {
        let p = if rng.chance(85) { "tcp" } else { "udp" };
        proto = Some(p);
        ms.push(M::Proto(p));
        if rng.chance(70) {
            ms.push(match rng.below(4) {
                0 => M::Dport(rng.port()),
                1 => {
                    let p = rng.port();
                    let lo = p.saturating_sub(rng.below(5) as u16);
                    M::Range(lo, p + rng.below(600) as u16)
                }
                2 => {
                    let mut v = vec![rng.port(), rng.port()];
                    if rng.chance(50) {
                        v.push(rng.port());
                    }
                    v.sort();
                    v.dedup();
                    M::Multi(v)
                }
                _ => M::NotDport(rng.port()),
            });
        }
    }
    if rng.chance(20) {
        ms.push(M::StateNew);
    } else if rng.chance(10) {
        ms.push(M::StateEst);
    }
    if rng.chance(8) {
        ms.push(M::Lo);
    } else if rng.chance(8) {
        ms.push(M::NotLo);
    } else if rng.chance(6) {
        ms.push(M::IfaceVs);
        *conditional = true;
    }
    if rng.chance(8) {
        ms.push(M::SrcPeer);
        *conditional = true;
    } else if rng.chance(6) {
        ms.push(M::SrcOther);
        *conditional = true;
    }
    if proto == Some("tcp") && rng.chance(8) {
        ms.push(M::Syn);
    }
    let first_user = chain.map(|c| c + 1).unwrap_or(0);
    let t = loop {
        let t = match rng.below(20) {
            0..=5 => T::Accept,
            6..=8 => T::Drop,
            9..=11 => T::Reject,
            12..=14 if first_user < users => {
                T::Jump(first_user + rng.below((users - first_user) as u64) as usize)
            }
            15 | 16 => T::Log,
            17 => T::Count,
            18 => T::Return,
            19 if ms.is_empty() => T::Vmap(rng.port(), rng.port()),
            _ => continue,
        };
        break t;
    };
    R { ms, t }
}

fn gen_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let users = rng.below(3) as usize;
    let mut conditional = false;
    let input = (0..1 + rng.below(6))
        .map(|_| gen_rule(&mut rng, None, users, &mut conditional))
        .collect();
    let users = (0..users)
        .map(|c| {
            (0..1 + rng.below(5))
                .map(|_| gen_rule(&mut rng, Some(c), users, &mut conditional))
                .collect()
        })
        .collect();
    Case {
        policy_drop: rng.chance(50),
        input,
        users,
        pre_drop: if rng.chance(20) {
            Some(rng.port())
        } else {
            None
        },
        conditional,
    }
}

fn ipt_rule(chain: &str, r: &R, v6: bool) -> String {
    let mut s = format!("-A {chain}");
    let mut proto = "tcp";
    for m in &r.ms {
        s.push(' ');
        s.push_str(&match m {
            M::Proto(p) => {
                proto = p;
                format!("-p {p}")
            }
            M::Dport(p) => format!("-m {proto} --dport {p}"),
            M::Range(a, b) => format!("-m {proto} --dport {a}:{b}"),
            M::NotDport(p) => format!("-m {proto} ! --dport {p}"),
            M::Multi(v) => format!(
                "-m multiport --dports {}",
                v.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
            ),
            M::StateNew => "-m conntrack --ctstate NEW".into(),
            M::StateEst => "-m state --state RELATED,ESTABLISHED".into(),
            M::Lo => "-i lo".into(),
            M::NotLo => "! -i lo".into(),
            M::IfaceVs => "-i vs".into(),
            M::SrcPeer if v6 => "-s 2001:db8::2/128".into(),
            M::SrcPeer => "-s 198.51.100.2/32".into(),
            M::SrcOther if v6 => "-s 2001:db8:1::/64".into(),
            M::SrcOther => "-s 203.0.113.0/24".into(),
            M::Syn => "-m tcp --syn".into(),
        });
    }
    let target = match &r.t {
        T::Accept => " -j ACCEPT".to_string(),
        T::Drop => " -j DROP".into(),
        T::Reject => " -j REJECT".into(),
        T::Return => " -j RETURN".into(),
        T::Jump(u) => format!(" -j U{u}"),
        T::Log => " -j LOG --log-prefix \"t \"".into(),
        T::Count => String::new(),
        T::Vmap(a, b) => {
            return format!(
                "-A {chain} -p tcp --dport {a} -j ACCEPT\n-A {chain} -p tcp --dport {b} -j DROP"
            );
        }
    };
    s + &target
}

fn iptables_text(c: &Case, v6: bool) -> String {
    let mut s = String::from("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    if let Some(p) = c.pre_drop {
        s.push_str(&format!(
            "-A PREROUTING -p tcp -m tcp --dport {p} -j DROP\n"
        ));
    }
    s.push_str("COMMIT\n*filter\n");
    s.push_str(&format!(
        ":INPUT {} [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n",
        if c.policy_drop { "DROP" } else { "ACCEPT" }
    ));
    for u in 0..c.users.len() {
        s.push_str(&format!(":U{u} - [0:0]\n"));
    }
    for r in &c.input {
        s.push_str(&ipt_rule("INPUT", r, v6));
        s.push('\n');
    }
    for (u, rules) in c.users.iter().enumerate() {
        for r in rules {
            s.push_str(&ipt_rule(&format!("U{u}"), r, v6));
            s.push('\n');
        }
    }
    s.push_str("COMMIT\n");
    s
}

fn nft_rule(r: &R) -> String {
    let mut parts = Vec::new();
    let mut proto = "tcp";
    for m in &r.ms {
        parts.push(match m {
            M::Proto(p) => {
                proto = p;
                format!("meta l4proto {p}")
            }
            M::Dport(p) => format!("{proto} dport {p}"),
            M::Range(a, b) => format!("{proto} dport {a}-{b}"),
            M::NotDport(p) => format!("{proto} dport != {p}"),
            M::Multi(v) => format!(
                "{proto} dport {{ {} }}",
                v.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
            ),
            M::StateNew => "ct state new".into(),
            M::StateEst => "ct state established,related".into(),
            M::Lo => "iifname \"lo\"".into(),
            M::NotLo => "iifname != \"lo\"".into(),
            M::IfaceVs => "iifname \"vs\"".into(),
            M::SrcPeer => "ip saddr 198.51.100.2".into(),
            M::SrcOther => "ip saddr 203.0.113.0/24".into(),
            M::Syn => "tcp flags & (syn | ack) == syn".into(),
        });
    }
    parts.push(match &r.t {
        T::Accept => "accept".into(),
        T::Drop => "drop".into(),
        T::Reject => "reject".into(),
        T::Return => "return".into(),
        T::Jump(u) => format!("jump u{u}"),
        T::Log => "log prefix \"t \"".into(),
        T::Count => "counter".into(),
        T::Vmap(a, b) if a == b => format!("tcp dport vmap {{ {a} : accept }}"),
        T::Vmap(a, b) => format!("tcp dport vmap {{ {a} : accept, {b} : drop }}"),
    });
    parts.join(" ")
}

fn nft_text(c: &Case) -> String {
    let mut s = String::from("flush ruleset\ntable inet t {\n");
    s.push_str("  chain pre {\n    type filter hook prerouting priority -300; policy accept;\n");
    if let Some(p) = c.pre_drop {
        s.push_str(&format!("    tcp dport {p} drop\n"));
    }
    s.push_str("  }\n  chain input {\n");
    s.push_str(&format!(
        "    type filter hook input priority 0; policy {};\n",
        if c.policy_drop { "drop" } else { "accept" }
    ));
    for r in &c.input {
        s.push_str(&format!("    {}\n", nft_rule(r)));
    }
    s.push_str("  }\n");
    for (u, rules) in c.users.iter().enumerate() {
        s.push_str(&format!("  chain u{u} {{\n"));
        for r in rules {
            s.push_str(&format!("    {}\n", nft_rule(r)));
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

/// What the tool said for (port, family) on one side ("now" or "after reboot").
fn tool_answers(report: &serde_json::Value, side: &str) -> BTreeMap<(u16, &'static str), String> {
    let mut out = BTreeMap::new();
    let details = common::check(report, "ssh.firewall")["details"]
        .as_array()
        .unwrap()
        .clone();
    for p in PORTS {
        for fam in ["IPv4", "IPv6"] {
            let head = format!("TCP {p} {side}, {fam}: ");
            let line = details
                .iter()
                .filter_map(|d| d.as_str())
                .find(|d| d.starts_with(&head))
                .unwrap_or_else(|| panic!("no `{head}` line in {details:#?}"));
            let rest = &line[head.len()..];
            let v = if rest.starts_with("accepted only") {
                "conditional"
            } else if rest.starts_with("accepted") {
                "accepted"
            } else if rest.starts_with("blocked") {
                "blocked"
            } else {
                "undetermined"
            };
            out.insert((*p, fam), format!("{v}|{rest}"));
        }
    }
    out
}

fn sshd_config() -> String {
    PORTS.iter().map(|p| format!("Port {p}\n")).collect()
}

/// Runs the binary live inside the server namespace.
fn live_report(pair: &NetPair) -> serde_json::Value {
    let out = pair
        .server_cmd(&[
            bin().to_str().unwrap(),
            "check",
            "--only",
            "ssh.firewall",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    common::validate(&v);
    v
}

/// A fixture root that boots with systemd and loads the rules with `unit` from `file`.
fn boot_root(unit: &str, unit_text: &str, file: &str, text: &str) -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/ssh/sshd_config", sshd_config())
        .file("/usr/lib/systemd/systemd", "")
        .file(&format!("/usr/lib/systemd/system/{unit}"), unit_text)
        .symlink(
            &format!("/etc/systemd/system/multi-user.target.wants/{unit}"),
            &format!("/usr/lib/systemd/system/{unit}"),
        )
        .file(file, text);
    t
}

fn root_report(t: &Tree) -> serde_json::Value {
    let (_, v) = common::check_root(t.path(), &["--only", "ssh.firewall"]);
    v
}

fn targets() -> Vec<(u16, &'static str, SocketAddr)> {
    let mut v = Vec::new();
    for p in PORTS {
        v.push((
            *p,
            "IPv4",
            format!("{}:{p}", netns::SERVER_V4).parse().unwrap(),
        ));
        v.push((
            *p,
            "IPv6",
            format!("[{}]:{p}", netns::SERVER_V6).parse().unwrap(),
        ));
    }
    v
}

/// Compares the tool's answers with what the kernel let in; returns the mismatches.
fn compare(
    what: &str,
    case: &Case,
    got_in: &BTreeMap<(u16, &'static str), bool>,
    tool: &BTreeMap<(u16, &'static str), String>,
    stats: &mut BTreeMap<&'static str, usize>,
) -> Vec<String> {
    let mut bad = Vec::new();
    for ((p, fam), ok) in got_in {
        let said = &tool[&(*p, *fam)];
        let kind = said.split('|').next().unwrap();
        *stats
            .entry(match kind {
                "accepted" => "accepted",
                "blocked" => "blocked",
                "conditional" => "conditional",
                _ => "undetermined",
            })
            .or_default() += 1;
        let fine = match kind {
            "accepted" => *ok,
            "blocked" => !*ok,
            // Only rules limited to sources or interfaces may make the answer partial.
            "conditional" => case.conditional,
            _ => false,
        };
        if !fine {
            bad.push(format!(
                "{what}: TCP {p} {fam}: kernel {} but the tool says {said}",
                if *ok { "accepted" } else { "blocked" }
            ));
        }
    }
    bad
}

fn run_cases(family: &str, cases: std::ops::Range<u64>) {
    if !is_root() {
        eprintln!("skipped: needs root to create network namespaces (CI runs as root)");
        return;
    }
    let pair = NetPair::new(PORTS);
    std::fs::create_dir_all(pair.etc().join("ssh")).unwrap();
    std::fs::write(pair.etc().join("ssh/sshd_config"), sshd_config()).unwrap();
    let targets = targets();
    let addrs: Vec<SocketAddr> = targets.iter().map(|t| t.2).collect();
    let mut mismatches = Vec::new();
    let mut stats: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut loaded = 0;
    for seed in cases {
        let case = gen_case(seed);
        pair.flush();
        let (boot, texts) = if family == "iptables" {
            let v4 = iptables_text(&case, false);
            let v6 = iptables_text(&case, true);
            if let Err(e) = pair.load(&["iptables-restore"], &v4) {
                panic!("case {seed}: iptables-restore refused:\n{v4}\n{e}");
            }
            pair.load(&["ip6tables-restore"], &v6)
                .unwrap_or_else(|e| panic!("case {seed}: ip6tables-restore refused:\n{v6}\n{e}"));
            let unit = "[Service]\nExecStart=/usr/libexec/iptables/iptables.init start\n";
            let t = boot_root("iptables.service", unit, "/etc/sysconfig/iptables", &v4);
            t.file("/usr/lib/systemd/system/ip6tables.service", unit)
                .symlink(
                    "/etc/systemd/system/multi-user.target.wants/ip6tables.service",
                    "/usr/lib/systemd/system/ip6tables.service",
                )
                .file("/etc/sysconfig/ip6tables", &v6);
            (t, format!("{v4}\n{v6}"))
        } else {
            let text = nft_text(&case);
            pair.load(&["nft", "-f", "-"], &text)
                .unwrap_or_else(|e| panic!("case {seed}: nft refused:\n{text}\n{e}"));
            let unit = "[Service]\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n";
            (
                boot_root("nftables.service", unit, "/etc/nftables.conf", &text),
                text,
            )
        };
        loaded += 1;
        let reach = pair.reachable(&addrs);
        let got_in: BTreeMap<(u16, &'static str), bool> = targets
            .iter()
            .zip(reach)
            .map(|((p, f, _), ok)| ((*p, *f), ok))
            .collect();
        let live = tool_answers(&live_report(&pair), "now");
        let booted = tool_answers(&root_report(&boot), "after reboot");
        let mut bad = compare("live", &case, &got_in, &live, &mut stats);
        bad.extend(compare("--root", &case, &got_in, &booted, &mut stats));
        if !bad.is_empty() {
            mismatches.push(format!("case {seed}:\n{texts}\n{}", bad.join("\n")));
        }
    }
    eprintln!("{family}: {loaded} rule sets, answers {stats:?}");
    assert!(
        mismatches.is_empty(),
        "{} of {loaded} rule sets disagree with the kernel:\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
    // The generator must exercise every kind of answer.
    for k in ["accepted", "blocked", "conditional"] {
        assert!(
            stats.get(k).copied().unwrap_or(0) > 0,
            "no {k} answers in {stats:?}"
        );
    }
}

/// Generated iptables and ip6tables rule sets, loaded with iptables-restore: the live answers
/// (iptables-save inside the namespace) and the boot answers (/etc/sysconfig/iptables with the
/// iptables service enabled, --root) agree with the kernel for every port and IP version.
#[test]
fn iptables_rulesets_agree_with_kernel() {
    run_cases("iptables", 0..60);
}

/// Generated nftables rule sets (inet table, prerouting and input base chains, user chains,
/// sets, vmaps), loaded with nft -f: live answers (nft -j) and boot answers (/etc/nftables.conf
/// with nftables.service enabled, --root) agree with the kernel.
#[test]
fn nftables_rulesets_agree_with_kernel() {
    run_cases("nftables", 1000..1060);
}

/// Without any rule in the namespace the tool says so and every port is reachable.
#[test]
fn empty_namespace_is_no_firewall() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let pair = NetPair::new(&[22]);
    let reach = pair.reachable(&["198.51.100.1:22".parse().unwrap()]);
    assert_eq!(reach, vec![true]);
    let v = live_report(&pair);
    let details = common::check(&v, "ssh.firewall")["details"].to_string();
    assert!(
        details.contains("TCP 22 now, IPv4: accepted: no firewall rules"),
        "{details}"
    );
}

/// Listens on `port` inside the namespace from a copy of /bin/sleep placed in `dir`, so that
/// the socket's only holder is a process whose executable lives in `dir`.
fn hold_port_from(pair: &NetPair, port: u16, dir: &std::path::Path) -> std::process::Child {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let sleep = dir.join("sleep");
    std::fs::copy("/bin/sleep", &sleep).unwrap();
    let ns = pair.server.clone();
    let fd = std::thread::spawn(move || {
        let f = std::fs::File::open(format!("/run/netns/{ns}")).unwrap();
        nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        std::net::TcpListener::bind(("0.0.0.0", port))
            .unwrap()
            .into_raw_fd()
    })
    .join()
    .unwrap();
    // Inherited by the child (no close-on-exec), then closed here.
    let flags = nix::fcntl::fcntl(
        unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) },
        nix::fcntl::FcntlArg::F_GETFD,
    )
    .unwrap();
    let mut flags = nix::fcntl::FdFlag::from_bits_truncate(flags);
    flags.remove(nix::fcntl::FdFlag::FD_CLOEXEC);
    nix::fcntl::fcntl(
        unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) },
        nix::fcntl::FcntlArg::F_SETFD(flags),
    )
    .unwrap();
    let child = std::process::Command::new(&sleep)
        .arg("60")
        .spawn()
        .unwrap();
    drop(unsafe { std::fs::File::from_raw_fd(fd) });
    child
}

fn mvc_report(pair: &NetPair, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        bin().to_str().unwrap().to_string(),
        "check".into(),
        "--only".into(),
        "mvc.port-20004".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = pair.server_cmd(&a).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::validate(&v);
    v
}

/// A program that is not Site Recovery's listening on 20004 fails the check, naming the
/// process found through its socket inode; the same program under the agent's install
/// directory (--install-dir) is recognised as Site Recovery's.
#[test]
fn port_20004_held_by_another_program() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let pair = NetPair::new(&[]);
    let dir = tempfile::tempdir().unwrap();
    let mut child = hold_port_from(&pair, 20004, dir.path());
    let v = mvc_report(&pair, &[]);
    let c = common::check(&v, "mvc.port-20004");
    assert_eq!(c["status"], "fail", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(summary.contains("already held"), "{summary}");
    assert!(
        summary.contains(&format!("pid {}", child.id())),
        "{summary}"
    );
    assert!(summary.contains("sleep"), "{summary}");
    let v = mvc_report(&pair, &["--install-dir", dir.path().to_str().unwrap()]);
    let c = common::check(&v, "mvc.port-20004");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(
        c["details"]
            .to_string()
            .contains("Site Recovery, as expected"),
        "{c:#}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// A DROP of 20004 is a warning without --multi-vm and a failure with it; the remediation
/// inserts an accept before the rule that drops.
#[test]
fn port_20004_blocked_warns_or_fails() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    // Nothing listens on 20004 here (a listener would be "another program" holding it).
    let pair = NetPair::new(&[22]);
    let rules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 20004 -j DROP\nCOMMIT\n";
    pair.load(&["iptables-restore"], rules).unwrap();
    let reach = pair.reachable(&["198.51.100.1:20004".parse().unwrap()]);
    assert_eq!(reach, vec![false]);
    let v = mvc_report(&pair, &[]);
    let c = common::check(&v, "mvc.port-20004");
    assert_eq!(c["status"], "warn", "{c:#}");
    let fix = c["remediation"].as_str().unwrap();
    assert!(
        fix.contains("iptables -I INPUT 2 -p tcp --dport 20004 -m state --state NEW -j ACCEPT"),
        "{fix}"
    );
    let v = mvc_report(&pair, &["--multi-vm"]);
    assert_eq!(common::status(&v, "mvc.port-20004"), "fail");
}
