//! systemd unit files and drop-ins (systemd.syntax(7)): `[Section]` headers, `Key=Value` lines,
//! `#` and `;` comments, a trailing backslash continuing a value on the next line. Only what the
//! service checks need is interpreted (dependency lists, `[Install]` aliases, socket settings);
//! every assignment is kept in order with its line number.

/// One `Key=Value` assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub section: String,
    pub key: String,
    pub value: String,
}

/// A parsed unit file or drop-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFile {
    pub entries: Vec<Entry>,
}

impl UnitFile {
    /// Every value of `key` in `section`, in file order.
    pub fn values<'a>(&'a self, section: &str, key: &str) -> impl Iterator<Item = &'a str> {
        let (section, key) = (section.to_string(), key.to_string());
        self.entries
            .iter()
            .filter(move |e| e.section == section && e.key == key)
            .map(|e| e.value.as_str())
    }

    /// The last value of `key` in `section` (later assignments override earlier ones).
    pub fn last(&self, section: &str, key: &str) -> Option<&str> {
        self.values(section, key).last()
    }

    /// A space-separated list setting (`Wants=`, `Alias=`, `WantedBy=`...): all words of all
    /// assignments; an empty assignment clears what came before, as systemd does for lists.
    pub fn list(&self, section: &str, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.values(section, key) {
            if v.trim().is_empty() {
                out.clear();
            }
            out.extend(v.split_whitespace().map(str::to_string));
        }
        out
    }
}

/// Parses a unit file. Lines outside any section and lines without `=` are ignored, as systemd
/// ignores them with a warning.
pub fn parse(text: &str) -> UnitFile {
    let mut entries = Vec::new();
    let mut section = String::new();
    let mut lines = text.lines().enumerate();
    while let Some((idx, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
            }
            continue;
        }
        // A trailing backslash joins the next line with a space; comment lines in between are
        // skipped, as in systemd.syntax(7).
        let mut joined = line.to_string();
        while joined.ends_with('\\') {
            joined.pop();
            joined.push(' ');
            match lines.next() {
                Some((_, next)) => {
                    let next = next.trim();
                    if next.starts_with('#') || next.starts_with(';') {
                        joined.push('\\');
                        continue;
                    }
                    joined.push_str(next);
                }
                None => break,
            }
        }
        let Some((key, value)) = joined.split_once('=') else {
            continue;
        };
        if section.is_empty() {
            continue;
        }
        entries.push(Entry {
            line: idx + 1,
            section: section.clone(),
            key: key.trim().to_string(),
            value: value.trim().to_string(),
        });
    }
    UnitFile { entries }
}

/// Whether a systemd boolean setting is true (`yes`, `true`, `on`, `1`).
pub fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "yes" | "y" | "true" | "t" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian's ssh.service: the alias and the wanted-by target are read from [Install].
    #[test]
    fn debian_ssh_service() {
        let u = parse(
            "[Unit]\nDescription=OpenBSD Secure Shell server\nAfter=network.target auditd.service\n\n[Service]\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n",
        );
        assert_eq!(u.list("Install", "Alias"), vec!["sshd.service"]);
        assert_eq!(u.list("Install", "WantedBy"), vec!["multi-user.target"]);
        assert_eq!(
            u.list("Unit", "After"),
            vec!["network.target", "auditd.service"]
        );
        assert_eq!(u.entries[0].line, 2);
    }

    /// Lists accumulate across assignments, and an empty assignment resets them.
    #[test]
    fn lists_accumulate_and_reset() {
        let u = parse("[Unit]\nWants=a.service\nWants=b.service c.service\n");
        assert_eq!(
            u.list("Unit", "Wants"),
            vec!["a.service", "b.service", "c.service"]
        );
        let u = parse("[Unit]\nWants=a.service\nWants=\nWants=d.service\n");
        assert_eq!(u.list("Unit", "Wants"), vec!["d.service"]);
    }

    /// Comments, continuation lines and entries before any section.
    #[test]
    fn comments_continuations_and_stray_lines() {
        let u = parse(
            "Orphan=1\n# comment\n; other comment\n[Socket]\nListenStream=22 \\\n  # inner comment\n  2222\nAccept = yes\nnot an assignment\n",
        );
        assert!(u.last("", "Orphan").is_none());
        assert_eq!(u.last("Socket", "ListenStream"), Some("22   2222"));
        assert!(is_true(u.last("Socket", "Accept").unwrap()));
        assert!(!is_true("no"));
    }

    /// The last assignment of a single-valued setting wins.
    #[test]
    fn last_value_wins() {
        let u = parse("[Socket]\nAccept=yes\nAccept=no\n");
        assert_eq!(u.last("Socket", "Accept"), Some("no"));
    }
}
