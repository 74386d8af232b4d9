//! Position in the text, whitespace, comments and line ends, and errors that point at a place.

/// A TOML file that does not parse or does not fit the format; line and column are 1-based
/// (column 0: the whole line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for TomlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            0 => write!(f, "line {}: {}", self.line, self.message),
            c => write!(f, "line {} column {c}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for TomlError {}

pub struct Cursor<'a> {
    pub text: &'a str,
    pub pos: usize,
    /// A position already counted and its line: `line()` counts on from there, not from the
    /// start (every value asks for its line).
    counted: std::cell::Cell<(usize, usize)>,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Cursor<'a> {
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Cursor {
            text,
            pos,
            counted: std::cell::Cell::new((0, 1)),
        }
    }

    pub fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// Consumes `s` if the text continues with it.
    pub fn eat(&mut self, s: &str) -> bool {
        let found = self.rest().starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    /// The next character, consumed.
    pub fn next_char(&mut self) -> Option<char> {
        let c = self.rest().chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub fn line(&self) -> usize {
        let (mut from, mut line) = self.counted.get();
        if from > self.pos {
            (from, line) = (0, 1);
        }
        line += self.text.as_bytes()[from..self.pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.counted.set((self.pos, line));
        line
    }

    pub fn err(&self, message: impl Into<String>) -> TomlError {
        let before = &self.text[..self.pos];
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        TomlError {
            line: self.line(),
            column: before[start..].chars().count() + 1,
            message: message.into(),
        }
    }

    pub fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// A newline (LF or CRLF), consumed.
    pub fn eat_newline(&mut self) -> bool {
        self.eat("\n") || self.eat("\r\n")
    }

    /// A `#` comment up to (not including) the line end; control characters are refused.
    pub fn comment(&mut self) -> Result<(), TomlError> {
        if !self.eat("#") {
            return Ok(());
        }
        while let Some(b) = self.peek() {
            if b == b'\n' || (b == b'\r' && self.rest().starts_with("\r\n")) {
                break;
            }
            if is_control(b) {
                return Err(self.err("control character in a comment"));
            }
            self.next_char();
        }
        Ok(())
    }

    /// Spaces, an optional comment, then the end of the line or of the text.
    pub fn line_end(&mut self) -> Result<(), TomlError> {
        self.skip_spaces();
        self.comment()?;
        if self.peek().is_none() || self.eat_newline() {
            Ok(())
        } else {
            Err(self.err("expected the end of the line"))
        }
    }

    /// Spaces, newlines and comments (inside arrays and inline tables).
    pub fn skip_blank(&mut self) -> Result<(), TomlError> {
        loop {
            self.skip_spaces();
            self.comment()?;
            if !self.eat_newline() {
                return Ok(());
            }
        }
    }
}

/// The control characters TOML allows nowhere but as escapes (tab is allowed).
pub fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}
