//! The machine's network adapters and their addresses, and its `/etc/hosts`.
//!
//! Live, the adapters are the kernel's (getifaddrs through the [`Probe`]). In an image they are
//! what its network configuration would bring up at boot: Red Hat and SUSE `ifcfg-*` files,
//! Debian's `/etc/network/interfaces` (with its `source` lines), netplan and NetworkManager
//! keyfiles. Which adapters count for a check (loopback, container bridges, `--ignore-interface`)
//! is the check's decision, not made here.

use crate::facts::FactError;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::glob::Glob;
use crate::parse::netconf::IfaceConfig;
use crate::parse::{hosts, ifcfg, ifupdown, netplan};
use crate::probe::Probe;
use crate::root::Root;
use crate::text::escape_bytes;

/// Where an adapter's description came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The running kernel.
    Kernel,
    /// A configuration file of the image, and the line its definition starts on.
    Config { path: String, line: usize },
}

/// One address, with where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicAddr {
    pub addr: IpAddr,
    pub prefix: Option<u8>,
    /// `path line N` for configured addresses; `None` live.
    pub set_at: Option<String>,
}

/// An adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    /// The interface name as bytes; `None` for a configuration bound to no interface.
    pub name: Option<Vec<u8>>,
    /// What the configuration calls it when that differs (profile id, netplan id).
    pub label: Option<String>,
    pub origin: Origin,
    /// Live: administratively up. Image: brought up at boot.
    pub up: bool,
    pub loopback: bool,
    /// Enslaved to a bond, team or bridge, which holds the addresses.
    pub port_of: Option<String>,
    pub dhcp4: bool,
    pub dhcp6: bool,
    pub addrs: Vec<NicAddr>,
}

impl Nic {
    /// The name for display.
    pub fn shown(&self) -> String {
        match (&self.name, &self.label) {
            (Some(n), _) => escape_bytes(n),
            (None, Some(l)) => format!("profile '{l}' (bound to no interface)"),
            (None, None) => "(unnamed)".into(),
        }
    }

    /// Where it is described, for details.
    pub fn described_at(&self) -> String {
        match &self.origin {
            Origin::Kernel => "kernel".into(),
            Origin::Config { path, line } if *line > 1 => format!("{path} line {line}"),
            Origin::Config { path, .. } => path.clone(),
        }
    }
}

/// Everything known about the adapters.
#[derive(Debug, Clone, Default)]
pub struct NetworkFacts {
    /// `kernel (getifaddrs)`, or the configuration files that were read.
    pub sources: Vec<String>,
    pub nics: Vec<Nic>,
    /// Could not look: a probe failure or an unreadable file (path and cause).
    pub errors: Vec<FactError>,
    /// Values in configuration files that were not understood (`path: line N: ...`).
    pub problems: Vec<String>,
    /// Gathered from the running kernel rather than from configuration files.
    pub live: bool,
}

/// The hosts file.
#[derive(Debug, Clone)]
pub struct HostsFacts {
    pub path: &'static str,
    /// `Ok(None)` when there is no such file.
    pub hosts: Result<Option<hosts::Hosts>, String>,
}

pub fn gather_hosts(root: &Root) -> HostsFacts {
    let path = "/etc/hosts";
    HostsFacts {
        path,
        hosts: match root.read_bytes(Path::new(path)) {
            Ok(b) => Ok(Some(hosts::parse(&b))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.to_string()),
        },
    }
}

pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> NetworkFacts {
    super::nm_profiles::with_own(root, |nm| gather_with(root, probe, nm))
}

/// [`gather`] with NetworkManager's profiles shared with other readers.
pub fn gather_with(
    root: &Root,
    probe: Option<&dyn Probe>,
    nm: super::nm_profiles::Shared<'_>,
) -> NetworkFacts {
    match probe {
        Some(p) => live(p),
        None => image(root, nm),
    }
}

fn live(p: &dyn Probe) -> NetworkFacts {
    let mut f = NetworkFacts {
        sources: vec!["kernel (getifaddrs)".into()],
        live: true,
        ..NetworkFacts::default()
    };
    match p.interfaces() {
        Ok(list) => {
            f.nics = list
                .into_iter()
                .map(|i| Nic {
                    name: Some(i.name),
                    label: None,
                    origin: Origin::Kernel,
                    up: i.up,
                    loopback: i.loopback,
                    port_of: None,
                    dhcp4: false,
                    dhcp6: false,
                    addrs: i
                        .addrs
                        .into_iter()
                        .map(|a| NicAddr {
                            addr: a.addr,
                            prefix: a.prefix,
                            set_at: None,
                        })
                        .collect(),
                })
                .collect()
        }
        Err(e) => f.errors.push(e.into()),
    }
    f
}

/// Adds one parsed configuration to the facts.
fn push_config(f: &mut NetworkFacts, path: &str, cfg: IfaceConfig) {
    for p in &cfg.problems {
        f.problems.push(format!("{path}: {p}"));
    }
    f.nics.push(Nic {
        name: cfg.name.map(String::into_bytes),
        label: cfg.label,
        origin: Origin::Config {
            path: path.to_string(),
            line: cfg.line,
        },
        up: cfg.on_boot,
        loopback: cfg.loopback,
        port_of: cfg.port_of,
        dhcp4: cfg.dhcp4,
        dhcp6: cfg.dhcp6,
        addrs: cfg
            .addresses
            .into_iter()
            .map(|a| NicAddr {
                addr: a.addr,
                prefix: a.prefix,
                set_at: Some(format!("{path} line {}", a.line)),
            })
            .collect(),
    });
}

/// The names in a directory (sorted), with a missing directory read as empty. Names stay
/// bytes: ifupdown's and netplan's globs read a file whatever its name is.
fn dir_files(root: &Root, dir: &Path, f: &mut NetworkFacts) -> Vec<OsString> {
    match root.read_dir_optional(dir) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| {
                !matches!(
                    e.kind,
                    crate::root::FileKind::Dir | crate::root::FileKind::Fifo
                )
            })
            .map(|e| e.name)
            .collect(),
        Err(e) => {
            f.errors.push(e.into());
            Vec::new()
        }
    }
}

/// A path as the report shows it: UTF-8 as it is, other bytes escaped (`\xff`).
fn shown(path: &Path) -> String {
    escape_bytes(path.as_os_str().as_bytes())
}

/// Reads `path` (a missing file is `None`), listing it among the sources.
fn read(root: &Root, path: &Path, f: &mut NetworkFacts) -> Option<String> {
    match root.read_text(path) {
        Ok(t) => {
            f.sources.push(shown(path));
            Some(t)
        }
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            f.errors.push(e.into());
            None
        }
    }
}

fn image(root: &Root, nm: super::nm_profiles::Shared<'_>) -> NetworkFacts {
    let mut f = NetworkFacts::default();
    for (dir, dialect) in [
        ("/etc/sysconfig/network-scripts", ifcfg::Dialect::RedHat),
        ("/etc/sysconfig/network", ifcfg::Dialect::Suse),
    ] {
        // On Red Hat, /etc/sysconfig/network is a file: then there is no such directory.
        if root.kind(Path::new(dir)).ok().flatten() != Some(crate::root::FileKind::Dir) {
            continue;
        }
        for file in dir_files(root, Path::new(dir), &mut f) {
            let path = Path::new(dir).join(&file);
            // The file name is the device's: one that is not text cannot name an interface.
            let Some(name) = file.to_str() else {
                f.problems.push(format!(
                    "{}: skipped a file whose name is not UTF-8",
                    shown(&path)
                ));
                continue;
            };
            if !ifcfg::is_config_file(name) {
                continue;
            }
            if let Some(text) = read(root, &path, &mut f) {
                let cfg = ifcfg::parse(&name["ifcfg-".len()..], &text, dialect);
                push_config(&mut f, &shown(&path), cfg);
            }
        }
    }
    let mut visited = BTreeSet::new();
    let mut boot = BTreeSet::new();
    let first = f.nics.len();
    ifupdown_file(
        root,
        Path::new("/etc/network/interfaces"),
        &mut f,
        &mut visited,
        &mut boot,
        0,
    );
    // ifupdown brings up at boot only what an `auto`/`allow-hotplug` line of any file names.
    for nic in &mut f.nics[first..] {
        nic.up = nic.name.as_ref().is_some_and(|n| boot.contains(n));
    }
    netplan_files(root, &mut f);
    let nm = nm();
    f.errors
        .extend(nm.errors.iter().map(|e| FactError::other(e.to_string())));
    f.problems.extend(nm.problems.iter().cloned());
    for l in &nm.loaded {
        f.sources.push(l.path.clone());
        push_config(&mut f, &l.path, l.profile.config.clone());
    }
    f
}

/// Reads an ifupdown file and what it sources, collecting the names `auto` lines bring up.
fn ifupdown_file(
    root: &Root,
    path: &Path,
    f: &mut NetworkFacts,
    visited: &mut BTreeSet<PathBuf>,
    boot: &mut BTreeSet<Vec<u8>>,
    depth: usize,
) {
    const MAX_DEPTH: usize = 8;
    // Sets, not lists: a source-directory of many thousand files is looked up once per file.
    if depth > MAX_DEPTH || !visited.insert(path.to_path_buf()) {
        return;
    }
    let Some(text) = read(root, path, f) else {
        return;
    };
    let shown = shown(path);
    let parsed = ifupdown::parse(&text);
    for cfg in parsed.ifaces {
        push_config(f, &shown, cfg);
    }
    boot.extend(parsed.boot.iter().map(|b| b.as_bytes().to_vec()));
    let base = path.parent().unwrap_or(Path::new("/etc/network"));
    for inc in parsed.includes {
        match inc {
            ifupdown::Include::Files { line, pattern } => {
                let full = base.join(&pattern);
                let (dir, file_pat) = match (full.parent(), full.file_name()) {
                    (Some(d), Some(n)) => (d.to_path_buf(), n.to_string_lossy().into_owned()),
                    _ => continue,
                };
                let glob = match Glob::new(&file_pat) {
                    Ok(g) => g,
                    Err(e) => {
                        f.problems.push(format!("{shown}: line {line}: source {e}"));
                        continue;
                    }
                };
                if glob.is_literal() {
                    ifupdown_file(root, &full, f, visited, boot, depth + 1);
                    continue;
                }
                for name in dir_files(root, &dir, f) {
                    if glob.matches(name.as_bytes()) {
                        ifupdown_file(root, &dir.join(&name), f, visited, boot, depth + 1);
                    }
                }
            }
            ifupdown::Include::Directory { dir, .. } => {
                let d = base.join(&dir);
                for name in dir_files(root, &d, f) {
                    // run-parts names are ASCII: a name that is not UTF-8 never matches.
                    if name.to_str().is_some_and(ifupdown::source_directory_reads) {
                        ifupdown_file(root, &d.join(&name), f, visited, boot, depth + 1);
                    }
                }
            }
        }
    }
}

/// The adapters of the netplan configuration (facts/netplan_config.rs): none when netplan
/// refuses it, and then the refusal is an error naming the file, the line and the reason.
fn netplan_files(root: &Root, f: &mut NetworkFacts) {
    let config = super::netplan_config::gather(root);
    f.errors.extend(config.errors);
    // Merged devices are attributed to the last file that defines them.
    let mut last_file: std::collections::HashMap<&str, &str> = Default::default();
    for (path, devs) in &config.files {
        f.sources.push(path.clone());
        for d in devs {
            last_file.insert(d.id.as_str(), path.as_str());
        }
    }
    let parsed: Vec<Vec<netplan::Device>> = config.files.iter().map(|(_, d)| d.clone()).collect();
    for cfg in netplan::interfaces(&parsed) {
        let id = cfg.label.as_ref().or(cfg.name.as_ref());
        let path = id
            .and_then(|i| last_file.get(i.as_str()))
            .map_or_else(|| "netplan".to_string(), |p| p.to_string());
        push_config(f, &path, cfg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{FakeProbe, Interface};
    use crate::testutil::image as image_root;

    /// Live facts are the probe's interfaces, unchanged.
    #[test]
    fn live_from_probe() {
        let mut p = FakeProbe::new("5.14.0", "web01");
        p.interfaces = Ok(vec![Interface::new("eth0", &["198.51.100.10/24"])]);
        let f = gather(&Root::live(), Some(&p));
        assert_eq!(f.nics.len(), 1);
        assert_eq!(f.nics[0].addrs[0].prefix, Some(24));
        assert!(f.live);
    }

    /// ifupdown: sourced files are read, `auto` in one file marks a stanza in another,
    /// a source loop ends, and a stanza no `auto` names is not up at boot.
    #[test]
    fn ifupdown_sources_and_auto() {
        let (_d, root) = image_root(&[
            (
                "/etc/network/interfaces",
                "auto lo eth0\niface lo inet loopback\nsource interfaces.d/*\nsource-directory /etc/network/more\n",
            ),
            (
                "/etc/network/interfaces.d/eth0",
                "iface eth0 inet static\n address 198.51.100.10/24\nsource /etc/network/interfaces\n",
            ),
            (
                "/etc/network/more/eth1",
                "iface eth1 inet static\n address 203.0.113.10/24\n",
            ),
            (
                "/etc/network/more/eth2.cfg",
                "auto eth2\niface eth2 inet dhcp\n",
            ),
        ]);
        let f = gather(&root, None);
        let by = |n: &str| {
            f.nics
                .iter()
                .find(|x| x.name.as_deref() == Some(n.as_bytes()))
        };
        assert!(by("eth0").unwrap().up);
        assert_eq!(
            by("eth0").unwrap().addrs[0].set_at.as_deref(),
            Some("/etc/network/interfaces.d/eth0 line 2")
        );
        assert!(!by("eth1").unwrap().up);
        assert!(
            by("eth2").is_none(),
            "eth2.cfg is not read by source-directory"
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
    }

    /// A file whose name is not UTF-8 is read by its own bytes, through ifupdown's `source`
    /// glob and netplan's `*.yaml`, and shown escaped: rebuilding its path from display text
    /// (U+FFFD for the byte) read another file or none.
    #[test]
    fn non_utf8_file_names_are_kept() {
        use std::os::unix::ffi::OsStrExt;
        let (dir, root) = image_root(&[
            (
                "/etc/network/interfaces",
                "auto eth0\nsource interfaces.d/*\n",
            ),
            ("/etc/netplan/.keep", ""),
        ]);
        let put = |rel: &[u8], text: &str| {
            let p = dir.path().join(std::ffi::OsStr::from_bytes(rel));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        put(
            b"etc/network/interfaces.d/caf\xe9",
            "iface eth0 inet static\n address 198.51.100.10/24\n",
        );
        put(
            b"etc/netplan/50-\xff.yaml",
            "network:\n  ethernets:\n    eth1:\n      addresses: [203.0.113.7/24]\n",
        );
        let f = gather(&root, None);
        let by = |n: &str| {
            f.nics
                .iter()
                .find(|x| x.name.as_deref() == Some(n.as_bytes()))
        };
        let eth0 = by("eth0").expect("the stanza of the non-UTF-8 file is read");
        assert!(eth0.up);
        assert_eq!(
            eth0.addrs[0].set_at.as_deref(),
            Some("/etc/network/interfaces.d/caf\\xe9 line 2")
        );
        let eth1 = by("eth1").expect("the netplan file with a non-UTF-8 name is read");
        assert_eq!(
            eth1.addrs[0].set_at.as_deref(),
            Some("/etc/netplan/50-\\xff.yaml line 4")
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }

    /// Red Hat and SUSE ifcfg directories, netplan shadowing, and keyfiles are all read.
    #[test]
    fn every_format() {
        let (_d, root) = image_root(&[
            ("/etc/sysconfig/network", "NETWORKING=yes\n"),
            (
                "/etc/sysconfig/network-scripts/ifcfg-eth0",
                "IPADDR=198.51.100.10\nPREFIX=24\n",
            ),
            (
                "/etc/sysconfig/network-scripts/ifcfg-lo",
                "IPADDR=127.0.0.1\n",
            ),
            (
                "/lib/netplan/10-a.yaml",
                "network:\n  ethernets:\n    eth9:\n      addresses: [203.0.113.99/24]\n",
            ),
            (
                "/etc/netplan/10-a.yaml",
                "network:\n  ethernets:\n    eth1:\n      addresses: [203.0.113.10/24]\n",
            ),
            (
                "/etc/NetworkManager/system-connections/eth2.nmconnection",
                "[connection]\ntype=ethernet\ninterface-name=eth2\n[ipv4]\nmethod=auto\n",
            ),
        ]);
        // NetworkManager loads only profiles no group or other may read.
        let k = _d
            .path()
            .join("etc/NetworkManager/system-connections/eth2.nmconnection");
        std::fs::set_permissions(k, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let f = gather(&root, None);
        let names: Vec<String> = f.nics.iter().map(Nic::shown).collect();
        assert_eq!(names, vec!["eth0", "eth1", "eth2"]);
        assert!(f.nics[2].dhcp4);
        assert_eq!(f.nics[1].described_at(), "/etc/netplan/10-a.yaml line 4");
    }

    /// SUSE's directory and a broken netplan file (an error: its addresses are unknown).
    #[test]
    fn suse_and_broken_netplan() {
        let (_d, root) = image_root(&[
            (
                "/etc/sysconfig/network/ifcfg-eth0",
                "IPADDR='198.51.100.10/24'\nSTARTMODE=auto\n",
            ),
            ("/etc/sysconfig/network/config", "X=1\n"),
            ("/etc/netplan/01.yaml", "network:\n  ethernets: [\n"),
        ]);
        let f = gather(&root, None);
        assert_eq!(f.nics.len(), 1);
        assert_eq!(f.nics[0].addrs[0].prefix, Some(24));
        assert_eq!(f.errors.len(), 1);
        assert!(
            f.errors[0].to_string().contains("/etc/netplan/01.yaml"),
            "{:?}",
            f.errors
        );
    }

    /// The hosts file: parsed, absent, or unreadable.
    #[test]
    fn hosts_states() {
        let (_d, root) = image_root(&[("/etc/hosts", "198.51.100.10 web01\n")]);
        let h = gather_hosts(&root);
        assert_eq!(h.hosts.unwrap().unwrap().entries.len(), 1);
        let (_d, root) = image_root(&[]);
        assert!(gather_hosts(&root).hosts.unwrap().is_none());
        let (d, root) = image_root(&[]);
        std::fs::create_dir_all(d.path().join("etc/hosts")).unwrap();
        assert!(gather_hosts(&root).hosts.is_err());
    }
}
