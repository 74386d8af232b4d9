//! The YAML subset that netplan files are written in: block mappings and sequences by
//! indentation, flow collections (`[a, b]`, `{k: v}`, also over several lines), plain, single-
//! and double-quoted scalars, literal and folded block scalars, `#` comments; the first
//! document of a file, as netplan reads only that one.
//! Anchors (`&name`) and aliases (`*name`) are resolved as libyaml's loader resolves them for
//! netplan (an alias is a copy of the anchored node; copies are bounded, so aliases of aliases
//! cannot multiply without end); quoted scalars may go over several lines (folded as YAML
//! folds them). A general YAML crate would bring far more than netplan's files need (see
//! Cargo.toml notes and the readers note on saphyr-parser and yaml-rust2).

use std::fmt;

/// A node, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub line: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Entries in file order; duplicate keys are kept (readers take the last).
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    Str(String),
    Null,
}

impl Node {
    /// The value of the last `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(v) => v,
            _ => &[],
        }
    }
}

/// Text that is not in the subset, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for YamlError {}

/// How deep block and flow collections may nest. netplan files nest a handful of levels; a
/// limit keeps a hostile file (50,000 `[`) from overflowing the stack, and is reported as
/// an error naming the line.
pub const MAX_DEPTH: usize = 256;

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, YamlError> {
    Err(YamlError {
        line,
        message: message.into(),
    })
}

#[derive(Debug, Clone)]
struct Line {
    no: usize,
    indent: usize,
    text: String,
    /// The raw line, for block scalars (comments are text there).
    raw: String,
}

/// Removes a comment: `#` at the start or after a blank, outside quotes.
fn strip_comment(s: &str) -> &str {
    let b = s.as_bytes();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if !double && (single || opens(b, i)) => single = !single,
            b'"' if !single && (double || opens(b, i)) => double = !double,
            b'\\' if double => i += 1,
            b'#' if !single && !double && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') => {
                return &s[..i];
            }
            _ => {}
        }
        i += 1;
    }
    s
}

/// Parses the first document.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    // Blank lines in `lines`: more lines than that means the first document has begun.
    let mut blank = 0;
    for (idx, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let no = idx + 1;
        let body = strip_comment(raw).trim_end();
        let content = body.trim_start_matches(' ');
        if content.is_empty() {
            blank += 1;
            lines.push(Line {
                no,
                indent: usize::MAX,
                text: String::new(),
                raw: raw.to_string(),
            });
            continue;
        }
        if content.starts_with('\t') {
            return err(no, "a tab in indentation is not YAML");
        }
        if content.starts_with('%') {
            continue;
        }
        if content == "---" || content.starts_with("--- ") || content == "..." {
            if lines.len() > blank {
                // netplan loads the first document of a file and ignores the rest.
                break;
            }
            let rest = content.strip_prefix("---").unwrap_or("").trim();
            if rest.is_empty() {
                continue;
            }
            lines.push(Line {
                no,
                indent: 0,
                text: rest.to_string(),
                raw: raw.to_string(),
            });
            continue;
        }
        lines.push(Line {
            no,
            indent: body.len() - content.len(),
            text: content.to_string(),
            raw: raw.to_string(),
        });
    }
    let mut p = Parser {
        lines,
        pos: 0,
        depth: 0,
        anchors: Anchors {
            nodes: Default::default(),
            budget: MAX_ALIAS_NODES,
        },
    };
    p.skip_blank();
    if p.pos >= p.lines.len() {
        return Ok(Node {
            line: 1,
            kind: Kind::Null,
        });
    }
    let indent = p.lines[p.pos].indent;
    let node = p.block(indent)?;
    p.skip_blank();
    if let Some(l) = p.lines.get(p.pos) {
        return err(l.no, "unexpected indentation");
    }
    Ok(node)
}

struct Parser {
    lines: Vec<Line>,
    pos: usize,
    /// Block nodes open on the way to `pos` (bounded by `MAX_DEPTH`).
    depth: usize,
    anchors: Anchors,
}

/// The most nodes aliases may copy in one file: `*a` of a node of nodes of aliases could
/// otherwise grow exponentially ("billion laughs").
const MAX_ALIAS_NODES: usize = 1_000_000;

/// Anchored nodes by name, and how many more nodes aliases may copy.
struct Anchors {
    nodes: std::collections::HashMap<String, Node>,
    budget: usize,
}

impl Anchors {
    /// A copy of the node anchored as `name`.
    fn alias(&mut self, name: &str, line: usize) -> Result<Node, YamlError> {
        let Some(n) = self.nodes.get(name) else {
            return err(line, format!("alias *{name} of no anchor"));
        };
        let w = weight(n, self.budget + 1);
        if w > self.budget {
            return err(
                line,
                format!("aliases copy more than {MAX_ALIAS_NODES} nodes"),
            );
        }
        self.budget -= w;
        Ok(n.clone())
    }
}

/// The number of nodes in `n`, counted up to `limit`.
fn weight(n: &Node, limit: usize) -> usize {
    let mut total = 1;
    let children: Box<dyn Iterator<Item = &Node>> = match &n.kind {
        Kind::Map(e) => Box::new(e.iter().map(|(_, v)| v)),
        Kind::Seq(items) => Box::new(items.iter()),
        _ => return 1,
    };
    for c in children {
        if total > limit {
            break;
        }
        total += weight(c, limit - total.min(limit));
    }
    total
}

/// Splits `&name rest` into the anchor name and the rest.
fn split_anchor(v: &str) -> Option<(&str, &str)> {
    let rest = v.strip_prefix('&')?;
    let end = rest.find([' ', '\t']).unwrap_or(rest.len());
    Some((&rest[..end], rest[end..].trim_start()))
}

/// Whether a scalar that starts with a quote ends on this line.
fn quote_closed(v: &str) -> bool {
    let b = v.as_bytes();
    let q = b[0];
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 1,
            b'\'' if q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 1,
            c if c == q => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn is_seq_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Whether a quote at `i` starts a quoted scalar: only at the start of a scalar, so the
/// apostrophe of a plain `Joe's-ap:` is text.
fn opens(b: &[u8], i: usize) -> bool {
    i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'[' | b'{' | b',' | b'-' | b'?')
}

/// Finds the `:` that ends a mapping key (followed by a blank or the end), outside quotes
/// and brackets.
fn key_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut single, mut double, mut depth) = (false, false, 0i32);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if !double && (single || opens(b, i)) => single = !single,
            b'"' if !single && (double || opens(b, i)) => double = !double,
            b'\\' if double => i += 1,
            b'[' | b'{' if !single && !double => depth += 1,
            b']' | b'}' if !single && !double => depth -= 1,
            b':' if !single
                && !double
                && depth == 0
                && (i + 1 == b.len() || b[i + 1] == b' ' || b[i + 1] == b'\t') =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Parser {
    fn skip_blank(&mut self) {
        while self.pos < self.lines.len() && self.lines[self.pos].indent == usize::MAX {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<&Line> {
        self.skip_blank();
        self.lines.get(self.pos)
    }

    /// A block node whose first line is at `self.pos`, indented `indent`.
    fn block(&mut self, indent: usize) -> Result<Node, YamlError> {
        let Some(l) = self.peek() else {
            return Ok(Node {
                line: 0,
                kind: Kind::Null,
            });
        };
        let no = l.no;
        if l.text.starts_with('&') {
            return self.anchored_block(indent);
        }
        // Decided without copying the line: `- - - ...` nests once per dash on one line.
        let seq = is_seq_item(&l.text);
        let map = !seq
            && key_colon(&l.text).is_some()
            && !l.text.starts_with('[')
            && !l.text.starts_with('{');
        if self.depth >= MAX_DEPTH {
            return err(no, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        self.depth += 1;
        let node = if seq {
            self.sequence(indent)
        } else if map {
            self.mapping(indent)
        } else {
            self.pos += 1;
            let text = std::mem::take(&mut self.lines[self.pos - 1].text);
            self.inline_value(&text, no, indent)
        };
        self.depth -= 1;
        node
    }

    /// A block node after `&name` at the start of its line (`- &a value`, `&a` over a block).
    fn anchored_block(&mut self, indent: usize) -> Result<Node, YamlError> {
        let cur = self.pos;
        let no = self.lines[cur].no;
        if self.depth >= MAX_DEPTH {
            return err(no, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let Some((name, rest)) = split_anchor(&self.lines[cur].text) else {
            return err(no, "bad anchor");
        };
        let (name, rest_empty) = (name.to_string(), rest.is_empty());
        // Cut in place: a copy of the rest per anchor would hold the line once per level.
        let cut = self.lines[cur].text.len() - rest.len();
        self.lines[cur].text.drain(..cut);
        let node = if rest_empty {
            self.pos += 1;
            match self.peek() {
                Some(n) if n.indent >= indent => {
                    let i = n.indent;
                    self.block(i)?
                }
                _ => Node {
                    line: no,
                    kind: Kind::Null,
                },
            }
        } else {
            self.depth += 1;
            let node = self.block(indent);
            self.depth -= 1;
            node?
        };
        self.anchors.nodes.insert(name, node.clone());
        Ok(node)
    }

    fn sequence(&mut self, indent: usize) -> Result<Node, YamlError> {
        let start = self.lines[self.pos].no;
        let mut items = Vec::new();
        while let Some(l) = self.peek() {
            if l.indent != indent || !is_seq_item(&l.text) {
                break;
            }
            let cut = l.text.len() - l.text[1..].trim_start_matches(' ').len();
            let no = l.no;
            if cut == l.text.len() {
                self.pos += 1;
                match self.peek() {
                    Some(n) if n.indent > indent => {
                        let i = n.indent;
                        items.push(self.block(i)?);
                    }
                    _ => items.push(Node {
                        line: no,
                        kind: Kind::Null,
                    }),
                }
            } else {
                // The item's content sits at its own column; later lines of it align there.
                // Cut in place: a copy per dash would keep the rest of the line once per level.
                let col = indent + cut;
                let cur = self.pos;
                self.lines[cur].indent = col;
                self.lines[cur].text.drain(..cut);
                items.push(self.block(col)?);
            }
        }
        Ok(Node {
            line: start,
            kind: Kind::Seq(items),
        })
    }

    fn mapping(&mut self, indent: usize) -> Result<Node, YamlError> {
        let start = self.lines[self.pos].no;
        let mut entries = Vec::new();
        while let Some(l) = self.peek() {
            if l.indent < indent {
                break;
            }
            let (no, text) = (l.no, l.text.clone());
            if l.indent > indent {
                return err(no, "unexpected indentation");
            }
            if is_seq_item(&text) {
                break;
            }
            let Some(colon) = key_colon(&text) else {
                return err(no, format!("expected 'key: value', found '{text}'"));
            };
            let key = scalar(text[..colon].trim(), no)?;
            let value = text[colon + 1..].trim();
            let (anchor, value) = match split_anchor(value) {
                Some((name, rest)) => (Some(name), rest),
                None => (None, value),
            };
            self.pos += 1;
            let node = if value.is_empty() {
                match self.peek() {
                    Some(n)
                        if n.indent > indent || (n.indent == indent && is_seq_item(&n.text)) =>
                    {
                        let i = n.indent;
                        self.block(i)?
                    }
                    _ => Node {
                        line: no,
                        kind: Kind::Null,
                    },
                }
            } else {
                self.inline_value(value, no, indent)?
            };
            if let Some(a) = anchor {
                self.anchors.nodes.insert(a.to_string(), node.clone());
            }
            entries.push((key, node));
        }
        Ok(Node {
            line: start,
            kind: Kind::Map(entries),
        })
    }

    /// A value written on the line of its key or dash (`self.pos` is past that line).
    fn inline_value(&mut self, value: &str, no: usize, indent: usize) -> Result<Node, YamlError> {
        let value = strip_tag(value);
        if value.starts_with('&') {
            // Several anchors on one node are taken in a loop: recursion per `&` would let a
            // line of a million anchors overflow the stack.
            let (mut names, mut rest) = (Vec::new(), value);
            while let Some((name, r)) = split_anchor(rest) {
                names.push(name);
                rest = r;
            }
            let node = self.inline_value(rest, no, indent)?;
            for name in names {
                self.anchors.nodes.insert(name.to_string(), node.clone());
            }
            return Ok(node);
        }
        if let Some(name) = value.strip_prefix('*') {
            return self.anchors.alias(name.trim_end(), no);
        }
        if (value.starts_with('"') || value.starts_with('\'')) && !quote_closed(value) {
            return self.quoted_lines(value, no);
        }
        if value.starts_with('|') || value.starts_with('>') {
            return Ok(Node {
                line: no,
                kind: Kind::Str(self.block_scalar(value.starts_with('>'), indent)),
            });
        }
        if value.starts_with('[') || value.starts_with('{') {
            let mut text = value.to_string();
            // Each line is scanned once: rescanning the whole collection per added line was
            // quadratic in an unterminated `[` of many lines.
            let mut open = Brackets::default();
            open.feed(text.as_bytes());
            while !open.closed() {
                let Some(next) = self.lines.get(self.pos) else {
                    return err(no, "unterminated flow collection");
                };
                // A line break folds to a blank, but a `\` ending a line inside double
                // quotes joins the lines without one.
                let run = text.len() - text.trim_end_matches('\\').len();
                if open.double && run % 2 == 1 {
                    text.pop();
                    open.escaped = false;
                } else {
                    text.push(' ');
                    open.feed(b" ");
                }
                text.push_str(&next.text);
                open.feed(next.text.as_bytes());
                self.pos += 1;
            }
            let mut f = Flow {
                s: text.as_bytes(),
                i: 0,
                line: no,
                depth: 0,
                anchors: Some(&mut self.anchors),
            };
            let node = f.value()?;
            f.ws();
            if f.i != f.s.len() {
                return err(no, "text after a flow collection");
            }
            return Ok(node);
        }
        let s = scalar(value, no)?;
        if let Some(n) = self.peek()
            && n.indent > indent
            && n.indent != usize::MAX
        {
            return err(n.no, "multi-line plain scalars are not supported");
        }
        Ok(Node {
            line: no,
            kind: if is_null(value) {
                Kind::Null
            } else {
                Kind::Str(s)
            },
        })
    }

    /// A quoted scalar that goes on over the next lines: line breaks fold to a blank (an empty
    /// line to a line break), leading blanks of the next line go, and in double quotes a `\`
    /// at the end of a line joins the lines without a blank.
    fn quoted_lines(&mut self, first: &str, no: usize) -> Result<Node, YamlError> {
        let mut text = first.trim_end().to_string();
        while !quote_closed(&text) {
            let Some(next) = self.lines.get(self.pos) else {
                return err(no, "unterminated quoted scalar");
            };
            let part = next.raw.trim();
            self.pos += 1;
            if part.is_empty() {
                text.push('\n');
                continue;
            }
            let escaped_break = text.starts_with('"')
                && text.ends_with('\\')
                && (text.len() - text.trim_end_matches('\\').len()) % 2 == 1;
            if escaped_break {
                text.pop();
            } else if !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(part);
        }
        // What follows the closing quote on its line may be a comment only.
        let s = scalar(strip_comment(&text).trim_end(), no)?;
        Ok(Node {
            line: no,
            kind: Kind::Str(s),
        })
    }

    /// The lines of a `|` or `>` scalar: every following line indented more than `indent`.
    fn block_scalar(&mut self, folded: bool, indent: usize) -> String {
        let mut parts = Vec::new();
        let mut body_indent = None;
        while self.pos < self.lines.len() {
            let l = &self.lines[self.pos];
            if l.indent != usize::MAX && l.indent <= indent {
                break;
            }
            let raw = &l.raw;
            let lead = raw.len() - raw.trim_start_matches(' ').len();
            let bi = *body_indent.get_or_insert(lead);
            parts.push(raw.get(bi.min(lead)..).unwrap_or("").to_string());
            self.pos += 1;
        }
        parts.join(if folded { " " } else { "\n" })
    }
}

fn strip_tag(v: &str) -> &str {
    if v.starts_with('!') {
        match v.split_once(' ') {
            Some((_, rest)) => rest.trim_start(),
            None => "",
        }
    } else {
        v
    }
}

fn is_null(v: &str) -> bool {
    matches!(v, "~" | "null" | "Null" | "NULL")
}

/// Brackets opened and not yet closed outside quotes, fed a line at a time.
#[derive(Default)]
struct Brackets {
    single: bool,
    double: bool,
    escaped: bool,
    depth: i64,
    /// The byte before the next one fed (a quote opens only after a blank or punctuation).
    prev: Option<u8>,
}

impl Brackets {
    fn feed(&mut self, b: &[u8]) {
        for &c in b {
            let prev = self.prev.replace(c);
            if self.escaped {
                self.escaped = false;
                continue;
            }
            let opens =
                prev.is_none_or(|p| matches!(p, b' ' | b'\t' | b'[' | b'{' | b',' | b'-' | b':'));
            match c {
                b'\'' if !self.double && (self.single || opens) => self.single = !self.single,
                b'"' if !self.single && (self.double || opens) => self.double = !self.double,
                b'\\' if self.double => self.escaped = true,
                b'[' | b'{' if !self.single && !self.double => self.depth += 1,
                b']' | b'}' if !self.single && !self.double => self.depth -= 1,
                _ => {}
            }
        }
    }

    /// Whether every bracket opened outside quotes is closed.
    fn closed(&self) -> bool {
        self.depth <= 0 && !self.single && !self.double
    }
}

/// A plain or quoted scalar standing alone.
fn scalar(s: &str, line: usize) -> Result<String, YamlError> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('\'') {
        let Some(body) = rest.strip_suffix('\'') else {
            return err(line, "unterminated single-quoted scalar");
        };
        return Ok(body.replace("''", "'"));
    }
    if s.starts_with('"') {
        let mut f = Flow {
            s: s.as_bytes(),
            i: 0,
            line,
            depth: 0,
            anchors: None,
        };
        let v = f.double_quoted()?;
        if f.i != s.len() {
            return err(line, "text after a double-quoted scalar");
        }
        return Ok(v);
    }
    Ok(s.to_string())
}

/// A cursor over a flow collection.
struct Flow<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
    /// Collections open around `i` (bounded by `MAX_DEPTH`).
    depth: usize,
    /// Anchors of the file, where aliases may appear.
    anchors: Option<&'a mut Anchors>,
}

impl Flow<'_> {
    /// An anchor or alias name inside a flow collection: up to a blank or `,]}`.
    fn name(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len() && !matches!(self.s[self.i], b' ' | b'\t' | b',' | b']' | b'}')
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Node, YamlError> {
        if self.depth >= MAX_DEPTH {
            return err(self.line, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        self.depth += 1;
        let node = self.value_here();
        self.depth -= 1;
        node
    }

    fn value_here(&mut self) -> Result<Node, YamlError> {
        self.ws();
        let line = self.line;
        match self.s.get(self.i) {
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        None => return err(line, "unterminated ["),
                        _ => {}
                    }
                    items.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {}
                        _ => return err(line, "expected ',' or ']'"),
                    }
                }
                Ok(Node {
                    line,
                    kind: Kind::Seq(items),
                })
            }
            Some(b'{') => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        None => return err(line, "unterminated {"),
                        _ => {}
                    }
                    let key = match self.s.get(self.i) {
                        Some(b'"') => self.double_quoted()?,
                        Some(b'\'') => self.single_quoted()?,
                        _ => self.plain(true),
                    };
                    self.ws();
                    let value = if self.s.get(self.i) == Some(&b':') {
                        self.i += 1;
                        self.value()?
                    } else {
                        Node {
                            line,
                            kind: Kind::Null,
                        }
                    };
                    entries.push((key, value));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {}
                        _ => return err(line, "expected ',' or '}'"),
                    }
                }
                Ok(Node {
                    line,
                    kind: Kind::Map(entries),
                })
            }
            Some(b'"') => Ok(Node {
                line,
                kind: Kind::Str(self.double_quoted()?),
            }),
            Some(b'\'') => Ok(Node {
                line,
                kind: Kind::Str(self.single_quoted()?),
            }),
            Some(b'&') => {
                self.i += 1;
                let name = self.name();
                let node = self.value()?;
                match self.anchors.as_deref_mut() {
                    Some(a) => a.nodes.insert(name, node.clone()),
                    None => return err(line, "an anchor here is not supported"),
                };
                Ok(node)
            }
            Some(b'*') => {
                self.i += 1;
                let name = self.name();
                match self.anchors.as_deref_mut() {
                    Some(a) => a.alias(&name, line),
                    None => err(line, "an alias here is not supported"),
                }
            }
            _ => {
                let p = self.plain(false);
                Ok(Node {
                    line,
                    kind: if p.is_empty() || is_null(&p) {
                        Kind::Null
                    } else {
                        Kind::Str(p)
                    },
                })
            }
        }
    }

    /// A plain scalar inside a flow collection: up to `,`, `]`, `}` (and `: ` for keys).
    fn plain(&mut self, key: bool) -> String {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if matches!(c, b',' | b']' | b'}') {
                break;
            }
            if key
                && c == b':'
                && matches!(
                    self.s.get(self.i + 1),
                    None | Some(b' ' | b'\t' | b',' | b'}')
                )
            {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i])
            .trim()
            .to_string()
    }

    fn single_quoted(&mut self) -> Result<String, YamlError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => return err(self.line, "unterminated single-quoted scalar"),
                Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                    out.push(b'\'');
                    self.i += 2;
                }
                Some(b'\'') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(c) => {
                    out.push(*c);
                    self.i += 1;
                }
            }
        }
    }

    fn double_quoted(&mut self) -> Result<String, YamlError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => return err(self.line, "unterminated double-quoted scalar"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.escape(&mut out)?;
                }
                Some(c) => {
                    out.push(*c);
                    self.i += 1;
                }
            }
        }
    }
}

impl Flow<'_> {
    /// One escape of a double-quoted scalar at `self.i` (the backslash), YAML 1.2 section 5.7:
    /// the C-like letters, `\x`, `\u` and `\U` code points, and the Unicode line breaks.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), YamlError> {
        let e = self.s.get(self.i + 1).copied();
        let ch: char = match e {
            Some(b'0') => '\0',
            Some(b'a') => '\u{7}',
            Some(b'b') => '\u{8}',
            Some(b't' | b'\t') => '\t',
            Some(b'n') => '\n',
            Some(b'v') => '\u{b}',
            Some(b'f') => '\u{c}',
            Some(b'r') => '\r',
            Some(b'e') => '\u{1b}',
            Some(b'N') => '\u{85}',
            Some(b'_') => '\u{a0}',
            Some(b'L') => '\u{2028}',
            Some(b'P') => '\u{2029}',
            Some(c @ (b'"' | b'\\' | b'/' | b' ')) => c as char,
            Some(x @ (b'x' | b'u' | b'U')) => {
                let n = match x {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = self
                    .s
                    .get(self.i + 2..self.i + 2 + n)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                let Some(c) = hex
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32)
                else {
                    return err(
                        self.line,
                        "a bad code point escape in a double-quoted scalar",
                    );
                };
                self.i += n;
                c
            }
            _ => return err(self.line, "an unknown escape in a double-quoted scalar"),
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        self.i += 2;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: &Node) -> &str {
        n.as_str().unwrap()
    }

    /// A netplan file in block style, with comments, quotes and nested sequences.
    #[test]
    fn block_style() {
        let y = parse(
            "# generated\nnetwork:\n  version: 2\n  ethernets:\n    eth0:   # the first\n      dhcp4: no\n      addresses:\n        - 198.51.100.10/24\n        - \"2001:db8::10/64\"\n        - '203.0.113.5/24'\n      nameservers:\n          addresses: [198.51.100.1]\n    eth1:\n      dhcp4: true\n",
        )
        .unwrap();
        let eths = y.get("network").unwrap().get("ethernets").unwrap();
        let eth0 = eths.get("eth0").unwrap();
        assert_eq!(s(eth0.get("dhcp4").unwrap()), "no");
        let addrs: Vec<&str> = eth0
            .get("addresses")
            .unwrap()
            .items()
            .iter()
            .map(s)
            .collect();
        assert_eq!(
            addrs,
            vec!["198.51.100.10/24", "2001:db8::10/64", "203.0.113.5/24"]
        );
        assert_eq!(eth0.get("addresses").unwrap().items()[0].line, 8);
        assert_eq!(s(eths.get("eth1").unwrap().get("dhcp4").unwrap()), "true");
    }

    /// Flow collections, also spread over lines, and sequences at the parent's indentation.
    #[test]
    fn flow_and_compact_sequences() {
        let y = parse(
            "network:\n  ethernets:\n    eth0: {dhcp4: false, addresses: [198.51.100.10/24, \"203.0.113.1/24\"]}\n    eth1:\n      addresses: [\n        198.51.100.20/24,\n        198.51.100.21/24,\n      ]\n  bonds:\n    bond0:\n      interfaces:\n      - eth2\n      - eth3\n      addresses:\n      - 203.0.113.9/24:\n          label: bond0:1\n      - 203.0.113.10/24\n",
        )
        .unwrap();
        let n = y.get("network").unwrap();
        let eth0 = n.get("ethernets").unwrap().get("eth0").unwrap();
        assert_eq!(s(eth0.get("dhcp4").unwrap()), "false");
        assert_eq!(eth0.get("addresses").unwrap().items().len(), 2);
        let eth1 = n.get("ethernets").unwrap().get("eth1").unwrap();
        assert_eq!(
            s(&eth1.get("addresses").unwrap().items()[1]),
            "198.51.100.21/24"
        );
        let bond = n.get("bonds").unwrap().get("bond0").unwrap();
        assert_eq!(bond.get("interfaces").unwrap().items().len(), 2);
        let a = bond.get("addresses").unwrap().items();
        assert_eq!(a[0].entries()[0].0, "203.0.113.9/24");
        assert_eq!(s(&a[1]), "203.0.113.10/24");
    }

    /// Anchors and aliases as libyaml's loader resolves them, on block and flow nodes; copies
    /// are bounded.
    #[test]
    fn anchors_and_aliases() {
        let d = parse(
            "base: &b\n  dhcp4: false\n  addresses: [198.51.100.7/24]\neth0: *b\nlist:\n  - &one 198.51.100.8/24\n  - *one\nflow: [&f x, *f, *one]\nv: &s plain\nw: *s\n",
        )
        .unwrap();
        assert_eq!(d.get("eth0"), d.get("base"));
        let list: Vec<&str> = d.get("list").unwrap().items().iter().map(s).collect();
        assert_eq!(list, vec!["198.51.100.8/24", "198.51.100.8/24"]);
        let flow: Vec<&str> = d.get("flow").unwrap().items().iter().map(s).collect();
        assert_eq!(flow, vec!["x", "x", "198.51.100.8/24"]);
        assert_eq!(s(d.get("w").unwrap()), "plain");
        // Aliases of aliases doubling twenty-five times stop at the copy budget.
        let mut text = String::from("a0: &a0 [x, x]\n");
        for i in 1..25 {
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}]\n", p = i - 1));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.to_string().contains("aliases copy more than"), "{e}");
        // A million anchors on one node, as a value or at a line's start: no stack overflow.
        let many = "&a ".repeat(1_000_000);
        assert_eq!(
            s(parse(&format!("k: {many}v\n")).unwrap().get("k").unwrap()),
            "v"
        );
        assert!(parse(&format!("- {many}v\n")).is_err());
    }

    /// Quoted scalars over several lines fold as YAML folds them.
    #[test]
    fn multi_line_quoted() {
        let d =
            parse("a: \"198.51.100.\\\n   7/24\"\nb: 'one\n  two'\nc: \"x\n\n  y\" # c\nd: 1\n")
                .unwrap();
        assert_eq!(s(d.get("a").unwrap()), "198.51.100.7/24");
        assert_eq!(s(d.get("b").unwrap()), "one two");
        assert_eq!(s(d.get("c").unwrap()), "x\ny");
        assert_eq!(s(d.get("d").unwrap()), "1");
        assert!(parse("a: \"open\nb: 1\n").is_err());
    }

    /// What is outside the subset is an error with a line, never a wrong tree.
    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("a: 1\nb: *nothing\n").unwrap_err().line, 2);
        assert_eq!(parse("a:\n\tb: 1\n").unwrap_err().line, 2);
        assert_eq!(parse("a: 1\n   b: 2\n").unwrap_err().line, 2);
        assert_eq!(parse("a: [1, 2\n").unwrap_err().line, 1);
        assert!(parse("a: 1\n---\nb: \"\n").unwrap().get("b").is_none());
        assert!(parse("just text\nmore: 1\n").is_err());
    }

    /// Empty files, document markers, nulls and `#` inside values.
    #[test]
    fn small_things() {
        assert_eq!(parse("").unwrap().kind, Kind::Null);
        assert_eq!(parse("# only a comment\n").unwrap().kind, Kind::Null);
        let y = parse("---\na: ~\nb:\nc: x#y\nd: 'it''s'\ne: \"q\\\"\"\n...\n").unwrap();
        assert_eq!(y.get("a").unwrap().kind, Kind::Null);
        assert_eq!(y.get("b").unwrap().kind, Kind::Null);
        assert_eq!(s(y.get("c").unwrap()), "x#y");
        assert_eq!(s(y.get("d").unwrap()), "it's");
        assert_eq!(s(y.get("e").unwrap()), "q\"");
    }

    /// Block scalars keep their text and end at the first less-indented line.
    #[test]
    fn block_scalars() {
        let y = parse("a: |\n  one\n  two\nb: 2\n").unwrap();
        assert_eq!(s(y.get("a").unwrap()), "one\ntwo");
        assert_eq!(s(y.get("b").unwrap()), "2");
    }

    /// Escapes netplan's own tests use: `\b`, `\u00e9`, `\x41`, `\U0001F600`; a bad one is
    /// an error with the line.
    #[test]
    fn double_quoted_escapes() {
        let y = parse("a: \"x\\by\"\nb: \"caf\\u00e9\"\nc: [\"\\x41\\U0001F600\"]\n").unwrap();
        assert_eq!(s(y.get("a").unwrap()), "x\u{8}y");
        assert_eq!(s(y.get("b").unwrap()), "caf\u{e9}");
        assert_eq!(s(&y.get("c").unwrap().items()[0]), "A\u{1F600}");
        assert_eq!(parse("a: 1\nb: \"\\uZZZZ\"\n").unwrap_err().line, 2);
        assert_eq!(parse("a: \"\\q\"\n").unwrap_err().line, 1);
    }

    /// Nesting is bounded: at the limit it parses, past it the error names the line, in flow
    /// and block style and in `- - -` compact sequences.
    #[test]
    fn nesting_is_bounded() {
        let flow = |n: usize| format!("a: 1\nb: {}x{}\n", "[".repeat(n), "]".repeat(n));
        let dashes = |n: usize| format!("a: 1\nb:\n{}x\n", "- ".repeat(n));
        // The mapping and `b`'s value take two levels.
        assert!(parse(&flow(MAX_DEPTH - 1)).is_ok());
        assert!(parse(&dashes(MAX_DEPTH - 2)).is_ok());
        for text in [
            flow(MAX_DEPTH + 1),
            flow(50_000),
            dashes(MAX_DEPTH + 1),
            dashes(100_000),
        ] {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.line, if text.contains('[') { 2 } else { 3 }, "{e}");
            assert!(e.message.contains("nested deeper"), "{e}");
        }
        let y = parse(&dashes(3)).unwrap();
        let b = y.get("b").unwrap();
        assert_eq!(s(&b.items()[0].items()[0].items()[0]), "x");
    }
}
