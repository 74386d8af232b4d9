//! Inbound connections through the local firewall, shared by `ssh.firewall` (in `ssh.rs`: the
//! ports sshd listens on) and `mvc.port-20004` (in `mvc.rs`: the multi-VM consistency port).
//! Both ask of the firewall active now and of the one loaded at the next boot: will a new TCP
//! connection from another host to the port be accepted? IPv4 decides (Site Recovery reaches
//! guests over IPv4); the IPv6 answer is reported alongside.

use super::{Context, Status};
use crate::facts::firewall::{FirewallFacts, Side, Source};
use crate::firewall::egress::{Question, evaluate_out};
use crate::firewall::eval::{Answer, Verdict, evaluate};
use crate::firewall::{Family, IptablesService, Manager, Origin, Ruleset};

/// The answer of one side (now or after reboot) for one port and IP version.
#[derive(Debug, Clone)]
pub(super) enum SideVerdict {
    /// No rules at all: nothing filters.
    NoFirewall,
    Accepted(Vec<Origin>),
    Blocked(Vec<Origin>),
    Conditional(Answer),
    Undetermined(Vec<String>),
    /// A source that applies could not be read.
    Unreadable(Vec<String>),
}

impl SideVerdict {
    /// Lower is worse.
    pub(super) fn rank(&self) -> u8 {
        match self {
            SideVerdict::Blocked(_) => 0,
            SideVerdict::Unreadable(_) => 1,
            SideVerdict::Undetermined(_) => 2,
            SideVerdict::Conditional(_) => 3,
            SideVerdict::Accepted(_) | SideVerdict::NoFirewall => 4,
        }
    }
    /// The verdict as a predicate, verb included ("TCP 22 {short} now").
    pub(super) fn short(&self) -> &'static str {
        match self {
            SideVerdict::NoFirewall => "is accepted (no firewall rules)",
            SideVerdict::Accepted(_) => "is accepted",
            SideVerdict::Blocked(_) => "is blocked",
            SideVerdict::Conditional(_) => "is accepted only for some peers",
            SideVerdict::Undetermined(_) => "cannot be determined",
            SideVerdict::Unreadable(_) => "has rules that could not be read",
        }
    }
}

/// Everything one side says about a port and an IP version.
pub(super) struct SideResult {
    pub(super) verdict: SideVerdict,
    /// Matches that could not be evaluated but did not change the answer.
    pub(super) notes: Vec<String>,
}

fn evaluate_side(side: &Side, port: u16, family: Family) -> Option<SideResult> {
    evaluate_side_with(side, family, &|rs| evaluate(rs, family, port))
}

/// One side's answer to the question `ask` puts to each rule set of `family`.
pub(super) fn evaluate_side_with(
    side: &Side,
    family: Family,
    ask: &dyn Fn(&Ruleset) -> Answer,
) -> Option<SideResult> {
    let Side::Known { sources, .. } = side else {
        return None;
    };
    let mut blocked = Vec::new();
    let mut unreadable = Vec::new();
    let mut undetermined = Vec::new();
    let mut conditional: Option<Answer> = None;
    let mut accepted = Vec::new();
    let mut notes = Vec::new();
    let mut any_rules = false;
    for s in sources
        .iter()
        .filter(|s: &&Source| s.families.contains(&family))
    {
        let rs = match &s.ruleset {
            Ok(rs) => rs,
            Err(e) => {
                unreadable.push(format!("{}: {e}", s.name));
                continue;
            }
        };
        notes.extend(rs.notes.iter().map(|n| format!("{}: {n}", s.name)));
        let a = ask(rs);
        if a.no_rules {
            continue;
        }
        any_rules = true;
        match a.verdict {
            Verdict::Accepted => {
                accepted.extend(a.accepted_by.iter().cloned());
                notes.extend(
                    a.unknowns.iter().map(|u| {
                        format!("not evaluated, but the answer is the same either way: {u}")
                    }),
                );
            }
            Verdict::Blocked => blocked.extend(a.blocked_by.iter().cloned()),
            Verdict::Undetermined => undetermined.extend(a.unknowns.iter().cloned()),
            Verdict::Conditional => {
                conditional = Some(match conditional {
                    None => a,
                    Some(mut prev) => {
                        prev.conditions.extend(a.conditions);
                        prev.accepted_by.extend(a.accepted_by);
                        prev.blocked_by.extend(a.blocked_by);
                        prev
                    }
                })
            }
        }
    }
    let verdict = if !blocked.is_empty() {
        SideVerdict::Blocked(blocked)
    } else if !unreadable.is_empty() {
        SideVerdict::Unreadable(unreadable)
    } else if !undetermined.is_empty() {
        SideVerdict::Undetermined(undetermined)
    } else if let Some(a) = conditional {
        SideVerdict::Conditional(a)
    } else if !any_rules {
        SideVerdict::NoFirewall
    } else {
        SideVerdict::Accepted(accepted)
    };
    Some(SideResult { verdict, notes })
}

/// The answers for one port.
pub(super) struct PortResult {
    port: u16,
    now: [Option<SideResult>; 2],
    boot: [Option<SideResult>; 2],
    /// Output-chain rules that block the replies, where they decide (fixed differently).
    reply_blockers: Vec<Origin>,
}

impl PortResult {
    fn v4(&self) -> (Option<&SideVerdict>, Option<&SideVerdict>) {
        (
            self.now[0].as_ref().map(|r| &r.verdict),
            self.boot[0].as_ref().map(|r| &r.verdict),
        )
    }
    /// The worst IPv4 verdict of the two sides.
    fn worst(&self) -> &SideVerdict {
        let (n, b) = self.v4();
        match (n, b) {
            (Some(n), Some(b)) if n.rank() <= b.rank() => n,
            (_, Some(b)) => b,
            (Some(n), None) => n,
            (None, None) => &SideVerdict::NoFirewall,
        }
    }
}

pub(super) fn port_result(ctx: &Context<'_>, port: u16) -> PortResult {
    let fw = ctx.facts.firewall();
    let fams = [Family::V4, Family::V6];
    let mut reply_blockers = Vec::new();
    let mut side = |s: &Side, f: Family| {
        let inbound = evaluate_side(s, port, f);
        let reply = evaluate_side_with(s, f, &|rs| evaluate_out(rs, f, &Question::Reply { port }));
        with_reply(inbound, reply, port, &mut reply_blockers)
    };
    let now = fams.map(|f| side(&fw.now, f));
    let boot = fams.map(|f| side(&fw.boot, f));
    PortResult {
        port,
        now,
        boot,
        reply_blockers,
    }
}

/// The inbound answer, unless the replies (SYN-ACK, conntrack ESTABLISHED, leaving through the
/// OUTPUT and POSTROUTING chains) fare worse: an accepted connection whose replies never leave
/// the machine is no connection.
fn with_reply(
    inbound: Option<SideResult>,
    reply: Option<SideResult>,
    port: u16,
    reply_blockers: &mut Vec<Origin>,
) -> Option<SideResult> {
    let (mut i, r) = match (inbound, reply) {
        (Some(i), Some(r)) => (i, r),
        (i, _) => return i,
    };
    if r.verdict.rank() < i.verdict.rank() {
        match &r.verdict {
            SideVerdict::Blocked(o) => reply_blockers.extend(o.iter().cloned()),
            SideVerdict::Conditional(a) => reply_blockers.extend(a.blocked_by.iter().cloned()),
            _ => {}
        }
        i.notes.push(format!(
            "the replies from TCP {port} (leaving through the output chains) {}; the inbound rules alone would answer: {}",
            reply_short(&r.verdict),
            i.verdict.short()
        ));
        i.notes.extend(r.notes);
        i.verdict = r.verdict;
    }
    Some(i)
}

fn reply_short(v: &SideVerdict) -> &'static str {
    match v {
        SideVerdict::NoFirewall | SideVerdict::Accepted(_) => "are let out",
        SideVerdict::Blocked(_) => "are blocked",
        SideVerdict::Conditional(_) => {
            "are let out only for some peers (the peer's port or address decides)"
        }
        SideVerdict::Undetermined(_) => "cannot be determined",
        SideVerdict::Unreadable(_) => "have rules that could not be read",
    }
}

/// Rules named in one line at most; the rest are counted (a fail2ban chain has thousands).
const MAX_NAMED: usize = 5;
/// Conditions listed at most per side and IP version.
const MAX_CONDITIONS: usize = 10;

pub(super) fn describe_origins(o: &[Origin]) -> String {
    let mut v: Vec<String> = o.iter().map(|o| o.to_string()).collect();
    v.dedup();
    let more = v.len().saturating_sub(MAX_NAMED);
    v.truncate(MAX_NAMED);
    let mut s = v.join("; ");
    if more > 0 {
        s.push_str(&format!("; and {more} more"));
    }
    s
}

/// Detail lines for one side and family.
pub(super) fn side_details(label: &str, family: Family, r: &SideResult, out: &mut Vec<String>) {
    let head = format!("{label}, {}:", family.as_str());
    match &r.verdict {
        SideVerdict::NoFirewall => out.push(format!(
            "{head} accepted: no firewall rules filter inbound connections"
        )),
        SideVerdict::Accepted(o) => out.push(format!("{head} accepted by {}", describe_origins(o))),
        SideVerdict::Blocked(o) => out.push(format!("{head} blocked by {}", describe_origins(o))),
        SideVerdict::Conditional(a) => {
            out.push(format!(
                "{head} accepted only for some peers or interfaces (accepted by {}; blocked by {})",
                describe_origins(&a.accepted_by),
                describe_origins(&a.blocked_by)
            ));
            for c in a.conditions.iter().take(MAX_CONDITIONS) {
                out.push(format!(
                    "{head} depends on {}: {}",
                    c.kind.describe(),
                    c.origin
                ));
            }
            if a.conditions.len() > MAX_CONDITIONS {
                out.push(format!(
                    "{head} and {} more rules limited to some peers or interfaces",
                    a.conditions.len() - MAX_CONDITIONS
                ));
            }
        }
        SideVerdict::Undetermined(u) => {
            for x in u.iter().take(MAX_CONDITIONS) {
                out.push(format!("{head} cannot be evaluated: {x}"));
            }
            if u.len() > MAX_CONDITIONS {
                out.push(format!(
                    "{head} and {} more matches that cannot be evaluated",
                    u.len() - MAX_CONDITIONS
                ));
            }
        }
        SideVerdict::Unreadable(u) => {
            for x in u {
                out.push(format!("{head} could not be read: {x}"));
            }
        }
    }
    for n in r.notes.iter().take(MAX_CONDITIONS) {
        out.push(format!("{head} {n}"));
    }
}

pub(super) fn all_details(ctx: &Context<'_>, results: &[PortResult]) -> Vec<String> {
    let mut out = Vec::new();
    let fw = ctx.facts.firewall();
    for r in results {
        for (label, side) in [("now", &r.now), ("after reboot", &r.boot)] {
            for (i, fam) in [Family::V4, Family::V6].into_iter().enumerate() {
                if let Some(s) = &side[i] {
                    side_details(&format!("TCP {} {label}", r.port), fam, s, &mut out);
                }
            }
        }
    }
    rule_sources(fw, &mut out);
    out
}

/// Where each side's rules were read from (or why they cannot be), with its notes.
pub(super) fn rule_sources(fw: &FirewallFacts, out: &mut Vec<String>) {
    for (label, side) in [("now", &fw.now), ("after reboot", &fw.boot)] {
        match side {
            Side::Unknowable(why) => out.push(format!("{label}: {why}")),
            Side::Known { sources, notes } => {
                let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
                if names.is_empty() {
                    out.push(format!("{label}: no firewall rules are loaded"));
                } else {
                    out.push(format!("{label}: read {}", names.join(", ")));
                }
                out.extend(notes.iter().map(|n| format!("{label}: {n}")));
            }
        }
    }
}

/// Where the decision came from, for the summary.
pub(super) fn decided(v: &SideVerdict) -> String {
    match v {
        SideVerdict::Accepted(o) | SideVerdict::Blocked(o) => o
            .first()
            .map(|o| format!(" by {}", o.firewall))
            .unwrap_or_default(),
        SideVerdict::Conditional(a) => a
            .conditions
            .first()
            .map(|c| format!(" ({} decides: {})", c.kind.describe(), c.origin))
            .unwrap_or_default(),
        SideVerdict::Undetermined(u) | SideVerdict::Unreadable(u) => {
            u.first().map(|x| format!(": {x}")).unwrap_or_default()
        }
        SideVerdict::NoFirewall => String::new(),
    }
}

/// One line about one port: what now and after reboot say, and whether they disagree.
pub(super) fn port_summary(r: &PortResult) -> String {
    let (n, b) = r.v4();
    match (n, b) {
        (Some(n), Some(b)) if n.short() == b.short() => match n {
            SideVerdict::NoFirewall => format!(
                "TCP {}: no firewall is active now or configured for boot, so it is accepted",
                r.port
            ),
            _ => format!(
                "TCP {} {} now{} and after a reboot{}",
                r.port,
                n.short(),
                decided(n),
                decided(b)
            ),
        },
        (Some(n), Some(b)) => format!(
            "TCP {}: now and after a reboot disagree: it {} now{}, and {} after a reboot{}",
            r.port,
            n.short(),
            decided(n),
            b.short(),
            decided(b)
        ),
        (None, Some(b)) => format!(
            "TCP {} {} after a reboot{} (the running rules cannot be known with --root)",
            r.port,
            b.short(),
            decided(b)
        ),
        (Some(n), None) => format!("TCP {} {} now{}", r.port, n.short(), decided(n)),
        (None, None) => format!("TCP {}: nothing could be evaluated", r.port),
    }
}

/// Commands that open `port` in the firewall that blocked it.
pub(super) fn remediation(
    results: &[PortResult],
    ssh: bool,
    os_id: Option<&str>,
) -> Option<String> {
    let mut lines = Vec::new();
    for r in results {
        let mut origins = Vec::new();
        for side in [&r.boot, &r.now] {
            match side[0].as_ref().map(|s| &s.verdict) {
                Some(SideVerdict::Blocked(o)) => origins.extend(o.iter().cloned()),
                Some(SideVerdict::Conditional(a)) => origins.extend(a.blocked_by.iter().cloned()),
                _ => {}
            }
        }
        // A set: a blocklist of 100,000 rules gives as many distinct fixes.
        let mut seen = std::collections::HashSet::new();
        for o in origins {
            let fix = if r.reply_blockers.contains(&o) {
                reply_fix_for(&o, r.port)
            } else {
                fix_for(&o, r.port, ssh, os_id)
            };
            if seen.insert(fix.clone()) {
                lines.push(fix);
            }
        }
    }
    if lines.is_empty() {
        None
    } else {
        Some(lines.join("\n"))
    }
}

fn fix_for(o: &Origin, port: u16, ssh: bool, os_id: Option<&str>) -> String {
    match &o.manager {
        Manager::Firewalld => {
            let zone = o
                .chain
                .strip_prefix("zone ")
                .map(|z| format!(" --zone={z}"))
                .unwrap_or_default();
            let what = if ssh && port == 22 {
                "--add-service=ssh".to_string()
            } else {
                format!("--add-port={port}/tcp")
            };
            format!("firewall-cmd --permanent{zone} {what} && firewall-cmd --reload")
        }
        Manager::Ufw => format!("ufw allow {port}/tcp"),
        Manager::SuseFirewall2 => format!(
            "add {port} to FW_SERVICES_EXT_TCP in /etc/sysconfig/SuSEfirewall2 (for example FW_SERVICES_EXT_TCP=\"{port}\"), then run `SuSEfirewall2 start`"
        ),
        Manager::Nftables { file } => format!(
            "nft insert rule {} {} tcp dport {port} ct state new accept   # and add `tcp dport {port} ct state new accept` to chain {} in {}",
            o.table,
            o.chain,
            o.chain,
            file.as_deref().unwrap_or("/etc/nftables.conf")
        ),
        Manager::Iptables { v6, service } => iptables_fix(o, port, *v6, *service, os_id),
        Manager::Unknown => iptables_fix(o, port, false, None, os_id),
    }
}

/// iptables: insert before the rule that blocks, or append when the policy does, then save the
/// change the way this system loads its rules at boot.
fn iptables_fix(
    o: &Origin,
    port: u16,
    v6: bool,
    service: Option<IptablesService>,
    os_id: Option<&str>,
) -> String {
    let tool = if v6 { "ip6tables" } else { "iptables" };
    let debian_like = matches!(os_id, Some("debian" | "ubuntu" | "raspbian" | "linuxmint"));
    let save = match service {
        Some(IptablesService::NetfilterPersistent) => "netfilter-persistent save".to_string(),
        None if debian_like => "netfilter-persistent save".to_string(),
        _ => format!("service {tool} save"),
    };
    format!(
        "{tool} {}{} -p tcp --dport {port} -m state --state NEW -j ACCEPT && {save}",
        iptables_table(o),
        iptables_at(o)
    )
}

/// `-t TABLE ` for a table other than filter.
fn iptables_table(o: &Origin) -> String {
    if o.table == "filter" {
        String::new()
    } else {
        format!("-t {} ", o.table)
    }
}

/// Where the new rule goes: before the rule that blocks, or at the end before the policy.
fn iptables_at(o: &Origin) -> String {
    match o.rule {
        Some(n) => format!("-I {} {n}", o.chain),
        None => format!("-A {}", o.chain),
    }
}

/// Commands that let the replies from local `port` out before the output rule that blocks them.
fn reply_fix_for(o: &Origin, port: u16) -> String {
    // A table named with its family (`inet filter`) is nft's, whichever front end made it.
    if matches!(o.manager, Manager::Nftables { .. }) || o.table.contains(' ') {
        return format!(
            "nft insert rule {} {} tcp sport {port} ct state established accept   # and make it permanent in the file that loads chain {}",
            o.table, o.chain, o.chain
        );
    }
    let v6 = matches!(o.manager, Manager::Iptables { v6: true, .. });
    let tool = if v6 { "ip6tables" } else { "iptables" };
    format!(
        "{tool} {}{} -p tcp --sport {port} -m state --state ESTABLISHED -j ACCEPT   # the replies leave through {}; save it the way the system loads its rules",
        iptables_table(o),
        iptables_at(o),
        o.chain
    )
}

/// The status the firewall answers give, before options.
pub(super) fn firewall_status(results: &[PortResult]) -> Status {
    let statuses: Vec<Status> = results
        .iter()
        .map(|r| match r.worst() {
            SideVerdict::Blocked(_) => Status::Fail,
            SideVerdict::Unreadable(_) => Status::Error,
            SideVerdict::Undetermined(_) | SideVerdict::Conditional(_) => Status::Warn,
            SideVerdict::Accepted(_) | SideVerdict::NoFirewall => Status::Pass,
        })
        .collect();
    let any_pass = statuses.contains(&Status::Pass);
    let worst = statuses.iter().copied().min().unwrap_or(Status::Pass);
    // sshd on several ports: one open port is enough to log in, the others are worth a warning.
    if any_pass && worst == Status::Fail {
        Status::Warn
    } else {
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(label: &str, manager: Manager) -> Origin {
        Origin {
            firewall: label.into(),
            manager,
            table: "filter".into(),
            chain: "INPUT".into(),
            rule: Some(3),
            text: "-j DROP".into(),
        }
    }

    /// The fix follows the typed front end, not the words of the label.
    #[test]
    fn fix_follows_the_manager_not_the_label() {
        let saved = origin(
            "iptables (somewhere)",
            Manager::Iptables {
                v6: true,
                service: Some(IptablesService::NetfilterPersistent),
            },
        );
        assert_eq!(
            fix_for(&saved, 22, true, Some("rhel")),
            "ip6tables -I INPUT 3 -p tcp --dport 22 -m state --state NEW -j ACCEPT && netfilter-persistent save"
        );
        let rhel = origin(
            "netfilter-persistent rules.v4",
            Manager::Iptables {
                v6: false,
                service: Some(IptablesService::Sysconfig),
            },
        );
        assert!(fix_for(&rhel, 22, true, Some("debian")).ends_with("service iptables save"));
        let nft = origin(
            "iptables-like label",
            Manager::Nftables {
                file: Some("/etc/nft/main.nft".into()),
            },
        );
        assert!(fix_for(&nft, 22, true, None).ends_with("in /etc/nft/main.nft"));
        assert!(reply_fix_for(&nft, 22).starts_with("nft insert rule"));
    }
}
