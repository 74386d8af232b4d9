//! Netplan configuration (`/etc/netplan/*.yaml`, `/lib/netplan/*.yaml`): for every device
//! under `network:` (ethernets, bonds, bridges, vlans, wifis, ...), its `addresses`, `dhcp4`
//! and `dhcp6`, and `set-name` when it renames the device. Files are merged as netplan merges
//! them (netplan's YAML configuration reference, "General structure"): later definitions of
//! the same device merge mappings key by key, concatenate sequences (a second file adding an
//! IPv6 address keeps the first file's IPv4 one) and replace scalars. A key repeated in one
//! mapping is a later definition too: netplan processes both. A file netplan refuses (an
//! unknown key, a value of the wrong kind: parse/netplan_schema.rs) is an error.

use super::netconf::{IfaceConfig, StaticAddr};
use super::yaml::{self, Kind, Node, YamlError};
use super::{netplan_keys, netplan_schema};

/// One device's settings from one file, before merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub kind: String,
    pub id: String,
    pub line: usize,
    /// The line of the device's id.
    pub id_line: usize,
    /// The keys this file sets for the device (a later file replaces the same keys).
    pub settings: Vec<(String, Node)>,
}

/// Parses one file into its device definitions. A file netplan refuses (parse/netplan_schema.rs)
/// is an error with its line and netplan's reason: netplan then applies no file at all.
pub fn parse(text: &str) -> Result<Vec<Device>, YamlError> {
    let doc = yaml::parse(text)?;
    netplan_schema::check(&doc)?;
    let mut out = Vec::new();
    let networks = doc.entries().iter().filter(|(k, _)| k == "network");
    for (kind, devices) in networks.flat_map(|(_, n)| n.entries()) {
        // `version`, `renderer` and the global `openvswitch` settings define no device.
        let is_type = netplan_keys::device_types().any(|(t, _)| t == kind);
        if !is_type {
            continue;
        }
        for (id, node) in devices.entries() {
            // A type's own `renderer:` is no device either.
            if id == "renderer" {
                continue;
            }
            out.push(Device {
                kind: kind.clone(),
                id: id.clone(),
                line: node.line,
                id_line: node.key_line,
                settings: node.entries().to_vec(),
            });
        }
    }
    Ok(out)
}

/// netplan's booleans.
fn truthy(n: &Node) -> Option<bool> {
    netplan_schema::boolean(n.as_str()?)
}

/// Merges the devices of every file (in netplan's order) and turns them into interfaces.
pub fn interfaces(files: &[Vec<Device>]) -> Vec<IfaceConfig> {
    let mut merged: Vec<Device> = Vec::new();
    // Found by (kind, id) in a map: thousands of devices merge in linear time.
    let mut at: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for dev in files.iter().flatten() {
        match at.get(&(dev.kind.as_str(), dev.id.as_str())) {
            Some(&i) => merge_entries(&mut merged[i].settings, &dev.settings),
            None => {
                let mut first = Device {
                    settings: Vec::new(),
                    ..dev.clone()
                };
                merge_entries(&mut first.settings, &dev.settings);
                at.insert((dev.kind.as_str(), dev.id.as_str()), merged.len());
                merged.push(first);
            }
        }
    }
    // Ports of bonds and bridges carry no address of their own; the first bond naming a
    // port is its controller.
    let mut ports: std::collections::HashMap<String, String> = Default::default();
    for m in &merged {
        if let Some((_, list)) = m.settings.iter().find(|(k, _)| k == "interfaces") {
            for p in list.items().iter().filter_map(Node::as_str) {
                ports.entry(p.to_string()).or_insert_with(|| m.id.clone());
            }
        }
    }
    merged.iter().map(|m| device_config(m, &ports)).collect()
}

/// Adds `later` to `into` as netplan does: a key already there is merged, a new key appended.
fn merge_entries(into: &mut Vec<(String, Node)>, later: &[(String, Node)]) {
    for (k, v) in later {
        match into.iter_mut().find(|(ik, _)| ik == k) {
            Some((_, old)) => merge_node(old, v),
            None => {
                let mut fresh = Node {
                    line: v.line,
                    key_line: v.key_line,
                    kind: Kind::Null,
                };
                merge_node(&mut fresh, v);
                into.push((k.clone(), fresh));
            }
        }
    }
}

/// Mappings merge, sequences concatenate, anything else is replaced.
fn merge_node(old: &mut Node, new: &Node) {
    match (&mut old.kind, &new.kind) {
        (Kind::Map(a), Kind::Map(b)) => merge_entries(a, b),
        (Kind::Seq(a), Kind::Seq(b)) => a.extend(b.iter().cloned()),
        (_, Kind::Map(b)) => {
            // A mapping's own repeated keys are merged too.
            let mut entries = Vec::new();
            merge_entries(&mut entries, b);
            *old = Node {
                line: new.line,
                key_line: new.key_line,
                kind: Kind::Map(entries),
            };
        }
        _ => *old = new.clone(),
    }
}

fn device_config(m: &Device, ports: &std::collections::HashMap<String, String>) -> IfaceConfig {
    let get = |k: &str| {
        m.settings
            .iter()
            .rev()
            .find(|(sk, _)| sk == k)
            .map(|(_, v)| v)
    };
    let set_name = get("set-name").and_then(Node::as_str);
    let mut cfg = IfaceConfig {
        // An id with a `match:` block is only a label; set-name gives the real name.
        name: match (set_name, get("match")) {
            (Some(n), _) => Some(n.to_string()),
            (None, Some(_)) => None,
            (None, None) => Some(m.id.clone()),
        },
        line: m.line,
        on_boot: true,
        ..IfaceConfig::default()
    };
    if cfg.name.as_deref() != Some(m.id.as_str()) {
        cfg.label = Some(m.id.clone());
    }
    cfg.port_of = ports.get(&m.id).cloned();
    for (key, flag) in [("dhcp4", &mut cfg.dhcp4), ("dhcp6", &mut cfg.dhcp6)] {
        if let Some(n) = get(key) {
            match truthy(n) {
                Some(b) => *flag = b,
                None => cfg
                    .problems
                    .push(format!("line {}: {key} is not a boolean", n.line)),
            }
        }
    }
    if let Some(list) = get("addresses") {
        for item in list.items() {
            // `- 198.51.100.10/24` or `- 198.51.100.10/24: {label: ..., lifetime: ...}`
            // (netplan takes the first key of such a mapping).
            let text = match &item.kind {
                Kind::Str(s) => Some(s.as_str()),
                Kind::Map(e) => e.first().map(|(k, _)| k.as_str()),
                _ => None,
            };
            match text.map(netplan_schema::address) {
                Some(Ok((addr, prefix))) => cfg.addresses.push(StaticAddr {
                    addr,
                    prefix: Some(prefix),
                    line: item.line,
                }),
                // Unreachable after netplan_schema::check; kept so no address is guessed.
                Some(Err(e)) => cfg.problems.push(format!("line {}: {e}", item.line)),
                None => cfg.problems.push(format!(
                    "line {}: addresses entry is not a scalar",
                    item.line
                )),
            }
        }
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(c: &IfaceConfig) -> Vec<String> {
        c.addresses.iter().map(|a| a.addr.to_string()).collect()
    }

    /// Ubuntu server's cloud-init style file and a static one with a renamed device.
    #[test]
    fn devices_and_names() {
        let a = parse("network:\n  version: 2\n  ethernets:\n    ens3:\n      dhcp4: true\n    lan:\n      match:\n        macaddress: 52:54:00:12:34:56\n      set-name: eth1\n      addresses: [198.51.100.10/24]\n    nic2:\n      match: {driver: ixgbe}\n      addresses: [203.0.113.2/24]\n").unwrap();
        let ifs = interfaces(&[a]);
        assert_eq!(ifs.len(), 3);
        assert!(ifs[0].dhcp4 && ifs[0].name.as_deref() == Some("ens3"));
        assert_eq!(ifs[1].name.as_deref(), Some("eth1"));
        assert_eq!(ifs[1].label.as_deref(), Some("lan"));
        assert_eq!(addrs(&ifs[1]), vec!["198.51.100.10"]);
        assert_eq!(ifs[2].name, None);
        assert_eq!(ifs[2].label.as_deref(), Some("nic2"));
    }

    /// A later file replaces the same key of the same device and keeps the others.
    #[test]
    fn later_file_overrides() {
        let a = parse("network:\n  ethernets:\n    eth0:\n      dhcp4: true\n      addresses: [198.51.100.10/24]\n").unwrap();
        let b = parse("network:\n  ethernets:\n    eth0:\n      dhcp4: false\n").unwrap();
        let ifs = interfaces(&[a, b]);
        assert_eq!(ifs.len(), 1);
        assert!(!ifs[0].dhcp4);
        assert_eq!(addrs(&ifs[0]), vec!["198.51.100.10"]);
    }

    /// Bond ports are marked; addresses with options are read; a bad boolean or address makes
    /// the whole file refused, with its line, as netplan refuses it.
    #[test]
    fn bonds_and_address_options() {
        let a = parse("network:\n  ethernets:\n    eth2: {}\n    eth3: {dhcp4: off}\n  bonds:\n    bond0:\n      interfaces: [eth2, eth3]\n      addresses:\n        - 203.0.113.9/24:\n            label: bond0:1\n        - 2001:db8::9/64\n").unwrap();
        let ifs = interfaces(&[a]);
        assert_eq!(ifs[0].port_of.as_deref(), Some("bond0"));
        assert!(ifs[1].problems.is_empty() && !ifs[1].dhcp4);
        assert_eq!(addrs(&ifs[2]), vec!["203.0.113.9", "2001:db8::9"]);
        assert_eq!(ifs[2].addresses[0].line, 9);
        let e = parse("network:\n  ethernets:\n    eth3: {dhcp4: maybe}\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.starts_with("invalid boolean value 'maybe'"),
            "{e}"
        );
        let e =
            parse("network:\n  bonds:\n    bond0:\n      addresses:\n        - not-an-address\n")
                .unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("missing /prefixlength"), "{e}");
    }

    /// Devices come only from device types: `version`, `renderer`, the global
    /// `openvswitch` settings and a type's own `renderer` are none.
    #[test]
    fn only_device_types_define_devices() {
        let a = parse("network:\n  version: 2\n  renderer: networkd\n  openvswitch:\n    protocols: [OpenFlow13]\n  ethernets:\n    renderer: networkd\n    eth0: {dhcp4: true}\n").unwrap();
        let ids: Vec<&str> = a.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, vec!["eth0"]);
    }

    /// A file without `network:` defines nothing; a broken one is an error with its line.
    #[test]
    fn empty_and_broken() {
        assert!(parse("# nothing\n").unwrap().is_empty());
        assert_eq!(parse("network:\n  ethernets: [\n").unwrap_err().line, 2);
    }

    /// Sequences of the same device concatenate across files and within one mapping (a
    /// cloud-init file with the IPv4 address, a second file adding IPv6), scalars are replaced,
    /// nested mappings merge: as netplan's generator does with the same files.
    #[test]
    fn sequences_concatenate_mappings_merge() {
        let a = parse("network:\n  ethernets:\n    eth0:\n      addresses: [198.51.100.10/24]\n      dhcp4: true\n      match: {name: eth0}\n").unwrap();
        let b = parse("network:\n  ethernets:\n    eth0:\n      addresses:\n        - 2001:db8::10/64\n      addresses: [198.51.100.11/24]\n      dhcp4: false\n      match: {macaddress: \"52:54:00:aa:bb:cc\"}\n").unwrap();
        let ifs = interfaces(&[a, b]);
        assert_eq!(ifs.len(), 1);
        assert_eq!(
            addrs(&ifs[0]),
            vec!["198.51.100.10", "2001:db8::10", "198.51.100.11"]
        );
        assert!(!ifs[0].dhcp4);
        let m = parse("network:\n  ethernets:\n    eth0:\n      dhcp4: yes\n  ethernets:\n    eth0:\n      addresses: [198.51.100.12/24]\n").unwrap();
        let ifs = interfaces(&[m]);
        assert_eq!(ifs.len(), 1);
        assert!(ifs[0].dhcp4);
        assert_eq!(addrs(&ifs[0]), vec!["198.51.100.12"]);
    }
}
