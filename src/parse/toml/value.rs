//! Keys and values: strings, bare values, arrays and inline tables.

use super::cursor::{Cursor, TomlError};
use super::number;
use super::strings::string;
use super::tree::{Item, Node, Origin, Table};

/// Arrays and inline tables nest at most this deep (the parser recurses).
const MAX_DEPTH: usize = 128;

/// A key: one or more simple keys joined by dots.
pub fn key(c: &mut Cursor) -> Result<Vec<String>, TomlError> {
    let mut parts = Vec::new();
    loop {
        c.skip_spaces();
        parts.push(simple_key(c)?);
        c.skip_spaces();
        if !c.eat(".") {
            return Ok(parts);
        }
    }
}

fn simple_key(c: &mut Cursor) -> Result<String, TomlError> {
    match c.peek() {
        Some(b'"' | b'\'') => {
            if c.rest().starts_with("\"\"\"") || c.rest().starts_with("'''") {
                return Err(c.err("a key cannot be a multi-line string"));
            }
            string(c)
        }
        _ => {
            let len = c
                .rest()
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                .count();
            if len == 0 {
                return Err(c.err("expected a key"));
            }
            c.pos += len;
            Ok(c.text[c.pos - len..c.pos].to_string())
        }
    }
}

/// Sets a dotted key's value in `table`, making the tables its leading parts name.
pub fn insert(table: &mut Table, keys: &[String], item: Item) -> Result<(), String> {
    let (last, path) = keys.split_last().expect("a key has a part");
    let mut t = table;
    for k in path {
        t = t.dotted_child(k, item.line)?;
    }
    t.insert(last, item)
}

/// The value starting at the cursor.
pub fn value(c: &mut Cursor, depth: usize) -> Result<Node, TomlError> {
    if depth > MAX_DEPTH {
        return Err(c.err(format!(
            "arrays and inline tables nest deeper than {MAX_DEPTH}"
        )));
    }
    match c.peek() {
        Some(b'"' | b'\'') => string(c).map(Node::Str),
        Some(b'[') => array(c, depth),
        Some(b'{') => inline_table(c, depth),
        _ => {
            let len = c
                .rest()
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || b"_+-.:".contains(b))
                .count();
            if len == 0 {
                return Err(c.err("expected a value"));
            }
            let node = number::bare(&c.rest()[..len]).map_err(|m| c.err(m))?;
            c.pos += len;
            Ok(node)
        }
    }
}

fn array(c: &mut Cursor, depth: usize) -> Result<Node, TomlError> {
    c.eat("[");
    let mut items = Vec::new();
    loop {
        c.skip_blank()?;
        if c.eat("]") {
            break;
        }
        let line = c.line();
        items.push(Item {
            node: value(c, depth + 1)?,
            line,
        });
        c.skip_blank()?;
        if !c.eat(",") {
            c.skip_blank()?;
            if !c.eat("]") {
                return Err(c.err("expected `,` or `]` in an array"));
            }
            break;
        }
    }
    Ok(Node::Array {
        items,
        of_tables: false,
    })
}

fn inline_table(c: &mut Cursor, depth: usize) -> Result<Node, TomlError> {
    c.eat("{");
    let mut table = Table::new(Origin::Inline);
    loop {
        c.skip_blank()?;
        if c.eat("}") {
            break;
        }
        let line = c.line();
        let start = c.pos;
        let keys = key(c)?;
        if !c.eat("=") {
            return Err(c.err("expected `=` after a key"));
        }
        c.skip_spaces();
        let node = value(c, depth + 1)?;
        insert(&mut table, &keys, Item { node, line }).map_err(|m| {
            c.pos = start;
            c.err(m)
        })?;
        c.skip_blank()?;
        if !c.eat(",") {
            if !c.eat("}") {
                return Err(c.err("expected `,` or `}` in an inline table"));
            }
            break;
        }
    }
    table.close();
    Ok(Node::Table(table))
}
