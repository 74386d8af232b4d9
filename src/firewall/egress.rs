//! The output path: the questions asked of the chains hooked at OUTPUT and POSTROUTING.
//!
//! * [`Question::Connect`]: will the first packet (a SYN, conntrack state NEW) of a TCP connection
//!   this machine opens to a remote endpoint on `port` be let out? The endpoint's addresses are
//!   known (a Service Tags file, the matrix's table) or not (`None`): a rule that tests the
//!   destination address is then judged against them, or left open.
//! * [`Question::Reply`]: will this machine's answer (a SYN-ACK, state ESTABLISHED) to a
//!   connection accepted on local `port` be let out? Without it an accepted connection still
//!   never completes.
//!
//! Each question is answered by lowering the rule set: the output base chains become the only
//! base chains, in their order, and every condition is replaced by what it means for that one
//! packet (true, false, or a named open fact), so that the one walker of [`super::eval`] does the
//! walking, forking and consistency for both directions.

use super::addr::{Cover, Range, cover};
use super::eval::{Answer, Condition, Verdict, evaluate};
use super::path::{PathCond, PathMatch};
use super::{Base, Cond, Family, Hook, Item, Kind, Origin, PortRange, Rule, Ruleset};

/// The packet asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question<'a> {
    /// A new outbound TCP connection to `port` at one of `remote` (unknown: `None`).
    Connect {
        port: u16,
        remote: Option<&'a [Range]>,
    },
    /// The reply to an inbound TCP connection accepted on local `port`.
    Reply { port: u16 },
}

/// Answers `q` for `family` from the OUTPUT and POSTROUTING chains of `rs`.
pub fn evaluate_out(rs: &Ruleset, family: Family, q: &Question<'_>) -> Answer {
    let lowered = lower(rs, family, q);
    let port = match q {
        Question::Connect { port, .. } => *port,
        // Every port condition of a reply is lowered away; the number is not used.
        Question::Reply { port } => *port,
    };
    evaluate(&lowered, family, port)
}

/// Pieces an endpoint is cut into at most before one walk per piece becomes too slow; beyond it
/// the endpoint is asked about as a whole (rules that match part of it stay open).
const MAX_PIECES: usize = 64;

/// A new connection to `port` at any of `remote`: the endpoint is cut at the boundaries of the
/// destination ranges the rules test, so that every rule matches a piece wholly or not at all,
/// and the pieces' answers are merged. Two rules that each allow one of an endpoint's two
/// addresses then let the endpoint out, instead of each leaving it open.
pub fn evaluate_connect(
    rs: &Ruleset,
    family: Family,
    port: u16,
    remote: Option<&[Range]>,
) -> Answer {
    let whole =
        |r: Option<&[Range]>| evaluate_out(rs, family, &Question::Connect { port, remote: r });
    let Some(remote) = remote else {
        return whole(None);
    };
    let mut rules: Vec<(usize, usize, Vec<Range>)> = Vec::new();
    for (ci, c) in rs.chains.iter().enumerate() {
        for (ri, r) in c.rules.iter().enumerate() {
            let mut nets = Vec::new();
            for i in &r.items {
                match i {
                    Item::Cond(c) => dest_nets(c, family, &mut nets),
                    Item::Vmap(e) => e.iter().for_each(|(c, _)| dest_nets(c, family, &mut nets)),
                    Item::Act(_) => {}
                }
            }
            if !nets.is_empty() {
                rules.push((ci, ri, nets));
            }
        }
    }
    let mut cuts: Vec<u128> = rules
        .iter()
        .flat_map(|(_, _, n)| n.iter())
        .flat_map(|r| [r.lo, r.hi.saturating_add(1)])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    for e in remote.iter().filter(|e| e.family == family) {
        let mut lo = e.lo;
        for &c in cuts.iter().filter(|c| **c > e.lo && **c <= e.hi) {
            pieces.push(Range {
                family,
                lo,
                hi: c - 1,
            });
            lo = c;
        }
        pieces.push(Range {
            family,
            lo,
            hi: e.hi,
        });
        if pieces.len() > MAX_PIECES {
            return whole(Some(remote));
        }
    }
    if pieces.len() <= 1 {
        return whole(Some(remote));
    }
    let answers: Vec<Answer> = pieces
        .iter()
        .map(|p| whole(Some(std::slice::from_ref(p))))
        .collect();
    // The rules that tell the pieces apart, for a merged answer that depends on the address.
    let deciding: Vec<Origin> = rules
        .iter()
        .filter(|(_, _, n)| cover(n, remote, family) == Cover::Some)
        .map(|(ci, ri, _)| {
            let c = &rs.chains[*ci];
            Origin {
                firewall: rs.firewall.clone(),
                manager: rs.manager.clone(),
                table: c.table.clone(),
                chain: c.name.clone(),
                rule: Some(ri + 1),
                text: c.rules[*ri].text.clone(),
            }
        })
        .collect();
    merge(answers, deciding)
}

/// The destination ranges a condition tests, of `family`.
fn dest_nets(c: &Cond, family: Family, out: &mut Vec<Range>) {
    match c {
        Cond::OnFamily(f, inner) if *f == family => dest_nets(inner, family, out),
        Cond::Path(p) => {
            if let PathMatch::Addr {
                src: false,
                nets: Some(n),
                ..
            } = &p.what
            {
                out.extend(n.iter().filter(|r| r.family == family));
            }
        }
        _ => {}
    }
}

/// One answer from the answers for the pieces of an endpoint.
fn merge(answers: Vec<Answer>, deciding: Vec<Origin>) -> Answer {
    let has = |v: Verdict| answers.iter().any(|a| a.verdict == v);
    let verdict = if has(Verdict::Undetermined) {
        Verdict::Undetermined
    } else if has(Verdict::Conditional) || (has(Verdict::Accepted) && has(Verdict::Blocked)) {
        Verdict::Conditional
    } else if has(Verdict::Blocked) {
        Verdict::Blocked
    } else {
        Verdict::Accepted
    };
    let mut out = Answer {
        verdict,
        accepted_by: Vec::new(),
        blocked_by: Vec::new(),
        conditions: Vec::new(),
        unknowns: Vec::new(),
        no_rules: answers.iter().all(|a| a.no_rules),
    };
    for a in answers {
        out.accepted_by.extend(a.accepted_by);
        out.blocked_by.extend(a.blocked_by);
        out.conditions.extend(a.conditions);
        out.unknowns.extend(a.unknowns);
    }
    if verdict == Verdict::Conditional {
        out.conditions
            .extend(deciding.into_iter().map(|origin| Condition {
                kind: Kind::Remote,
                origin,
            }));
    }
    for v in [&mut out.accepted_by, &mut out.blocked_by] {
        v.sort();
        v.dedup();
    }
    out.conditions.sort();
    out.conditions.dedup();
    out.unknowns.sort();
    out.unknowns.dedup();
    out
}

/// The rule set as the inbound walker must see it to answer `q`.
fn lower(rs: &Ruleset, family: Family, q: &Question<'_>) -> Ruleset {
    let mut out = Ruleset::new(rs.firewall.clone()).managed_by(rs.manager.clone());
    out.notes = rs.notes.clone();
    out.chains = rs
        .chains
        .iter()
        .map(|c| super::Chain {
            table: c.table.clone(),
            name: c.name.clone(),
            rules: c
                .rules
                .iter()
                .map(|r| Rule {
                    items: r.items.iter().map(|i| lower_item(i, family, q)).collect(),
                    text: r.text.clone(),
                })
                .collect(),
        })
        .collect();
    out.bases = rs
        .bases
        .iter()
        .filter(|b| !b.hook.is_inbound() && b.families.contains(&family))
        // NAT chains see only the first packet of a connection, never a reply.
        .filter(|b| !(matches!(q, Question::Reply { .. }) && is_nat(&rs.chains[b.chain].table)))
        .map(|b| Base {
            // The walker orders inbound hooks; OUTPUT runs before POSTROUTING as PREROUTING
            // runs before INPUT.
            hook: match b.hook {
                Hook::Output => Hook::Prerouting,
                _ => Hook::Input,
            },
            device: None,
            ..b.clone()
        })
        .collect();
    out
}

fn is_nat(table: &str) -> bool {
    table == "nat" || table.ends_with(" nat")
}

fn lower_item(i: &Item, family: Family, q: &Question<'_>) -> Item {
    match i {
        Item::Cond(c) => Item::Cond(lower_cond(c, family, q)),
        Item::Act(a) => Item::Act(a.clone()),
        Item::Vmap(entries) => Item::Vmap(
            entries
                .iter()
                .map(|(c, a)| (lower_cond(c, family, q), a.clone()))
                .collect(),
        ),
    }
}

fn truth(v: bool, why: &str) -> Cond {
    if v {
        Cond::Always
    } else {
        Cond::Never(why.to_string())
    }
}

fn open(kind: Kind, key: &str, neg: bool) -> Cond {
    Cond::Depends {
        kind,
        key: key.to_string(),
        neg,
    }
}

fn in_ports(ports: &[(u16, u16)], p: u16) -> bool {
    ports.iter().any(|(a, b)| *a <= p && p <= *b)
}

/// What `c` means for the packet of `q`, in terms the inbound walker evaluates unchanged:
/// `Always`, `Never`, `Depends`, protocol and family tests, and (for a new connection, whose
/// destination port and SYN are what the walker assumes) port, state and flag tests.
fn lower_cond(c: &Cond, family: Family, q: &Question<'_>) -> Cond {
    let reply = matches!(q, Question::Reply { .. });
    match c {
        Cond::Always | Cond::Never(_) | Cond::Family(_) | Cond::Proto { .. } => c.clone(),
        Cond::OnFamily(f, inner) if *f == family => lower_cond(inner, family, q),
        Cond::OnFamily(..) => Cond::Never("a header of the other IP version".into()),
        // A packet this machine sends has no input interface (nft reads it as empty).
        Cond::InIface { neg, .. } => {
            truth(*neg, "a packet sent by this machine has no input interface")
        }
        Cond::DPort { neg, ports } => match q {
            Question::Connect { .. } => c.clone(),
            // The reply goes to the peer's (unknown) port.
            Question::Reply { .. } if ports.contains(&(0, 65535)) => truth(!*neg, ""),
            Question::Reply { .. } => peer_port(ports, *neg),
        },
        Cond::EitherPort { neg, ports } => lower_either_port(*neg, ports, q),
        Cond::CtState { neg, states } => {
            let state = if reply { "established" } else { "new" };
            truth(
                states.iter().any(|s| s == state) != *neg,
                &format!("the packet's conntrack state is {}", state.to_uppercase()),
            )
        }
        Cond::TcpFlags { neg, mask, comp } => {
            // SYN for a new connection, SYN+ACK for the reply to one.
            let flags: u8 = if reply { 0x12 } else { 0x02 };
            truth(((flags & mask) == *comp) != *neg, "TCP flags")
        }
        // The destination is a remote unicast address; the source one of this machine's.
        Cond::DstType { neg, types } => truth(
            types.iter().any(|t| t == "UNICAST") != *neg,
            "the destination is a remote unicast address",
        ),
        Cond::SrcType { neg, types } => truth(
            types.iter().any(|t| t == "LOCAL" || t == "UNICAST") != *neg,
            "the source is a local unicast address",
        ),
        Cond::RpFilter { .. } => open(
            Kind::Unevaluable,
            "reverse-path filter on a packet this machine sends",
            false,
        ),
        Cond::Depends { kind, key, neg } => open(outbound_kind(kind, reply), key, *neg),
        Cond::Path(p) => lower_path(p, family, q),
    }
}

/// Inbound kinds name the packet's source and destination; outbound the source is this
/// machine and the destination the remote end (the peer, for a reply).
fn outbound_kind(kind: &Kind, reply: bool) -> Kind {
    match (kind, reply) {
        (Kind::Source, _) => Kind::LocalAddress,
        (Kind::Destination, false) => Kind::Remote,
        (Kind::Destination, true) => Kind::Source,
        (Kind::SourcePort, _) => Kind::LocalPort,
        (Kind::Interface, _) => Kind::OutInterface,
        (k, _) => k.clone(),
    }
}

/// Depends on the peer's port being in `ports`.
fn peer_port(ports: &[PortRange], neg: bool) -> Cond {
    open(
        Kind::SourcePort,
        &format!("peer port in {}", super::show_ports(ports)),
        neg,
    )
}

/// multiport `--ports`: either port of the packet.
fn lower_either_port(neg: bool, ports: &[PortRange], q: &Question<'_>) -> Cond {
    match q {
        // The destination port is known; the source port is ephemeral.
        Question::Connect { port, .. } if in_ports(ports, *port) => truth(!neg, ""),
        Question::Connect { .. } => open(
            Kind::LocalPort,
            &format!("local port in {}", super::show_ports(ports)),
            neg,
        ),
        // The reply's source port is the local port; its destination the peer's.
        Question::Reply { port } if in_ports(ports, *port) => truth(!neg, ""),
        Question::Reply { .. } => peer_port(ports, neg),
    }
}

fn lower_path(p: &PathCond, family: Family, q: &Question<'_>) -> Cond {
    match &p.what {
        PathMatch::Addr {
            src: true,
            neg,
            key,
            ..
        } => open(Kind::LocalAddress, key, *neg),
        PathMatch::Addr {
            src: false,
            neg,
            nets,
            key,
        } => match (q, nets) {
            (Question::Reply { .. }, _) => open(Kind::Source, key, *neg),
            (Question::Connect { remote, .. }, Some(nets)) => {
                // Addresses of the other version never match this family's packet.
                if !nets.iter().any(|n| n.family == family) {
                    return truth(*neg, "an address of the other IP version");
                }
                match remote.map(|r| cover(nets, r, family)) {
                    Some(Cover::All) => truth(!*neg, ""),
                    Some(Cover::None) => truth(*neg, "no address of the endpoint is in the list"),
                    _ => open(Kind::Remote, key, *neg),
                }
            }
            (Question::Connect { .. }, None) => open(Kind::Remote, key, *neg),
        },
        PathMatch::OutIface { neg, names } => {
            if names.iter().any(|n| matches!(n.as_str(), "+" | "*")) {
                return truth(!*neg, "");
            }
            let others: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| *n != "lo")
                .collect();
            // A packet to a remote host never leaves by the loopback interface.
            if others.is_empty() {
                return truth(*neg, "the packet does not leave by lo");
            }
            let mut sorted = others.clone();
            sorted.sort();
            open(
                Kind::OutInterface,
                &format!("leaves by {}", sorted.join(", ")),
                *neg,
            )
        }
        PathMatch::SPort { neg, ports, key } => match (q, ports) {
            (Question::Reply { port }, Some(ports)) => {
                truth(in_ports(ports, *port) != *neg, "the reply's source port")
            }
            _ => open(Kind::LocalPort, key, *neg),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::{iptables, nft_json, nft_text};
    use super::*;

    fn v4(text: &str) -> Ruleset {
        iptables::parse(text, Family::V4, "t").unwrap()
    }

    fn connect(rs: &Ruleset, port: u16, remote: Option<&[Range]>) -> Answer {
        evaluate_out(rs, Family::V4, &Question::Connect { port, remote })
    }

    fn nets(list: &[&str]) -> Vec<Range> {
        list.iter().map(|s| Range::parse(s).unwrap()).collect()
    }

    /// The issue's first case: OUTPUT rejects TCP 443, so HTTPS to Azure is blocked, named.
    #[test]
    fn output_reject_443() {
        let rs = v4(
            "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 443 -j REJECT\nCOMMIT\n",
        );
        let a = connect(&rs, 443, None);
        assert_eq!(a.verdict, Verdict::Blocked);
        assert_eq!(a.blocked_by[0].chain, "OUTPUT");
        assert_eq!(a.blocked_by[0].rule, Some(1));
        assert_eq!(connect(&rs, 80, None).verdict, Verdict::Accepted);
        // The inbound answer is unchanged by OUTPUT rules.
        assert!(super::super::eval::evaluate(&rs, Family::V4, 443).no_rules);
    }

    /// Destination rules are judged against the endpoint's ranges: all, none, some, unknown.
    #[test]
    fn destination_against_endpoint() {
        let rs = v4(
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -o lo -j ACCEPT\n-A OUTPUT -d 198.51.100.0/24 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n",
        );
        let inside = nets(&["198.51.100.16/28", "198.51.100.200"]);
        let outside = nets(&["203.0.113.0/24"]);
        let partly = nets(&["198.51.100.0/24", "203.0.113.5"]);
        assert_eq!(connect(&rs, 443, Some(&inside)).verdict, Verdict::Accepted);
        assert_eq!(connect(&rs, 443, Some(&outside)).verdict, Verdict::Blocked);
        let a = connect(&rs, 443, Some(&partly));
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::Remote);
        let a = connect(&rs, 443, None);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert!(a.conditions[0].origin.text.contains("198.51.100.0/24"));
    }

    /// Rules that each allow part of an endpoint let the whole endpoint out together; one part
    /// left out makes it conditional, naming the rules that tell the parts apart.
    #[test]
    fn endpoint_pieces() {
        let rs = v4(
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -d 198.51.100.1 -j ACCEPT\n-A OUTPUT -d 198.51.100.2/31 -j ACCEPT\nCOMMIT\n",
        );
        let ep = nets(&["198.51.100.1", "198.51.100.2/31"]);
        let a = evaluate_connect(&rs, Family::V4, 443, Some(&ep));
        assert_eq!(a.verdict, Verdict::Accepted);
        let ep = nets(&["198.51.100.0/30"]);
        let a = evaluate_connect(&rs, Family::V4, 443, Some(&ep));
        assert_eq!(a.verdict, Verdict::Conditional);
        assert!(
            a.conditions
                .iter()
                .any(|c| c.kind == Kind::Remote && c.origin.rule == Some(1))
        );
        assert_eq!(connect(&rs, 443, Some(&ep)).verdict, Verdict::Conditional);
    }

    /// Established-only output rules: a new connection is not let out by them, a reply is.
    #[test]
    fn conntrack_states() {
        let rs = v4(
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n-A OUTPUT -p udp --dport 53 -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(connect(&rs, 443, None).verdict, Verdict::Blocked);
        let r = evaluate_out(&rs, Family::V4, &Question::Reply { port: 22 });
        assert_eq!(r.verdict, Verdict::Accepted);
    }

    /// The reply path judges source ports against the local port, SYN-ACK flags, and the
    /// peer's port as unknown.
    #[test]
    fn reply_path() {
        let rs = v4(
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -p tcp --sport 22 -j ACCEPT\n-A OUTPUT -p tcp --tcp-flags SYN,ACK SYN,ACK --sport 20004 -j DROP\nCOMMIT\n",
        );
        let reply = |port| evaluate_out(&rs, Family::V4, &Question::Reply { port }).verdict;
        assert_eq!(reply(22), Verdict::Accepted);
        assert_eq!(reply(20004), Verdict::Blocked);
        let rs = v4(
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -p tcp --dport 1024:65535 -j ACCEPT\nCOMMIT\n",
        );
        let a = evaluate_out(&rs, Family::V4, &Question::Reply { port: 22 });
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::SourcePort);
    }

    /// nftables: an output hook that drops everything but DNS (the issue's second case), and
    /// a postrouting filter that drops 443 after an accepting output chain.
    #[test]
    fn nftables_output_hooks() {
        let text = "table inet f {\n chain out {\n  type filter hook output priority 0; policy drop;\n  udp dport 53 accept\n  tcp dport 53 accept\n }\n}\n";
        let none = |_: &str| -> Result<Vec<(String, String)>, String> { Err("no".into()) };
        let rs = nft_text::parse("t", text, "nftables", &none).unwrap();
        let a = connect(&rs, 443, None);
        assert_eq!(a.verdict, Verdict::Blocked);
        assert_eq!(a.blocked_by[0].rule, None);
        assert_eq!(connect(&rs, 53, None).verdict, Verdict::Accepted);
        // sshd's reply goes to the peer's port, which is 53 only for some peers.
        let r = evaluate_out(&rs, Family::V4, &Question::Reply { port: 22 });
        assert_eq!(r.verdict, Verdict::Conditional);
        assert!(r.conditions.iter().all(|c| c.kind == Kind::SourcePort));
        let text = text.replace(
            "  udp dport 53 accept\n  tcp dport 53 accept\n",
            "  udp dport 53 accept\n",
        );
        let rs = nft_text::parse("t", &text, "nftables", &none).unwrap();
        assert_eq!(
            evaluate_out(&rs, Family::V4, &Question::Reply { port: 22 }).verdict,
            Verdict::Blocked
        );
        let json = r#"{"nftables":[{"chain":{"family":"ip","table":"t","name":"o","hook":"output","prio":0,"policy":"accept"}},{"chain":{"family":"ip","table":"t","name":"p","hook":"postrouting","prio":0,"policy":"accept"}},{"rule":{"family":"ip","table":"t","chain":"o","expr":[{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"lo"}},{"accept":null}]}},{"rule":{"family":"ip","table":"t","chain":"p","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"set":[{"prefix":{"addr":"203.0.113.0","len":24}}]}}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":443}},{"drop":null}]}}]}"#;
        let rs = nft_json::parse(json, "nftables", &|_, _| false).unwrap();
        let a = connect(&rs, 443, Some(&nets(&["203.0.113.9"])));
        assert_eq!(a.verdict, Verdict::Blocked);
        assert_eq!(a.blocked_by[0].chain, "p");
        assert_eq!(
            connect(&rs, 443, Some(&nets(&["198.51.100.9"]))).verdict,
            Verdict::Accepted
        );
    }

    /// `-o eth0` depends on the interface the packet leaves by; `-o lo` never matches.
    #[test]
    fn output_interface() {
        let rs = v4("*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -o eth0 -j ACCEPT\nCOMMIT\n");
        let a = connect(&rs, 443, None);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::OutInterface);
        let rs = v4("*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n");
        assert_eq!(connect(&rs, 443, None).verdict, Verdict::Blocked);
    }
}
