//! `hosts.nic-addresses`: `/etc/hosts` maps the host name to every address of every network
//! adapter, "maps" meaning what glibc's files backend answers for that name.

use crate::facts::FactError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::hostname::first_label;
use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::network::{Nic, Origin};
use crate::parse::glob::Glob;
use crate::parse::hosts::Hosts;
use crate::scenario::Scenario;
use crate::text::escape_bytes;

/// Container and virtual-bridge interfaces: their addresses belong to guests or to the host's
/// plumbing, are not the machine's identity on the network, and do not exist after failover.
pub const DEFAULT_IGNORED: &[&str] = &[
    "docker*", "br-*", "virbr*", "cni*", "flannel*", "cali*", "vxlan*", "tun*", "tap*", "lxc*",
    "podman*", "veth*",
];

/// [`DEFAULT_IGNORED`] compiled once: an image can configure 150,000 adapters.
static DEFAULT_GLOBS: std::sync::LazyLock<Vec<(&str, Glob)>> = std::sync::LazyLock::new(|| {
    DEFAULT_IGNORED
        .iter()
        .filter_map(|p| Glob::new(p).ok().map(|g| (*p, g)))
        .collect()
});

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "hosts.nic-addresses",
    title: "/etc/hosts maps the host name to every adapter address",
    applies: Applies::Only(&[Scenario::VmwareToAzure, Scenario::PhysicalToAzure]),
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "Looking the machine's own host name up in /etc/hosts, the way the C library does, returns each IPv4 address of each network adapter that is up (loopback and container or virtual-bridge interfaces aside). With --root, the adapters are the static addresses of the image's network configuration.",
        why: "The seed lists it among the prerequisites of Linux machines protected with the Mobility service. When a machine's own name resolves, on the machine itself, to a loopback address or to only some of its adapters, software that looks the name up to learn the machine's address gets one that other machines cannot reach. Newer Site Recovery documents no longer state the rule (reference/asr-matrix.md section 5); it is checked as the seed gives it.",
        fix: "Add one line per adapter address to /etc/hosts, for example `198.51.100.10  web01.example.com web01`, and take the host name off loopback lines such as Debian's `127.0.1.1`.",
        reference: "seeds/000 (2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"Linux machines (physical or VMware)\"; reference/asr-matrix.md section 5 (rule only in 2016-2017 documents); reference/asr-errors.md section 3 (IPv4 on every NIC)",
        prevents: &[
            "registration: No Valid IP Address found",
            "replication: IP not found",
        ],
    },
    codes: &[
        Code::error(
            "cannot-read-hostname",
            "the host name could not be read, so there is nothing to look up",
        ),
        Code::error(
            "cannot-read-addresses",
            "the network adapters' addresses could not be read",
        ),
        Code::error("cannot-read-hosts", "/etc/hosts could not be read"),
        Code::fail(
            "unmapped-address",
            "/etc/hosts does not map the host name to an IPv4 address of an adapter that is up",
        ),
        Code::warn("no-ipv4-address", "no adapter has an IPv4 address to map"),
        Code::warn(
            "loopback-mapping",
            "the host name also maps to a loopback address, which lookups can return first",
        ),
        Code::warn(
            "ipv6-unmapped",
            "a global IPv6 address of an adapter is not mapped",
        ),
        Code::warn(
            "dhcp-address-unknown",
            "an adapter uses DHCP, so its address cannot be known from the image",
        ),
        Code::warn(
            "config-not-understood",
            "some network configuration values were not understood",
        ),
    ],
    run: check_hosts,
}];

/// Why an adapter is not counted, or `None` when it is.
pub(crate) fn not_counted(nic: &Nic, user: &[Glob]) -> Option<NotCounted> {
    let by_state = |why: String| {
        Some(NotCounted {
            why,
            by_name: false,
        })
    };
    if nic.loopback {
        return by_state("loopback".into());
    }
    if let Some(name) = &nic.name {
        if name == b"lo" {
            return by_state("loopback".into());
        }
        for (p, g) in DEFAULT_GLOBS.iter() {
            if g.matches(name) {
                return Some(NotCounted {
                    why: format!("container or virtual-bridge interface (matches {p})"),
                    by_name: true,
                });
            }
        }
        for g in user {
            if g.matches(name) {
                return Some(NotCounted {
                    why: format!("--ignore-interface {}", g.as_str()),
                    by_name: true,
                });
            }
        }
    }
    if let Some(m) = &nic.port_of {
        return by_state(format!("port of {m}, which holds the addresses"));
    }
    if !nic.up {
        return by_state(match nic.origin {
            Origin::Kernel => "down".into(),
            Origin::Config { .. } => "not brought up at boot".into(),
        });
    }
    None
}

/// Why an adapter's addresses are not looked for: `by_name` when its name matched a default
/// or user ignore pattern (shown as "ignored"), otherwise its state (loopback, down, a port).
pub(crate) struct NotCounted {
    pub why: String,
    pub by_name: bool,
}

/// An address to look for in /etc/hosts.
struct Wanted {
    addr: IpAddr,
    nic: String,
    set_at: Option<String>,
}

impl Wanted {
    fn shown(&self) -> String {
        match &self.set_at {
            Some(at) => format!("{} on {} (set at {at})", self.addr, self.nic),
            None => format!("{} on {}", self.addr, self.nic),
        }
    }
}

fn is_ipv6_link_local(a: &Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}

fn lines_list(lines: &[usize]) -> String {
    let l: Vec<String> = lines.iter().map(usize::to_string).collect();
    if l.len() == 1 {
        format!("line {}", l[0])
    } else {
        format!("lines {}", l.join(", "))
    }
}

/// The names to put on an added line: the FQDN and the short name when known.
fn names_for_line(name: &[u8], hosts: &Hosts) -> String {
    let short = first_label(name);
    if short.len() < name.len() {
        return format!("{} {}", escape_bytes(name), escape_bytes(short));
    }
    // A short host name: reuse an FQDN written for it on an existing line (Debian's 127.0.1.1).
    let mut prefix = name.to_vec();
    prefix.push(b'.');
    let fqdn = hosts
        .lines_naming(name)
        .flat_map(|e| e.names.iter())
        .find(|n| n.len() > prefix.len() && n[..prefix.len()].eq_ignore_ascii_case(&prefix));
    match fqdn {
        Some(f) => format!("{} {}", escape_bytes(f), escape_bytes(name)),
        None => escape_bytes(name),
    }
}

fn check_hosts(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let live = ctx.facts.is_live();
    let h = ctx.facts.hostname();
    let Some(name) = h.name.as_deref().filter(|n| !n.is_empty()) else {
        if live || !h.errors.is_empty() {
            return Ok(Finding::error(
                "could not read the host name, so there is nothing to look up",
            )
            .code("cannot-read-hostname")
            .detail(h.source.clone())
            .details(h.errors.clone()));
        }
        return Ok(Finding::skip(format!(
            "the image configures no host name ({}), so there is no name to look up",
            h.source
        )));
    };
    let shown_name = escape_bytes(name);
    let net = ctx.facts.network();
    if !net.errors.is_empty() {
        return Ok(
            Finding::error("could not read the network adapters' addresses")
                .code("cannot-read-addresses")
                .details(net.errors.clone()),
        );
    }
    let hf = ctx.facts.hosts();
    let empty = Hosts::default();
    let (hosts, hosts_missing) = match &hf.hosts {
        Ok(Some(h)) => (h, false),
        Ok(None) => (&empty, true),
        Err(e) => {
            return Ok(Finding::error(format!("could not read {}", hf.path))
                .code("cannot-read-hosts")
                .detail(e.clone()));
        }
    };

    let mut details = vec![format!("host name '{shown_name}' from {}", h.source)];
    let wanted = wanted_addresses(&net.nics, &ctx.options.ignore_interfaces, &mut details);
    for p in &net.problems {
        details.push(format!("not understood: {p}"));
    }
    if !live && wanted.v4.is_empty() && wanted.v6.is_empty() && wanted.dhcp.is_empty() {
        let read = if net.sources.is_empty() {
            "none of ifcfg-* (Red Hat, SUSE), /etc/network/interfaces, /etc/netplan/*.yaml or NetworkManager keyfiles exists".to_string()
        } else {
            format!("read {}", net.sources.join(", "))
        };
        return Ok(Finding::skip(
            "the image's network configuration sets no static address and no DHCP interface, so the adapters' addresses are unknown",
        )
        .detail(read)
        .details(details));
    }

    let lookup = Lookup {
        name,
        shown_name: &shown_name,
        hosts,
        path: hf.path,
    };
    let answers = lookup.answers(&wanted, &mut details);
    if hosts_missing {
        details.push(format!("{} does not exist", hf.path));
    }
    details.push(format!("addresses from {}", net.sources.join(", ")));
    let fix = lookup.fix_lines(&answers, &wanted, live);
    let verdict = lookup.verdict(&answers, &wanted, !net.problems.is_empty(), live);
    Ok(verdict.finding(details, fix))
}

/// The addresses the counted adapters should be found under, and their DHCP interfaces.
#[derive(Default)]
struct WantedAddresses {
    v4: Vec<Wanted>,
    v6: Vec<Wanted>,
    /// Interfaces configured by DHCP, whose address an image does not say.
    dhcp: Vec<String>,
}

/// Collects the addresses to look for from the adapters that count, noting in `details` the
/// adapters left out and the DHCP ones.
fn wanted_addresses(nics: &[Nic], ignore: &[Glob], details: &mut Vec<String>) -> WantedAddresses {
    let mut w = WantedAddresses::default();
    let mut seen: std::collections::HashSet<IpAddr> = std::collections::HashSet::new();
    for nic in nics {
        let nic_name = nic.shown();
        if let Some(nc) = not_counted(nic, ignore) {
            if !nic.loopback {
                details.push(left_out(nic, &nic_name, &nc));
            }
            continue;
        }
        if nic.dhcp4 {
            w.dhcp.push(format!("{nic_name} ({})", nic.described_at()));
            details.push(format!(
                "{nic_name}: DHCP ({}); its address cannot be known from the image",
                nic.described_at()
            ));
        }
        for a in &nic.addrs {
            let list = match a.addr {
                IpAddr::V4(v4) if !v4.is_loopback() => &mut w.v4,
                IpAddr::V6(v6)
                    if !v6.is_loopback() && !v6.is_multicast() && !is_ipv6_link_local(&v6) =>
                {
                    &mut w.v6
                }
                _ => continue,
            };
            // The same address on two adapters (or in two files) is looked for once.
            if seen.insert(a.addr) {
                list.push(Wanted {
                    addr: a.addr,
                    nic: nic_name.clone(),
                    set_at: a.set_at.clone(),
                });
            }
        }
    }
    w
}

/// The detail line for an adapter that is not counted, with its addresses.
fn left_out(nic: &Nic, nic_name: &str, nc: &NotCounted) -> String {
    // Link-local IPv6 addresses are never looked for, so they are not listed either (the kernel
    // adds one to each adapter a moment after it comes up).
    let addrs: Vec<String> = nic
        .addrs
        .iter()
        .filter(|a| !matches!(a.addr, IpAddr::V6(v6) if is_ipv6_link_local(&v6)))
        .map(|a| a.addr.to_string())
        .collect();
    let tag = if nc.by_name { "ignored" } else { "not counted" };
    format!(
        "{tag}: {nic_name} ({}){}",
        nc.why,
        if addrs.is_empty() {
            String::new()
        } else {
            format!(": {}", addrs.join(", "))
        }
    )
}

/// The host name looked up in one hosts file.
struct Lookup<'a> {
    name: &'a [u8],
    shown_name: &'a str,
    hosts: &'a Hosts,
    path: &'a str,
}

/// What the lookup answered for the wanted addresses.
struct Answers<'a> {
    missing: Vec<&'a Wanted>,
    missing_v6: Vec<&'a Wanted>,
    /// The first loopback IPv4 address the name maps to.
    first_loopback: Option<Ipv4Addr>,
    /// Lines mapping the name to a loopback address (IPv4 or IPv6), in order.
    loop_lines: Vec<usize>,
}

/// The status, summary and one coded problem line per problem found.
struct Verdict {
    status: Status,
    summary: String,
    problems: Vec<(Status, &'static str, String)>,
}

impl Verdict {
    fn one(status: Status, code: &'static str, summary: String) -> Verdict {
        Verdict {
            status,
            problems: vec![(status, code, summary.clone())],
            summary,
        }
    }

    /// The finding: the first problem's code is the finding's code; the fix only when not passing.
    fn finding(self, details: Vec<String>, fix: Vec<String>) -> Finding {
        let mut f = match self.status {
            Status::Fail => Finding::fail(self.summary),
            Status::Warn => Finding::warn(self.summary),
            _ => Finding::pass(self.summary),
        }
        .details(details);
        if let Some(first) = self.problems.first() {
            f = f.code(first.1);
        }
        for (status, code, text) in self.problems {
            f = f.problem(status, code, text);
        }
        if !fix.is_empty() && self.status != Status::Pass {
            f = f.fix(fix.join("\n"));
        }
        f
    }
}

impl Lookup<'_> {
    /// Looks each wanted address up, noting in `details` where it is mapped or that it is not,
    /// the loopback lines, and the lines the C library skips that mention the name.
    fn answers<'w>(&self, wanted: &'w WantedAddresses, details: &mut Vec<String>) -> Answers<'w> {
        let v4_answers = self.hosts.ipv4_answers(self.name);
        let v6_answers = self.hosts.ipv6_answers(self.name);
        let v4_lines = |w: &Wanted| -> Vec<usize> {
            let a = v4_answers.iter().filter(|a| IpAddr::V4(a.addr) == w.addr);
            a.map(|a| a.line).collect()
        };
        let v6_lines = |w: &Wanted| -> Vec<usize> {
            let a = v6_answers.iter().filter(|a| IpAddr::V6(a.addr) == w.addr);
            a.map(|a| a.line).collect()
        };
        let missing = self.look_up(&wanted.v4, "", v4_lines, details);
        let missing_v6 = self.look_up(&wanted.v6, " (IPv6)", v6_lines, details);
        let loopback: Vec<(Ipv4Addr, usize)> = v4_answers
            .iter()
            .filter(|a| a.addr.is_loopback())
            .map(|a| (a.addr, a.line))
            .collect();
        let loopback_v6 = v6_answers.iter().filter(|a| a.addr.is_loopback());
        let mut loop_lines: Vec<usize> = loopback
            .iter()
            .map(|l| l.1)
            .chain(loopback_v6.map(|a| a.line))
            .collect();
        loop_lines.sort_unstable();
        loop_lines.dedup();
        for line in &loop_lines {
            if let Some(e) = self.hosts.entries.iter().find(|e| e.line == *line) {
                details.push(format!(
                    "loopback: '{}' also maps to {} by {} line {line}",
                    self.shown_name, e.addr, self.path
                ));
            }
        }
        // Lines the C library skips but that were meant for this name (`web01 198.51.100.10`).
        for s in self.hosts.skipped.iter().filter(|s| s.mentions(self.name)) {
            details.push(format!(
                "{} line {} names '{}' but is ignored by the C library: '{}' is not an address",
                self.path,
                s.line,
                self.shown_name,
                escape_bytes(&s.field)
            ));
        }
        Answers {
            missing,
            missing_v6,
            first_loopback: loopback.first().map(|l| l.0),
            loop_lines,
        }
    }

    /// The wanted addresses no line maps the name to; each one's lines go into `details`.
    fn look_up<'w>(
        &self,
        wanted: &'w [Wanted],
        tag: &str,
        lines_of: impl Fn(&Wanted) -> Vec<usize>,
        details: &mut Vec<String>,
    ) -> Vec<&'w Wanted> {
        let mut missing = Vec::new();
        for w in wanted {
            let lines = lines_of(w);
            if lines.is_empty() {
                details.push(format!("{}{tag}: not mapped", w.shown()));
                missing.push(w);
            } else {
                details.push(format!(
                    "{}{tag}: mapped by {} {}",
                    w.shown(),
                    self.path,
                    lines_list(&lines)
                ));
            }
        }
        missing
    }

    /// What to do: the lines to add, and the loopback lines to take the name off.
    fn fix_lines(&self, a: &Answers<'_>, wanted: &WantedAddresses, live: bool) -> Vec<String> {
        let names = names_for_line(self.name, self.hosts);
        let add: Vec<String> = a
            .missing
            .iter()
            .chain(a.missing_v6.iter())
            .map(|w| format!("{}  {names}", w.addr))
            .collect();
        let mut fix = Vec::new();
        if !add.is_empty() {
            fix.push(format!(
                "Add to {}{}:\n{}",
                self.path,
                if live { "" } else { " of the image" },
                add.join("\n")
            ));
        }
        for line in &a.loop_lines {
            if let Some(e) = self.hosts.entries.iter().find(|e| e.line == *line) {
                let written: Vec<String> = e.names.iter().map(|n| escape_bytes(n)).collect();
                fix.push(format!(
                    "Take '{}' off {} line {line} (`{} {}`): resolving the name must not give a loopback address.",
                    self.shown_name,
                    self.path,
                    e.addr,
                    written.join(" ")
                ));
            }
        }
        if !wanted.dhcp.is_empty() {
            fix.push(
                "For DHCP interfaces, give them a static address (or a fixed DHCP reservation) and map the host name to it in /etc/hosts.".to_string(),
            );
        }
        fix
    }

    /// An unmapped IPv4 address fails; no IPv4 address at all warns; otherwise the warnings
    /// (loopback mapping, unmapped IPv6, DHCP, values not understood) or a pass.
    fn verdict(
        &self,
        a: &Answers<'_>,
        wanted: &WantedAddresses,
        not_understood: bool,
        live: bool,
    ) -> Verdict {
        let shown_name = self.shown_name;
        if !a.missing.is_empty() {
            let missing: Vec<String> = a
                .missing
                .iter()
                .map(|w| format!("{} ({})", w.addr, w.nic))
                .collect();
            let summary = format!(
                "{} does not map '{shown_name}' to {}",
                self.path,
                missing.join(", ")
            );
            return Verdict::one(Status::Fail, "unmapped-address", summary);
        }
        if wanted.v4.is_empty() && wanted.dhcp.is_empty() {
            let summary = if live {
                "no network adapter has an IPv4 address to map (Site Recovery needs one per adapter)"
                    .to_string()
            } else {
                "the image's configuration gives no adapter an IPv4 address (Site Recovery needs one per adapter)".to_string()
            };
            return Verdict::one(Status::Warn, "no-ipv4-address", summary);
        }
        let warns = self.warnings(a, wanted, not_understood);
        if warns.is_empty() {
            let all: Vec<String> = wanted.v4.iter().map(|w| w.addr.to_string()).collect();
            let summary = format!(
                "{} maps '{shown_name}' to every adapter address ({})",
                self.path,
                all.join(", ")
            );
            return Verdict {
                status: Status::Pass,
                summary,
                problems: Vec::new(),
            };
        }
        let texts: Vec<&str> = warns.iter().map(|w| w.1.as_str()).collect();
        Verdict {
            status: Status::Warn,
            summary: texts.join("; "),
            problems: warns
                .into_iter()
                .map(|(code, text)| (Status::Warn, code, text))
                .collect(),
        }
    }

    /// The warnings of a run where every IPv4 address is mapped, each with its code.
    fn warnings(
        &self,
        a: &Answers<'_>,
        wanted: &WantedAddresses,
        not_understood: bool,
    ) -> Vec<(&'static str, String)> {
        let mut warns = Vec::new();
        if !a.loop_lines.is_empty() {
            let first = a
                .first_loopback
                .map(|l| l.to_string())
                .unwrap_or_else(|| "::1".into());
            warns.push((
                "loopback-mapping",
                format!(
                    "'{}' also maps to loopback {first}, which lookups can return first",
                    self.shown_name
                ),
            ));
        }
        if !a.missing_v6.is_empty() {
            let v6: Vec<String> = a
                .missing_v6
                .iter()
                .map(|w| format!("{} ({})", w.addr, w.nic))
                .collect();
            warns.push((
                "ipv6-unmapped",
                format!("IPv6 {} not mapped", v6.join(", ")),
            ));
        }
        let dhcp = &wanted.dhcp;
        if !dhcp.is_empty() {
            warns.push((
                "dhcp-address-unknown",
                format!(
                    "{} {} DHCP, so {} address cannot be known from the image",
                    dhcp.join(", "),
                    if dhcp.len() == 1 { "uses" } else { "use" },
                    if dhcp.len() == 1 { "its" } else { "their" }
                ),
            ));
        }
        if not_understood {
            warns.push((
                "config-not-understood",
                "some network configuration values were not understood".into(),
            ));
        }
        warns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckOptions, evaluate, find};
    use crate::facts::{Facts, Sources};
    use crate::matrix;
    use crate::probe::{FakeProbe, Interface};
    use crate::root::Root;

    fn run_live(
        id: &str,
        host: &str,
        ifs: Vec<Interface>,
        hosts: &str,
        opts: CheckOptions,
    ) -> Finding {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/hosts"), hosts).unwrap();
        let mut probe = FakeProbe::new("5.14.0-70.el9.x86_64", host);
        probe.interfaces = Ok(ifs);
        // A live run whose files come from a fixture tree: the probe makes it live.
        let facts = Facts::new(Sources {
            root: Root::image(dir.path()).unwrap(),
            probe: Some(Box::new(probe)),
        });
        let m = matrix::load(matrix::DEFAULT).unwrap();
        let all = matrix::builtins();
        let ctx = Context {
            facts: &facts,
            scenario: Scenario::VmwareToAzure,
            matrix: &m,
            all_matrices: &all,
            options: &opts,
        };
        evaluate(find(id).unwrap(), &ctx)
    }

    fn eth(name: &str, addrs: &[&str]) -> Interface {
        Interface::new(name, addrs)
    }

    /// All addresses mapped: pass; the loopback interface is not counted.
    #[test]
    fn all_mapped_passes() {
        let f = run_live(
            "hosts.nic-addresses",
            "web01",
            vec![
                eth("lo", &["127.0.0.1/8"]),
                eth("eth0", &["198.51.100.10/24", "fe80::1/64"]),
            ],
            "127.0.0.1 localhost\n198.51.100.10 web01.example.com web01\n",
            CheckOptions::default(),
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(
            f.details
                .iter()
                .any(|d| d == "198.51.100.10 on eth0: mapped by /etc/hosts line 2")
        );
        assert!(f.remediation.is_none());
    }

    /// A missing address fails and the fix names the exact line, reusing the FQDN of the
    /// Debian loopback line, which itself is a warning-level fix.
    #[test]
    fn missing_address_fails_with_exact_line() {
        let f = run_live(
            "hosts.nic-addresses",
            "web01",
            vec![
                eth("eth0", &["198.51.100.10/24"]),
                eth("eth1", &["203.0.113.5/24"]),
            ],
            "127.0.1.1 web01.example.com web01\n198.51.100.10 web01\n",
            CheckOptions::default(),
        );
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("203.0.113.5 (eth1)"), "{}", f.summary);
        let fix = f.remediation.unwrap();
        assert!(
            fix.contains("\n203.0.113.5  web01.example.com web01"),
            "{fix}"
        );
        assert!(fix.contains("Take 'web01' off /etc/hosts line 1"), "{fix}");
    }

    /// The loopback line alone makes a warning; container interfaces and --ignore-interface
    /// globs are listed as ignored; interfaces that are down are not counted.
    #[test]
    fn loopback_and_ignored() {
        let mut down = eth("eth2", &["203.0.113.7/24"]);
        down.up = false;
        let opts = CheckOptions {
            ignore_interfaces: vec![Glob::new("ib*").unwrap()],
            ..CheckOptions::default()
        };
        let f = run_live(
            "hosts.nic-addresses",
            "Web01",
            vec![
                eth("eth0", &["198.51.100.10/24"]),
                eth("docker0", &["172.17.0.1/16", "fe80::42:1/64"]),
                eth("ib0", &["203.0.113.9/24"]),
                down,
            ],
            "::1 localhost\n127.0.1.1 web01\n198.51.100.10 WEB01\n",
            opts,
        );
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(f.summary.contains("loopback 127.0.1.1"), "{}", f.summary);
        let d = f.details.join("\n");
        // The ignored adapter's link-local address is not listed: it is never looked for.
        assert!(d.lines().any(|l| l == "ignored: docker0 (container or virtual-bridge interface (matches docker*)): 172.17.0.1"), "{d}");
        assert!(d.contains("ignored: ib0 (--ignore-interface ib*)"), "{d}");
        assert!(d.contains("not counted: eth2 (down)"), "{d}");
    }

    /// An unmapped global IPv6 address warns; its link-local address is never asked for.
    #[test]
    fn ipv6_unmapped_warns() {
        let f = run_live(
            "hosts.nic-addresses",
            "web01",
            vec![eth(
                "eth0",
                &["198.51.100.10/24", "2001:db8::10/64", "fe80::10/64"],
            )],
            "198.51.100.10 web01\n",
            CheckOptions::default(),
        );
        assert_eq!(f.status, Status::Warn);
        assert!(
            f.summary.contains("IPv6 2001:db8::10 (eth0) not mapped"),
            "{}",
            f.summary
        );
        assert!(!f.details.join("\n").contains("fe80"));
        assert!(f.remediation.unwrap().contains("2001:db8::10  web01"));
    }

    /// A probe failure is an error, never a pass.
    #[test]
    fn probe_failure_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut probe = FakeProbe::new("5.14.0", "web01");
        probe.interfaces = Err(crate::probe::ProbeError {
            what: "getifaddrs",
            cause: "EPERM".into(),
        });
        let facts = Facts::new(Sources {
            root: Root::image(dir.path()).unwrap(),
            probe: Some(Box::new(probe)),
        });
        let m = matrix::load(matrix::DEFAULT).unwrap();
        let all = matrix::builtins();
        let opts = CheckOptions::default();
        let ctx = Context {
            facts: &facts,
            scenario: Scenario::PhysicalToAzure,
            matrix: &m,
            all_matrices: &all,
            options: &opts,
        };
        let f = evaluate(find("hosts.nic-addresses").unwrap(), &ctx);
        assert_eq!(f.status, Status::Error);
        assert!(f.details[0].contains("getifaddrs"));
    }

    /// hostname.valid: FQDNs are judged by their first label; a bad name fails with a fix.
    #[test]
    fn hostname_check() {
        let f = run_live(
            "hostname.valid",
            "web01.example.com",
            vec![],
            "",
            CheckOptions::default(),
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
        let f = run_live(
            "hostname.valid",
            "web_01.example.com",
            vec![],
            "",
            CheckOptions::default(),
        );
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("character 4 is '_'"), "{}", f.summary);
        assert!(f.remediation.unwrap().contains("web-01.example.com"));
        let f = run_live(
            "hostname.valid",
            "localhost",
            vec![],
            "",
            CheckOptions::default(),
        );
        assert_eq!(f.status, Status::Warn);
    }
}
