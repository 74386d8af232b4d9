//! Turning bytes from the inspected system into text that is safe to show: invalid UTF-8 keeps
//! its bytes as `\xNN`, and characters that could fool a terminal (controls, bidirectional
//! overrides, zero-width characters) are shown as escapes instead of being interpreted.

use std::fmt::Write;

/// Whether a character must not reach a terminal as itself.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'              // zero-width no-break space
            | '\u{061C}'              // Arabic letter mark
        )
}

fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
    }
}

/// Bytes (a file name, a path) as display text: valid UTF-8 kept, invalid bytes as `\xNN`,
/// backslashes doubled so that the escapes are unambiguous, deceptive characters escaped.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else if is_deceptive(c) {
                push_escaped_char(&mut out, c);
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Whether a byte is printable ASCII (0x20 space to 0x7E tilde), the only bytes the "English
/// only" names requirement allows: controls (tab and newline included), DEL and every byte of
/// 0x80 and above offend, whether or not they are valid UTF-8.
#[inline]
pub fn is_allowed_byte(b: u8) -> bool {
    b.wrapping_sub(0x20) < 0x5f
}

/// Whether a name or path consists of allowed bytes only.
#[inline]
pub fn is_ascii_name(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| is_allowed_byte(b))
}

/// Text bound for a terminal: deceptive characters escaped, everything else unchanged.
pub fn sanitize_terminal(s: &str) -> String {
    if !s.chars().any(is_deceptive) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_deceptive(c) {
            push_escaped_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin-1 bytes survive as escapes instead of being replaced or dropped.
    #[test]
    fn invalid_utf8_keeps_its_bytes() {
        assert_eq!(escape_bytes(b"caf\xe9"), "caf\\xe9");
        assert_eq!(escape_bytes("café".as_bytes()), "café");
        assert_eq!(escape_bytes(b"a\\b"), "a\\\\b");
    }

    /// The allowed set is exactly 0x20..=0x7E: its two edges pass, their neighbours offend.
    #[test]
    fn allowed_bytes_are_printable_ascii() {
        let allowed: Vec<u8> = (0u8..=255).filter(|&b| is_allowed_byte(b)).collect();
        assert_eq!(allowed, (0x20u8..=0x7e).collect::<Vec<u8>>());
        assert!(is_ascii_name(b"NetLock_Arany_=Class_Gold= ~"));
        for bad in [
            &b"tab\there"[..],
            b"new\nline",
            b"del\x7f",
            "F\u{151}".as_bytes(),
            b"caf\xe9",
        ] {
            assert!(!is_ascii_name(bad), "{bad:?}");
        }
    }

    /// Escape sequences, newlines and bidi overrides cannot reach the terminal raw.
    #[test]
    fn terminal_hostile_characters_are_escaped() {
        assert_eq!(escape_bytes(b"\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(sanitize_terminal("a\nb\u{202E}c"), "a\\nb\\u{202e}c");
        assert_eq!(sanitize_terminal("zero\u{200B}width"), "zero\\u{200b}width");
        assert_eq!(sanitize_terminal("plain"), "plain");
    }
}
