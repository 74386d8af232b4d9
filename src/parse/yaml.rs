//! The YAML subset that netplan files are written in: block mappings and sequences by
//! indentation, flow collections (`[a, b]`, `{k: v}`, also over several lines), plain, single-
//! and double-quoted scalars, literal and folded block scalars, `#` comments, one document.
//! Anchors and aliases are refused with an error naming the line rather than misread. A
//! general YAML crate would bring far more than netplan's files need (see Cargo.toml notes).

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
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
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

/// Parses one document.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let no = idx + 1;
        let body = strip_comment(raw).trim_end();
        let content = body.trim_start_matches(' ');
        if content.is_empty() {
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
            if lines.iter().any(|l: &Line| l.indent != usize::MAX) {
                if content == "..." {
                    break;
                }
                return err(no, "only one YAML document per file is supported");
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
    let mut p = Parser { lines, pos: 0 };
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
}

fn is_seq_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Finds the `:` that ends a mapping key (followed by a blank or the end), outside quotes
/// and brackets.
fn key_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut single, mut double, mut depth) = (false, false, 0i32);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
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
        let (no, text) = (l.no, l.text.clone());
        if is_seq_item(&text) {
            self.sequence(indent)
        } else if key_colon(&text).is_some() && !text.starts_with('[') && !text.starts_with('{') {
            self.mapping(indent)
        } else {
            self.pos += 1;
            self.inline_value(&text, no, indent)
        }
    }

    fn sequence(&mut self, indent: usize) -> Result<Node, YamlError> {
        let start = self.lines[self.pos].no;
        let mut items = Vec::new();
        while let Some(l) = self.peek() {
            if l.indent != indent || !is_seq_item(&l.text) {
                break;
            }
            let rest = l.text[1..].trim_start_matches(' ').to_string();
            let no = l.no;
            if rest.is_empty() {
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
                let col = indent + (l.text.len() - rest.len());
                let cur = self.pos;
                self.lines[cur].indent = col;
                self.lines[cur].text = rest;
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
        if value.starts_with('&') || value.starts_with('*') {
            return err(no, "anchors and aliases are not supported");
        }
        if value.starts_with('|') || value.starts_with('>') {
            return Ok(Node {
                line: no,
                kind: Kind::Str(self.block_scalar(value.starts_with('>'), indent)),
            });
        }
        if value.starts_with('[') || value.starts_with('{') {
            let mut text = value.to_string();
            while !balanced(&text) {
                let Some(next) = self.lines.get(self.pos) else {
                    return err(no, "unterminated flow collection");
                };
                text.push(' ');
                text.push_str(&next.text);
                self.pos += 1;
            }
            let mut f = Flow {
                s: text.as_bytes(),
                i: 0,
                line: no,
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

/// Whether every bracket opened outside quotes is closed.
fn balanced(s: &str) -> bool {
    let (mut single, mut double, mut depth) = (false, false, 0i32);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'\\' if double => i += 1,
            b'[' | b'{' if !single && !double => depth += 1,
            b']' | b'}' if !single && !double => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    depth <= 0 && !single && !double
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
}

impl Flow<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Node, YamlError> {
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
            Some(b'&' | b'*') => err(line, "anchors and aliases are not supported"),
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
                    let e = self.s.get(self.i + 1).copied();
                    let c = match e {
                        Some(b'n') => b'\n',
                        Some(b't') => b'\t',
                        Some(b'r') => b'\r',
                        Some(b'0') => 0,
                        Some(c @ (b'"' | b'\\' | b'/' | b' ')) => c,
                        _ => return err(self.line, "unsupported escape in double-quoted scalar"),
                    };
                    out.push(c);
                    self.i += 2;
                }
                Some(c) => {
                    out.push(*c);
                    self.i += 1;
                }
            }
        }
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

    /// What is outside the subset is an error with a line, never a wrong tree.
    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("a: &x 1\nb: *x\n").unwrap_err().line, 1);
        assert_eq!(parse("a:\n\tb: 1\n").unwrap_err().line, 2);
        assert_eq!(parse("a: 1\n   b: 2\n").unwrap_err().line, 2);
        assert_eq!(parse("a: [1, 2\n").unwrap_err().line, 1);
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
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
}
