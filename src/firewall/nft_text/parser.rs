//! Commands and blocks: `table`, `chain`, `set`, `add`/`insert`, `flush`, `define`, `include`.

use serde_json::json;

use super::doc::{ChainObj, Doc, Obj, add_elements, belongs, upsert_chain};
use super::includes::{MAX_INCLUDE_DEPTH, include_files};
use super::lexer::{T, Tok, tokenize};
use super::lower::{elements, expand, make_rule};
use super::{Includer, MAX_OBJECTS, ParseError};

/// Parses one file (the top one or an included one) into the document.
pub(super) fn parse_file(
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
    if depth > MAX_INCLUDE_DEPTH {
        return Err(err(
            0,
            format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"),
        ));
    }
    let toks = tokenize(text).map_err(|(l, m)| err(l, m))?;
    let mut p = Parser {
        toks,
        pos: 0,
        file: name.to_string(),
    };
    loop {
        p.skip_separators();
        p.room(doc)?;
        let Some(t) = p.peek().cloned() else { break };
        let line = t.line;
        let Tok::Word(w) = &t.tok else {
            return Err(err(line, format!("unexpected {:?}", t.tok)));
        };
        p.pos += 1;
        match w.as_str() {
            "flush" => p.flush(doc)?,
            "include" => {
                let Some(Tok::Str(pattern)) = p.next().map(|t| t.tok) else {
                    return Err(err(line, "include needs a quoted file name".into()));
                };
                include_files(doc, name, line, &pattern, include, depth)?;
            }
            "define" | "redefine" => p.define(doc, line)?,
            "undefine" => {
                let var = p.word().unwrap_or_default();
                doc.defines.retain(|(n, _)| n != &var);
            }
            "table" => p.table_block(doc)?,
            "add" | "create" | "insert" => p.add(doc, w == "insert")?,
            "delete" | "destroy" | "reset" | "list" | "rename" | "replace" => {
                let shown = format!("{w} ...");
                doc.objects.push(Obj::Note(format!(
                    "{name}: line {line}: `{shown}` not followed"
                )));
                p.skip_statement();
            }
            other => return Err(err(line, format!("unknown command {other}"))),
        }
    }
    Ok(())
}

/// The top-level commands other than `include`, after their keyword.
impl Parser {
    /// `flush ruleset`, `flush table T`, `flush chain T C`.
    fn flush(&mut self, doc: &mut Doc) -> Result<(), ParseError> {
        let what = self.word().unwrap_or_default();
        match what.as_str() {
            "ruleset" => doc.objects.clear(),
            "table" => {
                let (fam, table) = self.family_and_name()?;
                doc.objects.retain(|o| !belongs(o, &fam, &table, None));
            }
            "chain" => {
                let (fam, table) = self.family_and_name()?;
                let chain = self.word().unwrap_or_default();
                doc.objects
                    .retain(|o| !belongs(o, &fam, &table, Some(&chain)));
            }
            _ => {
                self.skip_statement();
                return Ok(());
            }
        }
        doc.index.invalidate();
        Ok(())
    }

    /// `define NAME = VALUE`, expanded now; a later definition replaces it.
    fn define(&mut self, doc: &mut Doc, line: usize) -> Result<(), ParseError> {
        let var = self
            .word()
            .ok_or_else(|| self.err_at(line, "define needs a name".into()))?;
        if self.word().as_deref() != Some("=") {
            return Err(self.err_at(line, format!("define {var}: expected =")));
        }
        let value = expand(doc, &self.until_end_of_statement());
        doc.defines.retain(|(n, _)| n != &var);
        doc.defines.push((var, value));
        Ok(())
    }

    /// `add`/`create`/`insert` of a table, chain, rule, set, map or set element.
    fn add(&mut self, doc: &mut Doc, insert: bool) -> Result<(), ParseError> {
        let what = self.word().unwrap_or_default();
        if !matches!(
            what.as_str(),
            "table" | "chain" | "rule" | "set" | "map" | "element"
        ) {
            self.skip_statement();
            return Ok(());
        }
        let (fam, table) = self.family_and_name()?;
        if what == "table" {
            if self.peek_tok() == Some(&Tok::Open) {
                self.table_body(doc, &fam, &table)?;
            }
            return Ok(());
        }
        let name = self.word().unwrap_or_default();
        match what.as_str() {
            "chain" => self.chain_decl(doc, &fam, &table, &name)?,
            "rule" => {
                let toks = strip_position(self.until_end_of_statement());
                let rule = make_rule(doc, &fam, &table, &name, &toks);
                add_rule(doc, rule, insert, &fam, &table, &name);
            }
            "set" | "map" => self.set_decl(doc, &fam, &table, &name)?,
            _ => {
                let toks = self.until_end_of_statement();
                let elems = elements(doc, &toks);
                add_elements(doc, &fam, &table, &name, elems);
            }
        }
        Ok(())
    }

    /// A chain, with its body when one follows; a chain declared again is merged.
    fn chain_decl(
        &mut self,
        doc: &mut Doc,
        fam: &str,
        table: &str,
        chain: &str,
    ) -> Result<(), ParseError> {
        let mut obj = ChainObj::new(fam, table, chain);
        if self.peek_tok() == Some(&Tok::Open) {
            self.pos += 1;
            self.chain_body(doc, fam, table, chain, &mut obj)?;
        }
        upsert_chain(doc, obj);
        Ok(())
    }

    /// A set or map, with its body when one follows.
    fn set_decl(
        &mut self,
        doc: &mut Doc,
        fam: &str,
        table: &str,
        set: &str,
    ) -> Result<(), ParseError> {
        if self.peek_tok() == Some(&Tok::Open) {
            self.pos += 1;
            self.set_body(doc, fam, table, set)?;
        }
        Ok(())
    }

    fn err_at(&self, line: usize, message: String) -> ParseError {
        ParseError {
            file: self.file.clone(),
            line,
            message,
        }
    }
}

/// `add rule` appends to the chain; `insert rule` puts the rule before the chain's first.
fn add_rule(doc: &mut Doc, rule: Obj, insert: bool, fam: &str, table: &str, chain: &str) {
    if insert {
        let at = doc
            .objects
            .iter()
            .position(|o| belongs(o, fam, table, Some(chain)))
            .unwrap_or(doc.objects.len());
        doc.objects.insert(at, rule);
        doc.index.invalidate();
    } else {
        doc.objects.push(rule);
    }
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

struct Parser {
    toks: Vec<T>,
    pos: usize,
    file: String,
}

const FAMILIES: &[&str] = &["ip", "ip6", "inet", "arp", "bridge", "netdev"];

impl Parser {
    /// An error once the document holds [`MAX_OBJECTS`] objects: each costs a few kilobytes
    /// here, so a 32 MiB file of tiny chains would otherwise take gigabytes.
    fn room(&self, doc: &Doc) -> Result<(), ParseError> {
        if doc.objects.len() >= MAX_OBJECTS {
            return Err(self.err(format!(
                "more than {MAX_OBJECTS} chains, rules and sets in one rule set"
            )));
        }
        Ok(())
    }

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
    /// The next token inside a block of `what` `name`, past separators; `None` after its
    /// closing brace.
    fn next_in_block(
        &mut self,
        doc: &Doc,
        what: &str,
        name: &str,
    ) -> Result<Option<Tok>, ParseError> {
        self.skip_separators();
        self.room(doc)?;
        match self.peek_tok().cloned() {
            None => Err(self.err(format!("{what} {name}: missing }}"))),
            Some(Tok::Close) => {
                self.pos += 1;
                Ok(None)
            }
            t => Ok(t),
        }
    }
    fn table_body(&mut self, doc: &mut Doc, fam: &str, table: &str) -> Result<(), ParseError> {
        self.pos += 1; // {
        while let Some(t) = self.next_in_block(doc, "table", table)? {
            match t {
                Tok::Word(w) => {
                    self.pos += 1;
                    match w.as_str() {
                        "chain" => {
                            let chain = self.word().unwrap_or_default();
                            self.chain_decl(doc, fam, table, &chain)?;
                        }
                        "set" | "map" => {
                            let set = self.word().unwrap_or_default();
                            self.set_decl(doc, fam, table, &set)?;
                        }
                        _ => self.skip_statement(),
                    }
                }
                other => return Err(self.err(format!("unexpected {other:?} in table"))),
            }
        }
        Ok(())
    }
    fn chain_body(
        &mut self,
        doc: &mut Doc,
        fam: &str,
        table: &str,
        chain: &str,
        obj: &mut ChainObj,
    ) -> Result<(), ParseError> {
        while let Some(t) = self.next_in_block(doc, "chain", chain)? {
            match t {
                Tok::Word(w) if w == "type" => {
                    let toks = self.until_end_of_statement();
                    let words: Vec<String> = toks
                        .iter()
                        .filter_map(|t| match &t.tok {
                            Tok::Word(w) | Tok::Str(w) => Some(w.clone()),
                            _ => None,
                        })
                        .collect();
                    if let Some(t) = words.get(1) {
                        obj.set("type", json!(t));
                    }
                    let mut i = 2;
                    while i < words.len() {
                        match words[i].as_str() {
                            "hook" => {
                                obj.set("hook", json!(words.get(i + 1)));
                                i += 2;
                            }
                            "device" | "devices" => {
                                let dev = words[i + 1..]
                                    .iter()
                                    .find(|w| *w != "=" && *w != "{")
                                    .cloned();
                                obj.set("dev", json!(dev));
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
                                let n = super::super::nft_json::named_priority(&rest.join(" "))
                                    .unwrap_or(0);
                                obj.set("prio", json!(n));
                                i += 1 + rest.len();
                            }
                            _ => i += 1,
                        }
                    }
                }
                Tok::Word(w) if w == "policy" => {
                    self.pos += 1;
                    let p = self.word().unwrap_or_default();
                    obj.set("policy", json!(p));
                }
                Tok::Word(w) if w == "comment" => {
                    self.skip_statement();
                }
                _ => {
                    let toks = self.until_end_of_statement();
                    if !toks.is_empty() {
                        let rule = make_rule(doc, fam, table, chain, &toks);
                        doc.objects.push(rule);
                    }
                }
            }
        }
        Ok(())
    }
    fn set_body(
        &mut self,
        doc: &mut Doc,
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
        doc.objects.push(Obj::Set {
            key: (fam.to_string(), table.to_string(), set.to_string()),
            elems,
        });
        Ok(())
    }
}
