//! `iptables-save` / `ip6tables-save` output and the files in the same format that
//! `iptables-restore` loads at boot (`/etc/sysconfig/iptables`, `/etc/iptables/rules.v4`, ufw's
//! rule files). Counters (`[pkts:bytes]`) are ignored. Matches and targets are translated into
//! [`Cond`]s and [`Action`]s; a module or option this file does not know becomes a condition of
//! kind [`Kind::Unevaluable`] quoting it, never a silently ignored one.

use super::path::{self, PathCond, PathMatch};
use super::{Action, Cond, Family, Hook, Item, Kind, Manager, Policy, PortRange, Rule, Ruleset};

/// A line `iptables-restore` would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

const BUILTIN: &[&str] = &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/// Parses a dump for one IP version into a rule set named `firewall`.
pub fn parse(text: &str, family: Family, firewall: &str) -> Result<Ruleset, ParseError> {
    let mut r = Restore {
        rs: Ruleset::new(firewall).managed_by(Manager::Iptables {
            v6: family == Family::V6,
            service: None,
        }),
        family,
        table: None,
        policies: Vec::new(),
        tables_seen: Vec::new(),
    };
    for (idx, raw) in text.lines().enumerate() {
        r.line(raw).map_err(|message| ParseError {
            line: idx + 1,
            message,
        })?;
    }
    if let Some(t) = &r.table {
        r.rs.notes.push(format!(
            "table {t} has no COMMIT line: iptables-restore would not load it"
        ));
    }
    r.hook_builtins();
    let mut rs = r.rs;
    resolve_targets(&mut rs);
    Ok(rs)
}

/// What `iptables-restore` holds while it reads a file.
struct Restore {
    rs: Ruleset,
    family: Family,
    /// The `*table` section being read.
    table: Option<String>,
    /// (table, chain, declared policy) of builtin chains.
    policies: Vec<(String, String, Policy)>,
    tables_seen: Vec<String>,
}

impl Restore {
    /// One line: a table header, `COMMIT`, a chain declaration or a command.
    fn line(&mut self, raw: &str) -> Result<(), String> {
        let mut line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        // `iptables-save -c` puts the counters first.
        if line.starts_with('[') {
            if let Some(end) = line.find(']') {
                line = line[end + 1..].trim_start();
            }
        }
        if let Some(t) = line.strip_prefix('*') {
            let t = t.trim().to_string();
            if !self.tables_seen.contains(&t) {
                self.tables_seen.push(t.clone());
            }
            self.table = Some(t);
            return Ok(());
        }
        if line == "COMMIT" {
            self.table = None;
            return Ok(());
        }
        let Some(tbl) = self.table.clone() else {
            return Err(format!("outside a *table section: {line}"));
        };
        match line.strip_prefix(':') {
            Some(decl) => self.declare(&tbl, decl),
            None => self.command(&tbl, line),
        }
    }

    /// `:NAME POLICY [counters]`.
    fn declare(&mut self, tbl: &str, decl: &str) -> Result<(), String> {
        let mut parts = decl.split_whitespace();
        let name = parts.next().ok_or("empty chain declaration")?;
        let policy = parts.next().unwrap_or("-");
        // Declaring a chain flushes it, as iptables-restore does (ufw relies on it).
        let ci = self.rs.chain_mut(tbl, name);
        self.rs.chains[ci].rules.clear();
        let policy = match policy {
            "ACCEPT" => Policy::Accept,
            "DROP" => Policy::Drop,
            "-" => return Ok(()),
            p => return Err(format!("chain {name}: unknown policy {p}")),
        };
        self.policies
            .push((tbl.to_string(), name.to_string(), policy));
        Ok(())
    }

    /// `-A`, `-I`, `-N`, `-P`, `-F`, `-X`, `-Z`.
    fn command(&mut self, tbl: &str, line: &str) -> Result<(), String> {
        let tokens = tokenize(line).map_err(str::to_string)?;
        let Some(first) = tokens.first() else {
            return Ok(());
        };
        match first.text.as_str() {
            "-A" | "--append" | "-I" | "--insert" => self.add_rule(tbl, line, &tokens)?,
            "-N" | "--new-chain" => {
                let name = tokens.get(1).ok_or("-N without a name")?;
                self.rs.chain_mut(tbl, &name.text);
            }
            "-P" | "--policy" => {
                let (Some(name), Some(p)) = (tokens.get(1), tokens.get(2)) else {
                    return Err("-P needs a chain and a policy".into());
                };
                let policy = match p.text.as_str() {
                    "ACCEPT" => Policy::Accept,
                    "DROP" => Policy::Drop,
                    other => return Err(format!("unknown policy {other}")),
                };
                self.policies
                    .retain(|(t, c, _)| !(t == tbl && c == &name.text));
                self.policies
                    .push((tbl.to_string(), name.text.clone(), policy));
            }
            "-F" | "--flush" => match tokens.get(1) {
                Some(name) => {
                    let ci = self.rs.chain_mut(tbl, &name.text);
                    self.rs.chains[ci].rules.clear();
                }
                None => self
                    .rs
                    .chains
                    .iter_mut()
                    .filter(|c| c.table == tbl)
                    .for_each(|c| c.rules.clear()),
            },
            "-X" | "--delete-chain" | "-Z" | "--zero" => {}
            other => return Err(format!("unknown command {other}")),
        }
        Ok(())
    }

    /// `-A CHAIN rule` appends; `-I CHAIN [N] rule` inserts at N (1 when not given).
    fn add_rule(&mut self, tbl: &str, line: &str, tokens: &[Token]) -> Result<(), String> {
        let chain = tokens.get(1).ok_or("rule without a chain")?.text.clone();
        let mut rest = &tokens[2..];
        let mut position = None;
        if matches!(tokens[0].text.as_str(), "-I" | "--insert") {
            position = Some(0);
            if let Some(n) = rest.first().and_then(|t| t.text.parse::<usize>().ok()) {
                position = Some(n.saturating_sub(1));
                rest = &rest[1..];
            }
        }
        let shown = show_rule(line);
        let items = parse_rule(rest, self.family)?;
        let ci = self.rs.chain_mut(tbl, &chain);
        let rule = Rule { items, text: shown };
        let rules = &mut self.rs.chains[ci].rules;
        match position {
            Some(p) => rules.insert(p.min(rules.len()), rule),
            None => rules.push(rule),
        }
        Ok(())
    }

    /// The builtin chains of every table present are hooked, declared or not.
    fn hook_builtins(&mut self) {
        for tbl in &self.tables_seen {
            for (hook, name) in [
                (Hook::Prerouting, "PREROUTING"),
                (Hook::Input, "INPUT"),
                (Hook::Output, "OUTPUT"),
                (Hook::Postrouting, "POSTROUTING"),
            ] {
                let Some(priority) = super::iptables_priority(tbl, hook) else {
                    continue;
                };
                let policy = self
                    .policies
                    .iter()
                    .find(|(t, c, _)| t == tbl && c == name)
                    .map(|(_, _, p)| *p)
                    .unwrap_or(Policy::Accept);
                self.rs
                    .hook_chain(tbl, name, hook, priority, vec![self.family], policy);
            }
        }
    }
}

/// The items of a rule given as iptables arguments without the chain (`-p tcp --dport 22 -j
/// ACCEPT`), as firewalld's direct rules are written.
pub fn rule_items(args: &str, family: Family) -> Result<Vec<Item>, String> {
    let tokens = tokenize(args).map_err(str::to_string)?;
    parse_rule(&tokens, family)
}

/// The rule as shown in reports: the line without counters.
fn show_rule(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A jump to a name that is neither a chain of the table nor a known target cannot be followed.
fn resolve_targets(rs: &mut Ruleset) {
    let names: Vec<(String, String)> = rs
        .chains
        .iter()
        .map(|c| (c.table.clone(), c.name.clone()))
        .collect();
    for c in &mut rs.chains {
        for r in &mut c.rules {
            for it in &mut r.items {
                if let Item::Act(Action::Jump(n) | Action::Goto(n)) = it {
                    if !names.iter().any(|(t, name)| t == &c.table && name == n) {
                        *it = Item::Act(Action::Unknown(format!(
                            "target {n} is not a chain of table {} nor a target this tool evaluates",
                            c.table
                        )));
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    text: String,
    quoted: bool,
}

/// Shell-like words as iptables-restore splits them: double and single quotes, backslashes.
fn tokenize(line: &str) -> Result<Vec<Token>, &'static str> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                quoted = true;
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated quote"),
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        Some(x) => cur.push(x),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ' ' | '\t' => {
                if in_word {
                    out.push(Token {
                        text: std::mem::take(&mut cur),
                        quoted,
                    });
                    in_word = false;
                    quoted = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(Token { text: cur, quoted });
    }
    Ok(out)
}

/// One option of a match module or target, with its arguments.
#[derive(Debug, Clone)]
struct Opt {
    neg: bool,
    name: String,
    args: Vec<String>,
}

impl Opt {
    fn arg(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or("")
    }
    fn show(&self) -> String {
        let mut s = String::new();
        if self.neg {
            s.push_str("! ");
        }
        s.push_str(&self.name);
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }
}

#[derive(Debug)]
enum Part {
    Generic(Cond),
    Module(String, Vec<Opt>),
    Target(String, Vec<Opt>, bool),
}

/// The items of one rule, from the words after `-A CHAIN`.
fn parse_rule(tokens: &[Token], family: Family) -> Result<Vec<Item>, String> {
    let mut w = Words {
        tokens,
        i: 0,
        neg: false,
        proto: None,
        parts: Vec::new(),
    };
    while w.i < tokens.len() {
        let t = &tokens[w.i];
        if t.text == "!" && !t.quoted {
            w.neg = !w.neg;
            w.i += 1;
            continue;
        }
        w.word(&t.text)?;
        w.neg = false;
        w.i += 1;
    }
    Ok(items_of(w.parts, family))
}

/// The generic matches, the modules with their options and the target, in order.
fn items_of(parts: Vec<Part>, family: Family) -> Vec<Item> {
    let mut items = Vec::new();
    let mut target = None;
    for p in parts {
        match p {
            Part::Generic(c) => items.push(Item::Cond(c)),
            Part::Module(name, opts) => {
                for c in module_conds(&name, &opts, family) {
                    items.push(Item::Cond(c));
                }
            }
            Part::Target(name, opts, goto) => target = Some(target_action(&name, &opts, goto)),
        }
    }
    if let Some(a) = target {
        items.push(Item::Act(a));
    }
    items
}

fn is_opt(t: &Token) -> bool {
    !t.quoted && t.text.starts_with('-') && t.text.len() > 1
}

/// The words of one rule being read: where we are, a pending `!`, the `-p` protocol (whose
/// match module options load implicitly) and the parts read so far.
struct Words<'t> {
    tokens: &'t [Token],
    i: usize,
    neg: bool,
    proto: Option<String>,
    parts: Vec<Part>,
}

impl Words<'_> {
    /// The option word at `i`, with what it takes.
    fn word(&mut self, name: &str) -> Result<(), String> {
        let neg = self.neg;
        let part = match name {
            "-f" | "--fragment" => {
                // A SYN is the first (or only) fragment; -f matches later fragments.
                Part::Generic(if neg {
                    Cond::Always
                } else {
                    Cond::Never("-f: matches only second and later fragments".into())
                })
            }
            "-4" | "--ipv4" => Part::Generic(Cond::Family(Family::V4)),
            "-6" | "--ipv6" => Part::Generic(Cond::Family(Family::V6)),
            "-c" | "--set-counters" => {
                self.i += 2;
                return Ok(());
            }
            _ => match self.valued(name)? {
                Some(part) => part,
                None if is_opt(&self.tokens[self.i]) && name.starts_with("--") => {
                    return self.module_opt(name);
                }
                None => return Err(format!("unexpected word {name}")),
            },
        };
        self.parts.push(part);
        Ok(())
    }

    /// Takes the value of a generic option, allowing the old `-p ! tcp` negation.
    fn value(&mut self) -> Result<String, String> {
        self.i += 1;
        if self
            .tokens
            .get(self.i)
            .is_some_and(|t| t.text == "!" && !t.quoted)
        {
            self.neg = !self.neg;
            self.i += 1;
        }
        self.tokens
            .get(self.i)
            .map(|t| t.text.clone())
            .ok_or_else(|| format!("{} needs a value", self.tokens[self.i - 1].text))
    }

    /// An option that takes a value (`-p`, `-s`, `-d`, `-i`, `-o`, `-m`, `-j`, `-g`);
    /// `None` for any other word.
    fn valued(&mut self, name: &str) -> Result<Option<Part>, String> {
        Ok(Some(match name {
            "-p" | "--protocol" => {
                let v = self.value()?.to_ascii_lowercase();
                self.proto = Some(v.clone());
                Part::Generic(proto_cond(self.neg, &v)?)
            }
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let src = matches!(name, "-s" | "--source" | "--src");
                let v = self.value()?;
                Part::Generic(addr_cond(src, self.neg, &v))
            }
            "-i" | "--in-interface" => {
                let v = self.value()?;
                Part::Generic(Cond::InIface {
                    neg: self.neg,
                    name: v,
                })
            }
            "-o" | "--out-interface" => {
                let v = self.value()?;
                Part::Generic(out_iface(self.neg, v))
            }
            "-m" | "--match" => Part::Module(self.value()?, Vec::new()),
            "-j" | "--jump" | "-g" | "--goto" => {
                let goto = matches!(name, "-g" | "--goto");
                Part::Target(self.value()?, Vec::new(), goto)
            }
            _ => return Ok(None),
        }))
    }

    /// `--name args...` of the last match module or target, or of the `-p` protocol's own
    /// match, loaded implicitly.
    fn module_opt(&mut self, name: &str) -> Result<(), String> {
        let mut opt = Opt {
            neg: self.neg,
            name: name.to_string(),
            args: Vec::new(),
        };
        while let Some(n) = self.tokens.get(self.i + 1) {
            if n.text == "!" && !n.quoted && opt.args.is_empty() {
                // Old syntax: `--dport ! 22`.
                opt.neg = !opt.neg;
                self.i += 1;
                continue;
            }
            if is_opt(n) || (n.text == "!" && !n.quoted) {
                break;
            }
            opt.args.push(n.text.clone());
            self.i += 1;
        }
        match self.parts.last_mut() {
            Some(Part::Module(_, opts)) | Some(Part::Target(_, opts, _)) => opts.push(opt),
            _ => match &self.proto {
                Some(p) => self.parts.push(Part::Module(p.clone(), vec![opt])),
                None => return Err(format!("option {name} without a match module")),
            },
        }
        Ok(())
    }
}

/// `-o NAME`: inbound packets have no output interface in PREROUTING and INPUT.
fn out_iface(neg: bool, v: String) -> Cond {
    let inbound = if neg {
        Cond::Always
    } else {
        Cond::Never(format!("-o {v}: inbound packets have no output interface"))
    };
    PathCond::wrap(
        inbound,
        PathMatch::OutIface {
            neg,
            names: vec![v],
        },
    )
}

fn proto_cond(neg: bool, p: &str) -> Result<Cond, String> {
    if p == "all" || p == "0" {
        return Ok(if neg {
            Cond::Never("! -p all".into())
        } else {
            Cond::Always
        });
    }
    let n = super::proto_number(p).ok_or_else(|| format!("unknown protocol {p}"))?;
    Ok(Cond::Proto {
        neg,
        protos: vec![n],
    })
}

fn addr_cond(src: bool, neg: bool, v: &str) -> Cond {
    let any = v
        .split(',')
        .any(|a| matches!(a, "0.0.0.0/0" | "::/0" | "0/0" | "0.0.0.0/0.0.0.0"));
    if any {
        return if neg {
            Cond::Never(format!("! {} {v}", if src { "-s" } else { "-d" }))
        } else {
            Cond::Always
        };
    }
    let key = format!("{} {v}", if src { "source" } else { "destination" });
    let inbound = Cond::Depends {
        kind: if src { Kind::Source } else { Kind::Destination },
        key: key.clone(),
        neg,
    };
    let list: Vec<String> = v.split(',').map(str::to_string).collect();
    path::addr(inbound, src, neg, &list, key)
}

/// `22`, `1000:2000`, `:1024`, `1024:`, a few service names.
pub fn parse_port_range(s: &str) -> Option<PortRange> {
    let one = |p: &str| -> Option<u16> {
        match p {
            "ssh" => Some(22),
            "http" | "www" => Some(80),
            "https" => Some(443),
            _ => p.parse().ok(),
        }
    };
    match s.split_once([':', '-']) {
        Some((a, b)) => {
            let a = if a.is_empty() { 0 } else { one(a)? };
            let b = if b.is_empty() { 65535 } else { one(b)? };
            Some((a.min(b), a.max(b)))
        }
        None => one(s).map(|p| (p, p)),
    }
}

fn port_list(s: &str) -> Option<Vec<PortRange>> {
    s.split(',').map(parse_port_range).collect()
}

fn unevaluable(module: &str, what: &str) -> Cond {
    Cond::Depends {
        kind: Kind::Unevaluable,
        key: format!("-m {module} {what}"),
        neg: false,
    }
}

/// A source-port match: its inbound meaning and the ports, for the reply path.
fn sport(inbound: Cond, neg: bool, ports: Option<Vec<PortRange>>) -> Cond {
    let key = inbound.depends_key();
    PathCond::wrap(inbound, PathMatch::SPort { neg, ports, key })
}

fn depends(kind: Kind, module: &str, o: &Opt) -> Cond {
    let mut shown = o.clone();
    shown.neg = false;
    Cond::Depends {
        kind,
        key: format!("-m {module} {}", shown.show()),
        neg: o.neg,
    }
}

/// The conditions of one match module with its options.
fn module_conds(module: &str, opts: &[Opt], family: Family) -> Vec<Cond> {
    let m = module.to_ascii_lowercase();
    let mut out: Vec<Cond> = opts.iter().map(|o| module_opt(&m, o)).collect();
    if opts.is_empty() {
        out.push(bare_module(&m));
    }
    let _ = family;
    out
}

/// One option of a match module, asked of each module family in turn; an option none of
/// them knows cannot be evaluated.
fn module_opt(m: &str, o: &Opt) -> Cond {
    port_opt(m, o)
        .or_else(|| conntrack_opt(m, o))
        .or_else(|| address_opt(m, o))
        .or_else(|| other_opt(m, o))
        .unwrap_or_else(|| unevaluable(m, &o.show()))
}

/// A module given without options.
fn bare_module(m: &str) -> Cond {
    match m {
        // Modules without options match everything.
        "tcp" | "comment" | "state" | "conntrack" | "multiport" | "addrtype" | "recent" => {
            Cond::Always
        }
        "udp" => Cond::Proto {
            neg: false,
            protos: vec![17],
        },
        "rpfilter" => Cond::RpFilter { invert: false },
        "icmp" => Cond::Proto {
            neg: false,
            protos: vec![1],
        },
        "icmp6" => Cond::Proto {
            neg: false,
            protos: vec![58],
        },
        _ => unevaluable(m, ""),
    }
}

/// Ports and TCP flags: the layer-4 modules and multiport.
fn port_opt(m: &str, o: &Opt) -> Option<Cond> {
    Some(match (m, o.name.as_str()) {
        ("tcp" | "udp" | "sctp" | "dccp" | "udplite", "--dport" | "--destination-port") => {
            match parse_port_range(o.arg()) {
                Some(r) => Cond::DPort {
                    neg: o.neg,
                    ports: vec![r],
                },
                None => unevaluable(m, &o.show()),
            }
        }
        ("tcp" | "udp" | "sctp" | "dccp" | "udplite", "--sport" | "--source-port") => {
            match parse_port_range(o.arg()) {
                Some((0, 65535)) if !o.neg => Cond::Always,
                Some(r) => sport(depends(Kind::SourcePort, m, o), o.neg, Some(vec![r])),
                None => unevaluable(m, &o.show()),
            }
        }
        ("tcp", "--syn") => Cond::TcpFlags {
            neg: o.neg,
            mask: 0x17,
            comp: 0x02,
        },
        ("tcp", "--tcp-flags") => match (
            o.args.first().and_then(|a| tcp_flags(a)),
            o.args.get(1).and_then(|a| tcp_flags(a)),
        ) {
            (Some(mask), Some(comp)) => Cond::TcpFlags {
                neg: o.neg,
                mask,
                comp,
            },
            _ => unevaluable(m, &o.show()),
        },
        ("multiport", "--dports" | "--destination-ports") => match port_list(o.arg()) {
            Some(ports) => Cond::DPort { neg: o.neg, ports },
            None => unevaluable(m, &o.show()),
        },
        ("multiport", "--sports" | "--source-ports") => {
            sport(depends(Kind::SourcePort, m, o), o.neg, port_list(o.arg()))
        }
        ("multiport", "--ports") => match port_list(o.arg()) {
            Some(ports) => Cond::EitherPort { neg: o.neg, ports },
            None => unevaluable(m, &o.show()),
        },
        _ => return None,
    })
}

/// Connection tracking: state and conntrack.
fn conntrack_opt(m: &str, o: &Opt) -> Option<Cond> {
    Some(match (m, o.name.as_str()) {
        ("state", "--state") | ("conntrack", "--ctstate") => Cond::CtState {
            neg: o.neg,
            states: o.arg().split(',').map(|s| s.to_ascii_lowercase()).collect(),
        },
        ("conntrack", "--ctproto") => match proto_cond(o.neg, &o.arg().to_ascii_lowercase()) {
            Ok(c) => c,
            Err(_) => unevaluable(m, &o.show()),
        },
        // The reply's destination is the peer; the reply's source is the local address.
        ("conntrack", "--ctorigsrc" | "--ctrepldst") => depends(Kind::Source, m, o),
        ("conntrack", "--ctorigdst" | "--ctreplsrc") => depends(Kind::Destination, m, o),
        ("conntrack", "--ctorigdstport") => match parse_port_range(o.arg()) {
            Some(r) => Cond::DPort {
                neg: o.neg,
                ports: vec![r],
            },
            None => unevaluable(m, &o.show()),
        },
        ("conntrack", "--ctorigsrcport") => depends(Kind::SourcePort, m, o),
        ("conntrack", "--ctdir") => {
            // The first packet travels in the ORIGINAL direction.
            let original = o.arg().eq_ignore_ascii_case("ORIGINAL");
            if original != o.neg {
                Cond::Always
            } else {
                Cond::Never(o.show())
            }
        }
        _ => return None,
    })
}

/// Address types, ranges, sets, MAC addresses and bridge ports.
fn address_opt(m: &str, o: &Opt) -> Option<Cond> {
    Some(match (m, o.name.as_str()) {
        ("addrtype", "--dst-type") => Cond::DstType {
            neg: o.neg,
            types: o.arg().split(',').map(|s| s.to_ascii_uppercase()).collect(),
        },
        ("addrtype", "--src-type") => Cond::SrcType {
            neg: o.neg,
            types: o.arg().split(',').map(|s| s.to_ascii_uppercase()).collect(),
        },
        ("addrtype", "--limit-iface-in" | "--limit-iface-out") => Cond::Always,
        ("iprange", "--src-range" | "--dst-range") => {
            let src = o.name == "--src-range";
            let inbound = depends(if src { Kind::Source } else { Kind::Destination }, m, o);
            let key = inbound.depends_key();
            path::addr(inbound, src, o.neg, &[o.arg().to_string()], key)
        }
        ("mac", _) => depends(Kind::Source, m, o),
        ("set", "--match-set") => {
            let flags = o.args.get(1).map(String::as_str).unwrap_or("");
            let kind = if flags.split(',').next() == Some("src") {
                Kind::Source
            } else if flags.split(',').next() == Some("dst") {
                Kind::Destination
            } else {
                Kind::Unevaluable
            };
            depends(kind, m, o)
        }
        ("set", _) => Cond::Always,
        ("physdev", _) => depends(Kind::Interface, m, o),
        _ => return None,
    })
}

/// Comments, rate limits and history, ICMP, packet types, rpfilter, IPsec policy and IPv6
/// extension headers.
fn other_opt(m: &str, o: &Opt) -> Option<Cond> {
    Some(match (m, o.name.as_str()) {
        ("comment", _) => Cond::Always,
        ("limit" | "hashlimit" | "connlimit" | "time" | "statistic" | "quota", _) => {
            depends(Kind::History, m, o)
        }
        ("recent", "--set") => Cond::Always,
        ("recent", "--rcheck" | "--update" | "--remove") => depends(Kind::History, m, o),
        ("recent", _) => Cond::Always,
        ("icmp", _) => Cond::Proto {
            neg: false,
            protos: vec![1],
        },
        ("icmp6" | "icmpv6", _) => Cond::Proto {
            neg: false,
            protos: vec![58],
        },
        ("pkttype", "--pkt-type") => {
            let unicast = o.arg().eq_ignore_ascii_case("unicast") || o.arg() == "host";
            if unicast != o.neg {
                Cond::Always
            } else {
                Cond::Never(format!("-m pkttype {}", o.show()))
            }
        }
        ("rpfilter", "--invert") => Cond::RpFilter { invert: true },
        ("rpfilter", _) => Cond::Always,
        ("policy", "--pol") => {
            let none = o.arg() == "none";
            if none != o.neg {
                Cond::Always
            } else {
                Cond::Never(format!("-m policy {} (no IPsec)", o.show()))
            }
        }
        ("policy", "--dir") => Cond::Always,
        // IPv6 extension headers: a plain SYN carries none, so these never match it.
        ("rt" | "frag" | "hbh" | "dst" | "mh", _) => Cond::Never(format!(
            "-m {m} {}: the connection's packets carry no such IPv6 extension header",
            o.show()
        )),
        _ => return None,
    })
}

/// `SYN,ACK`, `ALL`, `NONE` as a bit mask.
fn tcp_flags(s: &str) -> Option<u8> {
    let mut v = 0u8;
    for f in s.split(',') {
        v |= match f.to_ascii_uppercase().as_str() {
            "FIN" => 0x01,
            "SYN" => 0x02,
            "RST" => 0x04,
            "PSH" => 0x08,
            "ACK" => 0x10,
            "URG" => 0x20,
            "ECE" => 0x40,
            "CWR" => 0x80,
            "ALL" => 0xff,
            "NONE" => 0,
            _ => return None,
        };
    }
    Some(v)
}

fn target_action(name: &str, opts: &[Opt], goto: bool) -> Action {
    let shown = || {
        let mut s = format!("-j {name}");
        for o in opts {
            s.push(' ');
            s.push_str(&o.show());
        }
        s
    };
    match name {
        "ACCEPT" => Action::Accept,
        "DROP" => Action::Drop,
        "REJECT" | "TARPIT" => Action::Reject,
        "RETURN" => Action::Return,
        "LOG" | "ULOG" | "NFLOG" | "TRACE" | "AUDIT" | "MARK" | "CONNMARK" | "CLASSIFY" | "TOS"
        | "DSCP" | "TCPMSS" | "SECMARK" | "CONNSECMARK" | "CHECKSUM" | "SET" | "TEE"
        | "IDLETIMER" | "LED" | "RATEEST" | "TTL" | "HL" | "HMARK" | "ECN" | "TCPOPTSTRIP"
        | "SNAT" | "MASQUERADE" => Action::Continue,
        "CT" if !opts.iter().any(|o| o.name == "--notrack") => Action::Continue,
        "CT" | "NOTRACK" => Action::Unknown(format!(
            "{}: the connection is not tracked, so later state matches see UNTRACKED; not followed",
            shown()
        )),
        "DNAT" | "REDIRECT" | "NETMAP" | "TPROXY" => Action::Unknown(format!(
            "{}: redirects the connection to another address or port; not followed",
            shown()
        )),
        "QUEUE" | "NFQUEUE" => {
            Action::Unknown(format!("{}: a user-space program decides", shown()))
        }
        "SYNPROXY" => Action::Unknown(format!("{}: not evaluated", shown())),
        chain if goto => Action::Goto(chain.to_string()),
        chain => Action::Jump(chain.to_string()),
    }
}

/// Whether a chain name is one of the kernel's builtin chains.
pub fn is_builtin(name: &str) -> bool {
    BUILTIN.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::super::eval::{Verdict, evaluate};
    use super::*;

    fn verdict(text: &str, port: u16) -> Verdict {
        let rs = parse(text, Family::V4, "test").unwrap();
        evaluate(&rs, Family::V4, port).verdict
    }

    const RHEL6: &str = "# Generated by iptables-save v1.4.7 on Tue Aug 16 10:18:43 2016
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:RH-Firewall-1-INPUT - [0:0]
-A INPUT -j RH-Firewall-1-INPUT
-A RH-Firewall-1-INPUT -i lo -j ACCEPT
-A RH-Firewall-1-INPUT -p icmp --icmp-type any -j ACCEPT
-A RH-Firewall-1-INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
-A RH-Firewall-1-INPUT -m state --state NEW -m tcp -p tcp --dport 22 -j ACCEPT
-A RH-Firewall-1-INPUT -j REJECT --reject-with icmp-host-prohibited
COMMIT
";

    /// RHEL 5's RH-Firewall-1-INPUT: 22 accepted through the user chain, others rejected.
    #[test]
    fn rh_firewall_chain() {
        assert_eq!(verdict(RHEL6, 22), Verdict::Accepted);
        assert_eq!(verdict(RHEL6, 20004), Verdict::Blocked);
        let rs = parse(RHEL6, Family::V4, "t").unwrap();
        let a = evaluate(&rs, Family::V4, 20004);
        assert_eq!(a.blocked_by[0].chain, "RH-Firewall-1-INPUT");
        assert_eq!(a.blocked_by[0].rule, Some(5));
    }

    /// No tables at all, or only ACCEPT policies: no firewall.
    #[test]
    fn empty_is_no_firewall() {
        let rs = parse("", Family::V4, "t").unwrap();
        assert!(evaluate(&rs, Family::V4, 22).no_rules);
        let rs = parse("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", Family::V4, "t").unwrap();
        assert!(evaluate(&rs, Family::V4, 22).no_rules);
    }

    /// Policies, RETURN to the caller, ranges and multiport, negations in both syntaxes.
    #[test]
    fn ports_and_returns() {
        let t = "*filter\n:INPUT DROP [0:0]\n:u - [0:0]\n-A INPUT -p tcp -j u\n-A INPUT -p tcp -m multiport --dports 80,20000:20010 -j ACCEPT\n-A u -p tcp --dport 22 -j RETURN\n-A u -p tcp -m tcp --dport ! 22 -j RETURN\nCOMMIT\n";
        assert_eq!(verdict(t, 20004), Verdict::Accepted);
        assert_eq!(verdict(t, 22), Verdict::Blocked);
        let t2 =
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ! --dport 1000:2000 -j DROP\nCOMMIT\n";
        assert_eq!(verdict(t2, 1500), Verdict::Accepted);
        assert_eq!(verdict(t2, 22), Verdict::Blocked);
    }

    /// Established-only and -i lo rules do not let a new connection from elsewhere in.
    #[test]
    fn state_and_loopback() {
        let t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT ! -i lo -p tcp --dport 22 -m state --state NEW -j ACCEPT\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Accepted);
        assert_eq!(verdict(t, 23), Verdict::Blocked);
    }

    /// A source-limited accept makes the answer conditional and names the rule.
    #[test]
    fn source_limited_is_conditional() {
        let t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        let rs = parse(t, Family::V4, "t").unwrap();
        let a = evaluate(&rs, Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::Source);
        assert!(a.conditions[0].origin.text.contains("10.0.0.0/8"));
    }

    /// The same source tested twice is answered consistently: the result is definite.
    #[test]
    fn repeated_condition_is_consistent() {
        let t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j DROP\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Blocked);
        // firewalld's zone dispatch: either branch reaches the same zone chain.
        let f = "*filter\n:INPUT ACCEPT [0:0]\n:Z - [0:0]\n:IN_public - [0:0]\n-A INPUT -j Z\n-A INPUT -j REJECT\n-A Z -i eth0 -g IN_public\n-A Z -g IN_public\n-A IN_public -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT\nCOMMIT\n";
        assert_eq!(verdict(f, 22), Verdict::Accepted);
        assert_eq!(verdict(f, 80), Verdict::Blocked);
    }

    /// An unknown match that decides makes the answer undetermined and is quoted; one that
    /// cannot change the answer does not, but is still listed.
    #[test]
    fn unknown_matches_are_quoted() {
        let t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m u32 --u32 \"0>>22&0x3C@12>>26&0x3F=0x10\" -j ACCEPT\nCOMMIT\n";
        let rs = parse(t, Family::V4, "t").unwrap();
        let a = evaluate(&rs, Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Undetermined);
        assert!(a.unknowns.iter().any(|u| u.contains("u32")), "{a:?}");
        let t = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m u32 --u32 \"0=1\" -j LOG\nCOMMIT\n";
        let rs = parse(t, Family::V4, "t").unwrap();
        let a = evaluate(&rs, Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Accepted);
        assert!(!a.unknowns.is_empty());
    }

    /// LOG continues, DNAT is not followed, a drop in raw PREROUTING wins over filter.
    #[test]
    fn targets_and_tables() {
        let t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j LOG --log-prefix \"-- ssh \"\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Accepted);
        let t = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 22 -j REDIRECT --to-ports 2222\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Undetermined);
        assert_eq!(verdict(t, 23), Verdict::Accepted);
        let t = "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 22 -j DROP\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Blocked);
    }

    /// Counters, -I, a missing chain and a broken line.
    #[test]
    fn odd_input() {
        let t = "*filter\n:INPUT DROP [5:6]\n[1:2] -A INPUT -p tcp --dport 22 -j ACCEPT\n-I INPUT -p tcp --dport 22 -j REJECT\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Blocked);
        let t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -j nowhere\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Undetermined);
        let e = parse(
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT \"x\n",
            Family::V4,
            "t",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse("-A INPUT -j ACCEPT\n", Family::V4, "t").is_err());
    }

    /// --syn and --tcp-flags are evaluated against a SYN.
    #[test]
    fn tcp_flags_on_syn() {
        let t = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ! --syn -m state --state NEW -j DROP\n-A INPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j DROP\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Accepted);
        let t = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --syn -j DROP\nCOMMIT\n";
        assert_eq!(verdict(t, 22), Verdict::Blocked);
    }
}
