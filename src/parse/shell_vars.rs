//! `KEY=value` files in the shell-compatible subset used by os-release(5), lsb-release,
//! `/etc/sysconfig/*` and ifcfg files: optional `export`, single or double quotes, backslash
//! escapes inside double quotes, `#` comments. Nothing is ever executed or expanded.

/// One assignment, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// Every well-formed assignment in order; lines that are not assignments are skipped, as
/// os-release(5) tells readers to do.
pub fn parse(text: &str) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .or_else(|| line.strip_prefix("export\t"))
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(value) = unquote(rest) {
            out.push(Assignment {
                line: idx + 1,
                key: key.to_string(),
                value,
            });
        }
    }
    out
}

/// The last value given to `key`, as a shell reading the file would keep.
pub fn get<'a>(vars: &'a [Assignment], key: &str) -> Option<&'a str> {
    vars.iter()
        .rev()
        .find(|a| a.key == key)
        .map(|a| a.value.as_str())
}

/// Shell-like unquoting of a value; `None` for an unterminated quote.
fn unquote(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        c @ ('"' | '\\' | '$' | '`') => out.push(c),
                        '\n' => {}
                        c => {
                            out.push('\\');
                            out.push(c);
                        }
                    },
                    c => out.push(c),
                }
            },
            '\\' => {
                if let Some(c) = chars.next() {
                    out.push(c);
                }
            }
            // An unquoted blank ends the value; what follows is a comment or another word.
            ' ' | '\t' => break,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quoting forms seen in real os-release and sysconfig files.
    #[test]
    fn quoting_forms() {
        let v = parse(
            "NAME=\"CentOS Linux\"\nID='ol'\nVERSION_ID=7\n# c\nexport HTTP_PROXY=\"http://p:3128\"\nPRETTY=\"a \\\"b\\\"\"\nbad line\nTRAIL=x # comment\n",
        );
        assert_eq!(get(&v, "NAME"), Some("CentOS Linux"));
        assert_eq!(get(&v, "ID"), Some("ol"));
        assert_eq!(get(&v, "VERSION_ID"), Some("7"));
        assert_eq!(get(&v, "HTTP_PROXY"), Some("http://p:3128"));
        assert_eq!(get(&v, "PRETTY"), Some("a \"b\""));
        assert_eq!(get(&v, "TRAIL"), Some("x"));
        assert_eq!(v.iter().find(|a| a.key == "ID").unwrap().line, 2);
    }

    /// CRLF endings and an unterminated quote do not corrupt other lines.
    #[test]
    fn crlf_and_unterminated() {
        let v = parse("A=\"1\"\r\nB=\"open\r\nC=3\r\n");
        assert_eq!(get(&v, "A"), Some("1"));
        assert_eq!(get(&v, "B"), None);
        assert_eq!(get(&v, "C"), Some("3"));
    }

    /// The last assignment wins, as in a shell.
    #[test]
    fn last_wins() {
        let v = parse("X=1\nX=2\n");
        assert_eq!(get(&v, "X"), Some("2"));
    }
}
