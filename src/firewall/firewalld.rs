//! firewalld's permanent configuration, as it will be loaded at the next boot: zones and
//! services (XML, `/etc/firewalld` overriding `/usr/lib/firewalld` file by file), the default
//! zone, the zones bound to interfaces and source addresses, rich rules and direct rules.
//!
//! It is compiled into the chains firewalld itself builds (loopback accepted, the zone chosen by
//! source address first, then by interface, else the default zone; inside a zone: rich rules of
//! negative priority, deny rules, allow rules with services and ports, positive priority, then
//! the zone's target), so the evaluator answers for it as for a live rule set. Policies
//! (firewalld 0.9 and later, [`policy`]) filter what this machine sends.

use std::collections::BTreeMap;

mod policy;

use super::path;
use super::{Action, Cond, Family, Hook, Item, Kind, Manager, Policy, PortRange, Rule, Ruleset};

/// The permanent configuration, read by the caller.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `DefaultZone` of firewalld.conf (`public` when unset).
    pub default_zone: String,
    /// Zone name -> (path, XML), the /etc file when both exist.
    pub zones: BTreeMap<String, (String, String)>,
    /// Service name -> (path, XML).
    pub services: BTreeMap<String, (String, String)>,
    /// Interfaces bound to zones outside the zone files (NetworkManager's `zone=`, ifcfg
    /// `ZONE=`): (interface, zone, where it was set).
    pub interface_zones: Vec<(String, String, String)>,
    /// /etc/firewalld/direct.xml, when present.
    pub direct: Option<(String, String)>,
    /// Policy name -> (path, XML), the /etc file when both exist.
    pub policies: BTreeMap<String, (String, String)>,
}

const FIREWALL: &str = "firewalld (permanent configuration)";
const TABLE: &str = "firewalld";

/// Both IP versions: firewalld's chains are in an inet table.
fn both() -> Vec<Family> {
    vec![Family::V4, Family::V6]
}

/// Compiles the configuration; `Err` when a file firewalld needs cannot be understood.
pub fn compile(cfg: &Config) -> Result<Ruleset, String> {
    let mut rs = Ruleset::new(FIREWALL).managed_by(Manager::Firewalld);
    let input = rs.hook_chain(TABLE, "INPUT", Hook::Input, 10, both(), Policy::Accept);
    let mut zones: BTreeMap<String, Zone> = BTreeMap::new();
    for (name, (path, xml)) in &cfg.zones {
        zones.insert(name.clone(), parse_zone(path, xml)?);
    }
    let default = default_zone(cfg, &zones)?;
    let mut top = vec![
        accept_established(),
        Rule::of(
            vec![Cond::in_iface("lo")],
            Action::Accept,
            "iifname lo accept",
        ),
    ];
    if let Some((path, xml)) = &cfg.direct {
        top.extend(add_direct(&mut rs, path, xml)?);
    }
    // Source bindings first, then interfaces, then the default zone.
    let zones_at = top.len();
    top.extend(source_dispatch(&zones));
    let bound = bound_interfaces(cfg, &zones);
    top.extend(interface_dispatch(&zones, &bound, &mut rs.notes));
    top.push(Rule::of(
        vec![],
        Action::Goto(zone_chain(&default)),
        &format!("default zone {default}"),
    ));
    let policies = policy::parse_all(cfg)?;
    // Policies into HOST are not modelled for connections coming in: one that could decide
    // makes the answer undetermined, before the zones.
    let unknown = policy::inbound_unknowns(&policies);
    top.splice(zones_at..zones_at, unknown);
    policy::add_output(
        &mut rs,
        &policy::Zones {
            zones: &zones,
            default: &default,
            bound: &bound,
        },
        &policies,
        cfg,
    )?;
    rs.chains[input].rules = top;
    for (name, z) in &zones {
        let rules = zone_rules("zone", name, z, cfg, &mut rs.notes)?;
        let c = rs.chain_mut(TABLE, &zone_chain(name));
        rs.chains[c].rules = rules;
    }
    Ok(rs)
}

/// `DefaultZone` (`public` when unset), which must have a definition.
fn default_zone(cfg: &Config, zones: &BTreeMap<String, Zone>) -> Result<String, String> {
    let default = if cfg.default_zone.is_empty() {
        "public".to_string()
    } else {
        cfg.default_zone.clone()
    };
    if !zones.contains_key(&default) {
        return Err(format!(
            "the default zone {default} has no definition in /etc/firewalld/zones or /usr/lib/firewalld/zones"
        ));
    }
    Ok(default)
}

/// The chains of direct.xml; returns the rule that sends INPUT through its input rules.
fn add_direct(rs: &mut Ruleset, path: &str, xml: &str) -> Result<Option<Rule>, String> {
    // firewalld's own output chain accepts everything; only direct rules filter there.
    let out_direct = direct_rules(path, xml, "OUTPUT", &mut rs.notes)?;
    if !out_direct.is_empty() {
        let c = rs.chain_mut(TABLE, "OUTPUT_direct");
        rs.chains[c].rules = out_direct;
        let output = rs.hook_chain(TABLE, "OUTPUT", Hook::Output, 10, both(), Policy::Accept);
        rs.chains[output].rules = vec![
            accept_established(),
            Rule::of(
                vec![],
                Action::Jump("OUTPUT_direct".into()),
                "jump OUTPUT_direct",
            ),
        ];
    }
    let direct = direct_rules(path, xml, "INPUT", &mut rs.notes)?;
    if direct.is_empty() {
        return Ok(None);
    }
    let c = rs.chain_mut(TABLE, "INPUT_direct");
    rs.chains[c].rules = direct;
    Ok(Some(Rule::of(
        vec![],
        Action::Jump("INPUT_direct".into()),
        "jump INPUT_direct",
    )))
}

/// A zone's source addresses send their packets to it.
fn source_dispatch(zones: &BTreeMap<String, Zone>) -> Vec<Rule> {
    let mut out = Vec::new();
    for (name, z) in zones {
        for src in &z.sources {
            out.push(Rule::of(
                vec![Cond::depends(Kind::Source, format!("source {src}"))],
                Action::Goto(zone_chain(name)),
                &format!("source {src} -> zone {name} ({})", z.path),
            ));
        }
    }
    out
}

/// (interface, zone, where it was set): the zone files' bindings, then those set elsewhere for
/// interfaces no zone file names.
fn bound_interfaces(cfg: &Config, zones: &BTreeMap<String, Zone>) -> Vec<(String, String, String)> {
    let mut bound: Vec<(String, String, String)> = Vec::new();
    for (name, z) in zones {
        for i in &z.interfaces {
            bound.push((i.clone(), name.clone(), z.path.clone()));
        }
    }
    for (i, zone, from) in &cfg.interface_zones {
        if !bound.iter().any(|(b, _, _)| b == i) {
            bound.push((i.clone(), zone.clone(), from.clone()));
        }
    }
    bound
}

/// A bound interface sends its packets to its zone; a binding to an undefined zone is noted.
fn interface_dispatch(
    zones: &BTreeMap<String, Zone>,
    bound: &[(String, String, String)],
    notes: &mut Vec<String>,
) -> Vec<Rule> {
    let mut out = Vec::new();
    for (iface, zone, from) in bound {
        if !zones.contains_key(zone) {
            notes.push(format!(
                "{from}: interface {iface} is bound to zone {zone}, which has no definition"
            ));
            continue;
        }
        out.push(Rule::of(
            vec![Cond::in_iface(iface)],
            Action::Goto(zone_chain(zone)),
            &format!("interface {iface} -> zone {zone} ({from})"),
        ));
    }
    out
}

fn zone_chain(name: &str) -> String {
    format!("zone {name}")
}

/// The first rule of firewalld's input and output chains: replies and related traffic pass.
fn accept_established() -> Rule {
    Rule::of(
        vec![Cond::established()],
        Action::Accept,
        "ct state established,related accept",
    )
}

#[derive(Debug, Default)]
struct Zone {
    path: String,
    target: String,
    services: Vec<String>,
    ports: Vec<(String, String)>,
    protocols: Vec<String>,
    sources: Vec<String>,
    interfaces: Vec<String>,
    rich: Vec<Rich>,
}

#[derive(Debug, Default, Clone)]
struct Rich {
    text: String,
    priority: i64,
    family: Option<Family>,
    conds: Vec<Cond>,
    /// Service or port elements, resolved later.
    service: Option<String>,
    ports: Vec<(String, String)>,
    protocol: Option<String>,
    action: Option<Action>,
    limited: bool,
    /// Matches ICMP types only.
    icmp: bool,
}

/// Elements nested deeper than this make a firewalld file an error: firewalld's own files
/// nest three deep, and a hostile zone 20,000 deep overflowed the stack inside the XML parser.
pub const MAX_XML_DEPTH: usize = 256;

/// A firewalld XML file, refused before parsing when it nests deeper than [`MAX_XML_DEPTH`].
fn parse_xml<'x>(path: &str, xml: &'x str) -> Result<roxmltree::Document<'x>, String> {
    if let Some(offset) = too_deep(xml.as_bytes(), MAX_XML_DEPTH) {
        return Err(format!(
            "{path}: elements nested more than {MAX_XML_DEPTH} deep (at byte {offset})"
        ));
    }
    roxmltree::Document::parse(xml).map_err(|e| format!("{path}: {e}"))
}

/// The offset where element nesting first exceeds `limit`, by a linear scan that needs no
/// stack: `<name` opens, `</` and `/>` close; comments, CDATA, processing instructions and
/// declarations are skipped whole. It errs on counting deeper, never shallower, than a parser.
fn too_deep(xml: &[u8], limit: usize) -> Option<usize> {
    let skip_to = |from: usize, end: &[u8]| {
        xml[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map(|p| from + p + end.len())
            .unwrap_or(xml.len())
    };
    let mut depth = 0usize;
    let mut i = 0;
    while i < xml.len() {
        if xml[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &xml[i..];
        if rest.starts_with(b"<!--") {
            i = skip_to(i + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_to(i + 9, b"]]>");
        } else if rest.starts_with(b"<?") {
            i = skip_to(i + 2, b"?>");
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") {
            depth = depth.saturating_sub(usize::from(rest.starts_with(b"</")));
            i = skip_to(i + 2, b">");
        } else {
            let end = skip_to(i + 1, b">");
            let self_closing = end >= 2 && xml[end - 2] == b'/';
            if !self_closing {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            i = end;
        }
    }
    None
}

fn parse_zone(path: &str, xml: &str) -> Result<Zone, String> {
    let doc = parse_xml(path, xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "zone" {
        return Err(format!("{path}: not a <zone> file"));
    }
    let mut z = Zone {
        path: path.to_string(),
        target: root.attribute("target").unwrap_or("default").to_string(),
        ..Zone::default()
    };
    read_entries(&mut z, root);
    Ok(z)
}

/// The elements zones and policies share: services, ports, protocols, sources, interfaces and
/// rich rules.
fn read_entries(z: &mut Zone, root: roxmltree::Node<'_, '_>) {
    for n in root.children().filter(|n| n.is_element()) {
        match n.tag_name().name() {
            "service" => z.services.extend(n.attribute("name").map(str::to_string)),
            "port" => z.ports.push((
                n.attribute("port").unwrap_or("").to_string(),
                n.attribute("protocol").unwrap_or("").to_string(),
            )),
            "protocol" => z.protocols.extend(n.attribute("value").map(str::to_string)),
            "source" => {
                let s = n
                    .attribute("address")
                    .map(str::to_string)
                    .or_else(|| n.attribute("mac").map(|m| format!("mac {m}")))
                    .or_else(|| n.attribute("ipset").map(|m| format!("ipset {m}")));
                z.sources.extend(s);
            }
            "interface" => z.interfaces.extend(n.attribute("name").map(str::to_string)),
            "rule" => z.rich.push(parse_rich(n)),
            _ => {}
        }
    }
}

fn parse_rich(n: roxmltree::Node<'_, '_>) -> Rich {
    let mut r = Rich {
        priority: n
            .attribute("priority")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0),
        family: match n.attribute("family") {
            Some("ipv4") => Some(Family::V4),
            Some("ipv6") => Some(Family::V6),
            _ => None,
        },
        ..Rich::default()
    };
    let mut text = vec!["rule".to_string()];
    if let Some(f) = n.attribute("family") {
        text.push(format!("family=\"{f}\""));
    }
    for c in n.children().filter(|c| c.is_element()) {
        let invert = matches!(c.attribute("invert"), Some("true" | "True" | "yes"));
        let attrs: Vec<String> = c
            .attributes()
            .map(|a| format!("{}=\"{}\"", a.name(), a.value()))
            .collect();
        text.push(
            format!("{} {}", c.tag_name().name(), attrs.join(" "))
                .trim()
                .to_string(),
        );
        rich_element(&mut r, c, invert);
        if c.children()
            .any(|l| l.is_element() && l.tag_name().name() == "limit")
            && matches!(
                c.tag_name().name(),
                "accept" | "reject" | "drop" | "mark" | "log" | "audit" | "nflog"
            )
        {
            r.limited = true;
        }
    }
    r.text = text.join(" ");
    r
}

/// One child element of a rich rule: what it matches, or its action.
fn rich_element(r: &mut Rich, c: roxmltree::Node<'_, '_>, invert: bool) {
    match c.tag_name().name() {
        "source" | "destination" => {
            let src = c.tag_name().name() == "source";
            let what = c
                .attribute("address")
                .or(c.attribute("ipset"))
                .or(c.attribute("mac"))
                .unwrap_or("?");
            let key = format!("{} {what}", if src { "source" } else { "destination" });
            let inbound = Cond::Depends {
                kind: if src { Kind::Source } else { Kind::Destination },
                key: key.clone(),
                neg: invert,
            };
            // The way out judges a destination address against the endpoint's.
            r.conds.push(match c.attribute("address") {
                Some(a) if !src => path::addr(inbound, false, invert, &[a.to_string()], key),
                _ => inbound,
            });
        }
        "service" => r.service = c.attribute("name").map(str::to_string),
        "port" => r.ports.push((
            c.attribute("port").unwrap_or("").to_string(),
            c.attribute("protocol").unwrap_or("").to_string(),
        )),
        "protocol" => r.protocol = c.attribute("value").map(str::to_string),
        "source-port" => r.conds.push(Cond::depends(
            Kind::SourcePort,
            format!("source port {}", c.attribute("port").unwrap_or("?")),
        )),
        "accept" => r.action = Some(Action::Accept),
        "reject" => r.action = Some(Action::Reject),
        "drop" => r.action = Some(Action::Drop),
        // Their `<limit>` is read by the caller.
        "mark" | "log" | "audit" | "nflog" => {}
        "limit" => r.limited = true,
        "icmp-type" | "icmp-block" => {
            r.icmp = true;
            r.conds
                .push(Cond::Never("an ICMP rule never matches TCP".into()));
        }
        other => r.conds.push(Cond::depends(
            Kind::Unevaluable,
            format!("rich rule element <{other}>"),
        )),
    }
}

/// `22`, `1000-2000` as a range.
fn port_range(s: &str) -> Option<PortRange> {
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => s.trim().parse().ok().map(|p| (p, p)),
    }
}

/// The TCP ports of a service and of the services it includes, or why they cannot be known.
/// As firewalld does, each included service is taken once, so include cycles end and a service
/// included many times over is read once (a walk of every path can be exponential).
fn service_ports(name: &str, cfg: &Config) -> Result<(Vec<PortRange>, bool, String), String> {
    let mut ports = Vec::new();
    let mut all_tcp = false;
    let mut seen = std::collections::BTreeSet::from([name.to_string()]);
    let mut todo = vec![name.to_string()];
    let mut top_path = None;
    while let Some(service) = todo.pop() {
        let Some((path, xml)) = cfg.services.get(&service) else {
            return Err(format!("service {service} has no definition"));
        };
        top_path.get_or_insert_with(|| path.clone());
        let doc = parse_xml(path, xml)?;
        for n in doc.root_element().children().filter(|n| n.is_element()) {
            match n.tag_name().name() {
                "port" if n.attribute("protocol") == Some("tcp") => {
                    let p = n.attribute("port").unwrap_or("");
                    ports.push(port_range(p).ok_or_else(|| format!("{path}: bad port {p}"))?);
                }
                "protocol" if n.attribute("value") == Some("tcp") => all_tcp = true,
                "include" => {
                    if let Some(inc) = n.attribute("service")
                        && seen.insert(inc.to_string())
                    {
                        todo.push(inc.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Ok((ports, all_tcp, top_path.unwrap_or_default()))
}

/// The rules of a zone's or (`kind` "policy") a policy's chain: rich rules of negative
/// priority, deny rules, allow rules, positive priority, then the target (none for CONTINUE).
fn zone_rules(
    kind: &str,
    name: &str,
    z: &Zone,
    cfg: &Config,
    notes: &mut Vec<String>,
) -> Result<Vec<Rule>, String> {
    let mut pre = Vec::new();
    let mut deny = Vec::new();
    let mut allow = Vec::new();
    let mut post = Vec::new();
    for r in &z.rich {
        let Some(action) = r.action.clone() else {
            continue; // log, audit or mark only
        };
        let text = format!("{kind} {name} ({}): {}", z.path, r.text);
        let compiled = Rule::of(rich_conds(kind, name, r, cfg), action.clone(), &text);
        if r.priority < 0 {
            pre.push((r.priority, compiled));
        } else if r.priority > 0 {
            post.push((r.priority, compiled));
        } else if action == Action::Accept {
            allow.push(compiled);
        } else {
            deny.push(compiled);
        }
    }
    for s in &z.services {
        allow.extend(service_rule(kind, name, z, s, cfg, notes));
    }
    allow.extend(port_rules(kind, name, z)?);
    pre.sort_by_key(|(p, _)| *p);
    post.sort_by_key(|(p, _)| *p);
    let mut out: Vec<Rule> = pre.into_iter().map(|(_, r)| r).collect();
    out.extend(deny);
    out.extend(allow);
    out.extend(post.into_iter().map(|(_, r)| r));
    out.extend(zone_target(kind, name, z));
    Ok(out)
}

/// The conditions of a rich rule: family, addresses, service or ports, protocol, limits.
fn rich_conds(kind: &str, name: &str, r: &Rich, cfg: &Config) -> Vec<Cond> {
    let mut conds = Vec::new();
    if let Some(f) = r.family {
        conds.push(Cond::Family(f));
    }
    conds.extend(r.conds.iter().cloned());
    let mut ports: Vec<PortRange> = Vec::new();
    let mut port_given = false;
    if let Some(s) = &r.service {
        port_given = true;
        match service_ports(s, cfg) {
            Ok((_, true, _)) => ports.push((0, 65535)),
            Ok((p, _, _)) => ports.extend(p),
            Err(e) => conds.push(Cond::depends(
                Kind::Unevaluable,
                format!("{kind} {name}: {e}"),
            )),
        }
    }
    for (p, proto) in &r.ports {
        port_given = true;
        if proto == "tcp" {
            match port_range(p) {
                Some(pr) => ports.push(pr),
                None => conds.push(Cond::depends(
                    Kind::Unevaluable,
                    format!("{kind} {name}: port {p}"),
                )),
            }
        }
    }
    if let Some(proto) = &r.protocol {
        conds.push(Cond::Proto {
            neg: false,
            protos: super::proto_number(proto).into_iter().collect(),
        });
    }
    if port_given {
        if ports.is_empty() {
            conds.push(Cond::Never("no TCP port in this rule".into()));
        } else {
            conds.extend(Cond::tcp_to(ports));
        }
    }
    if r.limited {
        conds.push(Cond::depends(Kind::History, format!("limit in {}", r.text)));
    }
    conds
}

/// A `<service>` element: its TCP ports accepted; none when it has no TCP port. An unknown
/// service is noted, and cannot be evaluated.
fn service_rule(
    kind: &str,
    name: &str,
    z: &Zone,
    s: &str,
    cfg: &Config,
    notes: &mut Vec<String>,
) -> Option<Rule> {
    match service_ports(s, cfg) {
        Ok((ports, all, path)) => {
            let text = format!(
                "{kind} {name} ({}): service {s} ({path}: tcp {})",
                z.path,
                if all {
                    "all".into()
                } else {
                    super::show_ports(&ports)
                }
            );
            let mut conds = vec![Cond::tcp()];
            if !all {
                if ports.is_empty() {
                    return None;
                }
                conds.push(Cond::DPort { neg: false, ports });
            }
            Some(Rule::of(conds, Action::Accept, &text))
        }
        Err(e) => {
            // firewalld refuses a zone naming an unknown service; the zone is not loaded.
            notes.push(format!("{kind} {name} ({}): {e}", z.path));
            Some(Rule::unevaluable(
                format!("{kind} {name}: {e}"),
                format!("{kind} {name} ({}): service {s}", z.path),
            ))
        }
    }
}

/// `<port protocol="tcp">` and `<protocol value="tcp">` elements.
fn port_rules(kind: &str, name: &str, z: &Zone) -> Result<Vec<Rule>, String> {
    let mut out = Vec::new();
    for (p, proto) in &z.ports {
        if proto != "tcp" {
            continue;
        }
        let Some(pr) = port_range(p) else {
            return Err(format!("{}: bad port {p}", z.path));
        };
        out.push(Rule::of(
            Cond::tcp_to(vec![pr]),
            Action::Accept,
            &format!("{kind} {name} ({}): port {p}/tcp", z.path),
        ));
    }
    for proto in &z.protocols {
        if super::proto_number(proto) == Some(6) {
            out.push(Rule::of(
                vec![Cond::tcp()],
                Action::Accept,
                &format!("{kind} {name} ({}): protocol tcp", z.path),
            ));
        }
    }
    Ok(out)
}

/// The zone's target as the chain's last rule; none for a policy's CONTINUE.
fn zone_target(kind: &str, name: &str, z: &Zone) -> Option<Rule> {
    let target = match z.target.as_str() {
        "ACCEPT" => Action::Accept,
        "DROP" => Action::Drop,
        // A policy's CONTINUE leaves the packet to the next policy.
        "CONTINUE" => return None,
        // `default`, `%%REJECT%%` and a policy's REJECT reject what no rule allowed.
        _ => Action::Reject,
    };
    let text = format!("{kind} {name} ({}): target {}", z.path, z.target);
    Some(Rule::of(vec![], target, &text))
}

/// Direct rules of the filter table's chain `want` (INPUT or OUTPUT), in priority order.
fn direct_rules(
    path: &str,
    xml: &str,
    want: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Rule>, String> {
    let doc = parse_xml(path, xml)?;
    let mut out: Vec<(i64, Rule)> = Vec::new();
    for n in doc.root_element().children().filter(|n| n.is_element()) {
        let args = n.text().unwrap_or("").trim().to_string();
        match n.tag_name().name() {
            "rule" => {
                let table = n.attribute("table").unwrap_or("filter");
                let chain = n.attribute("chain").unwrap_or("");
                if table != "filter" || chain != want {
                    let path_chains: &[&str] = if want == "INPUT" {
                        &["PREROUTING", "INPUT"]
                    } else {
                        &["OUTPUT", "POSTROUTING"]
                    };
                    if path_chains.contains(&chain) {
                        notes.push(format!(
                            "{path}: direct rule in {table} {chain} not evaluated: {args}"
                        ));
                    }
                    continue;
                }
                let family = match n.attribute("ipv") {
                    Some("ipv6") => Family::V6,
                    _ => Family::V4,
                };
                let mut items = super::iptables::rule_items(&args, family)
                    .map_err(|e| format!("{path}: direct rule `{args}`: {e}"))?;
                items.insert(0, Item::Cond(Cond::Family(family)));
                let prio = n
                    .attribute("priority")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                out.push((
                    prio,
                    Rule {
                        items,
                        text: format!("{path}: direct rule {args}"),
                    },
                ));
            }
            "passthrough" if want == "INPUT" => {
                notes.push(format!("{path}: passthrough not evaluated: {args}"))
            }
            _ => {}
        }
    }
    out.sort_by_key(|(p, _)| *p);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// Configurations for the tests of this module and of [`policy`].
#[cfg(test)]
mod tests_support {
    use super::Config;

    const SSH: &str = r#"<service><port protocol="tcp" port="22"/></service>"#;

    /// Zones and policies by name, ssh.xml, default zone public.
    pub fn cfg_with(zones: &[(&str, &str)], policies: &[(&str, &str)]) -> Config {
        let mut c = Config {
            default_zone: "public".into(),
            ..Config::default()
        };
        for (n, x) in zones {
            let path = format!("/usr/lib/firewalld/zones/{n}.xml");
            c.zones.insert(n.to_string(), (path, x.to_string()));
        }
        for (n, x) in policies {
            let path = format!("/etc/firewalld/policies/{n}.xml");
            c.policies.insert(n.to_string(), (path, x.to_string()));
        }
        let ssh = ("/usr/lib/firewalld/services/ssh.xml".into(), SSH.into());
        c.services.insert("ssh".into(), ssh);
        c
    }
}

#[cfg(test)]
mod tests {
    /// Nesting past the limit is refused before the XML parser sees it; comments and
    /// self-closing elements do not count.
    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("<zone>{}{}</zone>", "<a>".repeat(300), "</a>".repeat(300));
        assert_eq!(too_deep(deep.as_bytes(), MAX_XML_DEPTH), Some(6 + 3 * 255));
        let e = parse_xml("z.xml", &deep).unwrap_err();
        assert!(e.contains("nested more than 256 deep"), "{e}");
        let flat = format!("<zone>{}<!-- <a><a> --></zone>", "<a/>".repeat(1000));
        assert_eq!(too_deep(flat.as_bytes(), 2), None);
        assert!(parse_xml("z.xml", &flat).is_ok());
    }

    use super::super::eval::{Verdict, evaluate};
    use super::*;

    const SSH: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<service><short>SSH</short><port protocol="tcp" port="22"/></service>"#;
    const PUBLIC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<zone><short>Public</short><service name="ssh"/><service name="dhcpv6-client"/><forward/></zone>"#;
    const DHCP6: &str = r#"<service><port protocol="udp" port="546"/></service>"#;

    fn cfg(zones: &[(&str, &str)]) -> Config {
        let mut c = Config {
            default_zone: "public".into(),
            ..Config::default()
        };
        for (n, x) in zones {
            c.zones.insert(
                n.to_string(),
                (format!("/usr/lib/firewalld/zones/{n}.xml"), x.to_string()),
            );
        }
        c.services.insert(
            "ssh".into(),
            ("/usr/lib/firewalld/services/ssh.xml".into(), SSH.into()),
        );
        c.services
            .insert("dhcpv6-client".into(), ("s".into(), DHCP6.into()));
        c
    }

    fn v(c: &Config, port: u16) -> Verdict {
        evaluate(&compile(c).unwrap(), Family::V4, port).verdict
    }

    /// The shipped public zone: ssh in, everything else rejected, decided by the zone.
    #[test]
    fn public_zone() {
        let c = cfg(&[("public", PUBLIC)]);
        assert_eq!(v(&c, 22), Verdict::Accepted);
        assert_eq!(v(&c, 20004), Verdict::Blocked);
        let a = evaluate(&compile(&c).unwrap(), Family::V4, 22);
        assert!(
            a.accepted_by[0].text.contains("service ssh"),
            "{:?}",
            a.accepted_by
        );
    }

    /// Ports, port ranges and rich rules; a source-limited rich rule is conditional.
    #[test]
    fn ports_and_rich_rules() {
        let z = r#"<zone><port port="20000-20010" protocol="tcp"/>
<rule family="ipv4"><source address="192.0.2.0/24"/><port port="2222" protocol="tcp"/><accept/></rule>
<rule><service name="ssh"/><reject/></rule><service name="ssh"/></zone>"#;
        let c = cfg(&[("public", z)]);
        assert_eq!(v(&c, 20004), Verdict::Accepted);
        assert_eq!(v(&c, 2222), Verdict::Conditional);
        // Deny rich rules come before allowed services.
        assert_eq!(v(&c, 22), Verdict::Blocked);
        let c6 = compile(&c).unwrap();
        assert_eq!(evaluate(&c6, Family::V6, 2222).verdict, Verdict::Blocked);
    }

    /// An interface bound to another zone makes the answer depend on the interface.
    #[test]
    fn interface_bindings() {
        let trusted = r#"<zone target="ACCEPT"><interface name="eth1"/></zone>"#;
        let c = cfg(&[("public", PUBLIC), ("trusted", trusted)]);
        let a = evaluate(&compile(&c).unwrap(), Family::V4, 20004);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::Interface);
        // The default zone itself may be another one.
        let mut c = cfg(&[("public", PUBLIC), ("drop", r#"<zone target="DROP"/>"#)]);
        c.default_zone = "drop".into();
        assert_eq!(v(&c, 22), Verdict::Blocked);
        c.default_zone = "nosuch".into();
        assert!(compile(&c).is_err());
    }

    /// A zone naming an unknown service cannot be evaluated; direct rules are followed.
    #[test]
    fn unknown_service_and_direct() {
        let z = r#"<zone><service name="nosuch"/></zone>"#;
        let c = cfg(&[("public", z)]);
        assert_eq!(v(&c, 22), Verdict::Undetermined);
        let mut c = cfg(&[("public", PUBLIC)]);
        c.direct = Some((
            "/etc/firewalld/direct.xml".into(),
            r#"<direct><rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-p tcp --dport 22 -j DROP</rule></direct>"#.into(),
        ));
        assert_eq!(v(&c, 22), Verdict::Blocked);
    }

    /// Direct rules of filter OUTPUT filter the way out (after firewalld's established accept);
    /// without them firewalld lets everything out.
    #[test]
    fn direct_output_rules() {
        use super::super::egress::{Question, evaluate_connect, evaluate_out};
        let mut c = cfg(&[("public", PUBLIC)]);
        let rs = compile(&c).unwrap();
        assert!(evaluate_connect(&rs, Family::V4, 443, None).no_rules);
        c.direct = Some((
            "/etc/firewalld/direct.xml".into(),
            r#"<direct><rule ipv="ipv4" table="filter" chain="OUTPUT" priority="1">-p tcp --dport 443 -j REJECT</rule><rule ipv="ipv4" table="mangle" chain="POSTROUTING" priority="0">-j MARK --set-mark 1</rule></direct>"#.into(),
        ));
        let rs = compile(&c).unwrap();
        let a = evaluate_connect(&rs, Family::V4, 443, None);
        assert_eq!(a.verdict, Verdict::Blocked);
        assert_eq!(a.blocked_by[0].chain, "OUTPUT_direct");
        assert_eq!(
            evaluate_connect(&rs, Family::V4, 80, None).verdict,
            Verdict::Accepted
        );
        // IPv6 is not limited by an ipv4 rule; replies pass the established accept.
        assert_eq!(
            evaluate_connect(&rs, Family::V6, 443, None).verdict,
            Verdict::Accepted
        );
        let r = evaluate_out(&rs, Family::V4, &Question::Reply { port: 22 });
        assert_eq!(r.verdict, Verdict::Accepted);
        assert_eq!(v(&c, 22), Verdict::Accepted);
        assert!(
            rs.notes.iter().any(|n| n.contains("mangle POSTROUTING")),
            "{:?}",
            rs.notes
        );
    }

    /// Service includes are followed once each: a cycle ends, a diamond counts once, and a
    /// missing included service makes the zone's service unevaluable.
    #[test]
    fn service_includes() {
        let mut c = cfg(&[("public", r#"<zone><service name="web"/></zone>"#)]);
        let svc = |x: &str| ("/etc/firewalld/services/x.xml".to_string(), x.to_string());
        let services = [
            (
                "web",
                r#"<service><include service="asr"/><include service="mvc"/></service>"#,
            ),
            (
                "asr",
                r#"<service><include service="ssh"/><include service="web"/><include service="mvc"/></service>"#,
            ),
            (
                "mvc",
                r#"<service><port protocol="tcp" port="20004"/><include service="asr"/></service>"#,
            ),
        ];
        for (n, x) in services {
            c.services.insert(n.into(), svc(x));
        }
        assert_eq!(v(&c, 22), Verdict::Accepted);
        assert_eq!(v(&c, 20004), Verdict::Accepted);
        assert_eq!(v(&c, 80), Verdict::Blocked);
        c.services.insert(
            "mvc".into(),
            svc(r#"<service><include service="gone"/></service>"#),
        );
        assert_eq!(v(&c, 22), Verdict::Undetermined);
    }
}
