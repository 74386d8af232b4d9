//! dracut configuration files (`dracut.conf`, `dracut.conf.d/*.conf`): shell assignments,
//! with `+=` appending to a list (`add_drivers+=" hv_vmbus hv_netvsc "`). Nothing is executed.

use super::shell_vars;

/// One assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub line: usize,
    pub key: String,
    pub value: String,
    /// Written with `+=`.
    pub append: bool,
}

/// Every assignment, in file order.
pub fn parse(text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `key+=value` becomes `key=value` for the shell-assignment parser.
        let (rewritten, append) = match line.split_once("+=") {
            Some((k, v)) if !k.contains('=') && !k.contains(char::is_whitespace) => {
                (format!("{k}={v}"), true)
            }
            _ => (line.to_string(), false),
        };
        for a in shell_vars::parse(&rewritten) {
            out.push(Setting {
                line: idx + 1,
                key: a.key,
                value: a.value,
                append,
            });
        }
    }
    out
}

/// The words of a list value (`" hv_vmbus hv_netvsc "`).
pub fn words(value: &str) -> impl Iterator<Item = &str> {
    value.split_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain and appending assignments, quoted and unquoted, comments skipped.
    #[test]
    fn settings() {
        let s = parse(
            "# comment\nhostonly=\"yes\"\nadd_drivers+=\" hv_vmbus hv_netvsc \"\ncompress=xz\n  force_drivers+=' hv_storvsc'\n",
        );
        assert_eq!(s.len(), 4);
        assert_eq!(
            (s[0].key.as_str(), s[0].value.as_str(), s[0].append),
            ("hostonly", "yes", false)
        );
        assert_eq!(s[1].line, 3);
        assert!(s[1].append);
        assert_eq!(
            words(&s[1].value).collect::<Vec<_>>(),
            ["hv_vmbus", "hv_netvsc"]
        );
        assert_eq!(
            (s[3].key.as_str(), s[3].value.as_str()),
            ("force_drivers", " hv_storvsc")
        );
    }
}
