//! NetworkManager keyfile profiles (`system-connections/*.nmconnection`) as NetworkManager's
//! keyfile plugin loads them: GKeyFile's syntax (parse/gkeyfile.rs), then the profile's rules,
//! each checked against libnm 1.42's own reader (tests/suite/nm_keyfile.rs): a connection type
//! (or a type's group), a valid uuid and interface name, `master` with `slave-type`, a known
//! IP method per family, `manual` with an address, no addresses where the method forbids
//! them, a usable gateway. A profile that breaks one is not loaded at all.

use super::gkeyfile::{self, KeyFile};
use super::netconf::{IfaceConfig, StaticAddr};
use super::nm_address;

/// Whether NetworkManager loads a file of this name from a keyfile directory: never dot-files,
/// `~` backups, names ending in `.` and six letters or digits (its temporary files), `.pem` or
/// `.der`; outside /etc only `NAME.nmconnection`, in /etc any other name too (`eth0.conf`,
/// the extension-less names of old releases).
pub fn is_profile_file(name: &str, in_etc: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    let temp = name
        .rsplit_once('.')
        .is_some_and(|(_, s)| s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    let cert = [".pem", ".der"]
        .iter()
        .any(|t| lower.len() > t.len() && lower.ends_with(t));
    if name.is_empty() || name.starts_with('.') || name.ends_with('~') || temp || cert {
        return false;
    }
    in_etc || (name.len() > ".nmconnection".len() && name.ends_with(".nmconnection"))
}

/// A profile NetworkManager loads: its interface, and the `uuid` that decides which of two
/// files of the same profile wins.
#[derive(Debug, Clone)]
pub struct Profile {
    pub uuid: Option<String>,
    pub config: IfaceConfig,
}

/// Connection types NetworkManager knows (keyfile aliases `ethernet`, `wifi` included), with
/// the group a profile of that type must have; `None` where none is needed or the rule was
/// not checked against libnm.
const TYPES: &[(&str, Option<&str>)] = &[
    ("802-3-ethernet", None),
    ("ethernet", None),
    ("802-11-wireless", Some("wifi")),
    ("wifi", Some("wifi")),
    ("bond", Some("bond")),
    ("bridge", Some("bridge")),
    ("team", Some("team")),
    ("vlan", Some("vlan")),
    ("dummy", Some("dummy")),
    ("infiniband", None),
    ("wireguard", None),
    ("vpn", None),
    ("tun", None),
    ("macvlan", None),
    ("vxlan", None),
    ("ip-tunnel", None),
    ("loopback", None),
    ("veth", None),
    ("vrf", None),
    ("macsec", None),
    ("ovs-bridge", None),
    ("ovs-port", None),
    ("ovs-interface", None),
    ("gsm", None),
    ("cdma", None),
    ("bluetooth", None),
    ("pppoe", None),
    ("generic", None),
];

/// The port types a `master` profile may have.
const PORT_TYPES: &[&str] = &["bond", "bridge", "team", "ovs-port", "vrf"];

/// The IP methods NetworkManager knows per family, and those that forbid static addresses.
const METHODS4: &[&str] = &["auto", "link-local", "manual", "shared", "disabled"];
const METHODS6: &[&str] = &[
    "ignore",
    "auto",
    "dhcp",
    "link-local",
    "manual",
    "shared",
    "disabled",
];
const NO_ADDRESSES: &[&str] = &["ignore", "disabled", "link-local"];

/// A UUID as NetworkManager checks it: 8-4-4-4-12 hex digits.
fn uuid_ok(u: &str) -> bool {
    let parts: Vec<&str> = u.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An interface name the kernel takes: 1-15 bytes, not `.` or `..`, no `/`, `:` or blank.
fn ifname_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 15
        && n != "."
        && n != ".."
        && !n.chars().any(|c| c == '/' || c == ':' || c.is_whitespace())
}

/// The connection type: known, with its group where NetworkManager needs one; without a
/// type, a type's group gives it.
fn connection_type(kf: &KeyFile) -> Result<(), String> {
    let line = kf.value("connection", "type").map_or(1, |v| v.line);
    match kf.string("connection", "type").as_deref() {
        Some(t) => match TYPES.iter().find(|(n, _)| *n == t) {
            None => Err(format!(
                "line {line}: connection type '{t}' is not one NetworkManager knows"
            )),
            Some((_, Some(group))) if !kf.has_group(group) && !kf.has_group(t) => Err(format!(
                "line {line}: a profile of type {t} needs a [{group}] group"
            )),
            Some(_) => Ok(()),
        },
        None if TYPES.iter().any(|(n, _)| kf.has_group(n)) => Ok(()),
        None => Err("the profile has no connection type".into()),
    }
}

/// The `[connection]` group: type, uuid, interface, autoconnect and controller rules.
fn connection(kf: &KeyFile, cfg: &mut IfaceConfig) -> Result<Option<String>, String> {
    let at = |key: &str| kf.value("connection", key).map_or(1, |v| v.line);
    connection_type(kf)?;
    let uuid = kf.string("connection", "uuid");
    if let Some(u) = uuid.as_deref().filter(|u| !uuid_ok(u)) {
        return Err(format!("line {}: '{u}' is not a UUID", at("uuid")));
    }
    if let Some(n) = kf.string("connection", "interface-name") {
        if !ifname_ok(&n) {
            return Err(format!(
                "line {}: '{n}' is not an interface name",
                at("interface-name")
            ));
        }
        cfg.name = Some(n);
    }
    // GLib booleans only: `autoconnect=no` is invalid and the default, on, stays.
    cfg.on_boot = kf.boolean("connection", "autoconnect").unwrap_or(true);
    // `controller`/`port-type` are NetworkManager 1.46's names for `master`/`slave-type`.
    let pick = |a: &str, b: &str| {
        kf.string("connection", a)
            .or_else(|| kf.string("connection", b))
    };
    match (
        pick("master", "controller"),
        pick("slave-type", "port-type"),
    ) {
        (None, None) => {}
        (Some(m), None) => {
            return Err(format!(
                "line {}: master={m} without slave-type",
                at("master")
            ));
        }
        (None, Some(_)) => {
            return Err(format!(
                "line {}: slave-type without master",
                at("slave-type")
            ));
        }
        (Some(_), Some(t)) if !PORT_TYPES.contains(&t.as_str()) => {
            return Err(format!(
                "line {}: '{t}' is not a port type",
                at("slave-type")
            ));
        }
        (Some(m), Some(_)) => cfg.port_of = Some(m),
    }
    Ok(uuid)
}

/// An IP group's method: `auto` without the group, else its `method`, which must be one
/// NetworkManager knows (exactly: `Manual` and `manual ` are not).
fn ip_method(kf: &KeyFile, group: &str, methods: &[&str]) -> Result<String, String> {
    if !kf.has_group(group) {
        return Ok("auto".into());
    }
    let line = kf.value(group, "method").map_or(1, |v| v.line);
    match kf.string(group, "method") {
        None => Err(format!("[{group}] has no method")),
        Some(m) if !methods.contains(&m.as_str()) => Err(format!(
            "line {line}: {group} method '{m}' is not one NetworkManager knows"
        )),
        Some(m) => Ok(m),
    }
}

/// The addresses of an IP group in NetworkManager's order, and the gateway the first one
/// with a gateway field gives; values NetworkManager ignores become problems.
fn ip_addresses(
    kf: &KeyFile,
    group: &str,
    v6: bool,
    cfg: &mut IfaceConfig,
) -> (usize, Option<String>) {
    let mut keys: Vec<((i64, u8), &str, &gkeyfile::Value)> = kf
        .keys(group)
        .iter()
        .filter_map(|(k, v)| Some((nm_address::key_order(k)?, k.as_str(), v)))
        .collect();
    keys.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let (mut found, mut gateway) = (0, None);
    for (_, key, v) in keys {
        match gkeyfile::unescape(&v.raw).and_then(|s| nm_address::parse(&s, v6)) {
            Some(a) => {
                found += 1;
                gateway = gateway.or(a.gateway);
                cfg.addresses.push(StaticAddr {
                    addr: a.addr,
                    prefix: Some(a.prefix),
                    line: v.line,
                });
            }
            None => cfg.problems.push(format!(
                "line {}: {key}={} is not an address NetworkManager reads; it ignores it",
                v.line, v.raw
            )),
        }
    }
    (found, gateway)
}

/// Whether an IP group's `dns` list holds a server of its family (others are dropped).
fn has_dns(kf: &KeyFile, group: &str, v6: bool) -> bool {
    kf.string(group, "dns").is_some_and(|d| {
        d.split(';').any(|s| {
            s.parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_ipv6() == v6)
        })
    })
}

/// One IP group: its method and addresses, with NetworkManager's rules between them.
fn ip_group(kf: &KeyFile, v6: bool, cfg: &mut IfaceConfig) -> Result<String, String> {
    let (group, methods) = if v6 {
        ("ipv6", METHODS6)
    } else {
        ("ipv4", METHODS4)
    };
    let method = ip_method(kf, group, methods)?;
    let before = cfg.addresses.len();
    let (found, mut gateway) = ip_addresses(kf, group, v6, cfg);
    if !v6 && method == "shared" {
        // Sharing a connection gives the adapter only the first address (libnm 1.42).
        cfg.addresses.truncate(before + 1);
    }
    if let Some(g) = kf.string(group, "gateway").filter(|g| !g.is_empty()) {
        gateway = Some(g);
    }
    if method == "manual" && found == 0 {
        return Err(format!("[{group}] method=manual without an address"));
    }
    if NO_ADDRESSES.contains(&method.as_str()) && found > 0 {
        return Err(format!(
            "[{group}] method={method} does not allow static addresses"
        ));
    }
    let forbid_dns: &[&str] = if v6 {
        NO_ADDRESSES
    } else {
        &["shared", "disabled", "link-local"]
    };
    if forbid_dns.contains(&method.as_str()) && has_dns(kf, group, v6) {
        return Err(format!(
            "[{group}] method={method} does not allow dns servers"
        ));
    }
    if let Some(g) = gateway {
        let family = g
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_ipv6() == v6);
        if !family || found == 0 {
            return Err(format!(
                "[{group}] gateway {g} is not usable (not an address of the family, or no address)"
            ));
        }
    }
    Ok(method)
}

/// Reads one profile as NetworkManager's keyfile plugin does; `Err` says why NetworkManager
/// does not load it (with the line where one line is the cause). `file_stem` names a profile
/// without `id`.
pub fn load(file_stem: &str, text: &str) -> Result<Profile, String> {
    let kf = KeyFile::parse(text).map_err(|e| e.to_string())?;
    let mut cfg = IfaceConfig {
        line: 1,
        ..IfaceConfig::default()
    };
    let uuid = connection(&kf, &mut cfg)?;
    let m4 = ip_group(&kf, false, &mut cfg)?;
    let m6 = ip_group(&kf, true, &mut cfg)?;
    cfg.dhcp4 = m4 == "auto";
    cfg.dhcp6 = m6 == "dhcp";
    if cfg.port_of.is_some() {
        // NetworkManager drops a port's own IP settings: its addresses live on the controller.
        cfg.addresses.clear();
        cfg.dhcp4 = false;
        cfg.dhcp6 = false;
    }
    let label = kf
        .string("connection", "id")
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| file_stem.to_string());
    if cfg.name.as_deref() != Some(label.as_str()) {
        cfg.label = Some(label);
    }
    Ok(Profile { uuid, config: cfg })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(stem: &str, text: &str) -> IfaceConfig {
        load(stem, text).unwrap().config
    }

    fn addrs(c: &IfaceConfig) -> Vec<String> {
        c.addresses
            .iter()
            .map(|a| format!("{}/{}@{}", a.addr, a.prefix.unwrap_or(0), a.line))
            .collect()
    }

    const ETH: &str = "[connection]\nid=e\ntype=ethernet\n";

    /// A static profile as nmcli writes it on RHEL 9.
    #[test]
    fn static_profile() {
        let p = load(
            "eth0",
            "[connection]\nid=eth0\nuuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\naddress1=198.51.100.10/24,198.51.100.1\naddress2=203.0.113.10/24\nmethod=manual\n\n[ipv6]\naddr-gen-mode=eui64\naddress1=2001:db8::10/64\nmethod=manual\n",
        )
        .unwrap();
        let c = &p.config;
        assert_eq!(
            p.uuid.as_deref(),
            Some("5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03")
        );
        assert_eq!(c.name.as_deref(), Some("eth0"));
        assert_eq!(c.label, None);
        assert_eq!(
            addrs(c),
            vec![
                "198.51.100.10/24@8",
                "203.0.113.10/24@9",
                "2001:db8::10/64@14"
            ]
        );
        assert!(!c.dhcp4 && c.on_boot);
    }

    /// DHCP by default, autoconnect=false, ports of a bond (their IP settings dropped), the
    /// old addresses1 form, an address NetworkManager ignores.
    #[test]
    fn dhcp_ports_and_old_form() {
        let d = ok(
            "Wired",
            "[connection]\nid=Wired connection 1\ntype=ethernet\nautoconnect=false\n",
        );
        assert!(d.dhcp4 && !d.on_boot && d.name.is_none());
        assert_eq!(d.label.as_deref(), Some("Wired connection 1"));
        let p = ok(
            "p",
            "[connection]\ntype=ethernet\ninterface-name=eth2\nmaster=bond0\nslave-type=bond\n[ipv4]\nmethod=manual\naddress1=198.51.100.9/24\n",
        );
        assert_eq!(p.port_of.as_deref(), Some("bond0"));
        assert!(p.addresses.is_empty() && !p.dhcp4);
        let o = ok(
            "o",
            &format!("{ETH}[ipv4]\nmethod=manual\naddresses1=198.51.100.4;24;198.51.100.1;\n"),
        );
        assert_eq!(o.addresses[0].prefix, Some(24));
        let bad = ok(
            "b",
            &format!("{ETH}[ipv4]\nmethod=manual\naddress1=nope\naddress2=198.51.100.5/24\n"),
        );
        assert_eq!(bad.problems.len(), 1);
        assert_eq!(bad.addresses.len(), 1);
    }

    /// Which file names NetworkManager loads, in /etc and elsewhere.
    #[test]
    fn file_names() {
        assert!(is_profile_file("eth0.nmconnection", false));
        assert!(is_profile_file("Wired connection 1", true));
        assert!(!is_profile_file("Wired connection 1", false));
        assert!(is_profile_file("eth0.conf", true));
        assert!(is_profile_file("eth0.bak", true));
        assert!(!is_profile_file("eth0.conf", false));
        assert!(!is_profile_file("eth0.nmconnection~", true));
        assert!(!is_profile_file(".eth0.nmconnection", true));
        assert!(!is_profile_file("eth0.nmconnection.Xa3bQ9", true));
        assert!(!is_profile_file("eth0.backup", true));
        assert!(!is_profile_file("ca.PEM", true));
        assert!(!is_profile_file(".nmconnection", false));
    }

    /// GKeyFile's rules: booleans are `true`/`false`/`1`/`0` only (`autoconnect=no` is invalid,
    /// the default on stays), a repeated key keeps its last value (also across a repeated
    /// group); a dotted netmask after the slash is read as a gateway with the default prefix.
    #[test]
    fn gkeyfile_rules() {
        for (v, on) in [
            ("no", true),
            ("yes", true),
            ("False", true),
            ("0", false),
            ("false  ", false),
        ] {
            assert_eq!(
                ok("a", &format!("{ETH}autoconnect={v}\n")).on_boot,
                on,
                "{v}"
            );
        }
        let r = ok(
            "r",
            &format!(
                "{ETH}[ipv4]\nmethod=manual\naddress1=198.51.100.1/24\naddress1=198.51.100.2/24\n[connection]\nautoconnect=false\n[connection]\nautoconnect=true\n[ipv4]\naddress3=192.0.2.11/255.255.252.0\n"
            ),
        );
        assert_eq!(addrs(&r), vec!["198.51.100.2/24@7", "192.0.2.11/24@13"]);
        assert!(r.on_boot);
    }

    /// Profiles NetworkManager does not load, each for the reason libnm gave.
    #[test]
    fn refused() {
        for text in [
            "[connection]\nid=x\n".to_string(),
            "[connection]\ntype=bond\n".into(),
            "[connection]\ntype=bogus\n".into(),
            format!("{ETH}garbage\n"),
            format!("{ETH}uuid=not-a-uuid\n"),
            format!("{ETH}interface-name=eth0 \n"),
            format!("{ETH}interface-name=a-name-far-too-long\n"),
            format!("{ETH}master=bond0\n"),
            format!("{ETH}slave-type=bond\n"),
            format!("{ETH}[ipv4]\n"),
            format!("{ETH}[ipv4]\nmethod=static\naddress1=198.51.100.1/24\n"),
            format!("{ETH}[ipv4]\nmethod=manual\n"),
            format!("{ETH}[ipv4]\nmethod=disabled\naddress1=198.51.100.1/24\n"),
            format!("{ETH}[ipv6]\nmethod=ignore\naddress1=2001:db8::1/64\n"),
            format!("{ETH}[ipv4]\nmethod=auto\ngateway=198.51.100.1\n"),
            format!("{ETH}[ipv4]\nmethod=manual\naddress1=198.51.100.1/24,abc\n"),
        ] {
            assert!(load("x", &text).is_err(), "{text}");
        }
        let e = load("x", &format!("{ETH}[ipv4]\nmethod=static\n")).unwrap_err();
        assert_eq!(
            e,
            "line 5: ipv4 method 'static' is not one NetworkManager knows"
        );
        // The type may come from a type's group; an [ethernet] group without a type loads.
        assert!(load("x", "[connection]\nid=x\n[ethernet]\nmtu=1500\n").is_ok());
    }
}
