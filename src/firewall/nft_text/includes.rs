//! `include "PATTERN"`: the caller resolves the pattern to files (it knows the root and how
//! nft matches wildcards); this side bounds how many files and how deep.

use super::ParseError;
use super::doc::Doc;
use super::parser::parse_file;

/// Reads an included file: the pattern as written, to the files it names with their text.
pub type Includer<'a> = &'a dyn Fn(&str) -> Result<Vec<(String, String)>, String>;

/// The most files `include` may bring into one document. nft reads every path of the include
/// graph, so files that include their own directory multiply; real rule sets include a few.
pub const MAX_INCLUDED_FILES: usize = 256;

/// How deep includes may nest (a file that includes itself stops here).
pub(super) const MAX_INCLUDE_DEPTH: usize = 16;

/// Parses, in order, the files `pattern` names, included from `name` at `line`, `depth` deep.
pub(super) fn include_files(
    doc: &mut Doc,
    name: &str,
    line: usize,
    pattern: &str,
    include: Includer<'_>,
    depth: usize,
) -> Result<(), ParseError> {
    let err = |message: String| ParseError {
        file: name.to_string(),
        line,
        message,
    };
    let files = include(pattern).map_err(err)?;
    for (fname, ftext) in files {
        if doc.includes_left == 0 {
            return Err(err(format!(
                "include brings in more than {MAX_INCLUDED_FILES} files"
            )));
        }
        doc.includes_left -= 1;
        parse_file(doc, &fname, &ftext, include, depth + 1)?;
    }
    Ok(())
}
