//! `ifcfg-*` files in their two dialects: Red Hat's `/etc/sysconfig/network-scripts`
//! (`IPADDR`, `IPADDRn` with `PREFIXn`/`NETMASKn`, `BOOTPROTO=dhcp`, `ONBOOT`, `MASTER`) and
//! SUSE's `/etc/sysconfig/network` (`IPADDR` and `IPADDR_x` with a `/prefix`, `BOOTPROTO=dhcp4`,
//! `STARTMODE`). Values are read with the shell subset of [`super::shell_vars`].

use super::netconf::{IfaceConfig, StaticAddr, netmask_prefix, parse_cidr};
use super::shell_vars::{self, Assignment};

/// Which distribution family wrote the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    RedHat,
    Suse,
}

/// Whether a file in the configuration directory is one the network service reads:
/// `ifcfg-NAME`, not the loopback, not an editor or package-manager leftover.
pub fn is_config_file(file_name: &str) -> bool {
    const LEFTOVERS: &[&str] = &[
        "~", ".bak", ".orig", ".rpmnew", ".rpmorig", ".rpmsave", ".old", ".save", ".swp", ".tmp",
    ];
    match file_name.strip_prefix("ifcfg-") {
        Some(suffix) => {
            !suffix.is_empty() && suffix != "lo" && !LEFTOVERS.iter().any(|l| suffix.ends_with(l))
        }
        None => false,
    }
}

fn yes(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "yes" | "y" | "true" | "1" | "on"
    )
}

fn no(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "no" | "n" | "false" | "0" | "off"
    )
}

fn last<'a>(vars: &'a [Assignment], key: &str) -> Option<&'a Assignment> {
    vars.iter().rev().find(|a| a.key == key)
}

/// Parses one `ifcfg-SUFFIX` file.
pub fn parse(suffix: &str, text: &str, dialect: Dialect) -> IfaceConfig {
    let vars = shell_vars::parse(text);
    let get = |k: &str| shell_vars::get(&vars, k).filter(|v| !v.is_empty());
    let mut cfg = IfaceConfig {
        line: 1,
        ..IfaceConfig::default()
    };
    cfg.name = Some(match (dialect, get("DEVICE")) {
        (Dialect::RedHat, Some(d)) => d.to_string(),
        _ => suffix.to_string(),
    });
    if let Some(n) = get("NAME").filter(|n| Some(*n) != cfg.name.as_deref()) {
        cfg.label = Some(n.to_string());
    }
    let bootproto = get("BOOTPROTO").unwrap_or("").to_ascii_lowercase();
    match dialect {
        Dialect::RedHat => {
            cfg.dhcp4 = matches!(bootproto.as_str(), "dhcp" | "bootp");
            cfg.dhcp6 = get("DHCPV6C").is_some_and(yes);
            // The network service skips only files that say ONBOOT=no.
            cfg.on_boot = !get("ONBOOT").is_some_and(no);
            cfg.port_of = get("MASTER")
                .or_else(|| get("TEAM_MASTER"))
                .or_else(|| get("BRIDGE"))
                .map(str::to_string);
        }
        Dialect::Suse => {
            cfg.dhcp4 = bootproto.starts_with("dhcp") && bootproto != "dhcp6";
            cfg.dhcp6 = bootproto == "dhcp" || bootproto.starts_with("dhcp6");
            cfg.on_boot = !matches!(
                get("STARTMODE").map(str::to_ascii_lowercase).as_deref(),
                Some("off" | "manual")
            );
            cfg.port_of = get("BRIDGE_PORT_OF")
                .or_else(|| get("MASTER"))
                .map(str::to_string);
        }
    }
    // Red Hat ignores IPADDR with DHCP (the static IPv6 addresses still apply); SUSE adds
    // IPADDR* aliases next to the lease.
    match dialect {
        Dialect::RedHat => {
            let v4 = !cfg.dhcp4;
            redhat_addresses(&vars, &mut cfg, v4)
        }
        Dialect::Suse => suse_addresses(&vars, &mut cfg),
    }
    cfg
}

/// `IPADDR`, `IPADDR0`..`IPADDR255` (each with its `PREFIXn` or `NETMASKn`; the IPv4 ones only
/// when `v4`), `IPV6ADDR` and `IPV6ADDR_SECONDARIES`.
///
/// The numbering rule is the one initscripts' `expand_config` and NetworkManager's ifcfg-rh
/// reader share: `IPADDR`, `IPADDR0` and `IPADDR1` may each be missing, but from `IPADDR2` on
/// the first missing (or empty) index ends the list, so an `IPADDR5` after a gap is never
/// configured.
fn redhat_addresses(vars: &[Assignment], cfg: &mut IfaceConfig, v4: bool) {
    let indices = ["".to_string()]
        .into_iter()
        .chain((0..=255u32).map(|i| i.to_string()));
    for n in indices.filter(|_| v4) {
        let key = format!("IPADDR{n}");
        let a = last(vars, &key).filter(|a| !a.value.is_empty());
        let Some(a) = a else {
            if n.parse::<u32>().is_ok_and(|i| i >= 2) {
                break;
            }
            continue;
        };
        let prefix = last(vars, &format!("PREFIX{n}"))
            .and_then(|p| p.value.parse::<u8>().ok())
            .or_else(|| last(vars, &format!("NETMASK{n}")).and_then(|m| netmask_prefix(&m.value)));
        match a.value.parse::<std::net::Ipv4Addr>() {
            Ok(ip) => cfg.addresses.push(StaticAddr {
                addr: ip.into(),
                prefix,
                line: a.line,
            }),
            Err(_) => cfg.problems.push(format!(
                "line {}: {key}={} is not an IPv4 address",
                a.line, a.value
            )),
        }
    }
    let ipv6_on = last(vars, "IPV6INIT").is_some_and(|a| yes(&a.value));
    if !ipv6_on {
        return;
    }
    for key in ["IPV6ADDR", "IPV6ADDR_SECONDARIES"] {
        let Some(a) = last(vars, key) else { continue };
        for word in a.value.split_ascii_whitespace() {
            push_cidr(cfg, key, word, a.line, false);
        }
    }
}

/// `IPADDR` and every `IPADDR_suffix`, each `ADDR/PREFIX` or with `PREFIXLEN_x`/`NETMASK_x`.
fn suse_addresses(vars: &[Assignment], cfg: &mut IfaceConfig) {
    let keys = vars
        .iter()
        .map(|a| a.key.as_str())
        .filter(|k| *k == "IPADDR" || k.starts_with("IPADDR_"));
    let mut seen = Vec::new();
    for key in keys {
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let Some(a) = last(vars, key) else { continue };
        if a.value.is_empty() {
            continue;
        }
        let suffix = &key[6..];
        let before = cfg.addresses.len();
        push_cidr(cfg, key, &a.value, a.line, true);
        if let Some(added) = cfg.addresses.get_mut(before)
            && added.prefix.is_none()
        {
            added.prefix = last(vars, &format!("PREFIXLEN{suffix}"))
                .and_then(|p| p.value.parse::<u8>().ok())
                .or_else(|| {
                    last(vars, &format!("NETMASK{suffix}")).and_then(|m| netmask_prefix(&m.value))
                });
        }
    }
}

fn push_cidr(cfg: &mut IfaceConfig, key: &str, value: &str, line: usize, any_family: bool) {
    match parse_cidr(value) {
        Some((addr, prefix)) if any_family || addr.is_ipv6() => {
            cfg.addresses.push(StaticAddr { addr, prefix, line })
        }
        _ => cfg
            .problems
            .push(format!("line {line}: {key}={value} is not an address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(c: &IfaceConfig) -> Vec<String> {
        c.addresses
            .iter()
            .map(|a| match a.prefix {
                Some(p) => format!("{}/{p}", a.addr),
                None => a.addr.to_string(),
            })
            .collect()
    }

    /// Red Hat: IPADDR with NETMASK, numbered IPADDRn with PREFIXn, IPv6 only with IPV6INIT.
    #[test]
    fn redhat_static() {
        let c = parse(
            "eth0",
            "DEVICE=eth0\nBOOTPROTO=none\nIPADDR=198.51.100.10\nNETMASK=255.255.255.0\nIPADDR1=198.51.100.11\nPREFIX1=25\nIPADDR2='203.0.113.7'\nIPV6INIT=yes\nIPV6ADDR=2001:db8::10/64\nIPV6ADDR_SECONDARIES=\"2001:db8::11/64 2001:db8::12/64\"\n",
            Dialect::RedHat,
        );
        assert_eq!(c.name.as_deref(), Some("eth0"));
        assert_eq!(
            addrs(&c),
            vec![
                "198.51.100.10/24",
                "198.51.100.11/25",
                "203.0.113.7",
                "2001:db8::10/64",
                "2001:db8::11/64",
                "2001:db8::12/64"
            ]
        );
        assert!(!c.dhcp4 && c.on_boot && c.port_of.is_none());
        assert_eq!(c.addresses[0].line, 3);
    }

    /// Red Hat: DHCP ignores IPADDR; ONBOOT=no; DEVICE overrides the file name; MASTER ports.
    #[test]
    fn redhat_dhcp_onboot_master() {
        let c = parse(
            "enp0s3",
            "DEVICE=\"eth9\"\nBOOTPROTO=dhcp\nIPADDR=198.51.100.10\nONBOOT=no\n",
            Dialect::RedHat,
        );
        assert_eq!(c.name.as_deref(), Some("eth9"));
        assert!(c.dhcp4 && !c.on_boot && c.addresses.is_empty());
        let p = parse(
            "eth0",
            "DEVICE=eth0\nBOOTPROTO=dhcp\nMASTER=\"bond0\"\nONBOOT=yes\n",
            Dialect::RedHat,
        );
        assert_eq!(p.port_of.as_deref(), Some("bond0"));
        let v6off = parse("eth0", "IPV6ADDR=2001:db8::1/64\n", Dialect::RedHat);
        assert!(v6off.addresses.is_empty());
    }

    /// A bad address is reported with its line, not silently dropped.
    #[test]
    fn redhat_bad_address() {
        let c = parse("eth0", "IPADDR=198.51.100.300\n", Dialect::RedHat);
        assert!(c.addresses.is_empty());
        assert_eq!(c.problems.len(), 1);
        assert!(
            c.problems[0].starts_with("line 1: IPADDR="),
            "{:?}",
            c.problems
        );
    }

    /// SUSE: IPADDR with /prefix, IPADDR_x labels, PREFIXLEN, STARTMODE, dhcp4.
    #[test]
    fn suse_forms() {
        let c = parse(
            "eth0",
            "BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='198.51.100.10/24'\nIPADDR_2='203.0.113.8'\nPREFIXLEN_2='26'\nIPADDR_v6='2001:db8::5/64'\nLABEL_2='two'\n",
            Dialect::Suse,
        );
        assert_eq!(
            addrs(&c),
            vec!["198.51.100.10/24", "203.0.113.8/26", "2001:db8::5/64"]
        );
        assert!(c.on_boot && !c.dhcp4);
        let d = parse(
            "eth1",
            "BOOTPROTO='dhcp4'\nSTARTMODE='off'\n",
            Dialect::Suse,
        );
        assert!(d.dhcp4 && !d.dhcp6 && !d.on_boot);
        let both = parse("eth1", "BOOTPROTO=dhcp\n", Dialect::Suse);
        assert!(both.dhcp4 && both.dhcp6);
    }

    /// Which directory entries are interface configurations.
    #[test]
    fn config_file_names() {
        assert!(is_config_file("ifcfg-eth0"));
        assert!(is_config_file("ifcfg-eth0:1"));
        assert!(!is_config_file("ifcfg-lo"));
        assert!(!is_config_file("ifcfg-eth0.bak"));
        assert!(!is_config_file("ifcfg-eth0~"));
        assert!(!is_config_file("ifcfg-eth0.rpmsave"));
        assert!(!is_config_file("route-eth0"));
        assert!(!is_config_file("ifcfg-"));
    }

    /// initscripts' numbering (network-functions, expand_config): IPADDR, IPADDR0 and IPADDR1
    /// are optional, from IPADDR2 on the first gap ends the list; an empty value is a gap.
    #[test]
    fn redhat_numbering_stops_at_a_gap() {
        let c = parse(
            "eth0",
            "IPADDR1=198.51.100.1\nPREFIX1=24\nIPADDR2=198.51.100.2\nIPADDR4=198.51.100.4\n",
            Dialect::RedHat,
        );
        assert_eq!(addrs(&c), vec!["198.51.100.1/24", "198.51.100.2"]);
        let only5 = parse(
            "eth0",
            "BOOTPROTO=none\nIPADDR5=198.51.100.5\n",
            Dialect::RedHat,
        );
        assert!(only5.addresses.is_empty(), "{:?}", only5.addresses);
        let empty2 = parse(
            "eth0",
            "IPADDR=198.51.100.9\nIPADDR2=\nIPADDR3=198.51.100.3\n",
            Dialect::RedHat,
        );
        assert_eq!(addrs(&empty2), vec!["198.51.100.9"]);
        // IPADDR0 missing does not stop IPADDR1 and IPADDR2.
        let c = parse(
            "eth0",
            "IPADDR=198.51.100.9\nIPADDR1=198.51.100.1\nIPADDR2=198.51.100.2\n",
            Dialect::RedHat,
        );
        assert_eq!(c.addresses.len(), 3);
    }

    /// With BOOTPROTO=dhcp the IPv4 addresses are ignored but IPV6ADDR and the secondaries
    /// are still configured (ifup-ipv6 reads them whatever BOOTPROTO says).
    #[test]
    fn redhat_dhcp_keeps_static_ipv6() {
        let c = parse(
            "eth0",
            "BOOTPROTO=dhcp\nIPADDR=198.51.100.9\nIPV6INIT=yes\nIPV6ADDR=2001:db8::9/64\nIPV6ADDR_SECONDARIES=\"2001:db8::10/64\"\n",
            Dialect::RedHat,
        );
        assert!(c.dhcp4);
        assert_eq!(addrs(&c), vec!["2001:db8::9/64", "2001:db8::10/64"]);
    }
}
