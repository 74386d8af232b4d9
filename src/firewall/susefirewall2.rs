//! SuSEfirewall2 (SLES 11 and 12) as `/etc/sysconfig/SuSEfirewall2` configures it: interfaces
//! in the external, internal and DMZ zones (unassigned interfaces are external), per zone the
//! open TCP ports (`FW_SERVICES_EXT_TCP`), the service files named by `FW_CONFIGURATIONS_EXT`
//! (`/etc/sysconfig/SuSEfirewall2.d/services/NAME`, `TCP="..."`), `FW_SERVICES_ACCEPT_EXT`,
//! `FW_SERVICES_DROP_EXT`/`REJECT_EXT`, `FW_TRUSTED_NETS`, and `FW_PROTECT_FROM_INT`. Compiled
//! into chains and evaluated like any other rule set.
//!
//! The way out: the SuSEfirewall2 script sets OUTPUT's policy to ACCEPT and none of its
//! settings filter outbound TCP (`FW_SERVICES_*`, `FW_TRUSTED_NETS` and the zones are input
//! chains; `FW_IPv6_REJECT_OUTGOING` and stateless IPv6 accept TCP first). Only the script
//! named by `FW_CUSTOMRULES` can add output rules, and it is not evaluated.

use std::collections::BTreeMap;

use super::{Action, Cond, Family, Hook, Kind, Manager, Policy, PortRange, Rule, Ruleset};
use crate::parse::shell_vars;

const FIREWALL: &str = "SuSEfirewall2 (/etc/sysconfig/SuSEfirewall2)";
const TABLE: &str = "SuSEfirewall2";

/// The configuration, read by the caller.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// /etc/sysconfig/SuSEfirewall2.
    pub sysconfig: String,
    /// Service files by name: (path, text).
    pub services: BTreeMap<String, (String, String)>,
    /// /etc/services names to TCP ports.
    pub port_names: BTreeMap<String, u16>,
}

/// Compiles the configuration into a rule set.
pub fn compile(cfg: &Config) -> Ruleset {
    let vars = shell_vars::parse(&cfg.sysconfig);
    let get = |k: &str| shell_vars::get(&vars, k).unwrap_or("").to_string();
    let mut rs = Ruleset::new(FIREWALL).managed_by(Manager::SuseFirewall2);
    // FW_IPv6="no": the script sets no ip6tables rules at all.
    let families = if get("FW_IPv6") == "no" {
        vec![Family::V4]
    } else {
        vec![Family::V4, Family::V6]
    };
    let input = rs.hook_chain(
        TABLE,
        "INPUT",
        Hook::Input,
        0,
        families.clone(),
        Policy::Drop,
    );
    let custom = custom_rules(&get("FW_CUSTOMRULES"));
    output_chain(&mut rs, families, custom.clone());
    rs.chains[input].rules = input_rules(&get, custom);
    for (zone, upper) in [("ext", "EXT"), ("dmz", "DMZ"), ("int", "INT")] {
        let rules = zone_rules(zone, upper, &get, cfg, &mut rs.notes);
        let c = rs.chain_mut(TABLE, &format!("input_{zone}"));
        rs.chains[c].rules = rules;
    }
    rs
}

/// INPUT: loopback and replies, stateless IPv6, the custom script, then each zone's
/// interfaces to the zone's chain (interfaces in no zone are external).
fn input_rules(get: &dyn Fn(&str) -> String, custom: Option<Rule>) -> Vec<Rule> {
    let mut top = vec![
        Rule::of(vec![Cond::in_iface("lo")], Action::Accept, "lo accepted"),
        Rule::of(
            vec![Cond::established()],
            Action::Accept,
            "established connections accepted",
        ),
    ];
    if let v6 @ ("drop" | "reject") = get("FW_IPv6").as_str() {
        // Stateless IPv6: only replies (ACK set) and some ICMPv6 get in.
        top.push(Rule::of(
            vec![Cond::Family(Family::V6)],
            if v6 == "drop" {
                Action::Drop
            } else {
                Action::Reject
            },
            &format!("FW_IPv6={v6}: new IPv6 connections are refused"),
        ));
    }
    top.extend(custom);
    for (zone, var) in [
        ("int", "FW_DEV_INT"),
        ("dmz", "FW_DEV_DMZ"),
        ("ext", "FW_DEV_EXT"),
    ] {
        for dev in get(var).split_whitespace().filter(|d| *d != "any") {
            top.push(Rule::of(
                vec![Cond::in_iface(dev)],
                Action::Goto(format!("input_{zone}")),
                &format!("{var}: {dev}"),
            ));
        }
    }
    top.push(Rule::of(
        vec![],
        Action::Goto("input_ext".into()),
        "interfaces in no zone are external",
    ));
    top
}

/// The chain of one zone (`upper` is its name in the variables): what is trusted, dropped,
/// rejected and accepted, the open ports and service files, then FW_REJECT's verdict.
fn zone_rules(
    zone: &str,
    upper: &str,
    get: &dyn Fn(&str) -> String,
    cfg: &Config,
    notes: &mut Vec<String>,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    if zone == "int" && !get("FW_PROTECT_FROM_INT").eq_ignore_ascii_case("yes") {
        rules.push(Rule::of(
            vec![],
            Action::Accept,
            "FW_PROTECT_FROM_INT is not yes: the internal zone is trusted",
        ));
    }
    for (var, action) in [
        (format!("FW_SERVICES_DROP_{upper}"), Action::Drop),
        (format!("FW_SERVICES_REJECT_{upper}"), Action::Reject),
        (format!("FW_SERVICES_ACCEPT_{upper}"), Action::Accept),
    ] {
        for entry in get(&var).split_whitespace() {
            rules.push(net_rule(&var, entry, action.clone(), cfg, notes));
        }
    }
    if zone == "ext" {
        for entry in get("FW_TRUSTED_NETS").split_whitespace() {
            rules.push(net_rule(
                "FW_TRUSTED_NETS",
                entry,
                Action::Accept,
                cfg,
                notes,
            ));
        }
    }
    let var = format!("FW_SERVICES_{upper}_TCP");
    for p in get(&var).split_whitespace() {
        rules.push(port_rule(&var, p, cfg));
    }
    let var = format!("FW_CONFIGURATIONS_{upper}");
    for name in get(&var).split_whitespace() {
        rules.extend(service_rules(&var, name, cfg));
    }
    rules.push(zone_default(zone, get));
    rules
}

/// The TCP ports of service file `name`, named by `var`; a missing file cannot be evaluated.
fn service_rules(var: &str, name: &str, cfg: &Config) -> Vec<Rule> {
    let Some((path, text)) = cfg.services.get(name) else {
        return vec![Rule::unevaluable(
            format!("{var}: service {name} has no file in /etc/sysconfig/SuSEfirewall2.d/services"),
            format!("{var}: {name}"),
        )];
    };
    let svars = shell_vars::parse(text);
    shell_vars::get(&svars, "TCP")
        .unwrap_or("")
        .split_whitespace()
        .map(|p| port_rule(&format!("{var} {name} ({path}) TCP"), p, cfg))
        .collect()
}

/// What a zone does with anything its settings did not decide: FW_REJECT=yes rejects.
fn zone_default(zone: &str, get: &dyn Fn(&str) -> String) -> Rule {
    let reject = get("FW_REJECT").eq_ignore_ascii_case("yes");
    Rule::of(
        vec![],
        if reject { Action::Reject } else { Action::Drop },
        &format!(
            "zone {zone}: anything else is {} (FW_REJECT={})",
            if reject { "rejected" } else { "dropped" },
            if get("FW_REJECT").is_empty() {
                "no".into()
            } else {
                get("FW_REJECT")
            }
        ),
    )
}

/// The script FW_CUSTOMRULES names runs inside SuSEfirewall2 and may add rules to any chain:
/// a verdict this tool cannot follow, in both directions.
fn custom_rules(path: &str) -> Option<Rule> {
    (!path.is_empty()).then(|| {
        Rule::of(
            vec![],
            Action::Unknown(
                "the custom rules script is not evaluated; it may add input and output rules"
                    .into(),
            ),
            &format!("FW_CUSTOMRULES=\"{path}\""),
        )
    })
}

/// OUTPUT as the script leaves it: policy ACCEPT, loopback accepted, nothing else filtered.
fn output_chain(rs: &mut Ruleset, families: Vec<Family>, custom: Option<Rule>) {
    let output = rs.hook_chain(TABLE, "OUTPUT", Hook::Output, 0, families, Policy::Accept);
    let mut rules: Vec<Rule> = custom.into_iter().collect();
    rules.push(Rule::of(
        vec![],
        Action::Accept,
        "SuSEfirewall2 lets every connection this machine opens out (OUTPUT policy ACCEPT; no FW_* setting filters outbound TCP)",
    ));
    rs.chains[output].rules = rules;
}

fn port(p: &str, cfg: &Config) -> Option<PortRange> {
    let one = |s: &str| {
        s.parse::<u16>()
            .ok()
            .or_else(|| cfg.port_names.get(s).copied())
    };
    match p.split_once(':') {
        Some((a, b)) => Some((one(a)?, one(b)?)),
        None => one(p).map(|x| (x, x)),
    }
}

fn port_rule(var: &str, p: &str, cfg: &Config) -> Rule {
    let text = format!("{var}: {p}");
    match port(p, cfg) {
        Some(r) => Rule::of(Cond::tcp_to(vec![r]), Action::Accept, &text),
        None => Rule::unevaluable(
            format!("{var}: port {p} is not a number or a name in /etc/services"),
            text,
        ),
    }
}

/// `net,proto[,dport[,sport]]` entries.
fn net_rule(var: &str, entry: &str, action: Action, cfg: &Config, notes: &mut Vec<String>) -> Rule {
    let f: Vec<&str> = entry.split(',').collect();
    let text = format!("{var}: {entry}");
    let mut conds = Vec::new();
    let net = f.first().copied().unwrap_or("");
    if !matches!(net, "0/0" | "0.0.0.0/0" | "::/0" | "") {
        conds.push(Cond::Depends {
            kind: Kind::Source,
            key: format!("source {net}"),
            neg: false,
        });
    }
    if let Some(proto) = f.get(1) {
        match super::proto_number(proto) {
            Some(n) => conds.push(Cond::Proto {
                neg: false,
                protos: vec![n],
            }),
            None => {
                notes.push(format!("{text}: unknown protocol {proto}"));
                conds.push(Cond::Depends {
                    kind: Kind::Unevaluable,
                    key: format!("{text}: protocol {proto}"),
                    neg: false,
                });
            }
        }
    }
    if let Some(dport) = f.get(2).filter(|s| !s.is_empty()) {
        match port(dport, cfg) {
            Some(r) => conds.push(Cond::DPort {
                neg: false,
                ports: vec![r],
            }),
            None => conds.push(Cond::Depends {
                kind: Kind::Unevaluable,
                key: format!("{text}: port {dport}"),
                neg: false,
            }),
        }
    }
    if let Some(sport) = f.get(3).filter(|s| !s.is_empty()) {
        conds.push(Cond::Depends {
            kind: Kind::SourcePort,
            key: format!("source port {sport}"),
            neg: false,
        });
    }
    Rule::of(conds, action, &text)
}

#[cfg(test)]
mod tests {
    use super::super::eval::{Verdict, evaluate};
    use super::*;

    fn v(sysconfig: &str, port: u16) -> Verdict {
        let mut cfg = Config {
            sysconfig: sysconfig.into(),
            ..Config::default()
        };
        cfg.port_names.insert("ssh".into(), 22);
        cfg.services.insert(
            "sshd".into(),
            (
                "/etc/sysconfig/SuSEfirewall2.d/services/sshd".into(),
                "## Name: Secure Shell Server\nTCP=\"ssh\"\nUDP=\"\"\n".into(),
            ),
        );
        evaluate(&compile(&cfg), Family::V4, port).verdict
    }

    /// FW_CONFIGURATIONS_EXT="sshd" opens 22 through the service file and /etc/services.
    #[test]
    fn configurations_and_services() {
        let s = "FW_DEV_EXT=\"any eth0\"\nFW_CONFIGURATIONS_EXT=\"sshd\"\nFW_SERVICES_EXT_TCP=\"20000:20010\"\n";
        assert_eq!(v(s, 22), Verdict::Accepted);
        assert_eq!(v(s, 20004), Verdict::Accepted);
        assert_eq!(v(s, 80), Verdict::Blocked);
        assert_eq!(
            v("FW_CONFIGURATIONS_EXT=\"nosuch\"\n", 22),
            Verdict::Undetermined
        );
    }

    /// An internal interface is trusted unless FW_PROTECT_FROM_INT=yes; trusted nets depend on
    /// the peer.
    #[test]
    fn zones_and_nets() {
        let s = "FW_DEV_INT=\"eth1\"\nFW_SERVICES_EXT_TCP=\"\"\n";
        assert_eq!(v(s, 22), Verdict::Conditional);
        let s = "FW_DEV_INT=\"eth1\"\nFW_PROTECT_FROM_INT=\"yes\"\n";
        assert_eq!(v(s, 22), Verdict::Blocked);
        let s = "FW_TRUSTED_NETS=\"10.0.0.0/8,tcp,22\"\n";
        assert_eq!(v(s, 22), Verdict::Conditional);
        let s = "FW_SERVICES_ACCEPT_EXT=\"0/0,tcp,22\"\n";
        assert_eq!(v(s, 22), Verdict::Accepted);
    }

    fn compiled(sysconfig: &str) -> Ruleset {
        compile(&Config {
            sysconfig: sysconfig.into(),
            ..Config::default()
        })
    }

    /// Outbound connections and sshd's replies are let out, by the rule that says why; the
    /// inbound zone rules do not touch the way out.
    #[test]
    fn output_is_open() {
        use super::super::egress::{Question, evaluate_connect, evaluate_out};
        let rs = compiled(
            "FW_DEV_EXT=\"any\"\nFW_SERVICES_EXT_TCP=\"22\"\nFW_SERVICES_REJECT_EXT=\"0/0,tcp,443\"\n",
        );
        for fam in [Family::V4, Family::V6] {
            let a = evaluate_connect(&rs, fam, 443, None);
            assert_eq!(a.verdict, Verdict::Accepted, "{a:?}");
            assert!(
                a.accepted_by[0].text.contains("OUTPUT policy ACCEPT"),
                "{a:?}"
            );
            let r = evaluate_out(&rs, fam, &Question::Reply { port: 22 });
            assert_eq!(r.verdict, Verdict::Accepted);
        }
        // FW_SERVICES_REJECT_EXT limits what gets in, not what goes out.
        assert_eq!(evaluate(&rs, Family::V4, 443).verdict, Verdict::Blocked);
    }

    /// FW_CUSTOMRULES names a script that may add rules anywhere: both directions are
    /// undetermined, naming the variable.
    #[test]
    fn custom_rules_are_not_evaluated() {
        use super::super::egress::evaluate_connect;
        let rs = compiled(
            "FW_SERVICES_EXT_TCP=\"22\"\nFW_CUSTOMRULES=\"/etc/sysconfig/scripts/SuSEfirewall2-custom\"\n",
        );
        let a = evaluate_connect(&rs, Family::V4, 443, None);
        assert_eq!(a.verdict, Verdict::Undetermined, "{a:?}");
        assert!(a.unknowns[0].contains("FW_CUSTOMRULES"), "{a:?}");
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Undetermined);
        let rs = compiled("FW_SERVICES_EXT_TCP=\"22\"\nFW_CUSTOMRULES=\"\"\n");
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
    }

    /// FW_IPv6: "no" loads no IPv6 rules; "drop" and "reject" refuse new IPv6 connections in
    /// and still let TCP out.
    #[test]
    fn ipv6_modes() {
        use super::super::egress::evaluate_connect;
        let rs = compiled("FW_SERVICES_EXT_TCP=\"22\"\nFW_IPv6=\"no\"\n");
        assert!(evaluate(&rs, Family::V6, 80).no_rules);
        assert!(evaluate_connect(&rs, Family::V6, 443, None).no_rules);
        assert_eq!(evaluate(&rs, Family::V4, 80).verdict, Verdict::Blocked);
        for mode in ["drop", "reject"] {
            let rs = compiled(&format!("FW_SERVICES_EXT_TCP=\"22\"\nFW_IPv6=\"{mode}\"\n"));
            assert_eq!(evaluate(&rs, Family::V6, 22).verdict, Verdict::Blocked);
            assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
            let a = evaluate_connect(&rs, Family::V6, 443, None);
            assert_eq!(a.verdict, Verdict::Accepted);
        }
    }
}
