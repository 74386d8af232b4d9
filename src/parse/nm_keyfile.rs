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

/// A GLib boolean (g_key_file_get_boolean): `true`/`1` or `false`/`0`, exactly, trailing
/// blanks aside. Anything else (`yes`, `no`, `True`) is invalid, and NetworkManager then keeps
/// the property's default.
fn glib_bool(v: &str) -> Option<bool> {
    match v.trim_end() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
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
    // NetworkManager also takes a dotted netmask after the slash (`192.0.2.11/255.255.255.0`).
    let (addr, prefix) = match first.split_once('/') {
        Some((a, m)) if m.contains('.') && a.parse::<std::net::Ipv4Addr>().is_ok() => {
            (a.parse().ok()?, Some(super::netconf::netmask_prefix(m)?))
        }
        _ => parse_cidr(first)?,
    };
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

/// The `(line, group, key, value)` of a key file as GKeyFile keeps them: a key repeated in a
/// group (also in a group that appears twice) has its last value, at the place of its first.
/// Lines that are neither comments, groups nor `key=value` are skipped here (GKeyFile refuses
/// the whole file; the caller is told through `problems`).
fn key_values(text: &str) -> Vec<(usize, String, String, String)> {
    let mut out: Vec<(usize, String, String, String)> = Vec::new();
    let mut at: std::collections::HashMap<(String, String), usize> = Default::default();
    let mut section = String::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let l = raw.trim_start();
        if l.trim_end().is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(s) = l
            .trim_end()
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
        {
            section = s.to_string();
            continue;
        }
        let Some((key, value)) = l.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim_end().to_string(), value.trim().to_string());
        match at.entry((section.clone(), key.clone())) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let slot = &mut out[*e.get()];
                slot.0 = line;
                slot.3 = value;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(out.len());
                out.push((line, section.clone(), key, value));
            }
        }
    }
    out
}

/// Parses one profile; `file_stem` names it when it has no `id`.
pub fn parse(file_stem: &str, text: &str) -> IfaceConfig {
    let mut cfg = IfaceConfig {
        line: 1,
        on_boot: true,
        ..IfaceConfig::default()
    };
    let mut id = None;
    let mut methods: [Option<String>; 2] = [None, None];
    for (line, section, key, value) in key_values(text) {
        let (section, key, value) = (section.as_str(), key.as_str(), value.as_str());
        match (section, key) {
            ("connection", "id") => id = Some(value.to_string()),
            ("connection", "interface-name") if !value.is_empty() => {
                cfg.name = Some(value.to_string())
            }
            ("connection", "autoconnect") => cfg.on_boot = glib_bool(value).unwrap_or(true),
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

    /// GKeyFile's rules: booleans are `true`/`false`/`1`/`0` only (`autoconnect=no` is invalid,
    /// the default on stays), a repeated key keeps its last value (also across a repeated
    /// group), and a dotted netmask after the slash is a prefix.
    #[test]
    fn gkeyfile_rules() {
        assert!(parse("a", "[connection]\nautoconnect=no\n").on_boot);
        assert!(parse("a", "[connection]\nautoconnect=yes\n").on_boot);
        assert!(!parse("a", "[connection]\nautoconnect=0\n").on_boot);
        assert!(!parse("a", "[connection]\nautoconnect=false  \n").on_boot);
        let r = parse(
            "r",
            "[ipv4]\nmethod=manual\naddress1=198.51.100.1/24\naddress1=198.51.100.2/24\n[connection]\nautoconnect=false\n[connection]\nautoconnect=true\n[ipv4]\naddress3=192.0.2.11/255.255.255.0\n",
        );
        let a: Vec<String> = r
            .addresses
            .iter()
            .map(|a| format!("{}/{:?}@{}", a.addr, a.prefix, a.line))
            .collect();
        assert_eq!(a, vec!["198.51.100.2/Some(24)@4", "192.0.2.11/Some(24)@10"]);
        assert!(r.on_boot);
    }
}
