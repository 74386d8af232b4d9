//! Lowering: a rule's tokens to the JSON statements of libnftables-json(5), with `$name`
//! variables substituted.

use serde_json::{Value, json};

use super::super::nft_json::{Sets, rule_items};
use super::doc::{Doc, Obj, RuleBody, RuleObj};
use super::lexer::{T, Tok};

/// Tokens with `$name` variables replaced by their (already expanded) definitions; an unknown
/// variable stays as it is. Stops substituting when the document's budget is spent.
pub(super) fn expand(doc: &Doc, toks: &[T]) -> Vec<T> {
    let mut out = Vec::new();
    for t in toks {
        let value = match &t.tok {
            Tok::Word(w) if w.starts_with('$') => {
                doc.defines.iter().rev().find(|(n, _)| n == &w[1..])
            }
            _ => None,
        };
        match value {
            Some((_, v)) if v.len() <= doc.expansion_left.get() => {
                doc.expansion_left.set(doc.expansion_left.get() - v.len());
                out.extend(v.iter().cloned());
            }
            Some(_) => {
                doc.expansion_overflow.set(true);
                out.push(t.clone());
            }
            None => out.push(t.clone()),
        }
    }
    out
}

/// The elements of `{ a, b, c-d }` (or `= { ... }`), map entries as `[key, verdict]`.
pub(super) fn elements(doc: &Doc, toks: &[T]) -> Vec<Value> {
    let toks = expand(doc, toks);
    let inner: Vec<&T> = toks
        .iter()
        .filter(|t| !matches!(t.tok, Tok::Open | Tok::Close | Tok::Newline))
        .collect();
    let mut out = Vec::new();
    let mut cur: Vec<&T> = Vec::new();
    let mut push = |cur: &mut Vec<&T>| {
        if cur.is_empty() {
            return;
        }
        if let Some(colon) = cur.iter().position(|t| t.tok == Tok::Colon) {
            let key = scalar(&words(&cur[..colon]));
            let verdict = verdict_json(&words(&cur[colon + 1..]));
            out.push(json!([key, verdict]));
        } else {
            out.push(scalar(&words(cur)));
        }
        cur.clear();
    };
    for t in inner {
        if t.tok == Tok::Comma {
            push(&mut cur);
        } else {
            cur.push(t);
        }
    }
    push(&mut cur);
    out
}

fn words(toks: &[&T]) -> Vec<String> {
    toks.iter()
        .filter_map(|t| match &t.tok {
            Tok::Word(w) | Tok::Str(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

fn verdict_json(w: &[String]) -> Value {
    match w.first().map(String::as_str) {
        Some(v @ ("accept" | "drop" | "reject" | "return" | "continue")) => json!({ v: null }),
        Some(v @ ("jump" | "goto")) => json!({ v: {"target": w.get(1)} }),
        _ => json!({"queue": {"unparsed": w.join(" ")}}),
    }
}

/// One value: a number, a range `a-b` of numbers, a prefix `addr/len`, or a word.
fn scalar(w: &[String]) -> Value {
    let s = w.join(" ");
    if let Ok(n) = s.parse::<u64>() {
        return json!(n);
    }
    if let Some((a, b)) = s.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
            return json!({"range": [a, b]});
        }
    }
    if let Some((a, l)) = s.split_once('/') {
        if let Ok(l) = l.parse::<u64>() {
            return json!({"prefix": {"addr": a, "len": l}});
        }
    }
    if let Some(p) = service_port(&s) {
        return json!(p);
    }
    json!(s)
}

fn service_port(s: &str) -> Option<u16> {
    Some(match s {
        "ssh" => 22,
        "http" | "www" => 80,
        "https" => 443,
        "domain" => 53,
        "smtp" => 25,
        _ => return None,
    })
}

/// A rule of chain `chain`, lowered to the rule model at once unless it names a set.
pub(super) fn make_rule(doc: &Doc, fam: &str, table: &str, chain: &str, toks: &[T]) -> Obj {
    let toks = expand(doc, toks);
    let text = render(&toks);
    let exprs = rule_exprs(doc, &toks);
    let body = if exprs.iter().any(names_a_set) {
        RuleBody::Exprs(exprs)
    } else {
        RuleBody::Items(rule_items(&exprs, &format!("{fam} {table}"), &Sets::new()))
    };
    Obj::Rule(RuleObj {
        key: (fam.to_string(), table.to_string(), chain.to_string()),
        text,
        body,
    })
}

/// Whether a statement refers to a named set or map (`@name`), anywhere inside it: only such
/// references read the document's sets.
fn names_a_set(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with('@'),
        Value::Array(a) => a.iter().any(names_a_set),
        Value::Object(o) => o.values().any(names_a_set),
        _ => false,
    }
}

fn render(toks: &[T]) -> String {
    let mut s = String::new();
    for t in toks {
        let piece = match &t.tok {
            Tok::Word(w) => w.clone(),
            Tok::Str(w) => format!("\"{w}\""),
            Tok::Open => "{".into(),
            Tok::Close => "}".into(),
            Tok::Semi => ";".into(),
            Tok::Comma => ",".into(),
            Tok::Colon => ":".into(),
            Tok::Newline => continue,
        };
        if !s.is_empty() && piece != "," {
            s.push(' ');
        }
        s.push_str(&piece);
    }
    s
}

const PAYLOAD_PROTOS: &[&str] = &[
    "tcp", "udp", "udplite", "sctp", "dccp", "th", "ip", "ip6", "icmp", "icmpv6", "ether", "arp",
    "vlan", "esp", "ah", "comp", "igmp", "gre",
];
const META_BARE: &[&str] = &[
    "iif", "iifname", "oif", "oifname", "iiftype", "oiftype", "l4proto", "nfproto", "mark",
    "skuid", "skgid", "pkttype", "iifgroup", "oifgroup", "cgroup", "length", "priority", "cpu",
];
const OPS: &[&str] = &[
    "==", "!=", "<", ">", "<=", ">=", "eq", "ne", "lt", "gt", "le", "ge",
];

/// The JSON statements of one rule.
fn rule_exprs(doc: &Doc, toks: &[T]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match expr_at(doc, toks, i) {
            Some((v, next)) if next > i => {
                if !v.is_null() {
                    out.push(v);
                }
                i = next;
            }
            _ => {
                // Outside the subset: quote the rest and keep a verdict that ends the rule.
                let rest = render(&toks[i..]);
                out.push(json!({"unparsed": rest}));
                let ws: Vec<String> = toks[i..]
                    .iter()
                    .filter_map(|t| match &t.tok {
                        Tok::Word(w) => Some(w.clone()),
                        _ => None,
                    })
                    .collect();
                let n = ws.len();
                if n >= 2 && matches!(ws[n - 2].as_str(), "jump" | "goto") {
                    out.push(verdict_json(&ws[n - 2..]));
                } else if let Some(last) = ws.last() {
                    if matches!(last.as_str(), "accept" | "drop" | "return") {
                        out.push(json!({ last.as_str(): null }));
                    } else if ws.iter().any(|w| w == "reject") {
                        out.push(json!({"reject": null}));
                    }
                }
                break;
            }
        }
    }
    out
}

fn word_at(toks: &[T], i: usize) -> Option<&str> {
    match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

/// One expression or statement starting at `i`: its JSON (null for ignorable words such as a
/// rule comment) and the index after it.
fn expr_at(doc: &Doc, toks: &[T], i: usize) -> Option<(Value, usize)> {
    let w = word_at(toks, i)?;
    match statement_at(doc, toks, i, w) {
        Some(stmt) => stmt,
        None => match_at(doc, toks, i),
    }
}

/// A statement named by its keyword `w` (verdicts, counters, logging, NAT, set updates):
/// `None` when `w` names none, so that the words are read as a match.
fn statement_at(doc: &Doc, toks: &[T], i: usize, w: &str) -> Option<Option<(Value, usize)>> {
    Some(match w {
        "accept" | "drop" | "return" | "continue" | "notrack" | "masquerade" => {
            Some((json!({ w: null }), i + 1))
        }
        "jump" | "goto" => match toks.get(i + 1).map(|t| &t.tok) {
            Some(Tok::Word(t) | Tok::Str(t)) => Some((json!({ w: {"target": t} }), i + 2)),
            _ => None,
        },
        "reject" => Some((json!({"reject": null}), reject_end(toks, i))),
        "counter" => Some((json!({"counter": null}), counter_end(toks, i))),
        "log" => Some((json!({"log": null}), log_end(toks, i))),
        "comment" => Some((Value::Null, i + 2)),
        "limit" => Some(limit_at(toks, i)),
        "queue" | "dnat" | "snat" | "redirect" | "tproxy" | "synproxy" | "fwd" | "dup" => {
            redirect_at(doc, toks, i, w)
        }
        "add" | "update" | "delete" if word_at(toks, i + 1).is_some_and(|s| s.starts_with('@')) => {
            Some((json!({"set": {"op": w}}), set_update_end(toks, i)))
        }
        _ => return None,
    })
}

/// `reject [with icmp|icmpx|icmpv6 [type] X | with tcp reset]`: terminal.
fn reject_end(toks: &[T], i: usize) -> usize {
    let mut j = i + 1;
    if word_at(toks, j) == Some("with") {
        j += 1;
        while let Some(x) = word_at(toks, j) {
            if x == "comment" {
                break;
            }
            j += 1;
        }
    }
    j
}

/// `counter [packets N bytes N | name X]`.
fn counter_end(toks: &[T], i: usize) -> usize {
    let mut j = i + 1;
    while matches!(word_at(toks, j), Some("packets" | "bytes" | "name")) {
        j += 2;
    }
    j
}

/// `log [prefix X] [level X] [group N] [snaplen N] [queue-threshold N] [flags a, b]`.
fn log_end(toks: &[T], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(x) = word_at(toks, j) {
        match x {
            "prefix" | "level" | "group" | "snaplen" | "queue-threshold" => j += 2,
            "flags" => {
                j += 2;
                while toks.get(j).map(|t| &t.tok) == Some(&Tok::Comma) {
                    j += 2;
                }
            }
            _ => break,
        }
    }
    j
}

/// `limit rate [over] N/unit [burst N packets|bytes]`, up to the next statement.
fn limit_at(toks: &[T], i: usize) -> (Value, usize) {
    let mut j = i + 1;
    let mut parts = Vec::new();
    while let Some(x) = word_at(toks, j) {
        if matches!(
            x,
            "accept"
                | "drop"
                | "reject"
                | "jump"
                | "goto"
                | "return"
                | "log"
                | "counter"
                | "comment"
        ) {
            break;
        }
        parts.push(x.to_string());
        j += 1;
    }
    (json!({"limit": {"text": parts.join(" ")}}), j)
}

/// NAT, queues and other redirections, which end the rule in practice.
fn redirect_at(doc: &Doc, toks: &[T], i: usize, w: &str) -> Option<(Value, usize)> {
    let rest = render(&toks[i..]);
    let mut obj = json!({"text": rest});
    // `dnat tcp dport map { 1000 : addr, ... }`: keep the map's keys.
    if let Some(k) = (i..toks.len().saturating_sub(3)).find(|&k| {
        matches!(word_at(toks, k), Some("tcp" | "th"))
            && word_at(toks, k + 1) == Some("dport")
            && word_at(toks, k + 2) == Some("map")
    }) {
        let (set, _) = value_at(doc, toks, k + 3)?;
        let keys: Vec<Value> = set
            .get("set")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| json!([e.get(0).cloned().unwrap_or(e.clone()), null]))
                    .collect()
            })
            .unwrap_or_default();
        obj["addr"] = json!({"map": {
            "key": {"payload": {"protocol": "tcp", "field": "dport"}},
            "data": {"set": keys}
        }});
    }
    Some((json!({ w: obj }), toks.len()))
}

/// `add @set { ... }`, `update @set ...`: past the element.
fn set_update_end(toks: &[T], i: usize) -> usize {
    let mut j = i + 2;
    if toks.get(j).map(|t| &t.tok) == Some(&Tok::Open) {
        while j < toks.len() && toks[j].tok != Tok::Close {
            j += 1;
        }
        j += 1;
    }
    j
}

/// A selector (payload, meta, ct, fib), then a statement on it (`set`, `vmap`) or a
/// comparison with a value.
fn match_at(doc: &Doc, toks: &[T], i: usize) -> Option<(Value, usize)> {
    let (left, mut j) = selector(toks, i)?;
    // `meta mark set X`, `ct mark set X`: statements.
    if word_at(toks, j) == Some("set") {
        let (_, after) = value_at(doc, toks, j + 1)?;
        return Some((json!({"mangle": {"key": left}}), after));
    }
    if word_at(toks, j) == Some("vmap") {
        let (data, after) = value_at(doc, toks, j + 1)?;
        return Some((json!({"vmap": {"key": left, "data": data}}), after));
    }
    // `tcp flags & (syn | ack) == syn`
    let mut left = left;
    if word_at(toks, j) == Some("&") {
        let (mask, after) = flags_expr(toks, j + 1)?;
        left = json!({"&": [left, mask]});
        j = after;
    }
    let (op, j) = op_at(toks, j);
    let (right, after) = if left.get("&").is_some() {
        flags_expr(toks, j)?
    } else {
        value_at(doc, toks, j)?
    };
    // `tcp flags syn / syn,ack`: value and mask.
    if word_at(toks, after) == Some("/") {
        let (mask, after2) = value_at(doc, toks, after + 1)?;
        let l = json!({"&": [left, mask]});
        return Some((
            json!({"match": {"op": op, "left": l, "right": right}}),
            after2,
        ));
    }
    Some((
        json!({"match": {"op": op, "left": left, "right": right}}),
        after,
    ))
}

/// The comparison operator at `j`, in its symbol form (`==` when none is written).
fn op_at(toks: &[T], j: usize) -> (String, usize) {
    match word_at(toks, j) {
        Some(o) if OPS.contains(&o) => {
            let op = match o {
                "eq" => "==",
                "ne" => "!=",
                "lt" => "<",
                "gt" => ">",
                "le" => "<=",
                "ge" => ">=",
                x => x,
            };
            (op.to_string(), j + 1)
        }
        _ => ("==".to_string(), j),
    }
}

fn selector(toks: &[T], i: usize) -> Option<(Value, usize)> {
    let w = word_at(toks, i)?;
    if PAYLOAD_PROTOS.contains(&w) {
        let field = word_at(toks, i + 1)?;
        return Some((json!({"payload": {"protocol": w, "field": field}}), i + 2));
    }
    if w == "meta" {
        let key = word_at(toks, i + 1)?;
        return Some((json!({"meta": {"key": key}}), i + 2));
    }
    if META_BARE.contains(&w) {
        return Some((json!({"meta": {"key": w}}), i + 1));
    }
    if w == "ct" {
        let mut key = word_at(toks, i + 1)?.to_string();
        let mut j = i + 2;
        if matches!(key.as_str(), "original" | "reply") {
            let mut parts = Vec::new();
            while let Some(x) = word_at(toks, j) {
                if !matches!(
                    x,
                    "ip" | "ip6" | "saddr" | "daddr" | "proto-src" | "proto-dst"
                ) {
                    break;
                }
                parts.push(x.to_string());
                j += 1;
            }
            let dir = key.clone();
            key = parts.join(" ");
            return Some((json!({"ct": {"key": key, "dir": dir}}), j));
        }
        if key == "count" {
            return None;
        }
        j = i + 2;
        return Some((json!({"ct": {"key": key}}), j));
    }
    if w == "fib" {
        let mut flags = Vec::new();
        let mut j = i + 1;
        while let Some(x) = word_at(toks, j) {
            match x {
                "saddr" | "daddr" | "mark" | "iif" | "oif" => flags.push(x.to_string()),
                "." => {}
                _ => break,
            }
            j += 1;
        }
        let result = word_at(toks, j)?;
        return Some((json!({"fib": {"result": result, "flags": flags}}), j + 1));
    }
    None
}

/// `(syn | ack)`, `syn,ack`, `syn`.
fn flags_expr(toks: &[T], i: usize) -> Option<(Value, usize)> {
    let mut j = i;
    let mut names = Vec::new();
    let paren = word_at(toks, j) == Some("(");
    if paren {
        j += 1;
    }
    loop {
        let w = word_at(toks, j)?;
        names.push(w.to_string());
        j += 1;
        match toks.get(j).map(|t| &t.tok) {
            Some(Tok::Word(s)) if s == "|" => j += 1,
            Some(Tok::Comma) => j += 1,
            _ => break,
        }
    }
    if paren {
        if word_at(toks, j) != Some(")") {
            return None;
        }
        j += 1;
    }
    Some((json!(names), j))
}

/// A value: `{ set }`, `@set`, `a,b` lists, a scalar.
fn value_at(doc: &Doc, toks: &[T], i: usize) -> Option<(Value, usize)> {
    match toks.get(i).map(|t| &t.tok)? {
        Tok::Open => {
            let mut depth = 0usize;
            let mut j = i;
            while j < toks.len() {
                match toks[j].tok {
                    Tok::Open => depth += 1,
                    Tok::Close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let elems = elements(doc, &toks[i..=j.min(toks.len() - 1)]);
            Some((json!({"set": elems}), j + 1))
        }
        Tok::Word(w) if w.starts_with('@') => Some((json!(w), i + 1)),
        Tok::Word(_) | Tok::Str(_) => {
            let mut j = i;
            let mut items = Vec::new();
            loop {
                let w = match toks.get(j).map(|t| &t.tok) {
                    Some(Tok::Word(w) | Tok::Str(w)) => w.clone(),
                    _ => return None,
                };
                items.push(scalar(&[w]));
                j += 1;
                if toks.get(j).map(|t| &t.tok) == Some(&Tok::Comma) {
                    j += 1;
                } else {
                    break;
                }
            }
            if items.len() == 1 {
                Some((items.remove(0), j))
            } else {
                Some((json!(items), j))
            }
        }
        _ => None,
    }
}
