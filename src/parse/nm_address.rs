//! The `addressN=` values of NetworkManager keyfiles, read as libnm's keyfile reader reads
//! them (checked against it in tests/suite/nm_keyfile.rs):
//! - the keys are `address`, `addresses`, `address0`, or either name followed by a number
//!   without a leading zero (`address01` is no address key); they are taken in the order of
//!   that number, the bare names first;
//! - a value is an address, a prefix length and a gateway, separated by `/`, `;` or `,` in any
//!   mix (`ADDR/24,GW`, the older `ADDR;24;GW;`);
//! - a field that is not a number where the prefix belongs is read as the gateway instead
//!   (`ADDR/255.255.255.0` is ADDR with the default prefix and gateway 255.255.255.0);
//! - a missing or out-of-range prefix is 24 for IPv4 and 64 for IPv6;
//! - any other character (a blank at the end, letters past the hex digits), more fields, or
//!   an address of the other family, and NetworkManager ignores that address.

use std::net::IpAddr;

const DELIMITERS: &[char] = &['/', ';', ','];

fn address_char(c: char) -> bool {
    c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '%')
}

/// One field of characters accepted by `allowed`, ending at a delimiter or the end. `Err`
/// (the rest left as it was) when another character comes first; `Ok(None)` at the end.
fn field<'a>(rest: &mut Option<&'a str>, allowed: fn(char) -> bool) -> Result<Option<&'a str>, ()> {
    let Some(s) = *rest else { return Ok(None) };
    if s.is_empty() {
        return Ok(None);
    }
    let end = s.find(|c: char| !allowed(c)).unwrap_or(s.len());
    if end == s.len() {
        *rest = None;
        return Ok(Some(s));
    }
    if s[end..].starts_with(DELIMITERS) {
        *rest = Some(&s[end + 1..]);
        return Ok(Some(&s[..end]));
    }
    Err(())
}

/// An address NetworkManager keeps: the address, its prefix and the gateway field if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAddress {
    pub addr: IpAddr,
    pub prefix: u8,
    pub gateway: Option<String>,
}

/// Reads one value of the IPv4 (`v6` false) or IPv6 group; `None` when NetworkManager
/// ignores it.
pub fn parse(value: &str, v6: bool) -> Option<KeyAddress> {
    let mut rest = Some(value);
    let addr = field(&mut rest, address_char).ok()??;
    // A prefix that does not parse leaves the text for the gateway field.
    let plen = field(&mut rest, |c| c.is_ascii_digit()).ok().flatten();
    let gateway = field(&mut rest, address_char).ok()?;
    if rest.is_some_and(|r| !r.is_empty()) {
        return None;
    }
    let (max, default) = if v6 { (128, 64) } else { (32, 24) };
    let prefix = plen
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p <= max)
        .unwrap_or(default) as u8;
    let addr: IpAddr = if v6 {
        IpAddr::V6(addr.parse().ok()?)
    } else {
        IpAddr::V4(addr.parse().ok()?)
    };
    Some(KeyAddress {
        addr,
        prefix,
        gateway: gateway.filter(|g| !g.is_empty()).map(str::to_string),
    })
}

/// The place of an address key in NetworkManager's order, or `None` for other keys:
/// (number, -1 for none; 0 for `address`, 1 for `addresses`).
pub fn key_order(key: &str) -> Option<(i64, u8)> {
    let (rest, kind) = match key.strip_prefix("addresses") {
        Some(r) => (r, 1),
        None => (key.strip_prefix("address")?, 0),
    };
    let n = match rest {
        "" => -1,
        "0" => 0,
        r if r.starts_with(|c: char| ('1'..='9').contains(&c))
            && r.bytes().all(|b| b.is_ascii_digit()) =>
        {
            r.parse::<i32>().ok()?.into()
        }
        _ => return None,
    };
    Some((n, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(v: &str, v6: bool) -> String {
        match parse(v, v6) {
            Some(a) => format!("{}/{} {:?}", a.addr, a.prefix, a.gateway),
            None => "ignored".into(),
        }
    }

    /// The forms libnm 1.42 was seen to read (tests/suite/nm_keyfile.rs has the differential).
    #[test]
    fn forms() {
        assert_eq!(
            show("198.51.100.1/24,198.51.100.254", false),
            "198.51.100.1/24 Some(\"198.51.100.254\")"
        );
        assert_eq!(
            show("198.51.100.1;16;198.51.100.254;", false),
            "198.51.100.1/16 Some(\"198.51.100.254\")"
        );
        assert_eq!(
            show("10.0.0.2/255.255.252.0", false),
            "10.0.0.2/24 Some(\"255.255.252.0\")"
        );
        assert_eq!(show("10.0.0.1", false), "10.0.0.1/24 None");
        assert_eq!(show("10.0.0.1/33", false), "10.0.0.1/24 None");
        assert_eq!(show("10.0.0.1/", false), "10.0.0.1/24 None");
        assert_eq!(show("10.0.0.1/08", false), "10.0.0.1/8 None");
        assert_eq!(show("2001:db8::1", true), "2001:db8::1/64 None");
        assert_eq!(show("2001:db8::1/129", true), "2001:db8::1/64 None");
        for bad in [
            "10.0.0.1/24 ",
            "10.0.0.1/24x",
            "10.0.0.1/+8",
            "nope",
            "2001:db8::1/64",
            "10.0.0.1 /16",
        ] {
            assert_eq!(show(bad, false), "ignored", "{bad}");
        }
    }

    /// Which keys are address keys, and their order.
    #[test]
    fn keys() {
        assert_eq!(key_order("address"), Some((-1, 0)));
        assert_eq!(key_order("addresses"), Some((-1, 1)));
        assert_eq!(key_order("address0"), Some((0, 0)));
        assert_eq!(key_order("addresses12"), Some((12, 1)));
        assert_eq!(key_order("address01"), None);
        assert_eq!(key_order("address-x"), None);
        assert_eq!(key_order("addressesx"), None);
    }
}
