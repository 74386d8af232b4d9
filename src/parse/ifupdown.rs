//! Debian and Ubuntu's `/etc/network/interfaces` (ifupdown, interfaces(5)): `iface NAME inet
//! static|dhcp|...` stanzas with `address` (with `/len` or a `netmask` line), `auto` and
//! `allow-hotplug` lines, and the `source` / `source-directory` lines whose files the caller
//! reads (this parser does no I/O). Lines starting with `#` are comments and a trailing `\`
//! joins the next line, as ifupdown reads them.

use super::netconf::{IfaceConfig, StaticAddr, netmask_prefix, parse_cidr};

/// A line that pulls in more files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Include {
    /// `source PATTERN`: files matching a shell glob.
    Files { line: usize, pattern: String },
    /// `source-directory DIR`: the files of DIR whose names are letters, digits, `_` and `-`.
    Directory { line: usize, dir: String },
}

/// One file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interfaces {
    pub ifaces: Vec<IfaceConfig>,
    /// Interfaces named on `auto`, `allow-auto` or `allow-hotplug` lines: brought up at boot.
    pub boot: Vec<String>,
    pub includes: Vec<Include>,
}

/// Whether `source-directory` reads a file of this name (run-parts' rule).
pub fn source_directory_reads(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Logical lines: comments dropped, `\` continuations joined, with the first physical line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (idx, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let (start, mut acc) = match pending.take() {
            Some(p) => p,
            None => {
                if raw.trim_start().starts_with('#') {
                    continue;
                }
                (idx + 1, String::new())
            }
        };
        match raw.strip_suffix('\\') {
            Some(part) => {
                acc.push_str(part);
                acc.push(' ');
                pending = Some((start, acc));
            }
            None => {
                acc.push_str(raw);
                out.push((start, acc));
            }
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

pub fn parse(text: &str) -> Interfaces {
    let mut out = Interfaces::default();
    // Index into out.ifaces of the stanza being filled, and its address family.
    let mut current: Option<(usize, bool)> = None;
    for (line, l) in logical_lines(text) {
        let words: Vec<&str> = l.split_ascii_whitespace().collect();
        let Some((&kw, args)) = words.split_first() else {
            continue;
        };
        match (kw, current) {
            ("address", Some((idx, _))) => add_addresses(&mut out.ifaces[idx], args, line),
            ("netmask", Some((idx, inet6))) => apply_netmask(&mut out.ifaces[idx], args, inet6),
            _ => {
                if let Some(next) = top_level(kw, args, line, &mut out) {
                    current = next;
                }
            }
        }
    }
    out
}

/// A line that starts a stanza or stands on its own: what it adds, and the stanza now being
/// filled (`Some(None)`: none). `None` for an option line of the current stanza.
fn top_level(
    kw: &str,
    args: &[&str],
    line: usize,
    out: &mut Interfaces,
) -> Option<Option<(usize, bool)>> {
    match kw {
        "iface" => {
            let Some((cfg, inet6)) = iface_stanza(args, line) else {
                return Some(None);
            };
            out.ifaces.push(cfg);
            return Some(Some((out.ifaces.len() - 1, inet6)));
        }
        "auto" | "allow-auto" | "allow-hotplug" => {
            out.boot.extend(args.iter().map(|s| s.to_string()));
        }
        "source" => {
            if let Some(p) = args.first() {
                out.includes.push(Include::Files {
                    line,
                    pattern: p.to_string(),
                });
            }
        }
        "source-directory" => {
            if let Some(d) = args.first() {
                out.includes.push(Include::Directory {
                    line,
                    dir: d.to_string(),
                });
            }
        }
        "mapping" | "rename" | "no-auto-down" | "no-scripts" => {}
        k if k.starts_with("allow-") => {}
        _ => return None,
    }
    Some(None)
}

/// `iface NAME FAMILY METHOD`: the stanza and whether it is inet6; `None` for a family other
/// than inet and inet6 or a short line.
fn iface_stanza(args: &[&str], line: usize) -> Option<(IfaceConfig, bool)> {
    let [name, family, method, ..] = args else {
        return None;
    };
    let inet6 = *family == "inet6";
    if *family != "inet" && !inet6 {
        return None;
    }
    let mut cfg = IfaceConfig {
        name: Some(name.to_string()),
        line,
        ..IfaceConfig::default()
    };
    match (*method, inet6) {
        ("loopback", _) => cfg.loopback = true,
        ("dhcp" | "bootp", false) => cfg.dhcp4 = true,
        ("dhcp", true) => cfg.dhcp6 = true,
        _ => {}
    }
    Some((cfg, inet6))
}

/// `address A [B...]`: each address, or a problem for what is not one.
fn add_addresses(cfg: &mut IfaceConfig, args: &[&str], line: usize) {
    for a in args {
        match parse_cidr(a) {
            Some((addr, prefix)) => cfg.addresses.push(StaticAddr { addr, prefix, line }),
            None => cfg
                .problems
                .push(format!("line {line}: address {a} is not an address")),
        }
    }
}

/// A `netmask` line applies to the stanza's addresses written without a length.
fn apply_netmask(cfg: &mut IfaceConfig, args: &[&str], inet6: bool) {
    let Some(m) = args.first() else { return };
    let prefix = if inet6 {
        m.parse::<u8>().ok()
    } else {
        netmask_prefix(m).or_else(|| m.parse::<u8>().ok())
    };
    for a in cfg.addresses.iter_mut() {
        if a.prefix.is_none() {
            a.prefix = prefix;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typical Debian file: loopback, a static interface with netmask, a DHCP one, includes.
    #[test]
    fn debian_file() {
        let t = "# The loopback\nauto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n\nauto eth0\niface eth0 inet static\n    address 198.51.100.10\n    netmask 255.255.255.0\n    gateway 198.51.100.1\n\nallow-hotplug eth1\niface eth1 inet dhcp\n\niface eth0 inet6 static\n\taddress 2001:db8::10/64\nsource-directory interfaces.d\n";
        let f = parse(t);
        assert_eq!(f.boot, vec!["lo", "eth0", "eth1"]);
        assert_eq!(f.ifaces.len(), 4);
        assert!(f.ifaces[0].loopback);
        let eth0 = &f.ifaces[1];
        assert_eq!(eth0.addresses[0].addr.to_string(), "198.51.100.10");
        assert_eq!(eth0.addresses[0].prefix, Some(24));
        assert_eq!(eth0.addresses[0].line, 9);
        assert!(f.ifaces[2].dhcp4);
        assert_eq!(f.ifaces[3].addresses[0].prefix, Some(64));
        assert_eq!(
            f.includes,
            vec![
                Include::Files {
                    line: 5,
                    pattern: "/etc/network/interfaces.d/*".into()
                },
                Include::Directory {
                    line: 18,
                    dir: "interfaces.d".into()
                }
            ]
        );
    }

    /// Continuations join lines, several address lines add addresses, comments and CRLF are fine.
    #[test]
    fn continuations_and_multiple_addresses() {
        let t = "auto eth0 \\\n  eth1\r\niface eth0 inet static\r\n  address 198.51.100.10/24\r\n  # address 198.51.100.99/24\n  address 198.51.100.11/24 \\\n    203.0.113.4/24\n  address nonsense\n";
        let f = parse(t);
        assert_eq!(f.boot, vec!["eth0", "eth1"]);
        let got: Vec<String> = f.ifaces[0]
            .addresses
            .iter()
            .map(|a| a.addr.to_string())
            .collect();
        assert_eq!(got, vec!["198.51.100.10", "198.51.100.11", "203.0.113.4"]);
        assert_eq!(f.ifaces[0].problems.len(), 1);
    }

    /// Options outside a stanza belong to nothing.
    #[test]
    fn stray_address() {
        let f = parse("address 198.51.100.10\nauto eth0\naddress 198.51.100.11\n");
        assert!(f.ifaces.is_empty());
    }

    /// run-parts' name rule for source-directory.
    #[test]
    fn directory_names() {
        assert!(source_directory_reads("eth0"));
        assert!(source_directory_reads("50-cloud-init"));
        assert!(!source_directory_reads("50-cloud-init.cfg"));
        assert!(!source_directory_reads("eth0~"));
    }
}
