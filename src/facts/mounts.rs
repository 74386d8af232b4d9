//! Which file systems are mounted where: now (`/proc/self/mountinfo` of the running system) and
//! at boot (the image's `/etc/fstab`).
//!
//! In `--root` mode the mount table of "now" is read only from a captured tree whose
//! `proc/self` is a plain directory (a snapshot such as util-linux's lsblk dumps). A live procfs
//! mounted inside an image has `self` as the kernel's link to the reading process, which is
//! this tool on the host: that table describes the host, never the image, so it is not read.

use crate::facts::FactError;
use std::path::Path;

use crate::parse::fstab::{self, FstabEntry};
use crate::parse::mountinfo::{self, MountInfo};
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountFacts {
    /// The mounts of the running system (or of a captured snapshot), when there is one.
    pub runtime: Option<Vec<MountInfo>>,
    /// `/etc/fstab`, when the root has one.
    pub fstab: Option<Vec<FstabEntry>>,
    pub errors: Vec<FactError>,
}

/// How a file system is used: its device and type, and where that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsUse {
    /// Device as written (`/dev/sda2`, `UUID=...`, `/dev/mapper/vg-root`), escaped.
    pub device: String,
    pub fstype: String,
    /// Where it is mounted, escaped.
    pub mount_point: String,
    /// Device number, from mountinfo only.
    pub devnum: Option<(u32, u32)>,
    /// `/proc/self/mountinfo line 27` or `/etc/fstab line 9`.
    pub source: String,
}

impl MountFacts {
    /// The file system mounted at `mount_point` now, when the mount table is known.
    pub fn mounted_now(&self, mount_point: &[u8]) -> Option<FsUse> {
        let m = self
            .runtime
            .as_ref()?
            .iter()
            .rev()
            .find(|m| m.mount_point == mount_point)?;
        Some(use_of_mount(m))
    }

    /// The mount that holds `path` now.
    pub fn containing_now(&self, path: &[u8]) -> Option<FsUse> {
        mountinfo::containing(self.runtime.as_ref()?, path).map(use_of_mount)
    }

    /// The file system fstab mounts at `mount_point` at boot.
    pub fn mounted_at_boot(&self, mount_point: &[u8]) -> Option<FsUse> {
        let e = fstab::mounted_at(self.fstab.as_ref()?, mount_point)?;
        Some(FsUse {
            device: escape_bytes(&e.spec),
            fstype: String::from_utf8_lossy(&e.vfstype).into_owned(),
            mount_point: escape_bytes(&e.file),
            devnum: None,
            source: format!("/etc/fstab line {}", e.line),
        })
    }
}

fn use_of_mount(m: &MountInfo) -> FsUse {
    FsUse {
        device: escape_bytes(&m.source),
        fstype: String::from_utf8_lossy(&m.fstype).into_owned(),
        mount_point: escape_bytes(&m.mount_point),
        devnum: Some((m.major, m.minor)),
        source: format!("/proc/self/mountinfo line {}", m.line),
    }
}

/// The mount table of the running system, or the one an image captured under `/proc/self`;
/// `None` when there is none to read. Read once per run (see `Facts::runtime_mounts`) and
/// shared by the storage, ASCII and scan facts.
pub fn read_runtime(root: &Root) -> Option<Result<Vec<MountInfo>, FactError>> {
    let snapshot = root.is_live()
        || matches!(
            root.kind_nofollow(Path::new("/proc/self")),
            Ok(Some(FileKind::Dir))
        );
    if !snapshot {
        return None;
    }
    match root.read_bytes(Path::new(MOUNTINFO)) {
        Ok(b) => Some(mountinfo::parse(&b).map_err(|e| FactError::unparsable(MOUNTINFO, None, e))),
        Err(e) if e.is_not_found() && !root.is_live() => None,
        Err(e) => Some(Err(e.into())),
    }
}

pub const MOUNTINFO: &str = "/proc/self/mountinfo";

pub fn gather(root: &Root, runtime: Option<&Result<Vec<MountInfo>, FactError>>) -> MountFacts {
    let mut facts = MountFacts::default();
    match runtime {
        Some(Ok(m)) => facts.runtime = Some(m.clone()),
        Some(Err(e)) => facts.errors.push(e.clone()),
        None => {}
    }
    match root.read_bytes(Path::new("/etc/fstab")) {
        Ok(b) => match fstab::parse(&b) {
            Ok(entries) => facts.fstab = Some(entries),
            Err(e) => facts
                .errors
                .push(FactError::unparsable("/etc/fstab", None, e)),
        },
        Err(e) if e.is_not_found() => {}
        Err(e) => facts.errors.push(e.into()),
    }
    facts
}
