//! The INI-style configuration files of the Site Recovery Mobility service (`drscout.conf`,
//! `RCMInfo.conf`) and of `/usr/local/.vx_version`: `[section]` headers, `Key = value` or
//! `Key=value` lines with blanks around either side trimmed, `#`/`;` comment lines. The agent's
//! own scripts read these with `grep ^Key | cut -d= -f2 | tr -d " "`, so a value is everything
//! after the first `=`, and keys are matched exactly.

/// One `Key=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    /// The `[section]` it sits in; empty before the first header.
    pub section: String,
    pub key: String,
    pub value: String,
}

/// Every entry in file order; lines that are neither headers nor entries are skipped.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        out.push(Entry {
            line: idx + 1,
            section: section.clone(),
            key: key.to_string(),
            value: value.trim().to_string(),
        });
    }
    out
}

/// The first value of `key` in any section (the agent's scripts ignore sections too).
pub fn value<'a>(entries: &'a [Entry], key: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|e| e.key == key)
        .map(|e| e.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shapes of the agent's own templates: spaced and unspaced assignments, sections,
    /// empty values, comments.
    #[test]
    fn agent_templates() {
        let text = "#\n# comment\n[vxagent]\nHostId = 1234_45466_67689\nVmPlatform=\n[rcm]\nBiosId=4C4C4544-0042\n; other\nnot an entry\n";
        let e = parse(text);
        assert_eq!(e.len(), 3);
        assert_eq!(value(&e, "HostId"), Some("1234_45466_67689"));
        assert_eq!(value(&e, "VmPlatform"), Some(""));
        assert_eq!(value(&e, "BiosId"), Some("4C4C4544-0042"));
        assert_eq!(e[2].section, "rcm");
        assert_eq!(e[2].line, 7);
        assert_eq!(value(&e, "biosid"), None);
    }

    /// `.vx_version` is section-less `KEY=value`; a value may itself hold `=`.
    #[test]
    fn sectionless_and_equals_in_value() {
        let e = parse("INSTALLATION_DIR=/usr/local/ASR/Vx\nVERSION=9.60.6956.1\nX=a=b\n");
        assert_eq!(value(&e, "INSTALLATION_DIR"), Some("/usr/local/ASR/Vx"));
        assert_eq!(value(&e, "X"), Some("a=b"));
        assert_eq!(e[0].section, "");
    }
}
