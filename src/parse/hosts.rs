//! `/etc/hosts` read the way glibc's files backend (nss_files) reads it, so that "the host name
//! maps to this address" means what `getaddrinfo` would answer on that machine:
//!
//! - lines are split at `\n` only; a NUL byte ends the line (glibc works on C strings);
//! - a `#` anywhere ends the line, even inside a word (`web01#old` is the name `web01`);
//! - fields are separated by runs of C `isspace` bytes: blank, tab, `\r`, `\v`, `\f`; so CRLF
//!   files and odd separators work, and leading blanks are skipped;
//! - the first field must be an address `inet_pton` accepts (IPv4 is strict dotted quad with
//!   no leading zeros, IPv6 any textual form); otherwise the whole line is ignored;
//! - the second field is the canonical name, the rest are aliases; a name matches ignoring
//!   ASCII case, and every matching line counts, not only the first;
//! - for an IPv4 question (`AF_INET`), an IPv4-mapped IPv6 line (`::ffff:a.b.c.d`) answers
//!   `a.b.c.d` and a `::1` line answers `127.0.0.1`; other IPv6 lines are skipped.
//!
//! These rules were checked against `getent ahostsv4` of glibc 2.36 (tests/suite/network_live.rs and
//! tests/suite/hosts_corpus.rs keep checking them).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One line that glibc would use: an address and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    pub addr: IpAddr,
    /// The canonical name first, then the aliases, as bytes.
    pub names: Vec<Vec<u8>>,
}

impl Entry {
    /// Whether `name` is the canonical name or an alias of this line (ASCII case ignored).
    pub fn names_host(&self, name: &[u8]) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The address an IPv4 question gets from this line, as glibc converts it.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        match self.addr {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(a) => a
                .to_ipv4_mapped()
                .or_else(|| a.is_loopback().then_some(Ipv4Addr::LOCALHOST)),
        }
    }

    /// The address an IPv6 question gets from this line (IPv4 lines answer none).
    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        match self.addr {
            IpAddr::V6(a) => Some(a),
            IpAddr::V4(_) => None,
        }
    }
}

/// A line glibc skips although it is not blank or a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    /// The first field, which is not an address.
    pub field: Vec<u8>,
    /// The other fields.
    pub rest: Vec<Vec<u8>>,
}

impl Skipped {
    /// Whether `name` appears anywhere on the line (ASCII case ignored).
    pub fn mentions(&self, name: &[u8]) -> bool {
        self.field.eq_ignore_ascii_case(name)
            || self.rest.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// A parsed hosts file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    pub entries: Vec<Entry>,
    pub skipped: Vec<Skipped>,
}

/// An answer to "which addresses does this name map to", with the line that gave each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer<A> {
    pub addr: A,
    pub line: usize,
}

impl Hosts {
    /// The lines that name `name`, in file order.
    pub fn lines_naming<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.names_host(name))
    }

    /// What an IPv4 lookup of `name` returns, in file order (duplicates kept).
    pub fn ipv4_answers(&self, name: &[u8]) -> Vec<Answer<Ipv4Addr>> {
        self.lines_naming(name)
            .filter_map(|e| e.ipv4().map(|addr| Answer { addr, line: e.line }))
            .collect()
    }

    /// What an IPv6 lookup of `name` returns, in file order.
    pub fn ipv6_answers(&self, name: &[u8]) -> Vec<Answer<Ipv6Addr>> {
        self.lines_naming(name)
            .filter_map(|e| e.ipv6().map(|addr| Answer { addr, line: e.line }))
            .collect()
    }
}

/// C `isspace` in the C locale.
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Parses a hosts file.
pub fn parse(text: &[u8]) -> Hosts {
    let mut out = Hosts::default();
    for (idx, raw) in text.split(|b| *b == b'\n').enumerate() {
        let line = idx + 1;
        // C strings end at NUL; `#` starts a comment wherever it is.
        let end = raw
            .iter()
            .position(|b| *b == 0 || *b == b'#')
            .unwrap_or(raw.len());
        let mut fields = raw[..end]
            .split(|b| is_c_space(*b))
            .filter(|f| !f.is_empty());
        let Some(first) = fields.next() else {
            continue;
        };
        match parse_addr(first) {
            Some(addr) => out.entries.push(Entry {
                line,
                addr,
                names: fields.map(<[u8]>::to_vec).collect(),
            }),
            None => out.skipped.push(Skipped {
                line,
                field: first.to_vec(),
                rest: fields.map(<[u8]>::to_vec).collect(),
            }),
        }
    }
    out
}

/// An address as `inet_pton` accepts it: IPv6 tried first, then strict dotted-quad IPv4.
fn parse_addr(field: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(field).ok()?;
    if let Ok(a) = s.parse::<Ipv6Addr>() {
        return Some(IpAddr::V6(a));
    }
    parse_ipv4_pton(s).map(IpAddr::V4)
}

/// `inet_pton(AF_INET)`: four decimal octets of at most 255, no leading zeros, nothing else.
fn parse_ipv4_pton(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4
            || part.is_empty()
            || !part.bytes().all(|b| b.is_ascii_digit())
            || (part.len() > 1 && part.starts_with('0'))
        {
            return None;
        }
        octets[n] = part.parse::<u8>().ok()?;
        n += 1;
    }
    (n == 4).then(|| Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn answers(text: &[u8], name: &str) -> Vec<(Ipv4Addr, usize)> {
        parse(text)
            .ipv4_answers(name.as_bytes())
            .into_iter()
            .map(|a| (a.addr, a.line))
            .collect()
    }

    /// Every matching line counts, with canonical names and aliases compared ignoring case.
    #[test]
    fn every_matching_line_and_case() {
        let t = b"198.51.100.1 WEB01.example.com Web01\n198.51.100.2 other web01\n198.51.100.3 web01x\n";
        assert_eq!(
            answers(t, "web01"),
            vec![(v4("198.51.100.1"), 1), (v4("198.51.100.2"), 2)]
        );
        assert_eq!(
            answers(t, "web01.EXAMPLE.com"),
            vec![(v4("198.51.100.1"), 1)]
        );
        assert!(answers(t, "web0").is_empty());
    }

    /// A `#` ends the line wherever it is, even glued to a name.
    #[test]
    fn comments_anywhere() {
        let t = b"# 198.51.100.9 web01\n198.51.100.1 web01#old\n198.51.100.2 x#web01\n198.51.100.3 #web01\n198.51.100.4 a b # web01\n";
        assert_eq!(answers(t, "web01"), vec![(v4("198.51.100.1"), 2)]);
        let h = parse(t);
        assert_eq!(h.entries.len(), 4);
        assert!(h.entries[2].names.is_empty());
    }

    /// CRLF endings, tabs, vertical tabs, form feeds, leading blanks and blank runs separate fields.
    #[test]
    fn whitespace_like_glibc() {
        let t = b"198.51.100.1 web01\r\n\t 198.51.100.2\t\tweb01  \r\n198.51.100.3\x0bweb01\n198.51.100.4\x0cweb01\n198.51.100.5 web01\r";
        let got: Vec<usize> = answers(t, "web01").iter().map(|a| a.1).collect();
        assert_eq!(got, vec![1, 2, 3, 4, 5]);
    }

    /// A NUL byte ends the line as it ends a C string.
    #[test]
    fn nul_ends_line() {
        let t = b"198.51.100.1 web01\0 junk\n198.51.100.2 other \0web01\n";
        assert_eq!(answers(t, "web01"), vec![(v4("198.51.100.1"), 1)]);
    }

    /// Addresses inet_pton rejects make glibc skip the whole line; they are reported as skipped.
    #[test]
    fn invalid_addresses_skip_the_line() {
        let t = b"010.0.0.1 web01\n198.51.100.256 web01\n127.1 web01\n198.51.100.1x web01\nweb01 198.51.100.1\n1.2.3.4.5 web01\nfe80::1%eth0 web01\n0.0.0.0 zero\n";
        let h = parse(t);
        assert!(h.ipv4_answers(b"web01").is_empty());
        assert_eq!(h.skipped.len(), 7);
        assert_eq!(h.skipped[4].field, b"web01");
        assert!(h.skipped[4].mentions(b"WEB01") && h.skipped[0].mentions(b"web01"));
        assert!(!h.skipped[0].mentions(b"web0"));
        assert_eq!(h.ipv4_answers(b"zero")[0].addr, Ipv4Addr::UNSPECIFIED);
    }

    /// For IPv4 questions glibc turns `::ffff:a.b.c.d` into a.b.c.d and `::1` into 127.0.0.1,
    /// and ignores other IPv6 lines; IPv6 questions see only IPv6 lines.
    #[test]
    fn ipv6_lines_for_ipv4_questions() {
        let t = b"::1 web01\n::ffff:198.51.100.7 web01\n2001:db8::1 web01\n::198.51.100.8 web01\n";
        assert_eq!(
            answers(t, "web01"),
            vec![(Ipv4Addr::LOCALHOST, 1), (v4("198.51.100.7"), 2)]
        );
        let v6: Vec<usize> = parse(t)
            .ipv6_answers(b"web01")
            .iter()
            .map(|a| a.line)
            .collect();
        assert_eq!(v6, vec![1, 2, 3, 4]);
    }

    /// Names that are not UTF-8 are kept as bytes and still compared.
    #[test]
    fn non_utf8_names() {
        let t = b"198.51.100.1 caf\xe9 CAF\xc9\n";
        assert_eq!(answers(t, "x").len(), 0);
        assert_eq!(parse(t).ipv4_answers(b"caf\xe9").len(), 1);
        // \xc9 is not the ASCII upper case of \xe9: only ASCII case is folded.
        assert_eq!(
            parse(b"198.51.100.1 CAF\xc9\n")
                .ipv4_answers(b"caf\xe9")
                .len(),
            0
        );
    }

    /// An empty file and a file of comments map nothing.
    #[test]
    fn empty_and_comment_only() {
        assert_eq!(parse(b""), Hosts::default());
        assert_eq!(parse(b"#\n   \n\t# x\n\r\n"), Hosts::default());
    }
}
