//! The parsed document as JSON text, one key or array element per line, and the TOML line of
//! each JSON line (so serde_json's error positions become TOML lines).

use super::tree::{Item, Node, Table};

/// The JSON text and, per JSON line (index 0 = line 1), the TOML line it came from.
pub fn write(root: &Table) -> (String, Vec<usize>) {
    let mut w = Writer {
        out: String::from("{"),
        lines: vec![1],
    };
    w.table(root);
    w.out.push('}');
    (w.out, w.lines)
}

struct Writer {
    out: String,
    lines: Vec<usize>,
}

impl Writer {
    fn new_line(&mut self, toml_line: usize) {
        self.out.push('\n');
        self.lines.push(toml_line);
    }

    fn table(&mut self, t: &Table) {
        for (i, (k, item)) in t.entries.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.new_line(item.line);
            self.string(k);
            self.out.push(':');
            self.item(item);
        }
    }

    fn item(&mut self, item: &Item) {
        match &item.node {
            Node::Str(s) => self.string(s),
            Node::Int(v) => self.out.push_str(&v.to_string()),
            Node::Float(v) => self.out.push_str(&format!("{v:?}")),
            Node::Bool(v) => self.out.push_str(if *v { "true" } else { "false" }),
            Node::Array { items, .. } => {
                self.out.push('[');
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.new_line(e.line);
                    self.item(e);
                }
                self.out.push(']');
            }
            Node::Table(t) => {
                self.out.push('{');
                self.table(t);
                self.out.push('}');
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    self.out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}
