//! NetworkManager keyfiles against libnm's own reader (tests/data/nm-keyfile-oracle.py):
//! generated profiles covering GKeyFile's syntax and booleans, repeated keys and groups, the
//! address forms and methods, ports of a bond, and profiles NetworkManager refuses to load.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Lines a group of a generated profile draws from: valid and invalid values NetworkManager
/// meets in real files (nmcli's output, hand edits, older formats, template leftovers).
/// `controller=`/`port-type=` (NetworkManager 1.46's names for `master`/`slave-type`) are left
/// out: Debian 12's libnm 1.42 does not know them yet.
const CONNECTION: &[&str] = &[
    "id=eth0",
    "uuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03",
    "uuid=not-a-uuid",
    "type=ethernet",
    "type=802-3-ethernet",
    "type=ethernet",
    "interface-name=eth0",
    "interface-name=eth1",
    "interface-name=eth0 ",
    "interface-name=a-name-far-too-long-for-linux",
    "autoconnect=true",
    "autoconnect=false",
    "autoconnect=1",
    "autoconnect=0",
    "autoconnect=no",
    "autoconnect=yes",
    "autoconnect=False",
    "autoconnect = false",
    "autoconnect=false  ",
    "master=bond0",
    "slave-type=bond",
    "id[de]=Kabel",
    "zone=public",
];
const IPV4: &[&str] = &[
    "method=manual",
    "method=manual",
    "method=auto",
    "method=disabled",
    "method=link-local",
    "method=shared",
    "method=Manual",
    "method=static",
    "address1=198.51.100.10/24",
    "address1=198.51.100.10/24,198.51.100.1",
    "address1=198.51.100.12/24",
    "address2=203.0.113.5/255.255.255.0",
    "address3=192.0.2.11",
    "address=198.51.100.30/24",
    "addresses=198.51.100.31/24",
    "addresses1=198.51.100.20;24;198.51.100.1;",
    "address0=198.51.100.40/24",
    "address01=198.51.100.41/24",
    "address10=198.51.100.42/24",
    "address1=198.51.100.10/33",
    "address1=nope",
    "address2=2001:db8::99/64",
    "address1 = 198.51.100.50/24",
    "address4=198.51.100.10/24",
    "gateway=198.51.100.1",
    "dns=198.51.100.53;",
    "dns=bogus;",
    "may-fail=false",
];
const IPV6: &[&str] = &[
    "method=manual",
    "method=auto",
    "method=dhcp",
    "method=ignore",
    "method=disabled",
    "method=link-local",
    "address1=2001:db8::10/64",
    "address2=2001:db8::11",
    "address1=2001:db8::12/129",
    "address3=198.51.100.77/24",
    "addr-gen-mode=eui64",
    "dns=2001:db8::53;",
];
const OTHER: &[&str] = &["mac-address=52:54:00:12:34:56", "mtu=1500"];
/// Lines GKeyFile itself judges (comments, blanks, junk).
const SYNTAX: &[&str] = &[
    "# a comment",
    "",
    "   ",
    "  # indented comment",
    "garbage",
    "=value",
    "; not a comment in GKeyFile",
];

struct Gen(u64);

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        pool[self.next(pool.len())]
    }
}

/// One generated profile: groups in a random order (some twice), each with a few lines.
fn profile(g: &mut Gen) -> String {
    let mut out = String::new();
    let groups: [(&str, &[&str]); 4] = [
        ("[connection]", CONNECTION),
        ("[ipv4]", IPV4),
        ("[ipv6]", IPV6),
        ("[ethernet]", OTHER),
    ];
    // Most profiles start as nmcli writes them, so most of them load.
    if g.next(8) != 0 {
        out.push_str("[connection]\nid=gen\ntype=ethernet\n");
    }
    for _ in 0..1 + g.next(5) {
        let (head, pool) = groups[g.next(groups.len())];
        match g.next(12) {
            0 => out.push_str(&format!("  {head}\n")),
            1 => out.push_str(&format!("{head}  \n")),
            _ => out.push_str(&format!("{head}\n")),
        }
        // An IP group mostly starts with a method, as NetworkManager writes it.
        if head.starts_with("[ip") && g.next(4) != 0 {
            out.push_str(pool[g.next(8)]);
            out.push('\n');
        }
        for _ in 0..g.next(5) {
            out.push_str(g.pick(pool));
            out.push('\n');
        }
        if g.next(10) == 0 {
            out.push_str(g.pick(SYNTAX));
            out.push('\n');
        }
    }
    out
}

/// The tool's reading of one profile in the oracle's shape.
fn tool(stem: &str, text: &str) -> Value {
    use asr_preflight::parse::nm_keyfile;
    match nm_keyfile::load(stem, text) {
        Err(_) => serde_json::json!({ "loaded": false }),
        Ok(p) => {
            let c = p.config;
            let mut addrs: Vec<String> = c
                .addresses
                .iter()
                .map(|a| format!("{}/{}", a.addr, a.prefix.unwrap_or(0)))
                .collect();
            addrs.sort();
            serde_json::json!({
                "loaded": true,
                "autoconnect": c.on_boot,
                "interface": c.name,
                "controller": c.port_of,
                "dhcp4": c.dhcp4,
                "addresses": if c.port_of.is_some() { Vec::new() } else { addrs },
            })
        }
    }
}

/// The oracle's answer reduced to what the tool knows: whether the profile loads, whether it
/// comes up on its own, its interface, its controller, DHCPv4, and its addresses (a port's
/// own IP settings are dropped by NetworkManager).
fn real(v: &Value) -> Value {
    if v["loaded"] != true {
        return serde_json::json!({ "loaded": false });
    }
    let mut addrs: Vec<String> = v["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    addrs.sort();
    serde_json::json!({
        "loaded": true,
        "autoconnect": v["autoconnect"],
        "interface": v["interface"],
        "controller": v["controller"],
        "dhcp4": v["method4"] == "auto",
        "addresses": if v["controller"].is_null() { addrs } else { Vec::new() },
    })
}

/// Differential against libnm's keyfile reader (Debian's gir1.2-nm-1.0 through python3-gi, no
/// daemon): 600 generated profiles; whether NetworkManager loads each, and then autoconnect,
/// interface, controller, DHCPv4 and the addresses, must equal the tool's reading.
#[test]
fn nm_keyfile_differential() {
    let python = "/usr/bin/python3";
    let oracle = crate::common::repo().join("tests/data/nm-keyfile-oracle.py");
    let probe = Command::new(python)
        .args(["-c", "import gi; gi.require_version('NM', '1.0')"])
        .status()
        .unwrap();
    assert!(
        probe.success(),
        "gir1.2-nm-1.0 and python3-gi are needed (tests/deps.d/30-network.sh)"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    let mut files = BTreeMap::new();
    for case in 0..600 {
        let path = dir.path().join(format!("p{case:03}.nmconnection"));
        let text = profile(&mut g);
        std::fs::write(&path, &text).unwrap();
        files.insert(path.display().to_string(), text);
    }
    let out = Command::new(python)
        .arg(&oracle)
        .args(files.keys())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut compared, mut agreed, mut loaded) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let file = v["file"].as_str().unwrap();
        let text = &files[file];
        let stem = file.rsplit('/').next().unwrap();
        let (want, got) = (real(&v), tool(stem.trim_end_matches(".nmconnection"), text));
        compared += 1;
        loaded += usize::from(v["loaded"] == true);
        if want == got {
            agreed += 1;
        } else {
            disagreements.push(format!(
                "{text}--- libnm: {want} {}\n--- tool:  {got}",
                v["why"].as_str().unwrap_or("")
            ));
        }
    }
    assert_eq!(compared, files.len());
    eprintln!(
        "libnm keyfile differential: {agreed} of {compared} generated profiles agree ({loaded} loaded by libnm)"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(6)].join("\n\n")
    );
}
