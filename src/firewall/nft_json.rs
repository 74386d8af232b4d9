//! nftables rule sets in the JSON of `nft -j list ruleset` (libnftables-json(5)). The text
//! front end ([`super::nft_text`]) produces the same JSON, so both share this translation.
//! Base chains at the `prerouting`, `input` and netdev `ingress` hooks (inbound) and at `output`
//! and `postrouting` (outbound, see [`super::egress`]) of the ip, ip6, inet and netdev families
//! are kept; a rule expression this file does not know becomes a condition of
//! kind [`Kind::Unevaluable`] quoting it.

use std::collections::HashMap;

use serde_json::Value;

use super::addr::Range;
use super::path::{PathCond, PathMatch};
use super::{
    Action, Base, Cond, Family, Hook, Item, Kind, Manager, Policy, PortRange, Rule, Ruleset,
};

/// Set and map elements by `(table, name)`.
pub(super) type Sets = HashMap<(String, String), Vec<Value>>;

/// Parses `nft -j list ruleset` output. Tables for which `skip(family, table)` holds are left
/// out (iptables-nft's tables, already read through `iptables-save`).
pub fn parse(
    text: &str,
    firewall: &str,
    skip: &dyn Fn(&str, &str) -> bool,
) -> Result<Ruleset, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not nftables JSON: {e}"))?;
    from_value(&v, firewall, skip)
}

/// Same as [`parse`], from a parsed document.
pub fn from_value(
    v: &Value,
    firewall: &str,
    skip: &dyn Fn(&str, &str) -> bool,
) -> Result<Ruleset, String> {
    let list = v
        .get("nftables")
        .and_then(Value::as_array)
        .ok_or("no \"nftables\" array")?;
    let mut rs = Ruleset::new(firewall).managed_by(Manager::Nftables { file: None });
    let mut sets: Sets = HashMap::new();
    // Sets first: rules may refer to sets listed after them.
    for obj in list {
        for kind in ["set", "map"] {
            if let Some(s) = obj.get(kind) {
                let fam = s.get("family").and_then(Value::as_str).unwrap_or("");
                let table = s.get("table").and_then(Value::as_str).unwrap_or("");
                let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                let elems = s
                    .get("elem")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                sets.insert((format!("{fam} {table}"), name.to_string()), elems);
            }
        }
    }
    for obj in list {
        if let Some(n) = obj.get("_note").and_then(Value::as_str) {
            rs.notes.push(n.to_string());
        }
        if let Some(c) = obj.get("chain") {
            add_chain(&mut rs, c, skip);
        }
    }
    for obj in list {
        if let Some(r) = obj.get("rule") {
            let fam = str_of(r, "family");
            let table = str_of(r, "table");
            if skip(&fam, &table) {
                continue;
            }
            let tname = format!("{fam} {table}");
            let exprs = r
                .get("expr")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let text = match r.get("_text").and_then(Value::as_str) {
                Some(t) => t.to_string(),
                None => exprs.iter().map(render_stmt).collect::<Vec<_>>().join(" "),
            };
            let items = rule_items(&exprs, &tname, &sets);
            let idx = rs.chain_mut(&tname, &str_of(r, "chain"));
            rs.chains[idx].rules.push(Rule { items, text });
        }
    }
    Ok(rs)
}

/// Adds a chain object (`{"family", "table", "name", "hook", ...}`) to `rs`: the chain, and a
/// base for it when it sits at a hook this reads.
pub(super) fn add_chain(rs: &mut Ruleset, c: &Value, skip: &dyn Fn(&str, &str) -> bool) {
    let fam = str_of(c, "family");
    let table = str_of(c, "table");
    if skip(&fam, &table) {
        return;
    }
    let tname = format!("{fam} {table}");
    let idx = rs.chain_mut(&tname, &str_of(c, "name"));
    let families = match fam.as_str() {
        "ip" => vec![Family::V4],
        "ip6" => vec![Family::V6],
        "inet" | "netdev" => vec![Family::V4, Family::V6],
        _ => return,
    };
    let hook = match c.get("hook").and_then(Value::as_str) {
        Some("prerouting") => Some((Hook::Prerouting, 0)),
        Some("input") => Some((Hook::Input, 0)),
        Some("output") => Some((Hook::Output, 0)),
        Some("postrouting") => Some((Hook::Postrouting, 0)),
        // Ingress runs before prerouting.
        Some("ingress") => Some((Hook::Prerouting, -100_000)),
        _ => None,
    };
    if let Some((hook, offset)) = hook {
        let policy = match c.get("policy").and_then(Value::as_str) {
            Some("drop") => Policy::Drop,
            _ => Policy::Accept,
        };
        let device = c
            .get("dev")
            .and_then(|d| match d {
                Value::String(s) => Some(s.clone()),
                Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .filter(|_| fam == "netdev");
        rs.bases.push(Base {
            chain: idx,
            hook,
            priority: priority(c.get("prio")) + offset,
            families,
            policy,
            device,
        });
    }
}

fn str_of(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

/// A chain priority: a number, or one of nft's standard names.
pub fn priority(v: Option<&Value>) -> i32 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) as i32,
        Some(Value::String(s)) => named_priority(s).unwrap_or(0),
        _ => 0,
    }
}

/// `filter`, `raw - 10`, `mangle + 5`.
pub fn named_priority(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i32>() {
        return Some(n);
    }
    let (name, delta) = match s.find(['+', '-']) {
        Some(i) => {
            let d: i32 = s[i + 1..].trim().parse().ok()?;
            (s[..i].trim(), if &s[i..i + 1] == "-" { -d } else { d })
        }
        None => (s, 0),
    };
    let base = match name {
        "raw" => -300,
        "mangle" => -150,
        "dstnat" => -100,
        "filter" => 0,
        "security" => 50,
        "srcnat" => 100,
        _ => return None,
    };
    Some(base + delta)
}

fn unevaluable(what: String) -> Cond {
    Cond::Depends {
        kind: Kind::Unevaluable,
        key: what,
        neg: false,
    }
}

/// The items of one rule.
pub(super) fn rule_items(exprs: &[Value], table: &str, sets: &Sets) -> Vec<Item> {
    let mut out = Vec::new();
    for e in exprs {
        out.push(stmt_item(e, table, sets));
    }
    out
}

fn verdict_of(v: &Value) -> Option<Action> {
    let obj = v.as_object()?;
    let (k, val) = obj.iter().next()?;
    Some(match k.as_str() {
        "accept" => Action::Accept,
        "drop" => Action::Drop,
        "reject" => Action::Reject,
        "return" => Action::Return,
        "continue" => Action::Continue,
        "jump" => Action::Jump(val.get("target")?.as_str()?.to_string()),
        "goto" => Action::Goto(val.get("target")?.as_str()?.to_string()),
        "queue" => Action::Unknown(format!("{}: a user-space program decides", render_stmt(v))),
        _ => return None,
    })
}

fn stmt_item(e: &Value, table: &str, sets: &Sets) -> Item {
    if let Some(a) = verdict_of(e) {
        return Item::Act(a);
    }
    let Some((k, val)) = e.as_object().and_then(|o| o.iter().next()) else {
        return Item::Cond(unevaluable(render_stmt(e)));
    };
    match k.as_str() {
        "match" => Item::Cond(match_cond(val, table, sets)),
        "counter" | "log" | "mangle" | "meta" | "snat" | "masquerade" | "set" | "flow"
        | "secmark" | "dup" | "comment" | "ct helper" | "ct timeout" | "ct expectation" => {
            Item::Act(Action::Continue)
        }
        "limit" | "quota" | "ct count" | "numgen" => Item::Cond(Cond::Depends {
            kind: Kind::History,
            key: render_stmt(e),
            neg: false,
        }),
        "vmap" => vmap_item(val, table, sets).unwrap_or_else(|| {
            Item::Cond(unevaluable(render_stmt(e)))
        }),
        "notrack" => Item::Act(Action::Unknown(
            "notrack: the connection is not tracked, later state matches see untracked; not followed"
                .into(),
        )),
        "dnat" | "redirect" | "tproxy" | "fwd" => {
            let act = Action::Unknown(format!(
                "{}: redirects the connection; not followed",
                render_stmt(e)
            ));
            // `dnat to tcp dport map { 1000 : ... }`: a port missing from the map is a lookup
            // miss, and the rule does not apply to it.
            let mut keys = Vec::new();
            if dport_map_keys(val, &mut keys) {
                Item::Vmap(vec![(Cond::DPort { neg: false, ports: keys }, act)])
            } else {
                Item::Act(act)
            }
        }
        "unparsed" => Item::Cond(unevaluable(
            val.as_str().map(str::to_string).unwrap_or_else(|| render_stmt(e)),
        )),
        "xt" => Item::Cond(unevaluable(format!(
            "iptables extension inside nftables: {}",
            render_stmt(e)
        ))),
        _ => Item::Cond(unevaluable(render_stmt(e))),
    }
}

/// Collects the keys of maps looked up by TCP destination port anywhere inside `v`; false when
/// there is none or a key is not a port.
fn dport_map_keys(v: &Value, keys: &mut Vec<PortRange>) -> bool {
    let mut found = false;
    match v {
        Value::Object(o) => {
            if let Some(m) = o.get("map") {
                let is_dport = m
                    .get("key")
                    .and_then(|k| k.get("payload"))
                    .is_some_and(|p| {
                        matches!(
                            p.get("protocol").and_then(Value::as_str),
                            Some("tcp" | "th")
                        ) && p.get("field").and_then(Value::as_str) == Some("dport")
                    });
                let elems = m
                    .get("data")
                    .and_then(|d| d.get("set"))
                    .and_then(Value::as_array);
                if let (true, Some(elems)) = (is_dport, elems) {
                    let ks: Vec<Value> = elems
                        .iter()
                        .filter_map(|e| e.as_array().and_then(|a| a.first()).cloned())
                        .collect();
                    match port_ranges(&ks) {
                        Some(r) if ks.len() == elems.len() => {
                            keys.extend(r);
                            found = true;
                        }
                        _ => return false,
                    }
                }
            }
            for (k, inner) in o {
                if k != "map" && dport_map_keys(inner, keys) {
                    found = true;
                }
            }
        }
        Value::Array(a) => {
            for inner in a {
                if dport_map_keys(inner, keys) {
                    found = true;
                }
            }
        }
        _ => {}
    }
    found
}

fn vmap_item(val: &Value, table: &str, sets: &Sets) -> Option<Item> {
    let key = val.get("key")?;
    let data = val.get("data")?;
    let elems: Vec<Value> = match data {
        Value::Object(o) if o.contains_key("set") => o.get("set")?.as_array()?.clone(),
        Value::String(s) if s.starts_with('@') => {
            sets.get(&(table.to_string(), s[1..].to_string()))?.clone()
        }
        _ => return None,
    };
    let mut entries = Vec::new();
    for el in elems {
        let pair = el.as_array()?;
        let (k, v) = (pair.first()?, pair.get(1)?);
        let action = verdict_of(v)?;
        let m = serde_json::json!({"op": "==", "left": key, "right": k});
        entries.push((match_cond(&m, table, sets), action));
    }
    Some(Item::Vmap(entries))
}

/// Values of the right-hand side: single values, anonymous sets, named sets.
fn values(right: &Value, table: &str, sets: &Sets) -> Option<Vec<Value>> {
    match right {
        Value::String(s) if s.starts_with('@') => {
            let elems = sets.get(&(table.to_string(), s[1..].to_string()))?;
            Some(elems.iter().map(unwrap_elem).collect())
        }
        Value::Object(o) if o.contains_key("set") => match o.get("set")? {
            Value::Array(a) => Some(a.iter().map(unwrap_elem).collect()),
            single => Some(vec![unwrap_elem(single)]),
        },
        Value::Array(a) => Some(a.iter().map(unwrap_elem).collect()),
        v => Some(vec![unwrap_elem(v)]),
    }
}

/// `{"elem": {"val": X, "timeout": ...}}` is X.
fn unwrap_elem(v: &Value) -> Value {
    match v.get("elem").and_then(|e| e.get("val")) {
        Some(inner) => inner.clone(),
        None => v.clone(),
    }
}

fn port_ranges(vals: &[Value]) -> Option<Vec<PortRange>> {
    let mut out = Vec::new();
    for v in vals {
        match v {
            Value::Number(n) => {
                let p = u16::try_from(n.as_u64()?).ok()?;
                out.push((p, p));
            }
            Value::String(s) => out.push(super::iptables::parse_port_range(s)?),
            Value::Object(o) if o.contains_key("range") => {
                let r = o.get("range")?.as_array()?;
                let a = port_ranges(r.get(..1)?)?.first()?.0;
                let b = port_ranges(r.get(1..2)?)?.first()?.1;
                out.push((a, b));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn strings(vals: &[Value]) -> Option<Vec<String>> {
    vals.iter()
        .map(|v| match v {
            Value::String(s) => Some(s.to_ascii_lowercase()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// Applies a comparison to port ranges: `<`, `>`, `<=`, `>=` against one port.
fn compare_ports(op: &str, ports: Vec<PortRange>) -> Option<(bool, Vec<PortRange>)> {
    Some(match op {
        "==" | "in" => (false, ports),
        "!=" => (true, ports),
        "<" | "<=" | ">" | ">=" => {
            let p = match ports.as_slice() {
                [(a, b)] if a == b => *a,
                _ => return None,
            };
            let r = match op {
                "<" => (0, p.checked_sub(1)?),
                "<=" => (0, p),
                ">" => (p.checked_add(1)?, 65535),
                _ => (p, 65535),
            };
            (false, vec![r])
        }
        _ => return None,
    })
}

fn match_cond(m: &Value, table: &str, sets: &Sets) -> Cond {
    let shown = render_match(m);
    match try_match(m, table, sets, &shown) {
        Some(c) => c,
        None => unevaluable(shown),
    }
}

/// One match statement, as its kind-specific readers need it.
struct Match<'a> {
    op: &'a str,
    right: &'a Value,
    neg: bool,
    /// `==`, `!=` or `in`: a comparison of sets or single values.
    eq_like: bool,
    table: &'a str,
    sets: &'a Sets,
    shown: &'a str,
}

impl Match<'_> {
    /// The right-hand values, sets resolved.
    fn values(&self) -> Option<Vec<Value>> {
        values(self.right, self.table, self.sets)
    }

    /// Depends on the fact the statement tests, keyed by its `==` form.
    fn depends(&self, kind: Kind) -> Cond {
        Cond::Depends {
            kind,
            key: self.shown.trim_start_matches("!= ").replace(" != ", " == "),
            neg: self.neg,
        }
    }
}

fn try_match(m: &Value, table: &str, sets: &Sets, shown: &str) -> Option<Cond> {
    let op = m.get("op").and_then(Value::as_str).unwrap_or("==");
    let left = m.get("left")?;
    let x = Match {
        op,
        right: m.get("right")?,
        neg: op == "!=",
        eq_like: matches!(op, "==" | "!=" | "in"),
        table,
        sets,
        shown,
    };
    if let Some(p) = left.get("payload") {
        return payload_match(&x, p);
    }
    if let Some(meta) = left.get("meta") {
        return meta_match(&x, meta);
    }
    if let Some(ct) = left.get("ct") {
        return ct_match(&x, ct);
    }
    if let Some(fib) = left.get("fib") {
        return fib_match(&x, fib);
    }
    if let Some(and) = left.get("&") {
        return flags_match(&x, and);
    }
    None
}

/// `tcp dport`, `ip saddr`, `ip protocol`, other protocols' headers.
fn payload_match(x: &Match, p: &Value) -> Option<Cond> {
    let proto = p.get("protocol").and_then(Value::as_str)?;
    let field = p.get("field").and_then(Value::as_str)?;
    Some(match (proto, field) {
        ("tcp" | "th", "dport") => {
            let vals = x.values()?;
            let (n, ports) = compare_ports(x.op, port_ranges(&vals)?)?;
            Cond::DPort { neg: n, ports }
        }
        ("tcp" | "th", "sport") => {
            let inbound = x.depends(Kind::SourcePort);
            let key = inbound.depends_key();
            let ports = x
                .values()
                .and_then(|v| port_ranges(&v))
                .and_then(|p| compare_ports(x.op, p));
            let (n, ports) = match ports {
                Some((n, p)) => (n, Some(p)),
                None => (x.neg, None),
            };
            PathCond::wrap(inbound, PathMatch::SPort { neg: n, ports, key })
        }
        ("ip" | "ip6", "saddr" | "daddr") => {
            let fam = if proto == "ip" {
                Family::V4
            } else {
                Family::V6
            };
            let src = field == "saddr";
            let inbound = x.depends(if src { Kind::Source } else { Kind::Destination });
            let key = inbound.depends_key();
            let nets = if x.eq_like {
                x.values().and_then(|v| addr_ranges(&v))
            } else {
                None
            };
            let c = PathCond::wrap(
                inbound,
                PathMatch::Addr {
                    src,
                    neg: x.neg,
                    nets,
                    key,
                },
            );
            family_and(fam, c)
        }
        ("ip", "protocol") | ("ip6", "nexthdr") if x.eq_like => {
            let fam = if proto == "ip" {
                Family::V4
            } else {
                Family::V6
            };
            let protos = proto_list(&x.values()?)?;
            family_and(fam, Cond::Proto { neg: x.neg, protos })
        }
        ("ip", _) => family_and(Family::V4, unevaluable(x.shown.to_string())),
        ("ip6", _) => family_and(Family::V6, unevaluable(x.shown.to_string())),
        // A match on another protocol's header implies that protocol: not TCP.
        (
            "udp" | "udplite" | "sctp" | "dccp" | "icmp" | "icmpv6" | "esp" | "ah" | "comp"
            | "igmp" | "gre" | "arp",
            _,
        ) => Cond::Never(format!("{}: not a TCP packet", x.shown)),
        _ => return None,
    })
}

/// `meta l4proto`, `nfproto`, interfaces, packet type, time.
fn meta_match(x: &Match, meta: &Value) -> Option<Cond> {
    let key = meta.get("key").and_then(Value::as_str)?;
    let vals = x.values()?;
    Some(match key {
        "l4proto" if x.eq_like => Cond::Proto {
            neg: x.neg,
            protos: proto_list(&vals)?,
        },
        "nfproto" | "protocol" if x.eq_like => {
            let s = strings(&vals)?;
            let v4 = s.iter().any(|p| p == "ipv4" || p == "ip");
            let v6 = s.iter().any(|p| p == "ipv6" || p == "ip6");
            match (v4 != x.neg, v6 != x.neg) {
                (true, true) => Cond::Always,
                (true, false) => Cond::Family(Family::V4),
                (false, true) => Cond::Family(Family::V6),
                (false, false) => Cond::Never(x.shown.to_string()),
            }
        }
        "iifname" | "iif" if x.eq_like => iface_cond(&strings(&vals)?, x.neg, x.shown),
        "oifname" | "oif" if x.eq_like => {
            // Packets to the local host have no output interface at prerouting and input.
            let inbound = if x.neg {
                Cond::Always
            } else {
                Cond::Never(format!(
                    "{}: inbound packets have no output interface",
                    x.shown
                ))
            };
            PathCond::wrap(
                inbound,
                PathMatch::OutIface {
                    neg: x.neg,
                    names: strings(&vals)?,
                },
            )
        }
        "iiftype" if x.eq_like => {
            let s = strings(&vals)?;
            if s.iter().all(|t| t == "loopback") {
                if x.neg {
                    Cond::Always
                } else {
                    Cond::Never(x.shown.to_string())
                }
            } else {
                x.depends(Kind::Interface)
            }
        }
        "iifgroup" | "iifkind" => x.depends(Kind::Interface),
        "pkttype" if x.eq_like => {
            let s = strings(&vals)?;
            if s.iter().any(|t| t == "host" || t == "unicast") != x.neg {
                Cond::Always
            } else {
                Cond::Never(x.shown.to_string())
            }
        }
        "time" | "day" | "hour" => x.depends(Kind::History),
        _ => return None,
    })
}

/// `ct state`, `ct direction`, the original addresses.
fn ct_match(x: &Match, ct: &Value) -> Option<Cond> {
    let key = ct.get("key").and_then(Value::as_str)?;
    Some(match key {
        "state" => {
            let s = strings(&x.values()?)?;
            Cond::CtState {
                neg: x.neg,
                states: s,
            }
        }
        "direction" => {
            let s = strings(&x.values()?)?;
            if s.iter().any(|d| d == "original") != x.neg {
                Cond::Always
            } else {
                Cond::Never(x.shown.to_string())
            }
        }
        "saddr" | "ip saddr" | "ip6 saddr" => x.depends(Kind::Source),
        "daddr" | "ip daddr" | "ip6 daddr" => x.depends(Kind::Destination),
        "l3proto" => return None,
        _ => return None,
    })
}

/// `fib daddr type` (address type) and `fib saddr . iif oif` (reverse path).
fn fib_match(x: &Match, fib: &Value) -> Option<Cond> {
    let result = fib.get("result").and_then(Value::as_str)?;
    let flags = strings(fib.get("flags").and_then(Value::as_array)?)?;
    if result == "type" && flags.iter().any(|f| f == "daddr") && x.eq_like {
        return Some(Cond::DstType {
            neg: x.neg,
            types: strings(&x.values()?)?
                .into_iter()
                .map(|t| t.to_ascii_uppercase())
                .collect(),
        });
    }
    if result == "oif" && flags.iter().any(|f| f == "saddr") {
        // Reverse-path check: for a peer routed back the way it came, oif exists.
        let missing = matches!(x.right, Value::Bool(false))
            || x.right.as_str() == Some("missing")
            || x.right.as_u64() == Some(0);
        let matches_missing = missing != x.neg;
        return Some(Cond::RpFilter {
            invert: matches_missing,
        });
    }
    None
}

/// `tcp flags & (syn | ack) == syn`
fn flags_match(x: &Match, and: &Value) -> Option<Cond> {
    let parts = and.as_array()?;
    let p = parts.first()?.get("payload")?;
    if p.get("protocol")?.as_str()? != "tcp" || p.get("field")?.as_str()? != "flags" {
        return None;
    }
    let mask = flag_bits(parts.get(1)?)?;
    let comp = flag_bits(x.right)?;
    Some(Cond::TcpFlags {
        neg: x.neg,
        mask,
        comp,
    })
}

/// Addresses, prefixes and ranges of a set or a single value; `None` if one is not an address.
fn addr_ranges(vals: &[Value]) -> Option<Vec<Range>> {
    vals.iter()
        .map(|v| match v {
            Value::String(s) => Range::parse(s),
            Value::Object(o) if o.contains_key("prefix") => {
                let p = o.get("prefix")?;
                let addr = p.get("addr")?.as_str()?;
                let len = p.get("len")?.as_u64()?;
                Range::parse(&format!("{addr}/{len}"))
            }
            Value::Object(o) if o.contains_key("range") => {
                let r = o.get("range")?.as_array()?;
                let (a, b) = (r.first()?.as_str()?, r.get(1)?.as_str()?);
                Range::parse(&format!("{a}-{b}"))
            }
            _ => None,
        })
        .collect()
}

/// A condition on a header that only packets of one IP version have (`ip saddr` in an inet
/// table is false for IPv6).
fn family_and(f: Family, c: Cond) -> Cond {
    Cond::OnFamily(f, Box::new(c))
}

fn proto_list(vals: &[Value]) -> Option<Vec<u8>> {
    vals.iter()
        .map(|v| match v {
            Value::Number(n) => u8::try_from(n.as_u64()?).ok(),
            Value::String(s) => super::proto_number(s),
            _ => None,
        })
        .collect()
}

fn flag_bits(v: &Value) -> Option<u8> {
    let names: Vec<String> = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => strings(a)?,
        Value::Object(o) if o.contains_key("|") => strings(o.get("|")?.as_array()?)?,
        Value::Number(n) => return u8::try_from(n.as_u64()?).ok(),
        _ => return None,
    };
    let mut bits = 0u8;
    for n in names {
        bits |= match n.as_str() {
            "fin" => 0x01,
            "syn" => 0x02,
            "rst" => 0x04,
            "psh" => 0x08,
            "ack" => 0x10,
            "urg" => 0x20,
            "ecn" => 0x40,
            "cwr" => 0x80,
            _ => return None,
        };
    }
    Some(bits)
}

fn iface_cond(names: &[String], neg: bool, shown: &str) -> Cond {
    if names.iter().any(|n| n == "*") {
        return if neg {
            Cond::Never(shown.to_string())
        } else {
            Cond::Always
        };
    }
    let others: Vec<&String> = names.iter().filter(|n| n.as_str() != "lo").collect();
    if others.is_empty() {
        return if neg {
            Cond::Always
        } else {
            Cond::Never(format!("{shown}: the connection does not arrive on lo"))
        };
    }
    if others.len() == 1 {
        return Cond::InIface {
            neg,
            name: others[0].clone(),
        };
    }
    let mut sorted: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
    sorted.sort();
    Cond::Depends {
        kind: Kind::Interface,
        key: format!("arrives on one of {}", sorted.join(", ")),
        neg,
    }
}

/// nft-like text of one statement, for quoting rules that came from JSON.
pub fn render_stmt(e: &Value) -> String {
    if let Some(m) = e.get("match") {
        return render_match(m);
    }
    let Some((k, v)) = e.as_object().and_then(|o| o.iter().next()) else {
        return e.to_string();
    };
    if let Some(t) = v.get("text").and_then(Value::as_str) {
        return t.to_string();
    }
    match (k.as_str(), v) {
        (_, Value::Null) => k.clone(),
        ("unparsed", Value::String(t)) => t.clone(),
        ("jump" | "goto", _) => format!(
            "{k} {}",
            v.get("target").and_then(Value::as_str).unwrap_or("?")
        ),
        ("counter", _) => "counter".into(),
        ("log", _) => match v.get("prefix").and_then(Value::as_str) {
            Some(p) => format!("log prefix \"{p}\""),
            None => "log".into(),
        },
        ("reject", _) => "reject".into(),
        ("vmap", _) => format!(
            "{} vmap {}",
            render_value(v.get("key").unwrap_or(&Value::Null)),
            render_value(v.get("data").unwrap_or(&Value::Null))
        ),
        _ => format!("{k} {v}"),
    }
}

fn render_match(m: &Value) -> String {
    let op = m.get("op").and_then(Value::as_str).unwrap_or("==");
    let left = render_value(m.get("left").unwrap_or(&Value::Null));
    let right = render_value(m.get("right").unwrap_or(&Value::Null));
    match op {
        "==" | "in" => format!("{left} {right}"),
        _ => format!("{left} {op} {right}"),
    }
}

fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(render_value).collect::<Vec<_>>().join(","),
        Value::Object(o) => {
            if let Some(p) = o.get("payload") {
                if let (Some(pr), Some(f)) = (p.get("protocol"), p.get("field")) {
                    return format!("{} {}", render_value(pr), render_value(f));
                }
            }
            if let Some(m) = o.get("meta") {
                let key = render_value(m.get("key").unwrap_or(&Value::Null));
                return match key.as_str() {
                    "iifname" | "oifname" | "iif" | "oif" => key,
                    _ => format!("meta {key}"),
                };
            }
            if let Some(c) = o.get("ct") {
                return format!("ct {}", render_value(c.get("key").unwrap_or(&Value::Null)));
            }
            if let Some(s) = o.get("set") {
                return format!("{{ {} }}", render_value(s).replace(',', ", "));
            }
            if let Some(r) = o.get("range").and_then(Value::as_array) {
                return r.iter().map(render_value).collect::<Vec<_>>().join("-");
            }
            if let Some(p) = o.get("prefix") {
                return format!(
                    "{}/{}",
                    render_value(p.get("addr").unwrap_or(&Value::Null)),
                    render_value(p.get("len").unwrap_or(&Value::Null))
                );
            }
            if let Some(f) = o.get("fib") {
                return format!(
                    "fib {} {}",
                    render_value(f.get("flags").unwrap_or(&Value::Null)).replace(',', " . "),
                    render_value(f.get("result").unwrap_or(&Value::Null))
                );
            }
            v.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::eval::{Verdict, evaluate};
    use super::*;

    /// Written by nft 1.0.6 (`nft -j list ruleset`) for an inet table with a drop policy.
    const RULESET: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"set": {"family": "inet", "name": "allowed", "table": "filter", "type": "inet_service", "handle": 2, "flags": ["interval"], "elem": [80, {"range": [20000, 20010]}]}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 3, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "invalid"}}, {"drop": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 6, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "icmp"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 7, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 2222}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 9, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, 443]}}}, {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "new"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 10, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@allowed"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 12, "expr": [{"vmap": {"key": {"payload": {"protocol": "tcp", "field": "dport"}}, "data": {"set": [[25, {"drop": null}], [26, {"accept": null}]]}}}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 13, "expr": [{"match": {"op": "==", "left": {"&": [{"payload": {"protocol": "tcp", "field": "flags"}}, ["syn", "ack"]]}, "right": "syn"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 27}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 14, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "eth0"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 28}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 15, "expr": [{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 29}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 16, "expr": [{"limit": {"rate": 5, "burst": 5, "per": "minute"}}, {"log": {"prefix": "drop: "}}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 17, "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"reject": {"type": "icmpx", "expr": "port-unreachable"}}]}}]}"#;

    fn verdict(port: u16, family: Family) -> Verdict {
        let rs = parse(RULESET, "nftables", &|_, _| false).unwrap();
        evaluate(&rs, family, port).verdict
    }

    /// Anonymous and named sets, intervals, vmaps, tcp flags and fib are evaluated.
    #[test]
    fn ports_sets_and_maps() {
        for p in [22, 443, 80, 20004, 26, 27, 29] {
            assert_eq!(verdict(p, Family::V4), Verdict::Accepted, "port {p}");
        }
        for p in [21, 25, 8080] {
            assert_eq!(verdict(p, Family::V4), Verdict::Blocked, "port {p}");
        }
    }

    /// `ip saddr` in an inet table limits IPv4 only; `iifname eth0` depends on the interface.
    #[test]
    fn family_and_interface_conditions() {
        assert_eq!(verdict(2222, Family::V4), Verdict::Conditional);
        assert_eq!(verdict(2222, Family::V6), Verdict::Blocked);
        let rs = parse(RULESET, "nftables", &|_, _| false).unwrap();
        let a = evaluate(&rs, Family::V4, 28);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::Interface);
        assert!(
            a.conditions[0].origin.text.contains("iifname eth0"),
            "{:?}",
            a.conditions
        );
    }

    /// Skipped tables (iptables-nft's) are left out; an `xt` expression is unevaluable.
    #[test]
    fn skip_and_xt() {
        let rs = parse(RULESET, "nftables", &|f, t| f == "inet" && t == "filter").unwrap();
        assert!(evaluate(&rs, Family::V4, 21).no_rules);
        let xt = r#"{"nftables":[{"chain":{"family":"ip","table":"t","name":"in","hook":"input","prio":0,"policy":"drop"}},{"rule":{"family":"ip","table":"t","chain":"in","expr":[{"xt":{"type":"match","name":"u32"}},{"accept":null}]}}]}"#;
        let rs = parse(xt, "nftables", &|_, _| false).unwrap();
        let a = evaluate(&rs, Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Undetermined);
        assert!(a.unknowns[0].contains("xt"), "{:?}", a.unknowns);
    }

    /// Standard priority names as nft prints them.
    #[test]
    fn priorities() {
        assert_eq!(named_priority("filter"), Some(0));
        assert_eq!(named_priority("raw - 10"), Some(-310));
        assert_eq!(named_priority("mangle+5"), Some(-145));
        assert_eq!(named_priority("-200"), Some(-200));
    }
}
