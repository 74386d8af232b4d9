//! GLib's key files (GKeyFile), as NetworkManager loads its keyfile profiles with them. The
//! rules, checked against libnm through python3-gi (tests/suite/nm_keyfile.rs):
//! - blanks before a line are skipped; `#` starts a comment, `;` does not;
//! - `[name]` opens a group (blanks after `]` allowed, a name with `[`, `]` or control
//!   characters, or an empty one, is an error); a group seen twice is one group;
//! - any other line must be `key=value` with a non-empty key before `=`; blanks before `=` and
//!   after it are dropped, blanks at the end of the value are kept;
//! - a key repeated in a group keeps its last value;
//! - a key before the first group, or any other line, makes the whole file unreadable.

/// One key's value and the line that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub line: usize,
    pub raw: String,
}

/// A key file: groups in first-seen order, keys in first-seen order with their last value.
#[derive(Debug, Clone, Default)]
pub struct KeyFile {
    groups: Vec<(String, Vec<(String, Value)>)>,
}

/// Why GKeyFile refuses a file: the line and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A group name GKeyFile accepts: not empty, no brackets, no control characters.
fn group_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c == '[' || c == ']' || c.is_control())
}

/// A key name GKeyFile accepts: not empty, no `]`, no blank at either end, and `[` only to
/// open a locale suffix (`name[de_DE]`) that ends the key.
fn key_name_ok(key: &str) -> bool {
    if key.is_empty() || key.starts_with(' ') || key.ends_with(' ') {
        return false;
    }
    match key.split_once('[') {
        None => !key.contains(']'),
        Some((base, locale)) => {
            !base.is_empty()
                && !base.contains(']')
                && locale
                    .strip_suffix(']')
                    .is_some_and(|l| l.chars().all(|c| c.is_alphanumeric() || "-_.@".contains(c)))
        }
    }
}

impl KeyFile {
    /// Reads a key file as `g_key_file_load_from_data` does.
    pub fn parse(text: &str) -> Result<KeyFile, SyntaxError> {
        let mut kf = KeyFile::default();
        let mut current: Option<usize> = None;
        for (idx, raw) in text.split('\n').enumerate() {
            let line = idx + 1;
            let l = raw.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let err = |message: String| SyntaxError { line, message };
            if let Some(rest) = l.strip_prefix('[')
                && let Some((name, after)) = rest.split_once(']')
                && after.trim_matches([' ', '\t']).is_empty()
            {
                if !group_name_ok(name) {
                    return Err(err(format!("invalid group name '{name}'")));
                }
                current = Some(kf.group_index(name));
                continue;
            }
            let Some((key, value)) = l.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                return Err(err(format!(
                    "'{l}' is not a key=value pair, a group or a comment"
                )));
            };
            let key = key.trim_end_matches(|c: char| c.is_ascii_whitespace());
            if !key_name_ok(key) {
                return Err(err(format!("invalid key name '{key}'")));
            }
            let Some(g) = current else {
                return Err(err("a key before the first [group]".into()));
            };
            let raw = value.trim_start_matches(|c: char| c.is_ascii_whitespace());
            kf.set(
                g,
                key,
                Value {
                    line,
                    raw: raw.to_string(),
                },
            );
        }
        Ok(kf)
    }

    fn group_index(&mut self, name: &str) -> usize {
        match self.groups.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.groups.push((name.to_string(), Vec::new()));
                self.groups.len() - 1
            }
        }
    }

    fn set(&mut self, group: usize, key: &str, v: Value) {
        let keys = &mut self.groups[group].1;
        match keys.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = v,
            None => keys.push((key.to_string(), v)),
        }
    }

    /// Whether the file has this group.
    pub fn has_group(&self, group: &str) -> bool {
        self.groups.iter().any(|(n, _)| n == group)
    }

    /// The keys of a group with their values, in first-seen order.
    pub fn keys(&self, group: &str) -> &[(String, Value)] {
        self.groups
            .iter()
            .find(|(n, _)| n == group)
            .map(|(_, k)| k.as_slice())
            .unwrap_or(&[])
    }

    /// The raw value of a key.
    pub fn value(&self, group: &str, key: &str) -> Option<&Value> {
        self.keys(group)
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// A key's value as a string (`g_key_file_get_string`): escapes `\s \n \t \r \\`
    /// replaced; `None` when the key is missing or holds another escape.
    pub fn string(&self, group: &str, key: &str) -> Option<String> {
        unescape(&self.value(group, key)?.raw)
    }

    /// A key's value as a GLib boolean (`g_key_file_get_boolean`): `true`/`1` or `false`/`0`
    /// exactly, blanks after it allowed. `None` when missing or anything else (`no`, `True`).
    pub fn boolean(&self, group: &str, key: &str) -> Option<bool> {
        match self.value(group, key)?.raw.trim_end_matches([' ', '\t']) {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
}

/// GKeyFile's string escapes; `None` for an escape it does not know.
pub fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            's' => ' ',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '\\' => '\\',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups merge, the last value of a key wins at the line that set it, blanks around `=`
    /// go but blanks at the end of a value stay.
    #[test]
    fn groups_keys_and_blanks() {
        let kf =
            KeyFile::parse("# c\n\n  [a]\nk = v \nk=w\n[b]  \nx=1\n[a]\nk=last\nid[de]=Name\n")
                .unwrap();
        assert_eq!(kf.value("a", "k").unwrap().raw, "last");
        assert_eq!(kf.value("a", "k").unwrap().line, 9);
        assert_eq!(kf.keys("a").len(), 2);
        assert_eq!(kf.boolean("b", "x"), Some(true));
        let kf = KeyFile::parse("[a]\nk = v \n").unwrap();
        assert_eq!(kf.value("a", "k").unwrap().raw, "v ");
    }

    /// Lines GKeyFile refuses make the whole file unreadable, with the line.
    #[test]
    fn refusals() {
        for (text, line) in [
            ("[a]\ngarbage\n", 2),
            ("[a]\n=v\n", 2),
            ("[a]\n; no comment\n", 2),
            ("k=v\n[a]\n", 1),
            ("[a]\n[]\n", 2),
            ("[a]\n[b]x\n", 2),
            ("[a]\n[i[b]\n", 2),
            ("[a]\na]b=1\n", 2),
        ] {
            assert_eq!(KeyFile::parse(text).unwrap_err().line, line, "{text:?}");
        }
    }

    /// Booleans are GLib's; strings lose their escapes, an unknown escape is no value.
    #[test]
    fn booleans_and_escapes() {
        let kf = KeyFile::parse("[a]\nt=true  \nn=no\nu=True\nz=0\ns=a\\sb\nq=a\\qb\n").unwrap();
        assert_eq!(kf.boolean("a", "t"), Some(true));
        assert_eq!(kf.boolean("a", "n"), None);
        assert_eq!(kf.boolean("a", "u"), None);
        assert_eq!(kf.boolean("a", "z"), Some(false));
        assert_eq!(kf.string("a", "s").as_deref(), Some("a b"));
        assert_eq!(kf.string("a", "q"), None);
    }
}
