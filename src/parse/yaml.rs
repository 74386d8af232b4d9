//! YAML as netplan reads it, through saphyr-parser's event stream (a maintained YAML 1.2
//! parser that keeps line numbers), built into a small tree with the line of every node: the
//! first document of a file only (netplan reads only that one), anchors and aliases resolved
//! as libyaml's loader resolves them (an alias is a copy of the anchored node), mapping keys
//! kept in file order with duplicates (netplan processes both).
//! Hostile files are bounded here, from the events: nesting deeper than MAX_DEPTH and alias
//! copies beyond a budget end the parse with an error naming the line. The crate's own scanner
//! is iterative (no recursion per level; tests/suite/hostile.rs has the large cases).

use saphyr_parser::{Event, Marker, Parser, ScanError};
use std::collections::HashMap;
use std::fmt;

/// A node, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub line: usize,
    /// The line of the mapping key this node is the value of (where netplan reports an
    /// unknown key); its own line when it is no mapping value.
    pub key_line: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Entries in file order; duplicate keys are kept (readers take the last).
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    Str(String),
    /// An empty document (no value in the file at all).
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

/// Text netplan's YAML loader would refuse, with its line.
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

/// How deep collections may nest (aliases included). netplan files nest a handful of levels;
/// the limit keeps a hostile file (50,000 `[`) from building a tree whose drop or merge
/// overflows the stack.
pub const MAX_DEPTH: usize = 256;

/// How many nodes anchors and aliases may copy in one file: aliases of aliases doubling
/// ("billion laughs") stop here; real files copy a few dozen.
const COPY_BUDGET: usize = 1_000_000;

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, YamlError> {
    Err(YamlError {
        line,
        message: message.into(),
    })
}

/// A finished node with what the limits need: its height and its number of nodes.
struct Built {
    node: Node,
    height: usize,
    size: usize,
}

/// A collection being filled.
struct Open {
    node: Node,
    anchor: usize,
    /// A mapping's key waiting for its value, and its line.
    key: Option<(String, usize)>,
    height: usize,
    size: usize,
}

#[derive(Default)]
struct Builder {
    open: Vec<Open>,
    anchors: HashMap<usize, (Node, usize, usize)>,
    copied: usize,
    root: Option<Node>,
}

impl Builder {
    fn start(&mut self, kind: Kind, anchor: usize, line: usize) -> Result<(), YamlError> {
        if self.open.len() >= MAX_DEPTH {
            return err(
                line,
                format!("collections nested deeper than {MAX_DEPTH} levels"),
            );
        }
        self.open.push(Open {
            node: Node {
                line,
                key_line: line,
                kind,
            },
            anchor,
            key: None,
            height: 0,
            size: 1,
        });
        Ok(())
    }

    fn end(&mut self) -> Result<(), YamlError> {
        let o = self
            .open
            .pop()
            .expect("the parser ends only what it started");
        let built = Built {
            node: o.node,
            height: o.height + 1,
            size: o.size,
        };
        self.finish(built, o.anchor)
    }

    /// A node is complete: remember it under its anchor, then place it.
    fn finish(&mut self, b: Built, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.charge(b.size, b.node.line)?;
            self.anchors
                .insert(anchor, (b.node.clone(), b.height, b.size));
        }
        self.place(b)
    }

    fn alias(&mut self, id: usize, line: usize) -> Result<(), YamlError> {
        let Some((node, height, size)) = self.anchors.get(&id) else {
            return err(line, "alias of no anchor");
        };
        let (height, size) = (*height, *size);
        if self.open.len() + height > MAX_DEPTH {
            return err(
                line,
                format!("an alias nests deeper than {MAX_DEPTH} levels"),
            );
        }
        // The copy keeps the anchored node's lines, as libyaml's copy keeps its marks.
        let node = node.clone();
        self.charge(size, line)?;
        self.place(Built { node, height, size })
    }

    fn charge(&mut self, size: usize, line: usize) -> Result<(), YamlError> {
        self.copied += size;
        if self.copied > COPY_BUDGET {
            return err(line, format!("aliases copy more than {COPY_BUDGET} nodes"));
        }
        Ok(())
    }

    /// Puts a node into the innermost open collection (as a key, a value or an item).
    fn place(&mut self, b: Built) -> Result<(), YamlError> {
        let Some(parent) = self.open.last_mut() else {
            self.root = Some(b.node);
            return Ok(());
        };
        parent.height = parent.height.max(b.height);
        parent.size += b.size;
        match &mut parent.node.kind {
            Kind::Seq(items) => items.push(b.node),
            Kind::Map(entries) => match parent.key.take() {
                Some((key, key_line)) => {
                    let mut value = b.node;
                    value.key_line = key_line;
                    entries.push((key, value))
                }
                None => match b.node.kind {
                    Kind::Str(key) => parent.key = Some((key, b.node.line)),
                    _ => return err(b.node.line, "a mapping key that is not a scalar"),
                },
            },
            _ => unreachable!("only collections are open"),
        }
        Ok(())
    }
}

/// Parses the first document.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| scan_error(&b, &e, text))?;
        let line = span.start.line();
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::SequenceStart(anchor, _) => b.start(Kind::Seq(Vec::new()), anchor, line)?,
            Event::MappingStart(anchor, _) => b.start(Kind::Map(Vec::new()), anchor, line)?,
            Event::SequenceEnd | Event::MappingEnd => b.end()?,
            Event::Alias(id) => b.alias(id, line)?,
            Event::Scalar(value, _style, anchor, _tag) => {
                // libyaml's loader, which netplan uses, resolves no tags: `~`, `null` and an
                // empty value are the scalars they spell, and netplan judges them as such
                // (`dhcp4: ~` is an invalid boolean, `mtu:` the number 0).
                let node = Node {
                    line,
                    key_line: line,
                    kind: Kind::Str(value.into_owned()),
                };
                b.finish(
                    Built {
                        node,
                        height: 0,
                        size: 1,
                    },
                    anchor,
                )?;
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
        }
    }
    Ok(b.root.unwrap_or(Node {
        line: 1,
        key_line: 1,
        kind: Kind::Null,
    }))
}

/// The crate's error with its line. An error at the end of the file inside an open collection
/// (an unterminated `[`) is named by the line that opened it, where the fix is.
fn scan_error(b: &Builder, e: &ScanError, text: &str) -> YamlError {
    let at = e.marker().line();
    let info = match e.info() {
        // The crate's own bound on flow nesting (255 levels).
        "recursion limit exceeded" => "flow collections nested deeper than 255 levels".into(),
        "while parsing node, found unknown anchor" => alias_name(text, e.marker()),
        info => info.to_string(),
    };
    let at_end = e.marker().index() >= text.chars().count();
    match b.open.last() {
        Some(o) if at_end && o.node.line < at => YamlError {
            line: o.node.line,
            message: format!(
                "the collection opened here is not closed at the end (line {at}): {info}"
            ),
        },
        _ => YamlError {
            line: at,
            message: info,
        },
    }
}

/// `alias *NAME of no anchor`, the name read at the error's position.
fn alias_name(text: &str, at: &Marker) -> String {
    let line = text.lines().nth(at.line().saturating_sub(1)).unwrap_or("");
    let name: String = line
        .chars()
        .skip(at.col())
        .take(200)
        .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
        .collect();
    format!("alias {name} of no anchor")
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
        // The copy is the anchored node; only the line of the key it is under differs.
        assert_eq!(d.get("eth0").unwrap().kind, d.get("base").unwrap().kind);
        assert_eq!(d.get("eth0").unwrap().key_line, 4);
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
        // Two anchors on one node: netplan refuses the file ("inconsistent indentation"), and
        // so does the parser, also for a million of them on one 3 MB line.
        assert_eq!(parse("a: 1\nk: &a &b v\n").unwrap_err().line, 2);
        let many = "&a ".repeat(1_000_000);
        assert!(parse(&format!("k: {many}v\n")).is_err());
        assert!(parse(&format!("- {many}v\n")).is_err());
        // An alias of no anchor is named.
        let e = parse("a: 1\nb: [x, *nothing]\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: alias *nothing of no anchor");
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

    /// Empty files (the only null), document markers, null-like scalars and `#` inside values.
    #[test]
    fn small_things() {
        assert_eq!(parse("").unwrap().kind, Kind::Null);
        assert_eq!(parse("# only a comment\n").unwrap().kind, Kind::Null);
        let y = parse("---\na: ~\nb:\nc: x#y\nd: 'it''s'\ne: \"q\\\"\"\n...\n").unwrap();
        // Unresolved, as libyaml's loader leaves them for netplan.
        assert_eq!(s(y.get("a").unwrap()), "~");
        assert_eq!(s(y.get("b").unwrap()), "");
        assert_eq!(s(y.get("c").unwrap()), "x#y");
        assert_eq!(s(y.get("d").unwrap()), "it's");
        assert_eq!(s(y.get("e").unwrap()), "q\"");
    }

    /// Block scalars keep their text and end at the first less-indented line.
    #[test]
    fn block_scalars() {
        let y = parse("a: |\n  one\n  two\nb: 2\n").unwrap();
        // `|` keeps the last line break (clip chomping).
        assert_eq!(s(y.get("a").unwrap()), "one\ntwo\n");
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
            assert!(e.message.contains("nested deeper than 25"), "{e}");
        }
        let y = parse(&dashes(3)).unwrap();
        let b = y.get("b").unwrap();
        assert_eq!(s(&b.items()[0].items()[0].items()[0]), "x");
    }
}
