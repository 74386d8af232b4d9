//! Tokens of the nftables text format: words, quoted strings, braces and separators, each with
//! its line; comments and line continuations are dropped here.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Semi,
    Comma,
    Colon,
    Newline,
}

#[derive(Debug, Clone)]
pub(super) struct T {
    pub(super) tok: Tok,
    pub(super) line: usize,
}

pub(super) fn tokenize(text: &str) -> Result<Vec<T>, (usize, String)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                flush(&mut word, &mut out, line);
                // A comment runs to the end of the line, which still ends the statement.
                if chars.by_ref().any(|n| n == '\n') {
                    out.push(T {
                        tok: Tok::Newline,
                        line,
                    });
                    line += 1;
                }
            }
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
                line += 1;
                flush(&mut word, &mut out, line);
            }
            '"' => {
                flush(&mut word, &mut out, line);
                let s = quoted(&mut chars, &mut line)?;
                out.push(T {
                    tok: Tok::Str(s),
                    line,
                });
            }
            '\n' => {
                flush(&mut word, &mut out, line);
                out.push(T {
                    tok: Tok::Newline,
                    line,
                });
                line += 1;
            }
            ' ' | '\t' | '\r' => flush(&mut word, &mut out, line),
            '{' | '}' | ';' | ',' | '(' | ')' | '&' | '|' => {
                flush(&mut word, &mut out, line);
                out.push(T {
                    tok: match c {
                        '{' => Tok::Open,
                        '}' => Tok::Close,
                        ';' => Tok::Semi,
                        ',' => Tok::Comma,
                        other => Tok::Word(other.to_string()),
                    },
                    line,
                });
            }
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out, line);
    Ok(out)
}

/// The rest of a quoted string, after its opening quote; it may span lines.
fn quoted(
    chars: &mut impl Iterator<Item = char>,
    line: &mut usize,
) -> Result<String, (usize, String)> {
    let mut s = String::new();
    loop {
        match chars.next() {
            None => return Err((*line, "unterminated string".into())),
            Some('"') => return Ok(s),
            Some('\n') => {
                *line += 1;
                s.push('\n');
            }
            Some(x) => s.push(x),
        }
    }
}

/// Ends the word being read, if any.
fn flush(word: &mut String, out: &mut Vec<T>, line: usize) {
    if word.is_empty() {
        return;
    }
    // `22:` in `{ 22: accept }` is a value and a colon.
    let w = std::mem::take(word);
    match w.strip_suffix(':') {
        Some(v) if !v.is_empty() && !v.contains(':') => {
            out.push(T {
                tok: Tok::Word(v.to_string()),
                line,
            });
            out.push(T {
                tok: Tok::Colon,
                line,
            });
        }
        _ if w == ":" => out.push(T {
            tok: Tok::Colon,
            line,
        }),
        _ => out.push(T {
            tok: Tok::Word(w),
            line,
        }),
    }
}
