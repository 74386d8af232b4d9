//! The nftables text format that `nft -f` loads at boot (`/etc/nftables.conf`,
//! `/etc/sysconfig/nftables.conf` and what they include). The common subset is translated into
//! the JSON of libnftables-json(5) and handed to [`super::nft_json`], so both formats share one
//! meaning. Tables in block form and `add`/`insert` commands, `define` variables, `include`
//! (resolved by the caller), sets and maps are understood; a rule expression outside the subset
//! is kept as an unevaluable condition quoting it, with the rule's verdict still applied.

use std::cell::Cell;
use std::collections::HashMap;

use serde_json::{Value, json};

use super::Ruleset;

/// Reads an included file: the pattern as written, to the files it names with their text.
pub type Includer<'a> = &'a dyn Fn(&str) -> Result<Vec<(String, String)>, String>;

/// A file `nft -f` would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {message}")]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Semi,
    Comma,
    Colon,
    Newline,
}

#[derive(Debug, Clone)]
struct T {
    tok: Tok,
    line: usize,
}

fn tokenize(text: &str) -> Result<Vec<T>, (usize, String)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<T>, line: usize| {
        if !word.is_empty() {
            // `22:` in `{ 22: accept }` is a value and a colon.
            let w = std::mem::take(word);
            match w.strip_suffix(':') {
                Some(v) if !v.is_empty() && !v.contains(':') => {
                    out.push(T {
                        tok: Tok::Word(v.to_string()),
                        line,
                    });
                    out.push(T {
                        tok: Tok::Colon,
                        line,
                    });
                }
                _ if w == ":" => out.push(T {
                    tok: Tok::Colon,
                    line,
                }),
                _ => out.push(T {
                    tok: Tok::Word(w),
                    line,
                }),
            }
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                flush(&mut word, &mut out, line);
                for n in chars.by_ref() {
                    if n == '\n' {
                        line += 1;
                        out.push(T {
                            tok: Tok::Newline,
                            line: line - 1,
                        });
                        break;
                    }
                }
            }
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
                line += 1;
                flush(&mut word, &mut out, line);
            }
            '"' => {
                flush(&mut word, &mut out, line);
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err((line, "unterminated string".into())),
                        Some('"') => break,
                        Some('\n') => {
                            line += 1;
                            s.push('\n');
                        }
                        Some(x) => s.push(x),
                    }
                }
                out.push(T {
                    tok: Tok::Str(s),
                    line,
                });
            }
            '\n' => {
                flush(&mut word, &mut out, line);
                out.push(T {
                    tok: Tok::Newline,
                    line,
                });
                line += 1;
            }
            ' ' | '\t' | '\r' => flush(&mut word, &mut out, line),
            '{' | '}' | ';' | ',' | '(' | ')' | '&' | '|' => {
                flush(&mut word, &mut out, line);
                out.push(T {
                    tok: match c {
                        '{' => Tok::Open,
                        '}' => Tok::Close,
                        ';' => Tok::Semi,
                        ',' => Tok::Comma,
                        other => Tok::Word(other.to_string()),
                    },
                    line,
                });
            }
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out, line);
    Ok(out)
}

/// What the parsed files amount to, as nftables JSON objects.
struct Doc {
    objects: Vec<Value>,
    /// Variables with their values already expanded (nft substitutes `$name` in a define's
    /// value when the define is read, so a value never refers to itself).
    defines: Vec<(String, Vec<T>)>,
    /// Tokens that variable substitution may still produce in this document: definitions that
    /// double each other would otherwise grow without bound.
    expansion_left: Cell<usize>,
    /// Set when substitution ran out of its budget; the parse then fails.
    expansion_overflow: Cell<bool>,
    /// Files that `include` may still bring in.
    includes_left: usize,
    /// Where chain and set objects sit in `objects`: a file of 20,000 chains was searched
    /// once per chain.
    index: ObjIndex,
}

/// (family, table, name) of an object.
type ObjKey = (String, String, String);

/// Positions of chain and set/map objects, covering `objects[..indexed]`. Appending needs no
/// care (the rest is indexed on the next lookup); anything that moves objects (clear, retain,
/// insert) calls [`ObjIndex::invalidate`].
#[derive(Default)]
struct ObjIndex {
    chains: HashMap<ObjKey, usize>,
    sets: HashMap<ObjKey, usize>,
    indexed: usize,
}

impl ObjIndex {
    fn invalidate(&mut self) {
        *self = ObjIndex::default();
    }

    /// Indexes what was appended since the last lookup; the first object of a key wins, as a
    /// search from the front would find it.
    fn catch_up(&mut self, objects: &[Value]) {
        let key = |o: &Value| {
            let f = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            (f("family"), f("table"), f("name"))
        };
        for (i, o) in objects.iter().enumerate().skip(self.indexed) {
            if let Some(c) = o.get("chain") {
                self.chains.entry(key(c)).or_insert(i);
            }
            for kind in ["set", "map"] {
                if let Some(s) = o.get(kind) {
                    self.sets.entry(key(s)).or_insert(i);
                }
            }
        }
        self.indexed = objects.len();
    }
}

/// The most files `include` may bring into one document. nft reads every path of the include
/// graph, so files that include their own directory multiply; real rule sets include a few.
pub const MAX_INCLUDED_FILES: usize = 256;

/// The most tokens `$name` substitution may produce in one document (real files produce a
/// few thousand).
const EXPANSION_BUDGET: usize = 1 << 20;

/// Parses a file and what it includes into a rule set named `firewall`.
pub fn parse(
    name: &str,
    text: &str,
    firewall: &str,
    include: Includer<'_>,
) -> Result<Ruleset, ParseError> {
    let mut doc = Doc {
        objects: Vec::new(),
        defines: Vec::new(),
        expansion_left: Cell::new(EXPANSION_BUDGET),
        expansion_overflow: Cell::new(false),
        includes_left: MAX_INCLUDED_FILES,
        index: ObjIndex::default(),
    };
    parse_file(&mut doc, name, text, include, 0)?;
    if doc.expansion_overflow.get() {
        return Err(ParseError {
            file: name.to_string(),
            line: 0,
            message: format!("variable definitions expand to more than {EXPANSION_BUDGET} tokens"),
        });
    }
    let v = json!({ "nftables": doc.objects });
    super::nft_json::from_value(&v, firewall, &|_, _| false).map_err(|m| ParseError {
        file: name.to_string(),
        line: 0,
        message: m,
    })
}

fn parse_file(
    doc: &mut Doc,
    name: &str,
    text: &str,
    include: Includer<'_>,
    depth: usize,
) -> Result<(), ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: name.to_string(),
        line,
        message,
    };
    if depth > 16 {
        return Err(err(0, "includes nested more than 16 deep".into()));
    }
    let toks = tokenize(text).map_err(|(l, m)| err(l, m))?;
    let mut p = Parser {
        toks,
        pos: 0,
        file: name.to_string(),
    };
    loop {
        p.skip_separators();
        let Some(t) = p.peek().cloned() else { break };
        let line = t.line;
        let Tok::Word(w) = &t.tok else {
            return Err(err(line, format!("unexpected {:?}", t.tok)));
        };
        p.pos += 1;
        match w.as_str() {
            "flush" => {
                let what = p.word().unwrap_or_default();
                match what.as_str() {
                    "ruleset" => {
                        doc.objects.clear();
                        doc.index.invalidate();
                    }
                    "table" => {
                        let (fam, table) = p.family_and_name()?;
                        doc.objects.retain(|o| !belongs(o, &fam, &table, None));
                        doc.index.invalidate();
                    }
                    "chain" => {
                        let (fam, table) = p.family_and_name()?;
                        let chain = p.word().unwrap_or_default();
                        doc.objects.retain(|o| {
                            !(o.get("rule").is_some() && belongs(o, &fam, &table, Some(&chain)))
                        });
                        doc.index.invalidate();
                    }
                    _ => p.skip_statement(),
                }
            }
            "include" => {
                let Some(Tok::Str(pattern)) = p.next().map(|t| t.tok) else {
                    return Err(err(line, "include needs a quoted file name".into()));
                };
                let files = include(&pattern).map_err(|m| err(line, m))?;
                for (fname, ftext) in files {
                    if doc.includes_left == 0 {
                        return Err(err(
                            line,
                            format!("include brings in more than {MAX_INCLUDED_FILES} files"),
                        ));
                    }
                    doc.includes_left -= 1;
                    parse_file(doc, &fname, &ftext, include, depth + 1)?;
                }
            }
            "define" | "redefine" => {
                let var = p
                    .word()
                    .ok_or_else(|| err(line, "define needs a name".into()))?;
                if p.word().as_deref() != Some("=") {
                    return Err(err(line, format!("define {var}: expected =")));
                }
                let value = expand(doc, &p.until_end_of_statement());
                doc.defines.retain(|(n, _)| n != &var);
                doc.defines.push((var, value));
            }
            "undefine" => {
                let var = p.word().unwrap_or_default();
                doc.defines.retain(|(n, _)| n != &var);
            }
            "table" => p.table_block(doc)?,
            "add" | "create" | "insert" => {
                let insert = w == "insert";
                let what = p.word().unwrap_or_default();
                match what.as_str() {
                    "table" => {
                        let (fam, table) = p.family_and_name()?;
                        if p.peek_tok() == Some(&Tok::Open) {
                            p.table_body(doc, &fam, &table)?;
                        }
                    }
                    "chain" => {
                        let (fam, table) = p.family_and_name()?;
                        let chain = p.word().unwrap_or_default();
                        let mut obj = json!({"family": fam, "table": table, "name": chain});
                        if p.peek_tok() == Some(&Tok::Open) {
                            p.pos += 1;
                            p.chain_body(doc, &fam, &table, &chain, &mut obj)?;
                        }
                        upsert_chain(doc, obj);
                    }
                    "rule" => {
                        let (fam, table) = p.family_and_name()?;
                        let chain = p.word().unwrap_or_default();
                        let toks = p.until_end_of_statement();
                        let toks = strip_position(toks);
                        let rule = make_rule(doc, &fam, &table, &chain, &toks);
                        if insert {
                            let at = doc
                                .objects
                                .iter()
                                .position(|o| {
                                    o.get("rule").is_some()
                                        && belongs(o, &fam, &table, Some(&chain))
                                })
                                .unwrap_or(doc.objects.len());
                            doc.objects.insert(at, rule);
                            doc.index.invalidate();
                        } else {
                            doc.objects.push(rule);
                        }
                    }
                    "set" | "map" => {
                        let (fam, table) = p.family_and_name()?;
                        let set = p.word().unwrap_or_default();
                        if p.peek_tok() == Some(&Tok::Open) {
                            p.pos += 1;
                            p.set_body(doc, &what, &fam, &table, &set)?;
                        }
                    }
                    "element" => {
                        let (fam, table) = p.family_and_name()?;
                        let set = p.word().unwrap_or_default();
                        let toks = p.until_end_of_statement();
                        let elems = elements(doc, &toks);
                        add_elements(doc, &fam, &table, &set, elems);
                    }
                    _ => p.skip_statement(),
                }
            }
            "delete" | "destroy" | "reset" | "list" | "rename" | "replace" => {
                let shown = format!("{w} ...");
                doc.objects
                    .push(json!({"_note": format!("{name}: line {line}: `{shown}` not followed")}));
                p.skip_statement();
            }
            other => return Err(err(line, format!("unknown command {other}"))),
        }
    }
    Ok(())
}

/// `insert rule ... position N` / `index N` / `handle N`: the place is not followed.
fn strip_position(mut toks: Vec<T>) -> Vec<T> {
    if let Some(Tok::Word(w)) = toks.first().map(|t| &t.tok) {
        if matches!(w.as_str(), "position" | "index" | "handle") && toks.len() > 1 {
            toks.drain(..2);
        }
    }
    toks
}

fn belongs(o: &Value, fam: &str, table: &str, chain: Option<&str>) -> bool {
    let inner = o
        .as_object()
        .and_then(|m| m.values().next())
        .cloned()
        .unwrap_or(Value::Null);
    let f = inner.get("family").and_then(Value::as_str) == Some(fam);
    let t = inner.get("table").and_then(Value::as_str) == Some(table)
        || (o.get("table").is_some() && inner.get("name").and_then(Value::as_str) == Some(table));
    let c = match chain {
        Some(c) => inner.get("chain").and_then(Value::as_str) == Some(c),
        None => true,
    };
    f && t && c
}

fn upsert_chain(doc: &mut Doc, obj: Value) {
    let f = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let k = (f("family"), f("table"), f("name"));
    doc.index.catch_up(&doc.objects);
    if let Some(&i) = doc.index.chains.get(&k) {
        if let (Some(dst), Some(src)) = (
            doc.objects[i]
                .get_mut("chain")
                .and_then(Value::as_object_mut),
            obj.as_object(),
        ) {
            for (kk, vv) in src {
                dst.insert(kk.clone(), vv.clone());
            }
        }
        return;
    }
    doc.objects.push(json!({ "chain": obj }));
}

fn add_elements(doc: &mut Doc, fam: &str, table: &str, set: &str, elems: Vec<Value>) {
    doc.index.catch_up(&doc.objects);
    let k = (fam.to_string(), table.to_string(), set.to_string());
    if let Some(&i) = doc.index.sets.get(&k) {
        let o = &mut doc.objects[i];
        let s = if o.get("set").is_some() {
            o.get_mut("set")
        } else {
            o.get_mut("map")
        };
        if let Some(s) = s {
            if let Some(arr) = s.get_mut("elem").and_then(Value::as_array_mut) {
                arr.extend(elems);
            } else if let Some(m) = s.as_object_mut() {
                m.insert("elem".into(), Value::Array(elems));
            }
            return;
        }
    }
    doc.objects
        .push(json!({"set": {"family": fam, "table": table, "name": set, "elem": elems}}));
}

struct Parser {
    toks: Vec<T>,
    pos: usize,
    file: String,
}

const FAMILIES: &[&str] = &["ip", "ip6", "inet", "arp", "bridge", "netdev"];

impl Parser {
    fn err(&self, message: String) -> ParseError {
        ParseError {
            file: self.file.clone(),
            line: self.peek().map(|t| t.line).unwrap_or(0),
            message,
        }
    }
    fn peek(&self) -> Option<&T> {
        self.toks.get(self.pos)
    }
    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.tok)
    }
    fn next(&mut self) -> Option<T> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn word(&mut self) -> Option<String> {
        match self.peek_tok() {
            Some(Tok::Word(w)) | Some(Tok::Str(w)) => {
                let w = w.clone();
                self.pos += 1;
                Some(w)
            }
            _ => None,
        }
    }
    fn skip_separators(&mut self) {
        while matches!(self.peek_tok(), Some(Tok::Newline | Tok::Semi)) {
            self.pos += 1;
        }
    }
    /// `[family] name`, the family defaulting to ip.
    fn family_and_name(&mut self) -> Result<(String, String), ParseError> {
        let first = self
            .word()
            .ok_or_else(|| self.err("expected a table".into()))?;
        if FAMILIES.contains(&first.as_str()) {
            if let Some(Tok::Word(_) | Tok::Str(_)) = self.peek_tok() {
                let name = self.word().unwrap_or_default();
                return Ok((first, name));
            }
        }
        Ok(("ip".into(), first))
    }
    /// Tokens up to the end of the statement (newline or `;` outside braces).
    fn until_end_of_statement(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        while let Some(t) = self.peek().cloned() {
            match t.tok {
                Tok::Newline | Tok::Semi if depth == 0 => break,
                Tok::Close if depth == 0 => break,
                Tok::Open => depth += 1,
                Tok::Close => depth -= 1,
                Tok::Newline => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            out.push(t);
            self.pos += 1;
        }
        out
    }
    fn skip_statement(&mut self) {
        let _ = self.until_end_of_statement();
        if self.peek_tok() == Some(&Tok::Open) {
            self.skip_block();
        }
    }
    /// Skips a `{ ... }` block, the opening brace being next.
    fn skip_block(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.next() {
            match t.tok {
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
    fn table_block(&mut self, doc: &mut Doc) -> Result<(), ParseError> {
        let (fam, table) = self.family_and_name()?;
        if self.peek_tok() != Some(&Tok::Open) {
            return Ok(());
        }
        self.table_body(doc, &fam, &table)
    }
    fn table_body(&mut self, doc: &mut Doc, fam: &str, table: &str) -> Result<(), ParseError> {
        self.pos += 1; // {
        loop {
            self.skip_separators();
            match self.peek_tok().cloned() {
                None => return Err(self.err(format!("table {table}: missing }}"))),
                Some(Tok::Close) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(Tok::Word(w)) => {
                    self.pos += 1;
                    match w.as_str() {
                        "chain" => {
                            let chain = self.word().unwrap_or_default();
                            let mut obj = json!({"family": fam, "table": table, "name": chain});
                            if self.peek_tok() == Some(&Tok::Open) {
                                self.pos += 1;
                                self.chain_body(doc, fam, table, &chain, &mut obj)?;
                            }
                            upsert_chain(doc, obj);
                        }
                        "set" | "map" => {
                            let set = self.word().unwrap_or_default();
                            if self.peek_tok() == Some(&Tok::Open) {
                                self.pos += 1;
                                self.set_body(doc, &w, fam, table, &set)?;
                            }
                        }
                        _ => self.skip_statement(),
                    }
                }
                Some(other) => return Err(self.err(format!("unexpected {other:?} in table"))),
            }
        }
    }
    fn chain_body(
        &mut self,
        doc: &mut Doc,
        fam: &str,
        table: &str,
        chain: &str,
        obj: &mut Value,
    ) -> Result<(), ParseError> {
        loop {
            self.skip_separators();
            match self.peek_tok().cloned() {
                None => return Err(self.err(format!("chain {chain}: missing }}"))),
                Some(Tok::Close) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(Tok::Word(w)) if w == "type" => {
                    let toks = self.until_end_of_statement();
                    let words: Vec<String> = toks
                        .iter()
                        .filter_map(|t| match &t.tok {
                            Tok::Word(w) | Tok::Str(w) => Some(w.clone()),
                            _ => None,
                        })
                        .collect();
                    let m = obj.as_object_mut().expect("chain object");
                    if let Some(t) = words.get(1) {
                        m.insert("type".into(), json!(t));
                    }
                    let mut i = 2;
                    while i < words.len() {
                        match words[i].as_str() {
                            "hook" => {
                                m.insert("hook".into(), json!(words.get(i + 1)));
                                i += 2;
                            }
                            "device" | "devices" => {
                                let dev = words[i + 1..]
                                    .iter()
                                    .find(|w| *w != "=" && *w != "{")
                                    .cloned();
                                m.insert("dev".into(), json!(dev));
                                i += 2;
                            }
                            "priority" => {
                                let rest: Vec<&str> = words[i + 1..]
                                    .iter()
                                    .take_while(|w| {
                                        !matches!(w.as_str(), "hook" | "device" | "policy")
                                    })
                                    .map(String::as_str)
                                    .collect();
                                let n =
                                    super::nft_json::named_priority(&rest.join(" ")).unwrap_or(0);
                                m.insert("prio".into(), json!(n));
                                i += 1 + rest.len();
                            }
                            _ => i += 1,
                        }
                    }
                }
                Some(Tok::Word(w)) if w == "policy" => {
                    self.pos += 1;
                    let p = self.word().unwrap_or_default();
                    if let Some(m) = obj.as_object_mut() {
                        m.insert("policy".into(), json!(p));
                    }
                }
                Some(Tok::Word(w)) if w == "comment" => {
                    self.skip_statement();
                }
                Some(_) => {
                    let toks = self.until_end_of_statement();
                    if !toks.is_empty() {
                        let rule = make_rule(doc, fam, table, chain, &toks);
                        doc.objects.push(rule);
                    }
                }
            }
        }
    }
    fn set_body(
        &mut self,
        doc: &mut Doc,
        kind: &str,
        fam: &str,
        table: &str,
        set: &str,
    ) -> Result<(), ParseError> {
        let mut elems = Vec::new();
        loop {
            self.skip_separators();
            match self.peek_tok().cloned() {
                None => return Err(self.err(format!("set {set}: missing }}"))),
                Some(Tok::Close) => {
                    self.pos += 1;
                    break;
                }
                Some(Tok::Word(w)) if w == "elements" => {
                    self.pos += 1;
                    let toks = self.until_end_of_statement();
                    let toks: Vec<T> = toks
                        .into_iter()
                        .skip_while(|t| t.tok == Tok::Word("=".into()))
                        .collect();
                    elems.extend(elements(doc, &toks));
                }
                Some(_) => self.skip_statement(),
            }
        }
        doc.objects
            .push(json!({ kind: {"family": fam, "table": table, "name": set, "elem": elems}}));
        Ok(())
    }
}

/// Tokens with `$name` variables replaced by their (already expanded) definitions; an unknown
/// variable stays as it is. Stops substituting when the document's budget is spent.
fn expand(doc: &Doc, toks: &[T]) -> Vec<T> {
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
fn elements(doc: &Doc, toks: &[T]) -> Vec<Value> {
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

fn make_rule(doc: &Doc, fam: &str, table: &str, chain: &str, toks: &[T]) -> Value {
    let toks = expand(doc, toks);
    let text = render(&toks);
    let exprs = rule_exprs(doc, &toks);
    json!({"rule": {"family": fam, "table": table, "chain": chain, "expr": exprs, "_text": text}})
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
    match w {
        "accept" | "drop" | "return" | "continue" => return Some((json!({ w: null }), i + 1)),
        "jump" | "goto" => {
            let target = match toks.get(i + 1).map(|t| &t.tok) {
                Some(Tok::Word(t) | Tok::Str(t)) => t.clone(),
                _ => return None,
            };
            return Some((json!({ w: {"target": target} }), i + 2));
        }
        "reject" => {
            // `reject [with icmp|icmpx|icmpv6 [type] X | with tcp reset]`: terminal.
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
            return Some((json!({"reject": null}), j));
        }
        "counter" => {
            let mut j = i + 1;
            while matches!(word_at(toks, j), Some("packets" | "bytes" | "name")) {
                j += 2;
            }
            return Some((json!({"counter": null}), j));
        }
        "log" => {
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
            return Some((json!({"log": null}), j));
        }
        "comment" => return Some((Value::Null, i + 2)),
        "limit" => {
            // limit rate [over] N/unit [burst N packets|bytes]
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
            return Some((json!({"limit": {"text": parts.join(" ")}}), j));
        }
        "notrack" | "masquerade" => return Some((json!({ w: null }), i + 1)),
        "queue" | "dnat" | "snat" | "redirect" | "tproxy" | "synproxy" | "fwd" | "dup" => {
            // Consumes the rest of the rule: these end it in practice.
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
            return Some((json!({ w: obj }), toks.len()));
        }
        "add" | "update" | "delete" if word_at(toks, i + 1).is_some_and(|s| s.starts_with('@')) => {
            let mut j = i + 2;
            if toks.get(j).map(|t| &t.tok) == Some(&Tok::Open) {
                while j < toks.len() && toks[j].tok != Tok::Close {
                    j += 1;
                }
                j += 1;
            }
            return Some((json!({"set": {"op": w}}), j));
        }
        _ => {}
    }
    // Selectors: payload, meta, ct, fib.
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
    let mut op = "==".to_string();
    if let Some(o) = word_at(toks, j) {
        if OPS.contains(&o) {
            op = match o {
                "eq" => "==",
                "ne" => "!=",
                "lt" => "<",
                "gt" => ">",
                "le" => "<=",
                "ge" => ">=",
                x => x,
            }
            .to_string();
            j += 1;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::super::eval::{Verdict, evaluate};
    use super::super::{Family, Kind};
    use super::*;

    fn no_include(_: &str) -> Result<Vec<(String, String)>, String> {
        Err("no includes here".into())
    }

    fn verdict(text: &str, port: u16) -> Verdict {
        let rs = parse("test.nft", text, "nftables", &no_include).unwrap();
        evaluate(&rs, Family::V4, port).verdict
    }

    /// Debian's shipped /etc/nftables.conf: an input chain without a policy accepts everything.
    #[test]
    fn debian_default_accepts() {
        let t = "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter;\n\t}\n}\n";
        let rs = parse("nftables.conf", t, "nftables", &no_include).unwrap();
        assert!(evaluate(&rs, Family::V4, 22).no_rules);
    }

    /// A typical server ruleset: sets, defines, ct state lists, vmaps, policy drop.
    #[test]
    fn server_ruleset() {
        let t = r#"
define SSH = 2222
define WEB = { 80, 443 }
table inet filter {
  set mvc { type inet_service; elements = { 20004 } }
  chain input {
    type filter hook input priority 0; policy drop;
    iifname lo accept
    ct state established,related accept
    ct state { invalid } drop
    tcp dport $SSH ct state new counter accept comment "ssh"
    tcp dport $WEB accept
    tcp dport @mvc accept
    tcp dport vmap { 25 : drop, 26: accept }
    ip saddr 192.0.2.0/24 tcp dport 5432 accept
    tcp flags & (syn | ack) == syn tcp dport 27 log prefix "x " accept
  }
}
"#;
        for p in [2222, 80, 443, 20004, 26, 27] {
            assert_eq!(verdict(t, p), Verdict::Accepted, "port {p}");
        }
        for p in [22, 25, 8080] {
            assert_eq!(verdict(t, p), Verdict::Blocked, "port {p}");
        }
        let rs = parse("t", t, "nftables", &no_include).unwrap();
        let a = evaluate(&rs, Family::V4, 5432);
        assert_eq!(a.verdict, Verdict::Conditional);
        assert_eq!(a.conditions[0].kind, Kind::Source);
        assert!(a.conditions[0].origin.text.contains("192.0.2.0/24"));
    }

    /// An include graph that fans out (10 files at each of three levels) stops at the include
    /// budget with an error; a self-include stops at the depth limit.
    #[test]
    fn include_fan_out_hits_the_budget() {
        let fan = |pattern: &str| -> Result<Vec<(String, String)>, String> {
            let level = pattern.as_bytes()[5];
            let body = match level {
                b'c' => "table ip t { chain c { } }\n".to_string(),
                l => format!("include \"/etc/{}/*\"\n", (l + 1) as char),
            };
            Ok((0..10)
                .map(|i| (format!("/etc/{}/{i}", level as char), body.clone()))
                .collect())
        };
        let top = "include \"/etc/a/*\"\n";
        let e = parse("/etc/nftables.conf", top, "nftables", &fan).unwrap_err();
        assert!(e.message.contains("more than 256 files"), "{e:?}");
        let me = |_: &str| -> Result<Vec<(String, String)>, String> {
            Ok(vec![("/etc/nftables.conf".into(), top.into())])
        };
        let e = parse("/etc/nftables.conf", top, "nftables", &me).unwrap_err();
        assert!(e.message.contains("nested more than 16 deep"), "{e:?}");
    }

    /// `add rule` commands and includes resolved through the caller.
    /// A define's `$name` is substituted when the define is read, as nft does: a value that
    /// names its own variable means the earlier value (or stays a literal when there is none),
    /// never an endless expansion. (fuzz/regressions/nftables/nft-define-cycle-stack-overflow)
    #[test]
    fn defines_expand_when_read() {
        let t = "define P = 22\ndefine P = { $P, 20004 }\ndefine Q = $Q\ntable ip t {\n chain input {\n type filter hook input priority 0; policy drop;\n tcp dport $P accept\n tcp dport $Q accept\n }\n}\n";
        let rs = parse("t", t, "nftables", &no_include).unwrap();
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
        assert_eq!(evaluate(&rs, Family::V4, 20004).verdict, Verdict::Accepted);
        // `$Q` never had a value, so its rule cannot be judged for other ports.
        assert_eq!(evaluate(&rs, Family::V4, 23).verdict, Verdict::Undetermined);
        let crash =
            include_bytes!("../../fuzz/regressions/nftables/nft-define-cycle-stack-overflow");
        let _ = parse(
            "t",
            &String::from_utf8_lossy(crash),
            "nftables",
            &no_include,
        );
    }

    /// Definitions that double each other 30 times would expand to a billion tokens: the parse
    /// stops at the budget with an error instead of exhausting memory.
    #[test]
    fn doubling_defines_hit_the_budget() {
        let mut t = String::from("define d0 = { 22, 23 }\n");
        for i in 1..=30 {
            t.push_str(&format!("define d{i} = {{ $d{}, $d{} }}\n", i - 1, i - 1));
        }
        t.push_str("table ip t {\n chain input {\n type filter hook input priority 0; policy drop;\n tcp dport $d30 accept\n }\n}\n");
        let e = parse("t", &t, "nftables", &no_include).unwrap_err();
        assert!(e.message.contains("expand to more than"), "{e:?}");
    }

    #[test]
    fn commands_and_includes() {
        let inc = |p: &str| -> Result<Vec<(String, String)>, String> {
            assert_eq!(p, "/etc/nftables/*.nft");
            Ok(vec![(
                "/etc/nftables/main.nft".into(),
                "add rule ip t input tcp dport 22 accept\n".into(),
            )])
        };
        let t = "add table ip t\nadd chain ip t input { type filter hook input priority 0 ; policy drop ; }\ninclude \"/etc/nftables/*.nft\"\n";
        let rs = parse("t", t, "nftables", &inc).unwrap();
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
        assert_eq!(evaluate(&rs, Family::V4, 23).verdict, Verdict::Blocked);
        // An ip table does not see IPv6.
        assert!(evaluate(&rs, Family::V6, 23).no_rules);
    }

    /// An expression outside the subset is quoted and keeps its verdict.
    #[test]
    fn unknown_expression_is_quoted() {
        let t = "table ip t {\n chain input {\n type filter hook input priority 0; policy drop;\n osf name \"Linux\" tcp dport 22 accept\n }\n}\n";
        let rs = parse("t", t, "nftables", &no_include).unwrap();
        let a = evaluate(&rs, Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Undetermined);
        assert!(
            a.unknowns.iter().any(|u| u.contains("osf")),
            "{:?}",
            a.unknowns
        );
    }

    /// Syntax errors name the file and line.
    #[test]
    fn errors_have_lines() {
        let e = parse(
            "f.nft",
            "table ip t {\n chain c {\n",
            "nftables",
            &no_include,
        )
        .unwrap_err();
        assert_eq!(e.file, "f.nft");
        let e = parse("f.nft", "\n\nbogus thing\n", "nftables", &no_include).unwrap_err();
        assert_eq!(e.line, 3);
    }
}
