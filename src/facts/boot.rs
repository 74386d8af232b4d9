//! What the boot configuration tells about devices and kernel arguments: the `root=` and
//! `resume=` devices of every kernel line in the GRUB files the agent's installer reads
//! (`/boot/grub/grub.cfg`, `/boot/grub2/grub.cfg`, `/boot/grub/menu.lst`), in GRUB legacy's
//! `/boot/grub/grub.conf` (RHEL 6; menu.lst usually links to it) and in
//! `/etc/default/grub` (which the next `grub2-mkconfig` turns into kernel lines), the UUIDs of
//! the file systems (`/dev/disk/by-uuid`), and, on a running system, the kernel command line
//! it booted with.

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::grub_files::{Flavor, GrubFiles};
use crate::parse::{cmdline, shell_vars};
use crate::root::Root;
use crate::text::escape_bytes;

/// The GRUB files the installer looks at, in its order (it reads the first that exists).
pub const INSTALLER_GRUB_FILES: &[&str] = &[
    "/boot/grub/grub.cfg",
    "/boot/grub2/grub.cfg",
    "/boot/grub/menu.lst",
];
/// GRUB legacy's own file on RHEL 6 and Oracle Linux 6 (menu.lst is normally a link to it).
pub const LEGACY_GRUB_CONF: &str = "/boot/grub/grub.conf";
pub const DEFAULT_GRUB: &str = "/etc/default/grub";

/// A device named on a kernel line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRef {
    pub file: &'static str,
    pub line: usize,
    /// Entry title, or the variable of /etc/default/grub.
    pub context: String,
    /// `root` or `resume`.
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootFacts {
    /// `/proc/cmdline` of the running system (`None` in `--root` mode).
    pub cmdline: Option<String>,
    /// The GRUB files that exist, in the order above.
    pub files_read: Vec<&'static str>,
    pub refs: Vec<DeviceRef>,
    /// File system UUIDs by kernel device name, from the `/dev/disk/by-uuid` links (a running
    /// system has them; an image's /dev is empty).
    pub uuids: Vec<(String, String)>,
    pub errors: Vec<FactError>,
}

impl BootFacts {
    /// The UUID of the file system on kernel device `name` (`sda2`), when known.
    pub fn uuid_of(&self, name: &str) -> Option<&str> {
        self.uuids
            .iter()
            .find(|(dev, _)| dev == name)
            .map(|(_, u)| u.as_str())
    }

    /// The GRUB file the installer itself reads: the first of its list that exists.
    pub fn installer_file(&self) -> Option<&'static str> {
        self.files_read
            .iter()
            .copied()
            .find(|f| INSTALLER_GRUB_FILES.contains(f))
    }
}

pub fn gather(root: &Root, grub_files: &GrubFiles) -> BootFacts {
    let mut facts = BootFacts::default();
    if root.is_live() {
        match root.read_text(Path::new("/proc/cmdline")) {
            Ok(t) => facts.cmdline = Some(t.trim_end().to_string()),
            Err(e) => facts.errors.push(e.into()),
        }
    }
    let by_uuid = Path::new("/dev/disk/by-uuid");
    if let Ok(links) = root.read_dir_optional(by_uuid) {
        for l in links {
            if let Ok(target) = root.read_link(&by_uuid.join(&l.name)) {
                if let (Some(dev), Some(uuid)) = (target.file_name(), l.name.to_str()) {
                    facts
                        .uuids
                        .push((escape_bytes(dev.as_bytes()), uuid.to_string()));
                }
            }
        }
    }
    let mut legacy_text: Option<String> = None;
    for file in INSTALLER_GRUB_FILES.iter().chain([&LEGACY_GRUB_CONF]) {
        let flavor = if file.ends_with("menu.lst") || file.ends_with("grub.conf") {
            Flavor::Legacy
        } else {
            Flavor::Grub2
        };
        let parsed = match grub_files.get(root, file, flavor) {
            Ok(Some(p)) => p,
            Ok(None) => continue,
            Err(e) => {
                facts.errors.push(e);
                continue;
            }
        };
        // menu.lst is normally a link to grub.conf: the same file is read once.
        if *file == LEGACY_GRUB_CONF && legacy_text.as_deref() == Some(parsed.text.as_str()) {
            continue;
        }
        if file.ends_with("menu.lst") {
            legacy_text = Some(parsed.text.clone());
        }
        facts.files_read.push(file);
        let cfg = match &parsed.config {
            Ok(c) => c,
            Err(e) => {
                facts.errors.push(FactError::unparsable(file, None, e));
                continue;
            }
        };
        for entry in &cfg.entries {
            collect(&mut facts, file, entry.line, entry.title(), &entry.args);
        }
    }
    match root.read_optional(Path::new(DEFAULT_GRUB)) {
        Ok(Some(text)) => {
            facts.files_read.push(DEFAULT_GRUB);
            for a in shell_vars::parse(&text) {
                if a.key.starts_with("GRUB_CMDLINE_LINUX") {
                    collect(&mut facts, DEFAULT_GRUB, a.line, &a.key, &a.value);
                }
            }
        }
        Ok(None) => {}
        Err(e) => facts.errors.push(e.into()),
    }
    facts
}

fn collect(facts: &mut BootFacts, file: &'static str, line: usize, context: &str, args: &str) {
    for arg in cmdline::parse(args) {
        let Some(value) = arg.value else { continue };
        if arg.key == "root" || arg.key == "resume" {
            facts.refs.push(DeviceRef {
                file,
                line,
                context: context.to_string(),
                key: arg.key.clone(),
                value,
            });
        }
    }
}
