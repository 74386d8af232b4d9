//! A strict reader of TOML 1.1 for our own file formats (the support matrix, waivers): every
//! value kind but dates and times, which no field takes (a date is written as a string). It
//! refuses what TOML refuses (keys or tables defined twice, dotted keys reopening a table, bad
//! escapes, ...). The document becomes JSON text that serde_json deserializes, so one
//! deserializer per type serves both TOML and JSON files and errors keep the TOML line.
//! A differential test holds it to the `toml` crate (tests/suite/toml_reader.rs).

mod cursor;
mod document;
mod json;
mod number;
mod strings;
mod tree;
mod value;

pub use cursor::TomlError;
pub use document::parse;
pub use tree::{Item, Node, Origin, Table};

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
