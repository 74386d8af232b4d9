//! The common shape every network-configuration parser produces (ifcfg, ifupdown, netplan,
//! NetworkManager keyfiles): per interface, its static addresses, whether it asks DHCP for
//! one, whether it is brought up at boot, and whether it is only a port of a bond or bridge.

use std::net::IpAddr;

/// A static address, with the line of its file that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticAddr {
    pub addr: IpAddr,
    pub prefix: Option<u8>,
    pub line: usize,
}

/// One interface as a configuration file describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IfaceConfig {
    /// The kernel interface name; `None` when the file does not say (a NetworkManager profile
    /// bound to no interface).
    pub name: Option<String>,
    /// What the file calls it when that is not the interface name (a profile id, a netplan id).
    pub label: Option<String>,
    /// The line where its definition starts (1 for whole-file formats).
    pub line: usize,
    pub addresses: Vec<StaticAddr>,
    /// Gets its IPv4 address from DHCP (or BOOTP).
    pub dhcp4: bool,
    /// Gets an IPv6 address from DHCPv6.
    pub dhcp6: bool,
    /// Brought up at boot (`ONBOOT`, `STARTMODE`, `auto`, `autoconnect`).
    pub on_boot: bool,
    /// The loopback interface's own stanza.
    pub loopback: bool,
    /// A port of a bond, team or bridge (`MASTER=bond0`): its addresses live on the master.
    pub port_of: Option<String>,
    /// Values that could not be understood, as `line: message`.
    pub problems: Vec<String>,
}

impl IfaceConfig {
    /// A name to show: the interface name, else the label.
    pub fn shown_name(&self) -> String {
        match (&self.name, &self.label) {
            (Some(n), _) => n.clone(),
            (None, Some(l)) => format!("profile '{l}' (no interface-name)"),
            (None, None) => "(unnamed)".into(),
        }
    }
}

/// Parses `ADDR`, `ADDR/PREFIX`; the prefix must fit the address family.
pub fn parse_cidr(s: &str) -> Option<(IpAddr, Option<u8>)> {
    let s = s.trim();
    let (a, p) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = a.parse().ok()?;
    let prefix = match p {
        None => None,
        Some(p) => {
            let n: u8 = p.parse().ok()?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if n > max {
                return None;
            }
            Some(n)
        }
    };
    Some((addr, prefix))
}

/// A dotted netmask (`255.255.255.0`) as a prefix length; `None` when not contiguous.
pub fn netmask_prefix(mask: &str) -> Option<u8> {
    let m: std::net::Ipv4Addr = mask.trim().parse().ok()?;
    let bits = u32::from(m);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses with and without prefixes; out-of-range prefixes and garbage are refused.
    #[test]
    fn cidr_forms() {
        assert_eq!(
            parse_cidr("198.51.100.10/24"),
            Some(("198.51.100.10".parse().unwrap(), Some(24)))
        );
        assert_eq!(
            parse_cidr(" 2001:db8::1/64 "),
            Some(("2001:db8::1".parse().unwrap(), Some(64)))
        );
        assert_eq!(
            parse_cidr("203.0.113.5"),
            Some(("203.0.113.5".parse().unwrap(), None))
        );
        assert_eq!(parse_cidr("198.51.100.10/33"), None);
        assert_eq!(parse_cidr("web01"), None);
    }

    /// Contiguous netmasks convert; holes are refused.
    #[test]
    fn netmasks() {
        assert_eq!(netmask_prefix("255.255.255.0"), Some(24));
        assert_eq!(netmask_prefix("255.255.252.0"), Some(22));
        assert_eq!(netmask_prefix("0.0.0.0"), Some(0));
        assert_eq!(netmask_prefix("255.255.255.255"), Some(32));
        assert_eq!(netmask_prefix("255.0.255.0"), None);
    }
}
