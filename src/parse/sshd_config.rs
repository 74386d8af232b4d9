//! sshd_config(5) as far as the listening ports go: `Port`, `ListenAddress` (which may carry its
//! own port), `AddressFamily`, `Include` (glob patterns, expanded by the caller) and `Match`
//! blocks (`Match all` makes what follows global again). Keywords are case-insensitive;
//! arguments are separated by blanks or one `=`, and may be double-quoted. Values sshd itself
//! refuses (it then does not start) are `Invalid`, with sshd's reason; what each case does was
//! taken from OpenSSH 9.2's `sshd -T` on the same lines (tests/ssh_differential.rs).

use super::sshd_keywords;

/// One directive that matters for the listening ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `Port N`: cumulative, each line adds a port.
    Port(u16),
    /// `Port NAME`: a service name sshd looks up in /etc/services (tcp) when it starts.
    PortName(String),
    /// `ListenAddress HOST[:PORT]`; `port` is `None` when the address uses every `Port`.
    ListenAddress { address: String, port: Option<u16> },
    /// `Include PATTERN...`: relative patterns are relative to /etc/ssh.
    Include(Vec<String>),
    /// A line sshd refuses (so it does not start): a bad `Port`/`ListenAddress`/
    /// `AddressFamily`, an unknown keyword, a keyword without argument, a bad yes/no value;
    /// as `line N: <sshd's reason>: <the line>`.
    Invalid(String),
    /// A keyword sshd takes only outside `Match` blocks (as written in the file).
    GlobalOnly(String),
    /// `AddressFamily any|inet|inet6` (lower case; global only, the first one counts).
    AddressFamily(String),
    /// `Subsystem NAME ...` (global only; OpenSSH 9.2 refuses a name defined twice).
    Subsystem(String),
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
            "match" if args.is_empty() => bad(idx, "no argument after keyword \"Match\"", raw),
            "match" => {
                // `Match all` alone ends the conditional part: sshd -T then takes a Port after
                // it as global (and would refuse it in a block).
                in_match = !(args.len() == 1 && args[0].eq_ignore_ascii_case("all"));
                continue;
            }
            "port" => match args.first() {
                Some(a) if a.bytes().all(|b| b.is_ascii_digit()) => match a.parse::<u16>() {
                    Ok(p) if p > 0 => Directive::Port(p),
                    _ => bad(idx, "Badly formatted port number", raw),
                },
                Some(a) if is_service_name(a) => Directive::PortName(a.clone()),
                Some(_) => bad(idx, "Badly formatted port number", raw),
                None => bad(idx, "missing port number", raw),
            },
            "addressfamily" => match args.first().map(|a| a.to_ascii_lowercase()) {
                Some(a) if matches!(a.as_str(), "any" | "inet" | "inet6") => {
                    Directive::AddressFamily(a)
                }
                _ => bad(idx, "unsupported AddressFamily value", raw),
            },
            "listenaddress" => match args.first() {
                Some(a) => match split_listen(a) {
                    Some((address, port)) => Directive::ListenAddress { address, port },
                    None => bad(idx, "bad ListenAddress", raw),
                },
                None => bad(idx, "missing ListenAddress address", raw),
            },
            "include" => Directive::Include(args),
            "subsystem" if args.len() >= 2 => Directive::Subsystem(args[0].clone()),
            _ => match sshd_keywords::judge(&keyword, &args) {
                sshd_keywords::Verdict::Fine => continue,
                sshd_keywords::Verdict::GlobalOnly => Directive::GlobalOnly(keyword.clone()),
                sshd_keywords::Verdict::Refused(why) => bad(idx, &why, raw),
            },
        };
        out.push(Line {
            line: idx + 1,
            in_match,
            directive,
        });
    }
    out
}

fn bad(idx: usize, reason: &str, raw: &str) -> Directive {
    Directive::Invalid(format!("line {}: {reason}: {}", idx + 1, raw.trim()))
}

/// A name getservbyname(3) could know: letters, digits, `-`, `_`, `.`, `+`, not all digits.
fn is_service_name(a: &str) -> bool {
    !a.is_empty()
        && a.bytes().any(|b| !b.is_ascii_digit())
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'))
}

/// The TCP port of service `name` in an /etc/services text (names and aliases), as
/// getservbyname(name, "tcp") finds it: the first matching line.
pub fn service_port(services: &str, name: &str) -> Option<u16> {
    services.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("");
        let mut w = l.split_ascii_whitespace();
        let first = w.next()?;
        let (port, proto) = w.next()?.split_once('/')?;
        let found = proto == "tcp" && (first == name || w.any(|a| a == name));
        found.then(|| port.parse::<u16>().ok()).flatten()
    })
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

    /// `Match all` alone makes what follows global again; other criteria open a block.
    #[test]
    fn match_all_ends_the_block() {
        let t = "Match User x\n Port 2022\nMatch all\nPort 2222\nMatch ALL\nPort 2223\nMatch all User y\nPort 2224\n";
        assert_eq!(
            ports(t),
            vec![(2022, true), (2222, false), (2223, false), (2224, true)]
        );
    }

    /// Lines sshd refuses whatever they say: an unknown keyword (a typo, a template
    /// placeholder), a keyword without argument, a bad yes/no value, a bare `Match`; a
    /// global-only keyword is marked for the caller's Match check.
    #[test]
    fn unknown_keywords_and_values() {
        let got: Vec<Directive> = parse(
            "PasswordAuthenticaton yes\n{{SSHD_EXTRA}} 1\nBanner\nUseDNS maybe\nMatch\nUsePAM yes\nX11Forwarding no\n",
        )
        .into_iter()
        .map(|l| l.directive)
        .collect();
        let want = [
            "line 1: Bad configuration option: PasswordAuthenticaton",
            "line 2: Bad configuration option: {{SSHD_EXTRA}}",
            "line 3: no argument after keyword \"Banner\"",
            "line 4: unsupported option \"maybe\"",
            "line 5: no argument after keyword \"Match\"",
        ];
        for (g, w) in got.iter().zip(want) {
            assert!(
                matches!(g, Directive::Invalid(s) if s.starts_with(w)),
                "{g:?} {w}"
            );
        }
        assert_eq!(got[5], Directive::GlobalOnly("UsePAM".into()));
        assert_eq!(got.len(), 6);
    }

    /// Service names wait for /etc/services; what sshd cannot parse is Invalid with its reason.
    #[test]
    fn service_names_and_refusals() {
        let got: Vec<Directive> = parse("Port http-alt\nPort SSH_PORT\nPort 0\nPort\nAddressFamily ipv4\nAddressFamily inet\nListenAddress\n")
            .into_iter()
            .map(|l| l.directive)
            .collect();
        assert_eq!(got[0], Directive::PortName("http-alt".into()));
        assert_eq!(got[1], Directive::PortName("SSH_PORT".into()));
        assert!(
            matches!(&got[2], Directive::Invalid(s) if s.starts_with("line 3: Badly formatted port number"))
        );
        assert!(matches!(&got[3], Directive::Invalid(s) if s.starts_with("line 4: missing")));
        assert!(
            matches!(&got[4], Directive::Invalid(s) if s.starts_with("line 5: unsupported AddressFamily"))
        );
        // AddressFamily is allowed only outside Match blocks (the caller knows where it is).
        assert_eq!(got[5], Directive::AddressFamily("inet".into()));
        assert!(matches!(&got[6], Directive::Invalid(s) if s.starts_with("line 7: missing")));
        assert_eq!(got.len(), 7);
        let services =
            "# comment\nssh 22/tcp\nhttp-alt 8080/udp\nhttp-alt 8080/tcp webcache # WWW\n";
        assert_eq!(service_port(services, "http-alt"), Some(8080));
        assert_eq!(service_port(services, "webcache"), Some(8080));
        assert_eq!(service_port(services, "SSH_PORT"), None);
    }
}
