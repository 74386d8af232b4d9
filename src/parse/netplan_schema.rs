//! Whether netplan accepts a file's contents: every key one netplan knows in its place, every
//! value of the shape it wants (parse/netplan_keys.rs), as its generator checks a file while
//! reading it. One refused file makes netplan refuse the whole configuration: `generate`
//! exits non-zero and writes nothing, so no adapter gets an address from any netplan file.
//! The first refusal is reported with its line and netplan's own words for it.
//!
//! Not modelled (the tool accepts where netplan may refuse): checks across definitions
//! (an `interfaces:` entry or `link:` naming no defined device, `set-name` without `match`),
//! per-type requirements checked after reading (a VLAN without `id`/`link`, a tunnel without
//! `mode`), and the values of [`Shape::Checked`] keys.

use super::netplan_keys::{ADDRESS_OPTIONS, Key, ROOT, Shape};
use super::yaml::{Kind, Node, YamlError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Checks a parsed file (its first document) as netplan's parser does.
pub fn check(doc: &Node) -> Result<(), YamlError> {
    match doc.kind {
        // An empty file defines nothing and is accepted.
        Kind::Null => Ok(()),
        _ => mapping(doc, ROOT, false),
    }
}

fn refuse<T>(n: &Node, message: String) -> Result<T, YamlError> {
    refuse_at(n.line, message)
}

fn refuse_at<T>(line: usize, message: String) -> Result<T, YamlError> {
    Err(YamlError {
        line,
        message: format!("{message} (netplan refuses this file, and with it every netplan file)"),
    })
}

/// The text of a scalar node; `None` for a collection.
fn scalar(n: &Node) -> Option<&str> {
    match &n.kind {
        Kind::Str(s) => Some(s),
        // Only an empty document is null; as a value it is the empty scalar.
        Kind::Null => Some(""),
        _ => None,
    }
}

fn expect_scalar(n: &Node) -> Result<&str, YamlError> {
    scalar(n).map_or_else(|| refuse(n, "expected scalar".into()), Ok)
}

fn expect_seq(n: &Node) -> Result<&[Node], YamlError> {
    match &n.kind {
        Kind::Seq(items) => Ok(items),
        _ => refuse(n, "expected sequence".into()),
    }
}

fn expect_map(n: &Node) -> Result<&[(String, Node)], YamlError> {
    match &n.kind {
        Kind::Map(entries) => Ok(entries),
        _ => refuse(n, "expected mapping (check indentation)".into()),
    }
}

/// A mapping whose keys must be in `keys`, each value of its shape. `vlan` allows the
/// VLAN-only renderer `sriov`.
fn mapping(n: &Node, keys: &[Key], vlan: bool) -> Result<(), YamlError> {
    for (key, value) in expect_map(n)? {
        let Some((_, shape)) = keys.iter().find(|(k, _)| k == key) else {
            return refuse_at(value.key_line, format!("unknown key '{key}'"));
        };
        shaped(value, *shape, vlan)?;
    }
    Ok(())
}

fn shaped(n: &Node, shape: Shape, vlan: bool) -> Result<(), YamlError> {
    match shape {
        Shape::Bool => {
            let v = expect_scalar(n)?;
            if boolean(v).is_none() {
                return refuse(n, format!("invalid boolean value '{v}'"));
            }
        }
        Shape::Uint => {
            let v = expect_scalar(n)?;
            if unsigned(v).is_none() {
                return refuse(n, format!("invalid unsigned int value '{v}'"));
            }
        }
        Shape::Str | Shape::Checked => {
            expect_scalar(n)?;
        }
        Shape::Mac => {
            let v = expect_scalar(n)?;
            if !mac(v) {
                return refuse(
                    n,
                    format!(
                        "Invalid MAC address '{v}', must be XX:XX:XX:XX:XX:XX or {}",
                        ["XX"; 20].join(":")
                    ),
                );
            }
        }
        Shape::Ipv4 => {
            let v = expect_scalar(n)?;
            if v.parse::<Ipv4Addr>().is_err() {
                return refuse(n, format!("invalid IPv4 address '{v}'"));
            }
        }
        Shape::Ipv6 => {
            let v = expect_scalar(n)?;
            if v.parse::<Ipv6Addr>().is_err() {
                return refuse(n, format!("invalid IPv6 address '{v}'"));
            }
        }
        Shape::Renderer => {
            let v = expect_scalar(n)?;
            let known = matches!(v, "networkd" | "NetworkManager") || (vlan && v == "sriov");
            if !known {
                return refuse(n, format!("unknown renderer '{v}'"));
            }
        }
        Shape::Version => {
            if leading_integer(expect_scalar(n)?) != 2 {
                return refuse(n, "Only version 2 is supported".into());
            }
        }
        Shape::Addresses => {
            for item in expect_seq(n)? {
                address_item(item)?;
            }
        }
        Shape::Ips => {
            for item in expect_seq(n)? {
                let v = expect_scalar(item)?;
                if v.parse::<IpAddr>().is_err() {
                    return refuse(
                        item,
                        format!("malformed address '{v}', must be X.X.X.X or X:X:X:X:X:X:X:X"),
                    );
                }
            }
        }
        Shape::Scalars => {
            for item in expect_seq(n)? {
                expect_scalar(item)?;
            }
        }
        Shape::Seq => {
            expect_seq(n)?;
        }
        Shape::Maps(keys) => {
            for item in expect_seq(n)? {
                mapping(item, keys, vlan)?;
            }
        }
        Shape::Map(keys) => mapping(n, keys, vlan)?,
        Shape::MapOfMaps(keys) => {
            for (_, v) in expect_map(n)? {
                mapping(v, keys, vlan)?;
            }
        }
        Shape::Devices(keys) => devices(n, keys)?,
        Shape::Any => {}
    }
    Ok(())
}

/// A device type's mapping: ids netplan accepts, each a definition (or the type's own
/// `renderer`).
fn devices(n: &Node, keys: &[Key]) -> Result<(), YamlError> {
    let vlan = std::ptr::eq(keys, super::netplan_keys::VLAN);
    for (id, def) in expect_map(n)? {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return refuse_at(def.key_line, format!("Invalid name '{id}'"));
        }
        if id.contains(['*', '[', ']', '?']) {
            return refuse_at(
                def.key_line,
                format!("Definition ID '{id}' must not use globbing"),
            );
        }
        if id == "renderer" {
            shaped(def, Shape::Renderer, false)?;
            continue;
        }
        mapping(def, keys, vlan)?;
    }
    Ok(())
}

/// One `addresses` entry: `ADDR/PREFIX`, or a mapping from it to its options (netplan takes
/// the first key of such a mapping as the address).
fn address_item(item: &Node) -> Result<(), YamlError> {
    let text = match &item.kind {
        Kind::Map(entries) => {
            let Some((addr, options)) = entries.first() else {
                return refuse(
                    item,
                    "expected either scalar or mapping (check indentation)".into(),
                );
            };
            mapping(options, ADDRESS_OPTIONS, false)?;
            addr.as_str()
        }
        Kind::Seq(_) => {
            return refuse(
                item,
                "expected either scalar or mapping (check indentation)".into(),
            );
        }
        _ => scalar(item).unwrap_or(""),
    };
    address(text).map(|_| ()).or_else(|e| refuse(item, e))
}

/// An `addresses` entry as netplan reads it: the text after the last `/` is the prefix,
/// read as C's `strtoull` reads it (leading blanks and a sign skipped, stopping at the first
/// non-digit: `24x` is 24), 1-32 for IPv4 and 1-128 for IPv6; the text before it must be an
/// address exactly (`inet_pton`: no blanks, no leading zeros).
pub fn address(text: &str) -> Result<(IpAddr, u8), String> {
    let Some((addr, prefix)) = text.rsplit_once('/') else {
        return Err(format!("address '{text}' is missing /prefixlength"));
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return Err(format!(
            "malformed address '{text}', must be X.X.X.X/NN or X:X:X:X:X:X:X:X/NN"
        ));
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    match strtoull_prefix(prefix) {
        Some(p) if (1..=max).contains(&p) => Ok((addr, p as u8)),
        _ => Err(format!("invalid prefix length in address '{text}'")),
    }
}

/// The number C's `strtoull` reads at the start of `s` (0 when there is none), `None` when
/// it overflows or is negative and not zero.
fn strtoull_prefix(s: &str) -> Option<u64> {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    let v: u64 = if end == 0 {
        0
    } else {
        digits[..end].parse().ok()?
    };
    (!negative || v == 0).then_some(v)
}

/// C's `strtol` reading of `version` (leading digits; 0 when there are none).
fn leading_integer(s: &str) -> i64 {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (sign, digits) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    sign * digits[..end]
        .parse::<i64>()
        .unwrap_or(if end == 0 { 0 } else { i64::MAX })
}

/// A netplan boolean (any case).
pub fn boolean(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" => Some(true),
        "false" | "off" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// netplan's unsigned numbers: `g_ascii_strtoull` over the whole text (blanks and a `+`
/// before it allowed, nothing after it), at most 2^32-1. The empty text reads as 0.
fn unsigned(v: &str) -> Option<u32> {
    let t = v.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if v.is_empty() {
        return Some(0);
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    match (negative, n) {
        (true, 0) => Some(0),
        (true, _) => None,
        (false, n) => u32::try_from(n).ok(),
    }
}

/// XX:XX:XX:XX:XX:XX (Ethernet) or 20 pairs (InfiniBand).
fn mac(v: &str) -> bool {
    let parts: Vec<&str> = v.split(':').collect();
    matches!(parts.len(), 6 | 20)
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    fn verdict(text: &str) -> Result<(), String> {
        check(&yaml::parse(text).unwrap()).map_err(|e| e.to_string())
    }

    fn eth(body: &str) -> String {
        format!("network:\n  version: 2\n  ethernets:\n    eth0:\n{body}")
    }

    /// Keys netplan does not know, where they are, each refused with the line and its name.
    #[test]
    fn unknown_keys() {
        let e = verdict(&eth(
            "      dhcp4: true\n      addresse: [198.51.100.1/24]\n",
        ))
        .unwrap_err();
        assert!(e.starts_with("line 6: unknown key 'addresse'"), "{e}");
        assert!(
            verdict("foo: 1\nnetwork:\n  version: 2\n")
                .unwrap_err()
                .contains("'foo'")
        );
        assert!(
            verdict("network:\n  ethernet:\n    eth0: {}\n")
                .unwrap_err()
                .contains("'ethernet'")
        );
        // A key of another device type: `interfaces` is a bond's, not an ethernet's.
        assert!(verdict(&eth("      interfaces: [eth1]\n")).is_err());
        assert!(verdict("network:\n  bonds:\n    bond0:\n      interfaces: [eth1]\n      parameters: {mode: active-backup, mii-monitor-interval: 100}\n").is_ok());
        assert!(
            verdict(&eth(
                "      nameservers: {addresses: [192.0.2.53], serach: [x]}\n"
            ))
            .unwrap_err()
            .contains("'serach'")
        );
        // VRFs take no addresses.
        assert!(verdict("network:\n  vrfs:\n    vrf0:\n      table: 10\n      addresses: [198.51.100.1/24]\n").is_err());
    }

    /// Values of the wrong shape or out of range are refused as netplan refuses them.
    #[test]
    fn wrong_values() {
        for (body, want) in [
            ("      dhcp4: maybe\n", "invalid boolean value 'maybe'"),
            ("      dhcp4: 1\n", "invalid boolean value '1'"),
            ("      dhcp4:\n", "invalid boolean value ''"),
            ("      mtu: 15oo\n", "invalid unsigned int value '15oo'"),
            ("      mtu: 4294967296\n", "invalid unsigned int value"),
            ("      mtu: ~\n", "invalid unsigned int value '~'"),
            ("      addresses: 198.51.100.1/24\n", "expected sequence"),
            ("      addresses:\n", "expected sequence"),
            ("      dhcp4: [true]\n", "expected scalar"),
            ("      match: eth0\n", "expected mapping"),
            (
                "      addresses: [300.1.1.1/24]\n",
                "malformed address '300.1.1.1/24'",
            ),
            ("      addresses: [198.51.100.1]\n", "missing /prefixlength"),
            (
                "      addresses: [198.51.100.1/33]\n",
                "invalid prefix length",
            ),
            (
                "      addresses: [\"2001:db8::1/0\"]\n",
                "invalid prefix length",
            ),
            (
                "      addresses: [\" 198.51.100.1/24\"]\n",
                "malformed address",
            ),
            (
                "      addresses: [[198.51.100.1/24]]\n",
                "expected either scalar or mapping",
            ),
            (
                "      addresses: [{198.51.100.1/24: x}]\n",
                "expected mapping",
            ),
            ("      gateway4: 198.51.100.1/24\n", "invalid IPv4 address"),
            ("      macaddress: 52:54:00:12:34\n", "Invalid MAC address"),
            ("      renderer: systemd\n", "unknown renderer 'systemd'"),
        ] {
            let e = verdict(&eth(body)).unwrap_err();
            assert!(e.contains(want), "{body}: {e}");
        }
        assert!(
            verdict("network:\n  version: 3\n")
                .unwrap_err()
                .contains("Only version 2")
        );
        assert!(
            verdict("network:\n")
                .unwrap_err()
                .contains("expected mapping")
        );
        assert!(
            verdict("network:\n  ethernets:\n    eth0:\n")
                .unwrap_err()
                .contains("expected mapping")
        );
        assert!(
            verdict("network:\n  ethernets:\n    \"eth*\": {}\n")
                .unwrap_err()
                .contains("globbing")
        );
    }

    /// What netplan accepts although it looks wrong: its number and prefix readers are C's.
    #[test]
    fn accepted_as_netplan_accepts() {
        for body in [
            "      mtu: \"\"\n",
            "      mtu: \" 1500\"\n",
            "      mtu: \"+1500\"\n",
            "      mtu: \"-0\"\n",
            "      dhcp4: YES\n",
            "      dhcp6: n\n",
            "      addresses: [\"198.51.100.1/ 24\", 198.51.100.2/024, 198.51.100.3/24x, \"::ffff:192.0.2.1/96\"]\n",
            "      addresses: [{198.51.100.1/24: {label: eth0:1, lifetime: 0}, 198.51.100.2/24: {}}]\n",
            "      macaddress: 52:54:00:AB:cd:ef\n",
            "      match: {driver: [ixgbe, e1000]}\n",
            "      networkmanager: {passthrough: {ipv4.dns-priority: \"10\"}}\n",
        ] {
            assert_eq!(verdict(&eth(body)), Ok(()), "{body}");
        }
        assert_eq!(verdict(""), Ok(()));
        assert_eq!(
            verdict("network:\n  version: 2\n  ethernets:\n    renderer: networkd\n"),
            Ok(())
        );
        assert_eq!(
            verdict(
                "network:\n  vlans:\n    v1:\n      renderer: sriov\n      id: 1\n      link: eth0\n"
            ),
            Ok(())
        );
        assert_eq!(
            address("198.51.100.1/024"),
            Ok(("198.51.100.1".parse().unwrap(), 24))
        );
    }
}
