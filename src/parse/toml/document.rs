//! The document level of the reader: `[headers]`, `[[arrays of tables]]` and `key = value`
//! lines, built into a [`Table`]. Kept free of serde so that the build script can include it
//! (with the other files of this reader but `mod.rs`) to turn the built-in matrices into JSON.

use super::cursor::{Cursor, TomlError};
use super::tree::{Item, Origin, Table};
use super::value;

/// The document's top-level table.
pub fn parse(text: &str) -> Result<Table, TomlError> {
    let mut c = Cursor::new(text);
    let mut root = Table::new(Origin::Header);
    // The keys of the current `[header]` (re-walked for each key/value line).
    let mut current: Vec<String> = Vec::new();
    loop {
        c.skip_spaces();
        match c.peek() {
            None => return Ok(root),
            Some(b'#') => c.line_end()?,
            Some(b'\n') => c.line_end()?,
            Some(b'\r') => c.line_end()?,
            Some(b'[') => current = header(&mut c, &mut root)?,
            Some(_) => key_value(&mut c, &mut root, &current)?,
        }
    }
}

/// `[a.b]` or `[[a.b]]`: defines the table (or appends the element) and returns its keys.
fn header(c: &mut Cursor, root: &mut Table) -> Result<Vec<String>, TomlError> {
    let line = c.line();
    let start = c.pos;
    let array = c.eat("[[");
    if !array {
        c.eat("[");
    }
    let keys = value::key(c)?;
    if !c.eat(if array { "]]" } else { "]" }) {
        return Err(c.err(if array {
            "expected `]]`"
        } else {
            "expected `]`"
        }));
    }
    c.line_end()?;
    let (last, path) = keys.split_last().expect("a key has a part");
    let defined = path
        .iter()
        .try_fold(root, |t, k| t.header_step(k, line))
        .and_then(|t| {
            if array {
                t.array_table(last, line).map(|_| ())
            } else {
                t.header_table(last, line).map(|_| ())
            }
        });
    defined.map_err(|m| {
        c.pos = start;
        c.err(m)
    })?;
    Ok(keys)
}

/// `key = value` in the current table.
fn key_value(c: &mut Cursor, root: &mut Table, current: &[String]) -> Result<(), TomlError> {
    let line = c.line();
    let start = c.pos;
    let keys = value::key(c)?;
    if !c.eat("=") {
        return Err(c.err("expected `=` after a key"));
    }
    c.skip_spaces();
    let node = value::value(c, 0)?;
    c.line_end()?;
    let mut table = root;
    for k in current {
        table = table
            .header_step(k, line)
            .expect("the header was walked when it was read");
    }
    value::insert(table, &keys, Item { node, line }).map_err(|m| {
        c.pos = start;
        c.err(m)
    })
}
