//! What Site Recovery's failover "hydration" of a Linux disk relies on: the programs it runs
//! (found in /usr/sbin, /sbin, /usr/bin, /bin of the target) and how the initramfs generator is
//! configured, since dracut's host-only mode and initramfs-tools' `MODULES=dep` build images
//! with only the drivers of the hardware the machine runs on today.

use crate::facts::FactError;
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::{dracut_conf, shell_vars};
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

/// Where hydration looks for its programs.
pub const TOOL_DIRS: &[&str] = &["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/// Programs looked for.
pub const TOOLS: &[&str] = &[
    "dracut",
    "mkinitrd",
    "lsinitrd",
    "update-initramfs",
    "mkinitramfs",
    "lsinitramfs",
    "modinfo",
    "dhclient",
    "dhcpcd",
    "wicked",
    "systemctl",
];

/// A setting and where it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    /// `/etc/dracut.conf line 12`.
    pub at: String,
}

/// dracut's effective configuration as far as drivers go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DracutConfig {
    /// Files read, in dracut's order.
    pub files: Vec<String>,
    /// The last `hostonly=` assignment.
    pub hostonly: Option<Located>,
    /// Drivers added by `add_drivers`, `force_drivers` or `drivers`, with where.
    pub added: Vec<(String, String)>,
    /// Drivers left out by `omit_drivers`.
    pub omitted: Vec<(String, String)>,
}

/// initramfs-tools' configuration (Debian, Ubuntu).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitramfsToolsConfig {
    /// The last `MODULES=` (most, dep, list, netboot).
    pub modules: Option<Located>,
    /// Modules listed in /etc/initramfs-tools/modules.
    pub listed: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HydrationFacts {
    /// Each of [`TOOLS`] and where it was found.
    pub tools: BTreeMap<&'static str, Option<String>>,
    /// Present when dracut is installed or configured.
    pub dracut: Option<DracutConfig>,
    /// Present when initramfs-tools is configured.
    pub initramfs_tools: Option<InitramfsToolsConfig>,
    pub errors: Vec<FactError>,
}

impl HydrationFacts {
    pub fn tool(&self, name: &str) -> Option<&str> {
        self.tools.get(name).and_then(|p| p.as_deref())
    }
}

pub fn gather(root: &Root) -> HydrationFacts {
    let mut facts = HydrationFacts::default();
    for name in TOOLS {
        let mut hit = None;
        for dir in TOOL_DIRS {
            let p = Path::new(dir).join(name);
            match root.kind(&p) {
                Ok(Some(FileKind::File)) => {
                    hit = Some(format!("{dir}/{name}"));
                    break;
                }
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => facts.errors.push(e.into()),
            }
        }
        facts.tools.insert(name, hit);
    }
    facts.dracut = dracut(root, &mut facts.errors, facts.tools["dracut"].is_some());
    facts.initramfs_tools = initramfs_tools(root, &mut facts.errors);
    facts
}

/// dracut reads /etc/dracut.conf, then the `*.conf` files of /usr/lib/dracut/dracut.conf.d and
/// /etc/dracut.conf.d in name order, a file in /etc replacing one of the same name in /usr/lib.
fn dracut(root: &Root, errors: &mut Vec<FactError>, installed: bool) -> Option<DracutConfig> {
    let mut files: Vec<PathBuf> = Vec::new();
    let main = Path::new("/etc/dracut.conf");
    if root.exists(main) {
        files.push(main.to_path_buf());
    }
    let mut confd: BTreeMap<Vec<u8>, PathBuf> = BTreeMap::new();
    for dir in ["/usr/lib/dracut/dracut.conf.d", "/etc/dracut.conf.d"] {
        match root.read_dir_optional(Path::new(dir)) {
            Ok(entries) => {
                for e in entries {
                    let name = e.name.as_bytes();
                    if name.ends_with(b".conf") {
                        confd.insert(name.to_vec(), Path::new(dir).join(&e.name));
                    }
                }
            }
            Err(e) => errors.push(e.into()),
        }
    }
    files.extend(confd.into_values());
    if files.is_empty() && !installed {
        return None;
    }
    let mut cfg = DracutConfig::default();
    for f in files {
        let shown = escape_bytes(f.as_os_str().as_bytes());
        let text = match root.read_text(&f) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e.into());
                continue;
            }
        };
        cfg.files.push(shown.clone());
        for s in dracut_conf::parse(&text) {
            let at = format!("{shown} line {}", s.line);
            match s.key.as_str() {
                "hostonly" => {
                    cfg.hostonly = Some(Located {
                        value: s.value.trim().to_string(),
                        at,
                    })
                }
                "add_drivers" | "force_drivers" | "drivers" => {
                    for w in dracut_conf::words(&s.value) {
                        cfg.added.push((w.replace('-', "_"), at.clone()));
                    }
                }
                "omit_drivers" => {
                    for w in dracut_conf::words(&s.value) {
                        cfg.omitted.push((w.replace('-', "_"), at.clone()));
                    }
                }
                _ => {}
            }
        }
    }
    Some(cfg)
}

/// initramfs-tools reads initramfs.conf, then every file of conf.d in name order.
fn initramfs_tools(root: &Root, errors: &mut Vec<FactError>) -> Option<InitramfsToolsConfig> {
    let main = Path::new("/etc/initramfs-tools/initramfs.conf");
    let mut files = vec![main.to_path_buf()];
    match root.read_dir_optional(Path::new("/etc/initramfs-tools/conf.d")) {
        Ok(entries) => files.extend(
            entries
                .iter()
                .filter(|e| e.kind != FileKind::Dir)
                .map(|e| Path::new("/etc/initramfs-tools/conf.d").join(&e.name)),
        ),
        Err(e) => errors.push(e.into()),
    }
    let mut cfg = InitramfsToolsConfig::default();
    let mut any = false;
    for f in files {
        let shown = escape_bytes(f.as_os_str().as_bytes());
        match root.read_optional(&f) {
            Ok(Some(text)) => {
                any = true;
                for a in shell_vars::parse(&text) {
                    if a.key == "MODULES" {
                        cfg.modules = Some(Located {
                            value: a.value,
                            at: format!("{shown} line {}", a.line),
                        });
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.into()),
        }
    }
    match root.read_optional(Path::new("/etc/initramfs-tools/modules")) {
        Ok(Some(text)) => {
            any = true;
            cfg.listed = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_whitespace().next())
                .map(|m| m.replace('-', "_"))
                .collect();
        }
        Ok(None) => {}
        Err(e) => errors.push(e.into()),
    }
    any.then_some(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::image as root_with;

    /// dracut's file order: /etc/dracut.conf, then conf.d by name with /etc replacing
    /// /usr/lib; the last hostonly wins; drivers added and omitted are collected.
    #[test]
    fn dracut_order() {
        let (_d, root) = root_with(&[
            ("/usr/bin/dracut", ""),
            ("/etc/dracut.conf", "hostonly=\"no\"\n"),
            (
                "/usr/lib/dracut/dracut.conf.d/01-dist.conf",
                "hostonly=\"yes\"\n",
            ),
            (
                "/usr/lib/dracut/dracut.conf.d/50-x.conf",
                "hostonly=\"no\"\n",
            ),
            (
                "/etc/dracut.conf.d/50-x.conf",
                "add_drivers+=\" hv_vmbus hv-netvsc \"\n",
            ),
            (
                "/etc/dracut.conf.d/90-omit.conf",
                "omit_drivers+=\"hv_storvsc\"\n",
            ),
        ]);
        let f = gather(&root);
        assert_eq!(f.tool("dracut"), Some("/usr/bin/dracut"));
        assert_eq!(f.tool("lsinitrd"), None);
        let d = f.dracut.unwrap();
        assert_eq!(d.files.len(), 4);
        let h = d.hostonly.unwrap();
        assert_eq!(h.value, "yes");
        assert_eq!(h.at, "/usr/lib/dracut/dracut.conf.d/01-dist.conf line 1");
        let added: Vec<&str> = d.added.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(added, ["hv_vmbus", "hv_netvsc"]);
        assert_eq!(d.omitted[0].0, "hv_storvsc");
        assert!(f.initramfs_tools.is_none());
    }

    /// initramfs-tools: conf.d overrides initramfs.conf; listed modules are read.
    #[test]
    fn initramfs_tools_config() {
        let (_d, root) = root_with(&[
            ("/etc/initramfs-tools/initramfs.conf", "MODULES=most\n"),
            ("/etc/initramfs-tools/conf.d/driver-policy", "MODULES=dep\n"),
            (
                "/etc/initramfs-tools/modules",
                "# list\nhv_vmbus\nhv_storvsc opt=1\n",
            ),
        ]);
        let f = gather(&root);
        assert!(f.dracut.is_none());
        let c = f.initramfs_tools.unwrap();
        assert_eq!(c.modules.unwrap().value, "dep");
        assert_eq!(c.listed, ["hv_vmbus", "hv_storvsc"]);
    }
}
