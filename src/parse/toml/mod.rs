//! A strict reader of TOML 1.1 for our own file formats (the support matrix, waivers): every
//! value kind but dates and times, which no field takes (a date is written as a string). It
//! refuses what TOML refuses (keys or tables defined twice, dotted keys reopening a table, bad
//! escapes, ...). The document becomes JSON text that serde_json deserializes, so one
//! deserializer per type serves both TOML and JSON files and errors keep the TOML line.
//! A differential test holds it to the `toml` crate (tests/suite/toml_reader.rs).

mod cursor;
mod json;
mod number;
mod strings;
mod tree;
mod value;

use cursor::Cursor;
pub use cursor::TomlError;
pub use tree::{Item, Node, Origin, Table};

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

/// Parses `text` and deserializes it into `T`; an error names the line of the key or value.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TomlError> {
    let root = parse(text)?;
    let (json, lines) = json::write(&root);
    serde_json::from_str(&json).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        TomlError {
            line: lines.get(e.line().saturating_sub(1)).copied().unwrap_or(1),
            column: 0,
            message: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
        }
    })
}
