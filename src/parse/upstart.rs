//! Upstart job files (`/etc/init/NAME.conf`) and their overrides (`NAME.override`), init(5):
//! the stanzas that decide whether a job starts at boot (`start on`, `manual`) and `env`
//! assignments (rc-sysinit.conf's `DEFAULT_RUNLEVEL`). Script blocks are skipped.

/// A stanza that matters for starting at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stanza {
    /// `start on EXPR`, the expression with continuation lines joined.
    StartOn { line: usize, expr: String },
    /// `manual`: the job's start condition is dropped.
    Manual { line: usize },
    /// `env KEY=VALUE`.
    Env {
        line: usize,
        key: String,
        value: String,
    },
}

/// The stanzas of one job file, in file order.
pub fn parse(text: &str) -> Vec<Stanza> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut in_script = false;
    while let Some((idx, raw)) = lines.next() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if in_script {
            if words == ["end", "script"] {
                in_script = false;
            }
            continue;
        }
        if words.last() == Some(&"script") && words.len() <= 2 {
            in_script = true;
            continue;
        }
        match words.as_slice() {
            ["manual"] => out.push(Stanza::Manual { line: idx + 1 }),
            ["start", "on", ..] => {
                let mut expr = line["start".len()..]
                    .trim_start()
                    .strip_prefix("on")
                    .unwrap_or("")
                    .trim()
                    .to_string();
                // An expression continues while its parentheses are open or a line ends in a
                // backslash.
                while paren_depth(&expr) > 0 || expr.ends_with('\\') {
                    let Some((_, next)) = lines.next() else { break };
                    if expr.ends_with('\\') {
                        expr.pop();
                    }
                    expr.push(' ');
                    expr.push_str(strip_comment(next).trim());
                }
                out.push(Stanza::StartOn {
                    line: idx + 1,
                    expr: expr.split_whitespace().collect::<Vec<_>>().join(" "),
                });
            }
            ["env", _, ..] => {
                let rest = line["env".len()..].trim_start();
                if let Some((k, v)) = rest.split_once('=') {
                    out.push(Stanza::Env {
                        line: idx + 1,
                        key: k.trim().to_string(),
                        value: v.trim().trim_matches('"').to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn strip_comment(line: &str) -> &str {
    match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
}

fn paren_depth(s: &str) -> i32 {
    s.chars().fold(0, |d, c| match c {
        '(' => d + 1,
        ')' => d - 1,
        _ => d,
    })
}

/// The start condition after reading the job file and then its override, as Upstart does:
/// `start on` sets it, `manual` clears it, a later stanza overrides an earlier one. The line of
/// the deciding stanza and which of the two files it is in (0 = job, 1 = override) come along.
pub fn effective_start_on(job: &[Stanza], over: &[Stanza]) -> StartDecision {
    let mut d = StartDecision::NoStartOn;
    for (file, stanzas) in [(0usize, job), (1usize, over)] {
        for s in stanzas {
            match s {
                Stanza::StartOn { line, expr } => {
                    d = StartDecision::StartOn {
                        file,
                        line: *line,
                        expr: expr.clone(),
                    }
                }
                Stanza::Manual { line } => d = StartDecision::Manual { file, line: *line },
                Stanza::Env { .. } => {}
            }
        }
    }
    d
}

/// What Upstart makes of a job's start stanzas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartDecision {
    StartOn {
        file: usize,
        line: usize,
        expr: String,
    },
    Manual {
        file: usize,
        line: usize,
    },
    NoStartOn,
}

/// Whether a `start on` expression fires when the system enters `runlevel`: `Some(true)` when
/// one of its `runlevel` events matches, `Some(false)` when it names runlevels and none matches,
/// `None` when it does not depend on the runlevel event at all (only on other boot events).
pub fn starts_in_runlevel(expr: &str, runlevel: char) -> Option<bool> {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut seen = false;
    for (i, w) in words.iter().enumerate() {
        if *w != "runlevel" {
            continue;
        }
        seen = true;
        // The first positional argument, or RUNLEVEL=; without one any runlevel matches.
        let arg = words.get(i + 1).copied().unwrap_or("");
        let pattern = match arg {
            "and" | "or" | ")" | "" => "*",
            a => a.strip_prefix("RUNLEVEL=").unwrap_or(a),
        };
        let (pattern, negate) = match pattern.strip_prefix("RUNLEVEL!=") {
            Some(p) => (p, true),
            None => (pattern, false),
        };
        if glob_matches(pattern, runlevel) != negate {
            return Some(true);
        }
    }
    if seen { Some(false) } else { None }
}

/// fnmatch(3) of a one-character value against patterns like `2`, `[2345]`, `[!2345]`, `*`.
fn glob_matches(pattern: &str, c: char) -> bool {
    let p = pattern.trim_matches('"');
    if p == "*" || p == "?" {
        return true;
    }
    if let Some(class) = p.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let (class, negate) = match class.strip_prefix('!').or_else(|| class.strip_prefix('^')) {
            Some(rest) => (rest, true),
            None => (class, false),
        };
        let chars: Vec<char> = class.chars().collect();
        let mut hit = false;
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                hit |= chars[i] <= c && c <= chars[i + 2];
                i += 3;
            } else {
                hit |= chars[i] == c;
                i += 1;
            }
        }
        return hit != negate;
    }
    p.len() == c.len_utf8() && p.starts_with(c)
}

/// The value of the last `env KEY=...` stanza for `key`.
pub fn env_value<'a>(stanzas: &'a [Stanza], key: &str) -> Option<&'a str> {
    stanzas.iter().rev().find_map(|s| match s {
        Stanza::Env { key: k, value, .. } if k == key => Some(value.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UBUNTU_1404_SSH: &str = "# ssh - OpenBSD Secure Shell server\n#\n# The OpenSSH server provides secure shell access to the system.\n\ndescription\t\"OpenSSH server\"\n\nstart on runlevel [2345]\nstop on runlevel [!2345]\n\nrespawn\nrespawn limit 10 5\numask 022\n\nenv SSH_SIGSTOP=1\nexpect stop\n\nconsole none\n\npre-start script\n    test -x /usr/sbin/sshd || { stop; exit 0; }\n    test -e /etc/ssh/sshd_not_to_be_run && { stop; exit 0; }\n\n    mkdir -p -m0755 /var/run/sshd\nend script\n\nexec /usr/sbin/sshd -D\n";

    /// Ubuntu 14.04's ssh job: its start condition, env and nothing from the script block.
    #[test]
    fn ubuntu_ssh_job() {
        let s = parse(UBUNTU_1404_SSH);
        assert_eq!(
            s,
            vec![
                Stanza::StartOn {
                    line: 7,
                    expr: "runlevel [2345]".into()
                },
                Stanza::Env {
                    line: 14,
                    key: "SSH_SIGSTOP".into(),
                    value: "1".into()
                },
            ]
        );
        assert_eq!(
            effective_start_on(&s, &[]),
            StartDecision::StartOn {
                file: 0,
                line: 7,
                expr: "runlevel [2345]".into()
            }
        );
    }

    /// A `manual` override disables the job; a later `start on` in the override re-enables it.
    #[test]
    fn override_manual_and_back() {
        let job = parse(UBUNTU_1404_SSH);
        let over = parse("manual\n");
        assert_eq!(
            effective_start_on(&job, &over),
            StartDecision::Manual { file: 1, line: 1 }
        );
        let over = parse("manual\nstart on runlevel [23]\n");
        assert!(matches!(
            effective_start_on(&job, &over),
            StartDecision::StartOn {
                file: 1,
                line: 2,
                ..
            }
        ));
        assert_eq!(effective_start_on(&[], &[]), StartDecision::NoStartOn);
    }

    /// Multi-line expressions in parentheses, and comments, are joined into one expression.
    #[test]
    fn multiline_expression() {
        let s = parse(
            "start on (filesystem # wait for disks\n          and static-network-up)\n    or runlevel [2345]\n",
        );
        let StartDecision::StartOn { expr, .. } = effective_start_on(&s, &[]) else {
            panic!("no start on: {s:?}");
        };
        assert_eq!(expr, "(filesystem and static-network-up)");
        // The `or runlevel` line after the closing parenthesis is a new (unknown) stanza.
        let s = parse("start on (filesystem\n and runlevel [2345])\n");
        let StartDecision::StartOn { expr, .. } = effective_start_on(&s, &[]) else {
            panic!()
        };
        assert_eq!(starts_in_runlevel(&expr, '2'), Some(true));
        assert_eq!(starts_in_runlevel(&expr, '1'), Some(false));
    }

    /// Runlevel patterns: classes, negated classes, single levels, RUNLEVEL=, none at all.
    #[test]
    fn runlevel_matching() {
        assert_eq!(starts_in_runlevel("runlevel [2345]", '2'), Some(true));
        assert_eq!(starts_in_runlevel("runlevel [2345]", '1'), Some(false));
        assert_eq!(starts_in_runlevel("runlevel [!2345]", '1'), Some(true));
        assert_eq!(starts_in_runlevel("runlevel [2-5]", '4'), Some(true));
        assert_eq!(starts_in_runlevel("runlevel 3", '3'), Some(true));
        assert_eq!(starts_in_runlevel("runlevel 3", '5'), Some(false));
        assert_eq!(
            starts_in_runlevel("runlevel RUNLEVEL=[35]", '5'),
            Some(true)
        );
        assert_eq!(starts_in_runlevel("runlevel", '5'), Some(true));
        assert_eq!(
            starts_in_runlevel("filesystem and net-device-up", '2'),
            None
        );
        assert_eq!(
            starts_in_runlevel("(local-filesystems and net-device-up IFACE!=lo)", '2'),
            None
        );
    }

    /// rc-sysinit.conf's default runlevel.
    #[test]
    fn env_default_runlevel() {
        let s = parse(
            "start on (filesystem and static-network-up) or failsafe-boot\nenv DEFAULT_RUNLEVEL=2\n\nscript\n  DEFAULT_RUNLEVEL=5\nend script\n",
        );
        assert_eq!(env_value(&s, "DEFAULT_RUNLEVEL"), Some("2"));
        assert_eq!(env_value(&s, "OTHER"), None);
    }
}
