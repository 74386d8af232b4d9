//! VMware's guest tools: whether open-vm-tools or the VMware Tools tarball is installed, from
//! the files each leaves (the `vmtoolsd` daemon, `/etc/vmware-tools`, the tarball installer's
//! `locations` database, the Debian package list). Whether the daemon starts at boot comes from
//! the services module; whether it runs now, from the process list.

use crate::facts::FactError;
use std::path::Path;

use crate::root::{FileKind, Root};

/// Where the daemon is installed besides root's PATH (the tarball's own tree).
const TARBALL_DAEMON: &str = "/usr/lib/vmware-tools/sbin64/vmtoolsd";
/// The tarball installer's database of what it installed.
const TARBALL_DB: &str = "/etc/vmware-tools/locations";

/// The service names the tools run under: open-vm-tools' `vmtoolsd.service` (RHEL, SLES) and
/// `open-vm-tools.service` (Debian, Ubuntu; an alias of vmtoolsd), the tarball's
/// `vmware-tools` init script, and `vmware-tools-services` on some tarball versions.
pub const SERVICE_NAMES: &[&str] = &[
    "vmtoolsd",
    "open-vm-tools",
    "vmware-tools",
    "vmware-tools-services",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmToolsFacts {
    /// The daemon, when installed.
    pub daemon: Option<String>,
    /// Which tools: `open-vm-tools` or `VMware Tools (tarball)`.
    pub flavor: Option<&'static str>,
    /// Every file that tells, for the details.
    pub evidence: Vec<String>,
    pub errors: Vec<FactError>,
}

pub fn gather(root: &Root, daemon_in_path: Option<&Path>) -> VmToolsFacts {
    let mut facts = VmToolsFacts::default();
    let present = |p: &str, want: FileKind, facts: &mut VmToolsFacts| -> bool {
        match root.kind(Path::new(p)) {
            Ok(Some(k)) if k == want => {
                facts.evidence.push(format!("{p} exists"));
                true
            }
            Ok(_) => false,
            Err(e) if e.is_not_found() => false,
            Err(e) => {
                facts.errors.push(e.into());
                false
            }
        }
    };
    facts.daemon = match daemon_in_path {
        Some(p) => {
            facts.evidence.push(format!("{} exists", p.display()));
            Some(p.display().to_string())
        }
        None => present(TARBALL_DAEMON, FileKind::File, &mut facts).then(|| TARBALL_DAEMON.into()),
    };
    present("/etc/vmware-tools", FileKind::Dir, &mut facts);
    let tarball = present(TARBALL_DB, FileKind::File, &mut facts);
    let package = present(
        "/var/lib/dpkg/info/open-vm-tools.list",
        FileKind::File,
        &mut facts,
    ) | present("/usr/share/doc/open-vm-tools", FileKind::Dir, &mut facts);
    facts.flavor = if tarball {
        Some("VMware Tools (tarball)")
    } else if package || facts.daemon.is_some() {
        Some("open-vm-tools")
    } else {
        None
    };
    facts
}
