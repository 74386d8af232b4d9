//! In-guest NIC teaming and bonding, which Site Recovery does not support: a bond or team
//! device is one adapter made of several, and failover brings up plain adapters instead.
//!
//! Live, the kernel says it: `/sys/class/net/NAME/uevent` has `DEVTYPE=bond` or `DEVTYPE=team`
//! (the device types the bonding and team drivers register). In an image, the network
//! configuration says it: Red Hat `ifcfg` files (`DEVICETYPE=Team`/`TeamPort`, `TEAM_CONFIG`,
//! `TEAM_MASTER`, `TYPE=Bond`, `BONDING_OPTS`, `MASTER`), SUSE's (`BONDING_MASTER=yes`,
//! `BONDING_SLAVE0`), Debian's `/etc/network/interfaces` (`bond-slaves`, `bond-master`,
//! `bond-mode`, `team-*`), netplan (`bonds:`), NetworkManager keyfiles (`type=bond`/`team`).
//! Interface names `bondN`/`teamN` count in both modes.

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::parse::shell_vars;
use crate::root::{FileKind, Root};

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamEvidence {
    /// The device or file it is about.
    pub subject: String,
    /// What says so, e.g. `DEVTYPE=bond in /sys/class/net/bond0/uevent`.
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamingFacts {
    pub evidence: Vec<TeamEvidence>,
    pub errors: Vec<FactError>,
}

/// Whether an interface name is a bonding or team device's conventional one.
pub fn teaming_name(name: &[u8]) -> bool {
    for prefix in [&b"bond"[..], b"team"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            if rest.first().is_none_or(|b| b.is_ascii_digit()) {
                return true;
            }
        }
    }
    false
}

pub fn gather(root: &Root, live: bool) -> TeamingFacts {
    super::nm_profiles::with_own(root, |nm| gather_with(root, live, nm))
}

/// [`gather`] with NetworkManager's profiles shared with other readers.
pub fn gather_with(root: &Root, live: bool, nm: super::nm_profiles::Shared<'_>) -> TeamingFacts {
    let mut f = TeamingFacts::default();
    if live {
        sysfs(root, &mut f);
    } else {
        ifcfg_dirs(root, &mut f);
        debian_interfaces(root, &mut f);
        netplan(root, &mut f);
        nm_keyfiles(nm(), &mut f);
    }
    f
}

fn list(root: &Root, dir: &str, f: &mut TeamingFacts) -> Vec<String> {
    match root.read_dir_optional(Path::new(dir)) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| e.kind != FileKind::Fifo)
            .map(|e| String::from_utf8_lossy(e.name.as_bytes()).into_owned())
            .collect(),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => {
            f.errors.push(e.into());
            Vec::new()
        }
    }
}

fn read(root: &Root, path: &str, f: &mut TeamingFacts) -> Option<String> {
    match root.read_optional(Path::new(path)) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            f.errors.push(e.into());
            None
        }
    }
}

fn sysfs(root: &Root, f: &mut TeamingFacts) {
    for name in list(root, "/sys/class/net", f) {
        let path = format!("/sys/class/net/{name}/uevent");
        let Some(text) = read(root, &path, f) else {
            continue;
        };
        for a in shell_vars::parse(&text) {
            if a.key == "DEVTYPE" && (a.value == "bond" || a.value == "team") {
                f.evidence.push(TeamEvidence {
                    subject: name.clone(),
                    why: format!("DEVTYPE={} in {path}", a.value),
                });
            }
        }
    }
}

fn ifcfg_dirs(root: &Root, f: &mut TeamingFacts) {
    for dir in ["/etc/sysconfig/network-scripts", "/etc/sysconfig/network"] {
        if root.kind(Path::new(dir)).ok().flatten() != Some(FileKind::Dir) {
            continue;
        }
        for name in list(root, dir, f) {
            let Some(dev) = name.strip_prefix("ifcfg-") else {
                continue;
            };
            if dev.is_empty() || dev.contains('~') || dev.ends_with(".bak") || dev == "lo" {
                continue;
            }
            let path = format!("{dir}/{name}");
            let Some(text) = read(root, &path, f) else {
                continue;
            };
            let vars = shell_vars::parse(&text);
            let get = |k: &str| {
                vars.iter()
                    .rev()
                    .find(|a| a.key == k)
                    .map(|a| (a.value.as_str(), a.line))
            };
            let mut reasons = Vec::new();
            for (key, pred) in [
                (
                    "DEVICETYPE",
                    &(|v: &str| {
                        v.eq_ignore_ascii_case("team") || v.eq_ignore_ascii_case("teamport")
                    }) as &dyn Fn(&str) -> bool,
                ),
                ("TYPE", &|v: &str| v.eq_ignore_ascii_case("bond")),
                ("BONDING_MASTER", &|v: &str| v.eq_ignore_ascii_case("yes")),
                ("BONDING_OPTS", &|v: &str| !v.is_empty()),
                ("TEAM_CONFIG", &|v: &str| !v.is_empty()),
                ("TEAM_MASTER", &|v: &str| !v.is_empty()),
                ("TEAM_PORT_CONFIG", &|v: &str| !v.is_empty()),
                ("BONDING_SLAVE0", &|v: &str| !v.is_empty()),
            ] {
                if let Some((v, line)) = get(key) {
                    if pred(v) {
                        reasons.push(format!("{key}={v} (line {line})"));
                    }
                }
            }
            // Red Hat's MASTER=bondN with SLAVE=yes makes a bond port.
            if let (Some((m, line)), Some((s, _))) = (get("MASTER"), get("SLAVE")) {
                if s.eq_ignore_ascii_case("yes") {
                    reasons.push(format!("MASTER={m} with SLAVE=yes (line {line})"));
                }
            }
            if reasons.is_empty() && teaming_name(dev.as_bytes()) {
                reasons.push("named like a bond or team device".into());
            }
            if !reasons.is_empty() {
                f.evidence.push(TeamEvidence {
                    subject: dev.to_string(),
                    why: format!("{} in {path}", reasons.join(", ")),
                });
            }
        }
    }
}

fn debian_interfaces(root: &Root, f: &mut TeamingFacts) {
    let mut files = vec!["/etc/network/interfaces".to_string()];
    for name in list(root, "/etc/network/interfaces.d", f) {
        files.push(format!("/etc/network/interfaces.d/{name}"));
    }
    for path in files {
        let Some(text) = read(root, &path, f) else {
            continue;
        };
        let mut iface = String::new();
        for (i, line) in text.lines().enumerate() {
            let mut words = line.split_whitespace();
            let Some(first) = words.next() else { continue };
            if first == "iface" {
                iface = words.next().unwrap_or("").to_string();
                if teaming_name(iface.as_bytes()) {
                    f.evidence.push(TeamEvidence {
                        subject: iface.clone(),
                        why: format!("a bond or team device configured in {path} line {}", i + 1),
                    });
                }
                continue;
            }
            if first.starts_with("bond-")
                || first.starts_with("bond_")
                || first.starts_with("team-")
            {
                if teaming_name(iface.as_bytes()) {
                    continue; // already reported by its name
                }
                f.evidence.push(TeamEvidence {
                    subject: if iface.is_empty() {
                        "(no iface)".into()
                    } else {
                        iface.clone()
                    },
                    why: format!("{first} in {path} line {}", i + 1),
                });
            }
        }
    }
}

/// Bonds of the netplan configuration netplan would apply (facts/netplan_config.rs); when it
/// refuses the configuration, that is an error and no bond of it exists.
fn netplan(root: &Root, f: &mut TeamingFacts) {
    let config = super::netplan_config::gather(root);
    f.errors.extend(config.errors);
    for (path, devices) in &config.files {
        for d in devices.iter().filter(|d| d.kind == "bonds") {
            f.evidence.push(TeamEvidence {
                subject: d.id.clone(),
                why: format!("a netplan bonds: definition in {path} line {}", d.line),
            });
        }
    }
}

/// Bond and team profiles, and their ports, among the profiles NetworkManager loads
/// (facts/nm_profiles.rs: its directories, priorities, modes, tombstones).
fn nm_keyfiles(nm: &super::nm_profiles::NmProfiles, f: &mut TeamingFacts) {
    f.errors.extend(nm.errors.iter().cloned());
    for l in &nm.loaded {
        let kf = &l.keys;
        let teamish = |v: &str| v == "bond" || v == "team";
        let key = ["type", "slave-type", "port-type"]
            .into_iter()
            .find_map(|k| {
                let v = kf.string("connection", k).filter(|v| teamish(v))?;
                Some(format!(
                    "[connection] {k}={v} in {} line {}",
                    l.path,
                    kf.value("connection", k).map_or(1, |x| x.line)
                ))
            });
        let group = ["bond", "team"]
            .into_iter()
            .find(|g| kf.has_group(g))
            .map(|g| format!("a [{g}] group in {}", l.path));
        if let Some(why) = key.or(group) {
            let name = l.path.rsplit('/').next().unwrap_or(&l.path);
            f.evidence.push(TeamEvidence {
                subject: name.trim_end_matches(".nmconnection").to_string(),
                why,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tree;

    /// bondN and teamN (and bare bond/team) are teaming names; others are not.
    #[test]
    fn names() {
        assert!(teaming_name(b"bond0"));
        assert!(teaming_name(b"team1"));
        assert!(teaming_name(b"bond"));
        assert!(!teaming_name(b"bondi"));
        assert!(!teaming_name(b"eth0"));
    }

    /// Every configuration format's way of declaring a team or bond is found; plain adapters
    /// are not.
    #[test]
    fn image_configurations() {
        let d = tree(&[
            (
                "/etc/sysconfig/network-scripts/ifcfg-eth0",
                "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n",
            ),
            (
                "/etc/sysconfig/network-scripts/ifcfg-t0",
                "DEVICE=t0\nDEVICETYPE=Team\nTEAM_CONFIG='{\"runner\": {\"name\": \"activebackup\"}}'\n",
            ),
            (
                "/etc/sysconfig/network-scripts/ifcfg-eth1",
                "DEVICE=eth1\nMASTER=b1\nSLAVE=yes\n",
            ),
            (
                "/etc/sysconfig/network/ifcfg-agg",
                "BONDING_MASTER='yes'\nBONDING_SLAVE0='eth2'\n",
            ),
            (
                "/etc/network/interfaces",
                "auto eth3\niface eth3 inet manual\n    bond-master bond0\n\nauto bond0\niface bond0 inet dhcp\n    bond-slaves eth3\n",
            ),
            (
                "/etc/netplan/50.yaml",
                "network:\n  version: 2\n  bonds:\n    bond1:\n      interfaces: [ens3]\n",
            ),
            (
                "/etc/NetworkManager/system-connections/t1.nmconnection",
                "[connection]\nid=t1\ntype=team\n[team]\n",
            ),
            (
                "/etc/NetworkManager/system-connections/e.nmconnection",
                "[connection]\nid=e\ntype=ethernet\n",
            ),
        ]);
        // NetworkManager loads only profiles no group or other may read.
        for n in ["t1", "e"] {
            let p = d.path().join(format!(
                "etc/NetworkManager/system-connections/{n}.nmconnection"
            ));
            std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
        }
        let f = gather(&Root::image(d.path()).unwrap(), false);
        let subjects: Vec<&str> = f.evidence.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(
            subjects,
            ["eth1", "t0", "agg", "eth3", "bond0", "bond1", "t1"],
            "{:#?}",
            f.evidence
        );
        assert!(
            f.evidence[1].why.contains("DEVICETYPE=Team (line 2)"),
            "{:?}",
            f.evidence[1]
        );
        assert!(f.errors.is_empty());
    }

    /// Only bond profiles NetworkManager loads count: not one it ignores for its mode, one a
    /// /run profile of the same uuid shadows, or one a tombstone hides.
    #[test]
    fn networkmanager_profiles_it_does_not_load() {
        let d = tree(&[]);
        crate::testutil::nm_profiles_not_loaded(d.path(), &|name, uuid| {
            format!(
                "[connection]\nid={name}\ntype=bond\ninterface-name={name}\nuuid={uuid}\n[bond]\nmode=active-backup\n"
            )
        });
        let f = gather(&Root::image(d.path()).unwrap(), false);
        let subjects: Vec<&str> = f.evidence.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(subjects, ["loaded"], "{:#?}", f.evidence);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
    }

    /// A netplan configuration netplan refuses defines no bond, and says why.
    #[test]
    fn refused_netplan_defines_no_bond() {
        let d = tree(&[(
            "/etc/netplan/50.yaml",
            "network:\n  bonds:\n    bond1:\n      interfaces: [ens3]\n      parameter: {mode: 802.3ad}\n",
        )]);
        let f = gather(&Root::image(d.path()).unwrap(), false);
        assert!(f.evidence.is_empty(), "{:?}", f.evidence);
        let e = f.errors[0].to_string();
        assert!(
            e.contains("/etc/netplan/50.yaml") && e.contains("line 5: unknown key 'parameter'"),
            "{e}"
        );
    }

    /// Live, the kernel's device type decides.
    #[test]
    fn live_sysfs_device_types() {
        let d = tree(&[
            ("/sys/class/net/eth0/uevent", "INTERFACE=eth0\nIFINDEX=2\n"),
            (
                "/sys/class/net/agg0/uevent",
                "DEVTYPE=bond\nINTERFACE=agg0\nIFINDEX=3\n",
            ),
            (
                "/sys/class/net/t9/uevent",
                "DEVTYPE=team\nINTERFACE=t9\nIFINDEX=4\n",
            ),
        ]);
        let f = gather(&Root::image(d.path()).unwrap(), true);
        let subjects: Vec<&str> = f.evidence.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(subjects, ["agg0", "t9"]);
    }
}
