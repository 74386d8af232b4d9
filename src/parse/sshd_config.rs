//! sshd_config(5) as far as the listening ports go: `Port`, `ListenAddress` (which may carry its
//! own port), `Include` (glob patterns, expanded by the caller) and `Match` blocks. Keywords are
//! case-insensitive; arguments are separated by blanks or one `=`, and may be double-quoted.

/// One directive that matters for the listening ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `Port N`: cumulative, each line adds a port.
    Port(u16),
    /// `ListenAddress HOST[:PORT]`; `port` is `None` when the address uses every `Port`.
    ListenAddress { address: String, port: Option<u16> },
    /// `Include PATTERN...`: relative patterns are relative to /etc/ssh.
    Include(Vec<String>),
    /// A `Port`/`ListenAddress` value sshd would refuse, quoted with its problem.
    Invalid(String),
}

/// A directive with where it was and whether it sits inside a `Match` block of this file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: usize,
    pub in_match: bool,
    pub directive: Directive,
}

/// Every port-related directive of one file, in order.
pub fn parse(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut in_match = false;
    for (idx, raw) in text.lines().enumerate() {
        let Some((keyword, args)) = split_line(raw) else {
            continue;
        };
        let directive = match keyword.to_ascii_lowercase().as_str() {
            "match" => {
                // `Match all` ends nothing: it opens a block matching everything, still a block.
                in_match = true;
                continue;
            }
            "port" => match args.first().map(|a| a.parse::<u16>()) {
                Some(Ok(p)) if p > 0 => Directive::Port(p),
                _ => Directive::Invalid(format!("line {}: bad Port: {}", idx + 1, raw.trim())),
            },
            "listenaddress" => match args.first() {
                Some(a) => match split_listen(a) {
                    Some((address, port)) => Directive::ListenAddress { address, port },
                    None => Directive::Invalid(format!(
                        "line {}: bad ListenAddress: {}",
                        idx + 1,
                        raw.trim()
                    )),
                },
                None => continue,
            },
            "include" => Directive::Include(args),
            _ => continue,
        };
        out.push(Line {
            line: idx + 1,
            in_match,
            directive,
        });
    }
    out
}

/// The keyword and its arguments, or `None` for blank and comment lines.
fn split_line(raw: &str) -> Option<(String, Vec<String>)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line.find([' ', '\t', '=']).unwrap_or(line.len());
    let keyword = line[..end].to_string();
    let mut rest = line[end..].trim_start_matches([' ', '\t']);
    // One `=` may separate the keyword from its arguments.
    if let Some(r) = rest.strip_prefix('=') {
        rest = r;
    }
    Some((keyword, split_args(rest)))
}

/// Blank-separated words; double quotes group, and a `#` starting a word begins a comment.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' | '\t' if !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if !quoted && !in_word => break,
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `host`, `host:port`, `[v6]:port`, `v6` (several colons: no port), `host port`-less forms.
fn split_listen(a: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = a.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((host.to_string(), Some(parse_port(p)?))),
            None if after.is_empty() => Some((host.to_string(), None)),
            None => None,
        };
    }
    match a.matches(':').count() {
        0 => Some((a.to_string(), None)),
        1 => {
            let (host, p) = a.split_once(':')?;
            Some((host.to_string(), Some(parse_port(p)?)))
        }
        _ => Some((a.to_string(), None)),
    }
}

fn parse_port(p: &str) -> Option<u16> {
    p.parse::<u16>().ok().filter(|p| *p > 0)
}

/// Whether `name` matches the shell pattern `pat` (`*`, `?`, `[...]`, as glob(3) does within one
/// path component).
pub fn glob_match(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // A leading dot must be matched explicitly, as glob(3) does.
    if n.first() == Some(&'.') && p.first() != Some(&'.') {
        return false;
    }
    glob_at(&p, &n)
}

fn glob_at(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|i| glob_at(&p[1..], &n[i..])),
        Some('?') => !n.is_empty() && glob_at(&p[1..], &n[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(2).position(|c| *c == ']').map(|i| i + 2) else {
                return n.first() == Some(&'[') && glob_at(&p[1..], &n[1..]);
            };
            let Some(&c) = n.first() else { return false };
            let set = &p[1..close];
            let (negate, set) = match set.first() {
                Some('!') | Some('^') => (true, &set[1..]),
                _ => (false, set),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && glob_at(&p[close + 1..], &n[1..])
        }
        Some(&c) => n.first() == Some(&c) && glob_at(&p[1..], &n[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(text: &str) -> Vec<(u16, bool)> {
        parse(text)
            .into_iter()
            .filter_map(|l| match l.directive {
                Directive::Port(p) => Some((p, l.in_match)),
                _ => None,
            })
            .collect()
    }

    /// Ports accumulate, keywords are case-insensitive, `=` and comments are understood.
    #[test]
    fn ports_accumulate() {
        let t = "#Port 22\nPort 2222\n  port=2200 # second\nPORT\t22\n";
        assert_eq!(ports(t), vec![(2222, false), (2200, false), (22, false)]);
    }

    /// A Port inside a Match block is marked as such (sshd refuses it there).
    #[test]
    fn match_blocks_are_marked() {
        let t = "Port 22\nMatch User bob\n  Port 2022\n";
        assert_eq!(ports(t), vec![(22, false), (2022, true)]);
    }

    /// ListenAddress with and without a port, IPv6 in brackets and bare.
    #[test]
    fn listen_addresses() {
        let t = "ListenAddress 0.0.0.0\nListenAddress 10.0.0.1:2022\nListenAddress [::1]:2200\nListenAddress ::\n";
        let got: Vec<Directive> = parse(t).into_iter().map(|l| l.directive).collect();
        assert_eq!(
            got,
            vec![
                Directive::ListenAddress {
                    address: "0.0.0.0".into(),
                    port: None
                },
                Directive::ListenAddress {
                    address: "10.0.0.1".into(),
                    port: Some(2022)
                },
                Directive::ListenAddress {
                    address: "::1".into(),
                    port: Some(2200)
                },
                Directive::ListenAddress {
                    address: "::".into(),
                    port: None
                },
            ]
        );
    }

    /// Include takes several patterns, quoted ones included; bad ports are reported, not dropped.
    #[test]
    fn include_and_invalid() {
        let t = "Include /etc/ssh/sshd_config.d/*.conf \"my file\"\nPort 70000\n";
        let got: Vec<Directive> = parse(t).into_iter().map(|l| l.directive).collect();
        assert_eq!(
            got[0],
            Directive::Include(vec![
                "/etc/ssh/sshd_config.d/*.conf".into(),
                "my file".into()
            ])
        );
        assert!(matches!(&got[1], Directive::Invalid(s) if s.contains("70000")));
    }

    /// Glob patterns as glob(3): stars, classes, no hidden files by `*`.
    #[test]
    fn globs() {
        assert!(glob_match("*.conf", "50-cloud-init.conf"));
        assert!(!glob_match("*.conf", "50-cloud-init.conf.bak"));
        assert!(!glob_match("*.conf", ".hidden.conf"));
        assert!(glob_match("[0-9]?-x", "12-x"));
        assert!(!glob_match("[!0-9]*", "1a"));
        assert!(glob_match("sshd_config", "sshd_config"));
    }
}
