//! Differential against netplan's own generator (Debian's netplan.io, `/usr/libexec/netplan/
//! generate --root-dir`, run on temporary trees, never applied) on what it refuses: a file
//! with a key netplan does not know in its place or a value of the wrong kind makes netplan
//! refuse every file (generate exits non-zero and writes nothing). The tool must refuse the
//! same trees (and say why, on the same line), and where netplan accepts a tree, read the same
//! static addresses and DHCP settings per device as the systemd-networkd files it writes.

use asr_preflight::facts::netplan_config;
use asr_preflight::parse::netplan;
use asr_preflight::parse::netplan_keys::{self, Shape};
use asr_preflight::root::Root;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const GENERATE: &str = "/usr/libexec/netplan/generate";

/// Per device: its static addresses (`ADDR/PREFIX`) and DHCP (v4, v6).
type Devices = BTreeMap<String, (BTreeSet<String>, (bool, bool))>;

/// What one side made of a tree: `Err(reason)` when it refuses it.
#[derive(Debug)]
struct Verdict {
    refused: Option<(Option<usize>, String)>,
    devices: Devices,
}

/// A prefix as C's `strtoull` reads it (netplan writes an address's prefix as it was given).
fn prefix_number(p: &str) -> u64 {
    let p = p.trim_start().trim_start_matches('+');
    let end = p.bytes().take_while(u8::is_ascii_digit).count();
    p[..end].parse().unwrap_or(0)
}

/// Writes the tree and runs the generator on it.
fn generator(dir: &std::path::Path, files: &[(String, String)]) -> Verdict {
    let np = dir.join("etc/netplan");
    std::fs::create_dir_all(&np).unwrap();
    for (name, text) in files {
        let p = np.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }
    let out = Command::new(GENERATE)
        .arg("--root-dir")
        .arg(dir)
        .output()
        .unwrap();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // `PATH:LINE:COL: Error in network definition: REASON`
        let line = stderr
            .lines()
            .find(|l| l.contains("Error in network definition: "))
            .unwrap_or_else(|| stderr.lines().next().unwrap_or(""));
        let (at, reason) = match line.split_once(": Error in network definition: ") {
            Some((at, r)) => (at.split(':').nth(1).and_then(|n| n.parse().ok()), r),
            None => (None, line),
        };
        // It writes nothing when it refuses.
        assert!(!dir.join("run/systemd/network").exists(), "{stderr}");
        return Verdict {
            refused: Some((at, reason.to_string())),
            devices: Devices::new(),
        };
    }
    let mut devices = Devices::new();
    let Ok(entries) = std::fs::read_dir(dir.join("run/systemd/network")) else {
        return Verdict {
            refused: None,
            devices,
        };
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(id) = name
            .strip_prefix("10-netplan-")
            .and_then(|n| n.strip_suffix(".network"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(e.path()).unwrap();
        let addrs = text
            .lines()
            .filter_map(|l| l.strip_prefix("Address="))
            .map(|a| {
                let (addr, p) = a.rsplit_once('/').unwrap();
                format!("{addr}/{}", prefix_number(p))
            })
            .collect();
        let dhcp = text
            .lines()
            .find_map(|l| l.strip_prefix("DHCP="))
            .unwrap_or("no");
        let dhcp = (
            matches!(dhcp, "yes" | "ipv4"),
            matches!(dhcp, "yes" | "ipv6"),
        );
        devices.insert(id.to_string(), (addrs, dhcp));
    }
    Verdict {
        refused: None,
        devices,
    }
}

/// The tool on the same tree, through the netplan fact every check uses.
fn tool(dir: &std::path::Path) -> Verdict {
    let config = netplan_config::gather(&Root::image(dir).unwrap());
    if let Some(e) = config.errors.first() {
        let text = e.to_string();
        let line = text
            .split("line ")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok());
        return Verdict {
            refused: Some((line, text)),
            devices: Devices::new(),
        };
    }
    let parsed: Vec<Vec<netplan::Device>> = config.files.into_iter().map(|(_, d)| d).collect();
    let mut devices = Devices::new();
    for c in netplan::interfaces(&parsed) {
        let id = c.label.clone().or(c.name.clone()).unwrap();
        let addrs = c
            .addresses
            .iter()
            .map(|a| format!("{}/{}", a.addr, a.prefix.unwrap()))
            .collect();
        devices.insert(id, (addrs, (c.dhcp4, c.dhcp6)));
    }
    Verdict {
        refused: None,
        devices,
    }
}

/// Compares both sides on one tree; `Err` describes a disagreement. With `same_reason`, a
/// refusal must also name the same line and netplan's reason.
/// `Ok(None)` when both refuse, `Ok(Some(devices compared))` when both accept.
fn compare(files: &[(String, String)], same_reason: bool) -> Result<Option<usize>, String> {
    let dir = tempfile::tempdir().unwrap();
    let real = generator(dir.path(), files);
    let mine = tool(dir.path());
    let shown = || {
        files
            .iter()
            .map(|(n, t)| format!("--- {n}\n{t}"))
            .collect::<String>()
    };
    match (&real.refused, &mine.refused) {
        (None, None) => {
            // Devices the generator wrote a networkd file for (not NetworkManager's).
            for (id, want) in &real.devices {
                match mine.devices.get(id) {
                    Some(got) if got == want => {}
                    got => {
                        return Err(format!(
                            "{id}: generate {want:?}, tool {got:?}\n{}",
                            shown()
                        ));
                    }
                }
            }
            Ok(Some(real.devices.len()))
        }
        (Some((line, reason)), Some((my_line, mine_text))) => {
            if same_reason && (!mine_text.contains(reason.as_str()) || line != my_line) {
                return Err(format!(
                    "both refuse, but generate says line {line:?}: {reason}; tool: {mine_text}\n{}",
                    shown()
                ));
            }
            Ok(None)
        }
        (r, m) => Err(format!(
            "generate refuses: {r:?}; tool refuses: {m:?}\n{}",
            shown()
        )),
    }
}

fn require_generator() {
    assert!(
        std::path::Path::new(GENERATE).exists(),
        "netplan.io is needed (tests/deps.d/30-network.sh)"
    );
}

/// A value of the wrong node kind for a key of this shape, and netplan's words for it;
/// `None` for keys whose handler takes several kinds.
fn wrong_kind(shape: Shape) -> Option<(&'static str, &'static str)> {
    use Shape::*;
    match shape {
        Bool | Uint | Str | Checked | Mac | Ipv4 | Ipv6 | Renderer | Version => {
            Some(("[zzz]", "expected scalar"))
        }
        Addresses | Ips | Scalars | Seq | Maps(_) => Some(("zzz", "expected sequence")),
        Map(_) | MapOfMaps(_) | Devices(_) => Some(("zzz", "expected mapping (check indentation)")),
        Any => None,
    }
}

/// The key tables of parse/netplan_keys.rs against the generator: every key of every device
/// type is known to it with the node kind the table says (a value of another kind refused
/// with netplan's words, on its line), and keys of other device types and misspellings are
/// unknown keys to both, named on the same line.
#[test]
fn netplan_key_tables_match_generator() {
    require_generator();
    let types: Vec<(&str, &[netplan_keys::Key])> = netplan_keys::device_types().collect();
    let all: BTreeSet<&str> = types
        .iter()
        .flat_map(|(_, keys)| keys.iter().map(|(k, _)| *k))
        .collect();
    let misspelt = [
        "addresse",
        "dhcp_4",
        "gateway",
        "nameserver",
        "interface",
        "Addresses",
        "dhcp4 ",
    ];
    // Files both must refuse for the same reason on the same line, and keys whose handler
    // takes several kinds (the generator must only not call them unknown).
    let mut probes: Vec<String> = Vec::new();
    let mut several_kinds: Vec<(&str, &str)> = Vec::new();
    let probe = |kind: &str, key: &str, value: &str| {
        format!("network:\n  version: 2\n  {kind}:\n    dev0:\n      \"{key}\": {value}\n")
    };
    for (kind, keys) in &types {
        for (key, shape) in keys.iter() {
            match wrong_kind(*shape) {
                Some((value, _)) => probes.push(probe(kind, key, value)),
                None => several_kinds.push((kind, key)),
            }
        }
        let own: BTreeSet<&str> = keys.iter().map(|(k, _)| *k).collect();
        for key in all.difference(&own).copied().chain(misspelt) {
            probes.push(probe(kind, key, "zzz"));
        }
        // netplan names the key's line, not its value's.
        for key in misspelt {
            probes.push(probe(kind, key, "\n        zzz: 1"));
        }
    }
    // The keys under `network:`, and some it does not have.
    for (key, shape) in netplan_keys::NETWORK {
        if let Some((value, _)) = wrong_kind(*shape) {
            probes.push(format!("network:\n  version: 2\n  {key}: {value}\n"));
        }
    }
    for key in [
        "ethernet",
        "bond",
        "dummy-devices",
        "virtual-ethernets",
        "gateway4",
    ] {
        probes.push(format!("network:\n  version: 2\n  {key}: {{}}\n"));
    }
    let mut disagreements = Vec::new();
    for text in &probes {
        if let Err(e) = compare(&[("50-probe.yaml".into(), text.clone())], true) {
            disagreements.push(e);
        }
    }
    for (kind, key) in &several_kinds {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("network:\n  {kind}:\n    dev0:\n      {key}: zzz\n");
        let real = generator(dir.path(), &[("50.yaml".into(), text)]);
        if real
            .refused
            .is_some_and(|(_, r)| r.contains(&format!("unknown key '{key}'")))
        {
            disagreements.push(format!("{kind}: {key} is unknown to netplan"));
        }
    }
    let compared = probes.len() + several_kinds.len();
    eprintln!(
        "netplan key tables: {compared} generated files compared, {} agree",
        compared - disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// The nested mappings of parse/netplan_keys.rs against the generator, as for device types:
/// each key with a value of the wrong kind, other mappings' keys and misspellings unknown,
/// with netplan's reason on the same line.
#[test]
fn netplan_nested_key_tables_match_generator() {
    require_generator();
    use netplan_keys as k;
    // (mapping, its keys, the device type and lines that put `{kv}` into it)
    let nested: &[(&str, &[netplan_keys::Key], &str, &str)] = &[
        (
            "match",
            k::MATCH,
            "ethernets",
            "      match:\n        {kv}\n",
        ),
        (
            "nameservers",
            k::NAMESERVERS,
            "ethernets",
            "      nameservers:\n        {kv}\n",
        ),
        (
            "dhcp4-overrides",
            k::DHCP_OVERRIDES,
            "ethernets",
            "      dhcp4-overrides:\n        {kv}\n",
        ),
        (
            "dhcp6-overrides",
            k::DHCP_OVERRIDES,
            "bonds",
            "      dhcp6-overrides:\n        {kv}\n",
        ),
        (
            "routes",
            k::ROUTE,
            "ethernets",
            "      routes:\n        - {kv}\n",
        ),
        (
            "routing-policy",
            k::ROUTING_POLICY,
            "vlans",
            "      routing-policy:\n        - {kv}\n",
        ),
        (
            "bond parameters",
            k::BOND_PARAMETERS,
            "bonds",
            "      parameters:\n        {kv}\n",
        ),
        (
            "bridge parameters",
            k::BRIDGE_PARAMETERS,
            "bridges",
            "      parameters:\n        {kv}\n",
        ),
        ("auth", k::AUTH, "ethernets", "      auth:\n        {kv}\n"),
        (
            "access point",
            k::ACCESS_POINT,
            "wifis",
            "      access-points:\n        home:\n          {kv}\n",
        ),
        (
            "networkmanager",
            k::NETWORKMANAGER,
            "ethernets",
            "      networkmanager:\n        {kv}\n",
        ),
        (
            "openvswitch",
            k::OPENVSWITCH,
            "bonds",
            "      openvswitch:\n        {kv}\n",
        ),
        (
            "address options",
            k::ADDRESS_OPTIONS,
            "ethernets",
            "      addresses:\n        - 198.51.100.1/24:\n            {kv}\n",
        ),
        (
            "wireguard peer",
            k::WIREGUARD_PEER,
            "tunnels",
            "      peers:\n        - {kv}\n",
        ),
        (
            "wireguard peer keys",
            k::PEER_KEYS,
            "tunnels",
            "      peers:\n        - keys:\n            {kv}\n",
        ),
    ];
    let all: BTreeSet<&str> = nested
        .iter()
        .flat_map(|(_, keys, _, _)| keys.iter().map(|(k, _)| *k))
        .collect();
    let mut probes = Vec::new();
    for (_, keys, kind, lines) in nested {
        let file = |kv: String| {
            format!(
                "network:\n  version: 2\n  {kind}:\n    dev0:\n{}",
                lines.replace("{kv}", &kv)
            )
        };
        for (key, shape) in keys.iter() {
            if let Some((value, _)) = wrong_kind(*shape) {
                probes.push(file(format!("{key}: {value}")));
            }
        }
        let own: BTreeSet<&str> = keys.iter().map(|(k, _)| *k).collect();
        for key in all
            .difference(&own)
            .copied()
            .chain(["zzz", "use_dns", "Name"])
        {
            probes.push(file(format!("\"{key}\": zzz")));
        }
    }
    let mut disagreements = Vec::new();
    for text in &probes {
        if let Err(e) = compare(&[("50-probe.yaml".into(), text.clone())], true) {
            disagreements.push(e);
        }
    }
    eprintln!(
        "netplan nested key tables: {} generated files compared, {} agree",
        probes.len(),
        probes.len() - disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// One valid file with a device of each common type; `{extra}` is inserted into the
/// definition of `target`.
fn base(target: &str, extra: &str) -> String {
    let at = |id: &str| {
        if id == target {
            extra.to_string()
        } else {
            String::new()
        }
    };
    format!(
        "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [198.51.100.10/24]\n{}    eth1: {{}}\n    eth2: {{}}\n  bonds:\n    bond0:\n      interfaces: [eth1]\n      addresses: [198.51.100.20/24]\n{}  bridges:\n    br0:\n      interfaces: [eth2]\n      dhcp4: true\n{}  vlans:\n    vlan10:\n      id: 10\n      link: eth0\n      addresses: [\"2001:db8::10/64\"]\n{}  wifis:\n    wlan0:\n      access-points:\n        home: {{password: \"correct horse\"}}\n      dhcp4: yes\n{}",
        at("eth0"),
        at("bond0"),
        at("br0"),
        at("vlan10"),
        at("wlan0"),
    )
}

/// Lines netplan accepts in any device definition.
const VALID: &[&str] = &[
    "dhcp6: TRUE",
    "dhcp4: n",
    "mtu: \"+1500\"",
    "mtu: 9000",
    "ipv6-mtu: 1400",
    "critical: on",
    "optional: Y",
    "accept-ra: no",
    "ignore-carrier: true",
    "macaddress: 52:54:00:AB:cd:ef",
    "gateway4: 198.51.100.1",
    "gateway6: \"2001:db8::1\"",
    "nameservers: {addresses: [192.0.2.53, \"2001:db8::53\"], search: [example.com]}",
    "addresses: [203.0.113.5/24]",
    "addresses: [\"203.0.113.7/024\", \"203.0.113.8/ 25\"]",
    "addresses: [{203.0.113.6/24: {label: \"lbl:1\"}}]",
    "dhcp4-overrides: {use-dns: false, route-metric: 200}",
    "routes: [{to: default, via: 198.51.100.1, metric: 100}]",
    "link-local: [ipv6]",
    "renderer: networkd",
];

/// Lines netplan refuses (an unknown key, a value of the wrong kind or form).
const INVALID: &[&str] = &[
    "addresse: [203.0.113.5/24]",
    "dhcp-4: true",
    "gateway: 198.51.100.1",
    "dhcp4: maybe",
    "dhcp6: 1",
    "mtu: 15oo",
    "mtu: -1",
    "mtu: 4294967296",
    "mtu: ~",
    "dhcp4: ~",
    "addresses: [203.0.113.5]",
    "addresses: [203.0.113.5/33]",
    "addresses: [\"203.0.113.5/0\"]",
    "addresses: [203.0.113.300/24]",
    "addresses: [\"2001:db8::g/64\"]",
    "addresses: 203.0.113.5/24",
    "addresses:",
    "addresses: [[203.0.113.5/24]]",
    "gateway4: 198.51.100.1/24",
    "gateway6: 198.51.100.1",
    "macaddress: 52:54:00:ab:cd",
    "nameservers: {addresses: [192.0.2.300]}",
    "nameservers: {search: example.com}",
    "nameservers: {serach: [x]}",
    "dhcp4-overrides: {use-dns: maybe}",
    "dhcp4-overrides: {use_dns: false}",
    "routes: [{to: default, via: 198.51.100.1, metrc: 100}]",
    "routes: {to: default}",
    "renderer: systemd-networkd",
    "critical: [true]",
    "<<: {dhcp4: true}",
    "nameserver:\n        addresses: [192.0.2.53]",
];

/// Generated trees with valid and invalid lines in each device type's definition, in one file
/// and in a second file after a valid one (whose addresses netplan then applies neither):
/// the tool refuses exactly the trees the generator refuses, on the same line and with
/// netplan's reason, and reads the same addresses and DHCP settings per device from those it
/// accepts.
#[test]
fn netplan_refusal_differential() {
    require_generator();
    let (mut compared, mut refused, mut devices, mut disagreements) = (0, 0, 0, Vec::new());
    for line in VALID.iter().chain(INVALID) {
        for target in ["eth0", "bond0", "br0", "vlan10", "wlan0"] {
            let extra = format!("      {line}\n");
            let mut trees = vec![vec![("50-all.yaml".to_string(), base(target, &extra))]];
            if target == "eth0" {
                // The same line in a drop-in after a valid file.
                trees.push(vec![
                    ("50-all.yaml".to_string(), base("", "")),
                    (
                        "90-local.yaml".to_string(),
                        format!("network:\n  ethernets:\n    eth0:\n{extra}"),
                    ),
                ]);
            }
            for files in trees {
                compared += 1;
                match compare(&files, true) {
                    Ok(Some(n)) => devices += n,
                    Ok(None) => refused += 1,
                    Err(e) => disagreements.push(e),
                }
            }
        }
    }
    // One id of two device types, in one file and across files.
    for files in [
        vec![(
            "50.yaml".to_string(),
            "network:\n  ethernets:\n    eth0: {}\n  bonds:\n    eth0: {}\n".to_string(),
        )],
        vec![
            ("50.yaml".to_string(), base("", "")),
            (
                "60.yaml".to_string(),
                "network:\n  vlans:\n    br0:\n      id: 5\n      link: eth0\n".to_string(),
            ),
        ],
        // The same id and type in two files is one definition, merged.
        vec![
            ("50.yaml".to_string(), base("", "")),
            (
                "60.yaml".to_string(),
                "network:\n  bridges:\n    br0:\n      addresses: [192.0.2.4/24]\n".to_string(),
            ),
        ],
    ] {
        compared += 1;
        match compare(&files, true) {
            Ok(Some(n)) => devices += n,
            Ok(None) => refused += 1,
            Err(e) => disagreements.push(e),
        }
    }
    eprintln!(
        "netplan refusal differential: {compared} generated trees compared ({refused} refused by both), {} agree; {devices} devices of accepted trees compared",
        compared - disagreements.len()
    );
    // The accepted trees configure devices: the comparison of addresses is not empty.
    assert!(devices >= VALID.len() * 5, "{devices}");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}
