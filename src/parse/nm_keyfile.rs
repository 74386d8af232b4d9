//! NetworkManager keyfile profiles (`/etc/NetworkManager/system-connections/*.nmconnection`):
//! `[connection]` `interface-name`, `autoconnect` and `master`/`controller`; `[ipv4]` and
//! `[ipv6]` `method` and `address1=ADDR/PREFIX[,GATEWAY]` (also the older `addresses1=ADDR;PREFIX;GW;`).

use super::netconf::{IfaceConfig, StaticAddr, parse_cidr};

/// Whether NetworkManager reads a file of this name from a keyfile directory.
pub fn is_profile_file(name: &str) -> bool {
    if name.starts_with('.') || name.ends_with('~') {
        return false;
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) => ext == "nmconnection" && !stem.is_empty(),
        // Profiles written before the .nmconnection suffix have no extension at all.
        None => true,
    }
}

fn truthy(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// Whether `key` is `address`, `addressN`, `addresses` or `addressesN`.
fn is_address_key(key: &str) -> bool {
    let rest = key
        .strip_prefix("addresses")
        .or_else(|| key.strip_prefix("address"));
    rest.is_some_and(|r| r.bytes().all(|b| b.is_ascii_digit()))
}

/// Parses the address of one `addressN` value.
fn address_value(v: &str) -> Option<(std::net::IpAddr, Option<u8>)> {
    let first = v.split([',', ';']).next()?.trim();
    let (addr, prefix) = parse_cidr(first)?;
    if prefix.is_some() {
        return Some((addr, prefix));
    }
    // Old form: ADDR;PREFIX;GATEWAY
    let p = v
        .split(';')
        .nth(1)
        .and_then(|p| p.trim().parse::<u8>().ok());
    Some((addr, p))
}

/// Parses one profile; `file_stem` names it when it has no `id`.
pub fn parse(file_stem: &str, text: &str) -> IfaceConfig {
    let mut cfg = IfaceConfig {
        line: 1,
        on_boot: true,
        ..IfaceConfig::default()
    };
    let mut id = None;
    let mut section = String::new();
    let mut methods: [Option<String>; 2] = [None, None];
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(s) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        let Some((key, value)) = l.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match (section.as_str(), key) {
            ("connection", "id") => id = Some(value.to_string()),
            ("connection", "interface-name") if !value.is_empty() => {
                cfg.name = Some(value.to_string())
            }
            ("connection", "autoconnect") => cfg.on_boot = truthy(value).unwrap_or(true),
            ("connection", "master" | "controller") if !value.is_empty() => {
                cfg.port_of = Some(value.to_string())
            }
            ("ipv4" | "ipv6", "method") => {
                methods[usize::from(section == "ipv6")] = Some(value.to_ascii_lowercase())
            }
            ("ipv4" | "ipv6", k) if is_address_key(k) => match address_value(value) {
                Some((addr, prefix)) => cfg.addresses.push(StaticAddr { addr, prefix, line }),
                None => cfg
                    .problems
                    .push(format!("line {line}: {k}={value} is not an address")),
            },
            _ => {}
        }
    }
    // NetworkManager's default IPv4 method is auto (DHCP).
    cfg.dhcp4 = matches!(methods[0].as_deref(), None | Some("auto"));
    cfg.dhcp6 = methods[1].as_deref() == Some("dhcp");
    if matches!(methods[0].as_deref(), Some("disabled")) {
        cfg.addresses.retain(|a| a.addr.is_ipv6());
    }
    if matches!(methods[1].as_deref(), Some("ignore" | "disabled")) {
        cfg.addresses.retain(|a| a.addr.is_ipv4());
    }
    let label = id.unwrap_or_else(|| file_stem.to_string());
    if cfg.name.as_deref() != Some(label.as_str()) {
        cfg.label = Some(label);
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A static profile as nmcli writes it on RHEL 9.
    #[test]
    fn static_profile() {
        let c = parse(
            "eth0",
            "[connection]\nid=eth0\nuuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\naddress1=198.51.100.10/24,198.51.100.1\naddress2=203.0.113.10/24\nmethod=manual\n\n[ipv6]\naddr-gen-mode=eui64\naddress1=2001:db8::10/64\nmethod=manual\n",
        );
        assert_eq!(c.name.as_deref(), Some("eth0"));
        assert_eq!(c.label, None);
        let a: Vec<String> = c
            .addresses
            .iter()
            .map(|a| format!("{}/{:?}", a.addr, a.prefix))
            .collect();
        assert_eq!(
            a,
            vec![
                "198.51.100.10/Some(24)",
                "203.0.113.10/Some(24)",
                "2001:db8::10/Some(64)"
            ]
        );
        assert!(!c.dhcp4 && c.on_boot);
        assert_eq!(c.addresses[0].line, 8);
    }

    /// DHCP by default, autoconnect=false, ports of a bond, the old addresses1 form.
    #[test]
    fn dhcp_ports_and_old_form() {
        let d = parse(
            "Wired",
            "[connection]\nid=Wired connection 1\ntype=ethernet\nautoconnect=false\n",
        );
        assert!(d.dhcp4 && !d.on_boot && d.name.is_none());
        assert_eq!(d.label.as_deref(), Some("Wired connection 1"));
        let p = parse(
            "p",
            "[connection]\ninterface-name=eth2\nmaster=bond0\nslave-type=bond\n",
        );
        assert_eq!(p.port_of.as_deref(), Some("bond0"));
        let o = parse(
            "o",
            "[ipv4]\nmethod=manual\naddresses1=198.51.100.4;24;198.51.100.1;\n",
        );
        assert_eq!(o.addresses[0].prefix, Some(24));
        let bad = parse("b", "[ipv4]\nmethod=manual\naddress1=nope\n");
        assert_eq!(bad.problems.len(), 1);
    }

    /// Which file names are profiles.
    #[test]
    fn file_names() {
        assert!(is_profile_file("eth0.nmconnection"));
        assert!(is_profile_file("Wired connection 1"));
        assert!(!is_profile_file("eth0.nmconnection~"));
        assert!(!is_profile_file(".eth0.nmconnection"));
        assert!(!is_profile_file("eth0.bak"));
    }
}
