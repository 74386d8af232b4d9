//! The netplan configuration an image's netplan would apply, for every reader of it (adapters,
//! routes, bonds): netplan reads `*.yaml` of /lib/netplan, /etc/netplan and /run/netplan in
//! the order of their file names; a file in /etc shadows one of the same name in /lib, one in
//! /run both; its glob skips dot-files (`.50-old.yaml` is not read). When netplan refuses one
//! file (bad YAML, an unknown key, a wrong value: parse/netplan_schema.rs) it refuses them
//! all: `netplan generate` writes nothing, so no device of any netplan file is configured.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::facts::FactError;
use crate::parse::netplan::{self, Device};
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

/// The directories netplan reads, lowest priority first.
pub const DIRS: [&str; 3] = ["/lib/netplan", "/etc/netplan", "/run/netplan"];

/// What netplan would apply.
#[derive(Debug, Clone, Default)]
pub struct NetplanConfig {
    /// The files read, in netplan's order, as shown paths, with their devices. Empty when
    /// netplan refuses the configuration.
    pub files: Vec<(String, Vec<Device>)>,
    /// Why netplan refuses the configuration (the first refused file, its line and reason),
    /// or a file or directory that could not be read.
    pub errors: Vec<FactError>,
}

impl NetplanConfig {
    /// Whether netplan applies the configuration (no file refused or unreadable).
    pub fn applied(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A path as the report shows it: UTF-8 as it is, other bytes escaped (`\xff`).
fn shown(path: &Path) -> String {
    escape_bytes(path.as_os_str().as_bytes())
}

pub fn gather(root: &Root) -> NetplanConfig {
    let mut out = NetplanConfig::default();
    // A map by name: a later directory replaces the file of the same name at once, and it
    // iterates sorted by the name's bytes, the order netplan sorts them in.
    let mut chosen: std::collections::BTreeMap<OsString, PathBuf> = Default::default();
    for dir in DIRS {
        let entries = match root.read_dir_optional(Path::new(dir)) {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(e.into());
                continue;
            }
        };
        for e in entries {
            if matches!(e.kind, FileKind::Dir | FileKind::Fifo) {
                continue;
            }
            let b = e.name.as_bytes();
            if !b.ends_with(b".yaml") || b.starts_with(b".") {
                continue;
            }
            let path = Path::new(dir).join(&e.name);
            chosen.insert(e.name, path);
        }
    }
    // netplan keeps one definition per id across all files: a later one of another device
    // type is refused.
    let mut kinds: std::collections::HashMap<String, String> = Default::default();
    for (_, path) in chosen {
        let text = match root.read_text(&path) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.errors.push(e.into());
                continue;
            }
        };
        match netplan::parse(&text).and_then(|devs| same_types(&devs, &mut kinds).map(|_| devs)) {
            Ok(devs) => out.files.push((shown(&path), devs)),
            Err(e) => {
                out.errors.push(FactError::unparsable(&path, None, e));
                // netplan stops at the first file it refuses.
                break;
            }
        }
    }
    if !out.applied() {
        out.files.clear();
    }
    out
}

/// Records each device's type; `Err` for an id defined before with another type.
fn same_types(
    devs: &[Device],
    kinds: &mut std::collections::HashMap<String, String>,
) -> Result<(), crate::parse::yaml::YamlError> {
    for d in devs {
        let kind = kinds.entry(d.id.clone()).or_insert_with(|| d.kind.clone());
        if *kind != d.kind {
            return Err(crate::parse::yaml::YamlError {
                line: d.id_line,
                message: format!(
                    "Updated definition '{}' changes device type (netplan refuses this file, and with it every netplan file)",
                    d.id
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::image as image_root;

    /// Shadowing by name, dot-files skipped, and one refused file refusing all of them.
    #[test]
    fn order_shadowing_and_refusal() {
        let eth = |id: &str, a: &str| {
            format!("network:\n  ethernets:\n    {id}:\n      addresses: [{a}]\n")
        };
        let (_d, root) = image_root(&[
            ("/lib/netplan/10-a.yaml", &eth("eth9", "203.0.113.99/24")),
            ("/etc/netplan/10-a.yaml", &eth("eth1", "203.0.113.10/24")),
            ("/etc/netplan/.20-old.yaml", &eth("eth2", "192.0.2.1/24")),
            ("/run/netplan/30-b.yaml", &eth("eth3", "192.0.2.3/24")),
        ]);
        let c = gather(&root);
        let files: Vec<&str> = c.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            files,
            vec!["/etc/netplan/10-a.yaml", "/run/netplan/30-b.yaml"]
        );
        assert!(c.applied());
        let (_d, root) = image_root(&[
            ("/etc/netplan/10-a.yaml", &eth("eth1", "203.0.113.10/24")),
            (
                "/etc/netplan/20-b.yaml",
                "network:\n  ethernets:\n    eth2:\n      dhcp4: true\n      gateway: 192.0.2.1\n",
            ),
        ]);
        let c = gather(&root);
        assert!(c.files.is_empty(), "netplan applies no file: {:?}", c.files);
        let e = c.errors[0].to_string();
        assert!(
            e.contains("/etc/netplan/20-b.yaml") && e.contains("line 5: unknown key 'gateway'"),
            "{e}"
        );
    }
}
