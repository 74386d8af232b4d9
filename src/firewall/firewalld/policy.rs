//! firewalld policies (firewalld 0.9 and later): `/etc/firewalld/policies/*.xml` over
//! `/usr/lib/firewalld/policies/*.xml`, each with ingress and egress zones, a target
//! (`CONTINUE` by default), a priority (-1 by default) and the rules a zone has.
//!
//! A policy whose ingress zone is HOST filters what this machine sends. firewalld's output
//! chain accepts established connections and loopback, then sends a new connection to each
//! such policy in priority order (then by name) whose egress zone it leaves towards: `ANY`,
//! a zone bound to the interface it leaves by or to its destination address, or the default
//! zone for interfaces no zone claims. In a policy's chain its rules and then its target
//! decide; `CONTINUE` hands the packet to the next policy; when none decides it is let out.
//!
//! Policies into HOST act on connections coming in, which this model does not follow: one
//! that could decide a TCP connection makes the inbound answer undetermined, naming it.

use std::collections::BTreeMap;

use super::{Config, Zone, accept_established, parse_xml, read_entries, zone_rules};
use crate::firewall::path::{self, PathCond, PathMatch};
use crate::firewall::{Action, Cond, Hook, Kind, Policy as ChainPolicy, Rule, Ruleset};

/// One policy file.
#[derive(Debug)]
pub(super) struct Policy {
    name: String,
    priority: i64,
    ingress: Vec<String>,
    egress: Vec<String>,
    /// Its rules and target, read as a zone's.
    zone: Zone,
}

/// The zones a policy's egress zone is matched against.
pub(super) struct Zones<'a> {
    pub zones: &'a BTreeMap<String, Zone>,
    pub default: &'a str,
    /// (interface, zone, where it was set).
    pub bound: &'a [(String, String, String)],
}

/// Every policy of the configuration, in the order firewalld applies them.
pub(super) fn parse_all(cfg: &Config) -> Result<Vec<Policy>, String> {
    let mut out = Vec::new();
    for (name, (path, xml)) in &cfg.policies {
        out.push(parse(name, path, xml)?);
    }
    out.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    Ok(out)
}

fn parse(name: &str, path: &str, xml: &str) -> Result<Policy, String> {
    let doc = parse_xml(path, xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "policy" {
        return Err(format!("{path}: not a <policy> file"));
    }
    let priority = match root.attribute("priority") {
        None => -1,
        Some(p) => p
            .parse()
            .map_err(|_| format!("{path}: priority {p} is not a number"))?,
    };
    let mut zone = Zone {
        path: path.to_string(),
        target: root.attribute("target").unwrap_or("CONTINUE").to_string(),
        ..Zone::default()
    };
    read_entries(&mut zone, root);
    let zones = |tag: &str| -> Vec<String> {
        root.children()
            .filter(|n| n.is_element() && n.tag_name().name() == tag)
            .filter_map(|n| n.attribute("name").map(str::to_string))
            .collect()
    };
    Ok(Policy {
        name: name.to_string(),
        priority,
        ingress: zones("ingress-zone"),
        egress: zones("egress-zone"),
        zone,
    })
}

fn chain_name(p: &Policy) -> String {
    format!("policy {}", p.name)
}

/// A match on the interface a packet leaves by; never true for one coming in.
fn out_iface(neg: bool, names: Vec<String>) -> Cond {
    let inbound = if neg {
        Cond::Always
    } else {
        Cond::Never("inbound packets have no output interface".into())
    };
    PathCond::wrap(inbound, PathMatch::OutIface { neg, names })
}

/// The output chain with a jump to each policy from HOST, and the policies' chains.
pub(super) fn add_output(
    rs: &mut Ruleset,
    z: &Zones<'_>,
    policies: &[Policy],
    cfg: &Config,
) -> Result<(), String> {
    let from_host: Vec<&Policy> = policies
        .iter()
        .filter(|p| p.ingress.iter().any(|i| i == "HOST"))
        .collect();
    if from_host.is_empty() {
        return Ok(());
    }
    let mut top = vec![
        accept_established(),
        Rule::of(
            vec![out_iface(false, vec!["lo".into()])],
            Action::Accept,
            "oifname lo accept",
        ),
    ];
    for p in &from_host {
        top.extend(dispatch(p, z, &mut rs.notes));
        let rules = zone_rules("policy", &p.name, &p.zone, cfg, &mut rs.notes)?;
        let c = rs.chain_mut(super::TABLE, &chain_name(p));
        rs.chains[c].rules = rules;
    }
    let output = rs.hook_chain(
        super::TABLE,
        "filter_OUTPUT",
        Hook::Output,
        10,
        super::both(),
        ChainPolicy::Accept,
    );
    rs.chains[output].rules = top;
    Ok(())
}

/// The rules that send a new outbound connection into policy `p`.
fn dispatch(p: &Policy, z: &Zones<'_>, notes: &mut Vec<String>) -> Vec<Rule> {
    let jump = || Action::Jump(chain_name(p));
    let path = &p.zone.path;
    let mut out = Vec::new();
    for e in &p.egress {
        if e == "ANY" {
            out.push(Rule::of(
                vec![],
                jump(),
                &format!("egress-zone ANY -> policy {} ({path})", p.name),
            ));
            continue;
        }
        let Some(zone) = z.zones.get(e) else {
            // firewalld refuses to load a policy naming an unknown zone.
            notes.push(format!(
                "policy {} ({path}): egress zone {e} has no definition",
                p.name
            ));
            continue;
        };
        for (iface, _, from) in z.bound.iter().filter(|(_, zn, _)| zn == e) {
            out.push(Rule::of(
                vec![out_iface(false, vec![iface.clone()])],
                jump(),
                &format!(
                    "oifname {iface} (zone {e}, {from}) -> policy {} ({path})",
                    p.name
                ),
            ));
        }
        for src in &zone.sources {
            let key = format!("destination in zone {e}'s source {src}");
            let inbound =
                Cond::Never("a policy from HOST sees only packets this machine sends".into());
            let cond = if src.starts_with("mac ") || src.starts_with("ipset ") {
                Cond::Depends {
                    kind: Kind::Remote,
                    key,
                    neg: false,
                }
            } else {
                path::addr(inbound, false, false, std::slice::from_ref(src), key)
            };
            out.push(Rule::of(
                vec![cond],
                jump(),
                &format!("daddr {src} (zone {e}) -> policy {} ({path})", p.name),
            ));
        }
        if e == z.default {
            // The default zone takes the interfaces no other zone is bound to.
            let others: Vec<String> = z
                .bound
                .iter()
                .filter(|(_, zn, _)| zn != e)
                .map(|(i, _, _)| i.clone())
                .collect();
            let conds = if others.is_empty() {
                vec![]
            } else {
                vec![out_iface(true, others)]
            };
            out.push(Rule::of(
                conds,
                jump(),
                &format!("default zone {e} -> policy {} ({path})", p.name),
            ));
        }
    }
    out
}

/// For each policy into HOST that could decide a new TCP connection, a rule whose verdict is
/// unknown (placed before the zones).
pub(super) fn inbound_unknowns(policies: &[Policy]) -> Vec<Rule> {
    policies
        .iter()
        .filter(|p| p.egress.iter().any(|e| e == "HOST") && could_decide_tcp(&p.zone))
        .map(|p| {
            Rule::of(
                vec![],
                Action::Unknown(format!(
                    "policy {} ({}) into HOST is not evaluated for connections coming in",
                    p.name, p.zone.path
                )),
                &format!(
                    "policy {} (ingress {}, egress HOST, target {})",
                    p.name,
                    p.ingress.join(" "),
                    p.zone.target
                ),
            )
        })
        .collect()
}

/// Whether anything of `z` but ICMP rules could match or end a TCP connection.
fn could_decide_tcp(z: &Zone) -> bool {
    z.target != "CONTINUE"
        || !z.services.is_empty()
        || z.ports.iter().any(|(_, proto)| proto == "tcp")
        || !z.protocols.is_empty()
        || z.rich.iter().any(|r| {
            !r.icmp && r.action.is_some() && r.protocol.as_deref().is_none_or(|p| p == "tcp")
        })
}

#[cfg(test)]
mod tests {
    use super::super::compile;
    use super::super::tests_support::cfg_with;
    use crate::firewall::addr::Range;
    use crate::firewall::egress::{Question, evaluate_connect, evaluate_out};
    use crate::firewall::eval::{Verdict, evaluate};
    use crate::firewall::{Family, Kind};

    const PUBLIC: &str = r#"<zone><service name="ssh"/></zone>"#;

    fn out(
        policies: &[(&str, &str)],
        port: u16,
        remote: Option<&str>,
    ) -> crate::firewall::eval::Answer {
        let c = cfg_with(&[("public", PUBLIC)], policies);
        let rs = compile(&c).unwrap();
        let r: Option<Vec<Range>> = remote.map(|r| vec![Range::parse(r).unwrap()]);
        evaluate_connect(&rs, Family::V4, port, r.as_deref())
    }

    /// A policy from HOST to ANY that rejects all but HTTPS to one range: the endpoint's
    /// addresses decide; without them the rule is named as depending on the remote address.
    #[test]
    fn host_to_any_reject() {
        let p = r#"<policy target="REJECT"><ingress-zone name="HOST"/><egress-zone name="ANY"/>
<rule family="ipv4"><destination address="198.51.100.0/24"/><port port="443" protocol="tcp"/><accept/></rule></policy>"#;
        let pol = [("out", p)];
        assert_eq!(
            out(&pol, 443, Some("198.51.100.0/29")).verdict,
            Verdict::Accepted
        );
        let a = out(&pol, 443, Some("203.0.113.0/29"));
        assert_eq!(a.verdict, Verdict::Blocked);
        assert!(a.blocked_by[0].text.contains("policy out"), "{a:?}");
        let a = out(&pol, 443, None);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::Remote);
        assert_eq!(
            out(&pol, 80, Some("198.51.100.0/29")).verdict,
            Verdict::Blocked
        );
        // Replies pass the established accept; inbound zones are untouched.
        let c = cfg_with(&[("public", PUBLIC)], &pol);
        let rs = compile(&c).unwrap();
        let r = evaluate_out(&rs, Family::V4, &Question::Reply { port: 22 });
        assert_eq!(r.verdict, Verdict::Accepted);
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
    }

    /// Priority orders the policies: a DROP of HTTPS at -10 wins over an ACCEPT at 0; at 10 it
    /// comes too late. CONTINUE hands on; no policy deciding lets the connection out.
    #[test]
    fn priorities_and_continue() {
        let drop = |prio: i32| {
            format!(
                r#"<policy priority="{prio}"><ingress-zone name="HOST"/><egress-zone name="ANY"/><rule><port port="443" protocol="tcp"/><drop/></rule></policy>"#
            )
        };
        let accept = r#"<policy priority="0" target="ACCEPT"><ingress-zone name="HOST"/><egress-zone name="ANY"/></policy>"#;
        let early = drop(-10);
        assert_eq!(
            out(&[("b", &early), ("a", accept)], 443, None).verdict,
            Verdict::Blocked
        );
        let late = drop(10);
        assert_eq!(
            out(&[("b", &late), ("a", accept)], 443, None).verdict,
            Verdict::Accepted
        );
        let cont = r#"<policy><ingress-zone name="HOST"/><egress-zone name="ANY"/><service name="ssh"/></policy>"#;
        let a = out(&[("c", cont)], 443, None);
        assert_eq!(a.verdict, Verdict::Accepted, "{a:?}");
        assert!(!a.no_rules);
    }

    /// An egress zone bound to an interface makes the answer depend on the interface the
    /// connection leaves by; the default zone as egress takes every interface when no zone
    /// claims one; an unknown zone is a note and no jump; a policy into HOST that could decide
    /// TCP makes inbound undetermined, the shipped allow-host-ipv6 (ICMPv6 only) does not.
    #[test]
    fn egress_zones_and_inbound() {
        let internal = r#"<zone target="ACCEPT"><interface name="eth1"/></zone>"#;
        let p = |zone: &str| {
            format!(
                r#"<policy target="DROP"><ingress-zone name="HOST"/><egress-zone name="{zone}"/></policy>"#
            )
        };
        let c = cfg_with(
            &[("public", PUBLIC), ("internal", internal)],
            &[("x", &p("internal"))],
        );
        let a = evaluate_connect(&compile(&c).unwrap(), Family::V4, 443, None);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::OutInterface);
        let c = cfg_with(&[("public", PUBLIC)], &[("x", &p("public"))]);
        let a = evaluate_connect(&compile(&c).unwrap(), Family::V4, 443, None);
        assert_eq!(a.verdict, Verdict::Blocked);
        let c = cfg_with(&[("public", PUBLIC)], &[("x", &p("nosuch"))]);
        let rs = compile(&c).unwrap();
        assert_eq!(
            evaluate_connect(&rs, Family::V4, 443, None).verdict,
            Verdict::Accepted
        );
        assert!(
            rs.notes.iter().any(|n| n.contains("nosuch")),
            "{:?}",
            rs.notes
        );
        let into_host = r#"<policy target="DROP"><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>"#;
        let c = cfg_with(&[("public", PUBLIC)], &[("in", into_host)]);
        let a = evaluate(&compile(&c).unwrap(), Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Undetermined);
        assert!(a.unknowns[0].contains("policy in"), "{a:?}");
        let ipv6 = r#"<policy target="CONTINUE" priority="-15000"><ingress-zone name="ANY"/><egress-zone name="HOST"/>
<rule family="ipv6"><icmp-type name="neighbour-solicitation"/><accept/></rule></policy>"#;
        let c = cfg_with(&[("public", PUBLIC)], &[("allow-host-ipv6", ipv6)]);
        let rs = compile(&c).unwrap();
        assert_eq!(evaluate(&rs, Family::V6, 22).verdict, Verdict::Accepted);
        assert!(evaluate_connect(&rs, Family::V6, 443, None).no_rules);
    }

    /// A file that is not a policy, or a priority that is not a number, is an error.
    #[test]
    fn bad_files() {
        let c = cfg_with(&[("public", PUBLIC)], &[("x", "<zone/>")]);
        assert!(compile(&c).unwrap_err().contains("not a <policy> file"));
        let c = cfg_with(
            &[("public", PUBLIC)],
            &[("x", r#"<policy priority="high"/>"#)],
        );
        assert!(compile(&c).unwrap_err().contains("priority high"));
    }
}
