//! TOML's four kinds of string: basic `"..."` (with escapes), literal `'...'`, and the
//! multi-line form of each.

use super::cursor::{Cursor, TomlError, is_control};

/// A string starting at the cursor (on its opening quote).
pub fn string(c: &mut Cursor) -> Result<String, TomlError> {
    if c.eat("\"\"\"") {
        multi_line(c, '"')
    } else if c.eat("'''") {
        multi_line(c, '\'')
    } else if c.eat("\"") {
        single_line(c, '"')
    } else if c.eat("'") {
        single_line(c, '\'')
    } else {
        Err(c.err("expected a string"))
    }
}

fn single_line(c: &mut Cursor, quote: char) -> Result<String, TomlError> {
    let mut out = String::new();
    loop {
        let at = c.pos;
        match c.next_char() {
            None => return Err(c.err("unterminated string")),
            Some(q) if q == quote => return Ok(out),
            Some('\\') if quote == '"' => out.push(escape(c)?),
            Some(ch) => {
                if ch.is_ascii() && is_control(ch as u8) {
                    c.pos = at;
                    return Err(c.err("control character or line end in a string"));
                }
                out.push(ch);
            }
        }
    }
}

fn multi_line(c: &mut Cursor, quote: char) -> Result<String, TomlError> {
    c.eat_newline();
    let mut out = String::new();
    let close = if quote == '"' { "\"\"\"" } else { "'''" };
    loop {
        if c.rest().starts_with(close) {
            // Up to two quotes right before the closing three belong to the string.
            let run = c.rest().bytes().take_while(|&b| b == quote as u8).count();
            if run > 5 {
                return Err(c.err("too many quotes at the end of a string"));
            }
            out.extend(std::iter::repeat_n(quote, run - 3));
            c.pos += run;
            return Ok(out);
        }
        if c.eat("\r\n") {
            out.push_str("\r\n");
            continue;
        }
        let at = c.pos;
        match c.next_char() {
            None => return Err(c.err("unterminated string")),
            Some('\\') if quote == '"' => {
                if !line_ending_backslash(c) {
                    out.push(escape(c)?);
                }
            }
            Some(ch) => {
                if ch.is_ascii() && ch != '\n' && is_control(ch as u8) {
                    c.pos = at;
                    return Err(c.err("control character in a string"));
                }
                out.push(ch);
            }
        }
    }
}

/// `\` then spaces up to a line end: the line end and all blank space after it are dropped.
fn line_ending_backslash(c: &mut Cursor) -> bool {
    let start = c.pos;
    c.skip_spaces();
    if !c.eat_newline() {
        c.pos = start;
        return false;
    }
    loop {
        c.skip_spaces();
        if !c.eat_newline() {
            return true;
        }
    }
}

/// The character an escape after `\` stands for.
fn escape(c: &mut Cursor) -> Result<char, TomlError> {
    let ch = match c.next_char() {
        Some('b') => '\u{8}',
        Some('t') => '\t',
        Some('n') => '\n',
        Some('f') => '\u{c}',
        Some('r') => '\r',
        Some('e') => '\u{1b}',
        Some('"') => '"',
        Some('\\') => '\\',
        Some('x') => return hex_escape(c, 2),
        Some('u') => return hex_escape(c, 4),
        Some('U') => return hex_escape(c, 8),
        _ => return Err(c.err("unknown escape in a string")),
    };
    Ok(ch)
}

fn hex_escape(c: &mut Cursor, digits: usize) -> Result<char, TomlError> {
    let hex = c.rest().get(..digits).unwrap_or("");
    if hex.len() != digits || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(c.err(format!("\\x, \\u or \\U needs {digits} hex digits")));
    }
    let ch = u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| c.err("escape is not a Unicode scalar value"))?;
    c.pos += digits;
    Ok(ch)
}
