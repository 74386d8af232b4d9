//! IP address ranges as the firewall front ends write them (`10.0.0.0/8`, `2001:db8::/32`,
//! `192.0.2.1-192.0.2.9`, a bare address, iptables' dotted masks) and the one question the
//! outbound evaluation asks of them: does a rule's list of ranges cover all, none or only some
//! of an endpoint's addresses? Pure; no name resolution (a host name is simply not an address).

use std::net::IpAddr;

use super::Family;

/// An inclusive range of addresses of one IP version (IPv4 addresses in the low 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Range {
    pub family: Family,
    pub lo: u128,
    pub hi: u128,
}

fn bits(a: IpAddr) -> (Family, u128, u32) {
    match a {
        IpAddr::V4(v) => (Family::V4, u32::from(v) as u128, 32),
        IpAddr::V6(v) => (Family::V6, u128::from(v), 128),
    }
}

impl Range {
    /// `ADDR`, `ADDR/LEN`, `ADDR/MASK` (IPv4 dotted mask), `ADDR-ADDR`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Range> {
        let s = s.trim();
        if let Some((a, b)) = s.split_once('-') {
            let (fa, la, _) = bits(a.trim().parse().ok()?);
            let (fb, lb, _) = bits(b.trim().parse().ok()?);
            return (fa == fb && la <= lb).then_some(Range {
                family: fa,
                lo: la,
                hi: lb,
            });
        }
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let (family, v, width) = bits(addr.parse().ok()?);
        let len = match len {
            None => width,
            Some(l) => match l.parse::<u32>() {
                Ok(n) if n <= width => n,
                Ok(_) => return None,
                Err(_) => {
                    // iptables accepts a dotted mask: 255.255.255.0 is /24.
                    let (mf, m, _) = bits(l.parse().ok()?);
                    if mf != Family::V4 {
                        return None;
                    }
                    let m = m as u32;
                    let n = m.leading_ones();
                    if m.checked_shl(n).unwrap_or(0) != 0 {
                        return None;
                    }
                    n
                }
            },
        };
        let host = if len == 0 {
            if width == 128 {
                u128::MAX
            } else {
                (1u128 << width) - 1
            }
        } else {
            (1u128 << (width - len)) - 1
        };
        Some(Range {
            family,
            lo: v & !host,
            hi: (v & !host) | host,
        })
    }

    /// The whole address space of one family.
    pub fn all(family: Family) -> Range {
        Range {
            family,
            lo: 0,
            hi: match family {
                Family::V4 => u32::MAX as u128,
                Family::V6 => u128::MAX,
            },
        }
    }
}

/// How much of a set of endpoint ranges a rule's ranges match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    All,
    None,
    Some,
}

/// Whether `rule` covers every address of `endpoint` (of `family`), none of them, or some.
/// An endpoint with no address of the family is covered by nothing.
pub fn cover(rule: &[Range], endpoint: &[Range], family: Family) -> Cover {
    let mut merged: Vec<(u128, u128)> = rule
        .iter()
        .filter(|r| r.family == family)
        .map(|r| (r.lo, r.hi))
        .collect();
    merged.sort();
    let mut m: Vec<(u128, u128)> = Vec::with_capacity(merged.len());
    for (lo, hi) in merged {
        match m.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => m.push((lo, hi)),
        }
    }
    let (mut all, mut any) = (true, false);
    let mut seen = false;
    for e in endpoint.iter().filter(|e| e.family == family) {
        seen = true;
        let inside = m.iter().any(|(lo, hi)| *lo <= e.lo && e.hi <= *hi);
        let touches = m.iter().any(|(lo, hi)| *lo <= e.hi && e.lo <= *hi);
        all &= inside;
        any |= touches;
    }
    match (seen, all, any) {
        (false, _, _) => Cover::None,
        (true, true, _) => Cover::All,
        (true, false, false) => Cover::None,
        _ => Cover::Some,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Range {
        Range::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    /// Prefixes, masks, ranges and bare addresses of both families; junk is refused.
    #[test]
    fn parses() {
        assert_eq!(r("10.1.2.3/8"), r("10.0.0.0-10.255.255.255"));
        assert_eq!(r("192.0.2.0/255.255.255.0"), r("192.0.2.0/24"));
        assert_eq!(r("0.0.0.0/0"), Range::all(Family::V4));
        assert_eq!(r("::/0"), Range::all(Family::V6));
        assert_eq!(r("2001:db8::1").lo, r("2001:db8::1").hi);
        assert_eq!(r("2001:db8::/32").family, Family::V6);
        for bad in [
            "10.0.0.0/33",
            "host.example",
            "10.0.0.9-10.0.0.1",
            "10.0.0.1-::1",
            "1.2.3.4/255.0.255.0",
        ] {
            assert!(Range::parse(bad).is_none(), "{bad}");
        }
    }

    /// All, none or some of an endpoint's ranges, across merged adjacent rule ranges.
    #[test]
    fn covers() {
        let ep = [r("198.51.100.0/25"), r("198.51.100.128/25")];
        assert_eq!(cover(&[r("198.51.100.0/24")], &ep, Family::V4), Cover::All);
        assert_eq!(
            cover(
                &[
                    r("198.51.100.0/25"),
                    r("198.51.100.128/26"),
                    r("198.51.100.192/26")
                ],
                &ep,
                Family::V4
            ),
            Cover::All
        );
        assert_eq!(cover(&[r("203.0.113.0/24")], &ep, Family::V4), Cover::None);
        assert_eq!(cover(&[r("198.51.100.7")], &ep, Family::V4), Cover::Some);
        assert_eq!(cover(&[r("198.51.100.0/24")], &ep, Family::V6), Cover::None);
    }
}
