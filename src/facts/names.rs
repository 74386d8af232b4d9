//! The names the "English only" requirement is about: mount points, device names, and the names
//! under the system directories (the last gathered by the walk in [`crate::scan`]).
//!
//! Live: mount points and mount sources from `/proc/self/mountinfo`; block devices, partitions
//! and device-mapper names from `/sys/block`; labels from `/dev/disk/by-label`. In an image:
//! `/etc/fstab` instead of mountinfo, and whatever `sys/` and `dev/` the image holds (usually
//! none, fixtures may). LVM names come from the device-mapper names of active volumes (live)
//! and from the metadata backups in `/etc/lvm/backup` (both modes). Everything is read through
//! [`Root`].

use crate::facts::FactError;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::mounts::MOUNTINFO;
use crate::parse::mountinfo::MountInfo;
use crate::parse::{fstab, lvm_metadata};
use crate::root::{DirEntry, FileKind, Root};
use crate::scan::{self, ScanConfig, ScanOutcome, Start};
use crate::text::{escape_bytes, is_ascii_name};

/// One mount point and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPoint {
    pub path: Vec<u8>,
    /// `/proc/self/mountinfo line 7`, `/etc/fstab line 3`.
    pub origin: String,
}

/// The mount points, or why they could not be read.
#[derive(Debug, Clone)]
pub enum MountPoints {
    Read {
        /// The file they came from.
        source: String,
        list: Vec<MountPoint>,
    },
    /// An image without an fstab: nothing to judge.
    Absent(String),
    Error(FactError),
}

/// What kind of name a device name is; names are compared for case only within one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Namespace {
    /// Kernel block device, partition and device-mapper names (`sda1`, `vg-root`).
    Kernel,
    /// File system labels (`LABEL=`, `/dev/disk/by-label`).
    Label,
    /// Partition labels (`PARTLABEL=`, `/dev/disk/by-partlabel`).
    PartLabel,
    /// LVM volume group names.
    LvmVg,
    /// LVM logical volume names (compared within their volume group).
    LvmLv,
    /// A mount source that names no device we can key (`UUID=…`, a server path): judged for
    /// ASCII, not compared for case.
    Other,
}

/// One device name and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceName {
    /// The name as written where it was found (a mount source keeps its `LABEL=` or `/dev/`).
    pub name: Vec<u8>,
    /// The bare name compared for case (`Data` of `LABEL=Data`), with its namespace; for LVs the
    /// volume group is part of the key.
    pub key: Option<(Namespace, Vec<u8>)>,
    /// Where it was read: `/sys/block`, `/proc/self/mountinfo line 3 (mount source)`…
    pub origin: String,
}

#[derive(Debug, Clone, Default)]
pub struct DeviceNames {
    pub list: Vec<DeviceName>,
    /// Sources that could not be read (the list is then incomplete).
    pub errors: Vec<FactError>,
    /// The sources that were read, for the summary.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NamesFacts {
    pub mounts: MountPoints,
    pub devices: DeviceNames,
}

const FSTAB: &str = "/etc/fstab";

pub fn gather(root: &Root, runtime: Option<&Result<Vec<MountInfo>, FactError>>) -> NamesFacts {
    let mut devices = DeviceNames::default();
    let mounts = if root.is_live() {
        match runtime {
            Some(Ok(list)) => {
                devices.sources.push(MOUNTINFO.into());
                let mut out = Vec::new();
                for (i, m) in list.iter().enumerate() {
                    // Lines are numbered as parsed; blank lines never occur in mountinfo.
                    let origin = format!("{MOUNTINFO} line {}", i + 1);
                    add_mount_source(&mut devices, &m.source, &origin);
                    out.push(MountPoint {
                        path: m.mount_point.clone(),
                        origin,
                    });
                }
                MountPoints::Read {
                    source: MOUNTINFO.into(),
                    list: out,
                }
            }
            Some(Err(e)) => MountPoints::Error(e.clone()),
            None => MountPoints::Error(FactError::at(MOUNTINFO, "not read")),
        }
    } else {
        match root.read_bytes(Path::new(FSTAB)) {
            Ok(bytes) => match fstab::parse(&bytes) {
                Ok(list) => {
                    devices.sources.push(FSTAB.into());
                    let mut out = Vec::new();
                    for e in list {
                        let origin = format!("{FSTAB} line {}", e.line);
                        add_mount_source(&mut devices, &e.spec, &origin);
                        if !e.is_swap() {
                            out.push(MountPoint {
                                path: e.file,
                                origin,
                            });
                        }
                    }
                    MountPoints::Read {
                        source: FSTAB.into(),
                        list: out,
                    }
                }
                Err(e) => MountPoints::Error(FactError::unparsable(FSTAB, None, e)),
            },
            Err(e) if e.is_not_found() => MountPoints::Absent("the image has no /etc/fstab".into()),
            Err(e) => MountPoints::Error(e.into()),
        }
    };
    if let MountPoints::Error(e) = &mounts {
        devices.errors.push(e.clone());
    }
    gather_block(root, &mut devices);
    gather_labels(root, &mut devices);
    gather_lvm_backups(root, &mut devices);
    NamesFacts { mounts, devices }
}

/// The device field of a mount: judged as written, keyed for case by what it names.
fn add_mount_source(devices: &mut DeviceNames, source: &[u8], origin: &str) {
    let key = if let Some(l) = source.strip_prefix(b"LABEL=") {
        Some((Namespace::Label, l.to_vec()))
    } else if let Some(l) = source.strip_prefix(b"PARTLABEL=") {
        Some((Namespace::PartLabel, l.to_vec()))
    } else if let Some(l) = source.strip_prefix(b"/dev/disk/by-label/") {
        Some((Namespace::Label, udev_unescape(l)))
    } else if let Some(l) = source.strip_prefix(b"/dev/disk/by-partlabel/") {
        Some((Namespace::PartLabel, udev_unescape(l)))
    } else if let Some(n) = source.strip_prefix(b"/dev/mapper/") {
        Some((Namespace::Kernel, n.to_vec()))
    } else if let Some(n) = source.strip_prefix(b"/dev/") {
        (!n.contains(&b'/')).then(|| (Namespace::Kernel, n.to_vec()))
    } else if source.contains(&b'=') || source.contains(&b'/') {
        // UUID=, PARTUUID=, server:/export, //server/share: judged, not keyed.
        Some((Namespace::Other, Vec::new()))
    } else {
        // `tmpfs`, `proc`, `none`: a pseudo file system's source names no device.
        None
    };
    let Some(key) = key else { return };
    devices.list.push(DeviceName {
        name: source.to_vec(),
        key: (key.0 != Namespace::Other).then_some(key),
        origin: format!("{origin} (mount source)"),
    });
}

/// udev writes awkward bytes of a label as `\xNN` in `/dev/disk/by-label` names.
fn udev_unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 3 < s.len() && s[i + 1] == b'x' {
            if let Some(v) = std::str::from_utf8(&s[i + 2..i + 4])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// The entries of a directory that names devices, counted as a source when it exists; an
/// unreadable one is an error of the device list.
fn list_source(root: &Root, dir: &'static str, devices: &mut DeviceNames) -> Option<Vec<DirEntry>> {
    match root.read_dir(Path::new(dir)) {
        Ok(e) => {
            devices.sources.push(dir.into());
            Some(e)
        }
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            devices.errors.push(e.into());
            None
        }
    }
}

/// `/sys/block`: disks, their partitions, device-mapper names and the LVM names inside them.
fn gather_block(root: &Root, devices: &mut DeviceNames) {
    let sys_block = Path::new("/sys/block");
    let Some(entries) = list_source(root, "/sys/block", devices) else {
        return;
    };
    for disk in entries {
        let disk_name = disk.name.as_bytes();
        devices.list.push(DeviceName {
            name: disk_name.to_vec(),
            key: Some((Namespace::Kernel, disk_name.to_vec())),
            origin: "/sys/block".into(),
        });
        let disk_dir = sys_block.join(&disk.name);
        // Partitions are subdirectories holding a `partition` file.
        if let Ok(children) = root.read_dir(&disk_dir) {
            for c in children {
                if c.kind != FileKind::Dir && c.kind != FileKind::Symlink {
                    continue;
                }
                if root.exists(&disk_dir.join(&c.name).join("partition")) {
                    let n = c.name.as_bytes();
                    devices.list.push(DeviceName {
                        name: n.to_vec(),
                        key: Some((Namespace::Kernel, n.to_vec())),
                        origin: format!("/sys/block/{} (partition)", escape_bytes(disk_name)),
                    });
                }
            }
        }
        let dm = disk_dir.join("dm");
        let Ok(Some(name)) = root.read_optional_bytes(&dm.join("name")) else {
            continue;
        };
        let name = name.trim_ascii_end().to_vec();
        if name.is_empty() {
            continue;
        }
        let origin = format!("/sys/block/{}/dm/name", escape_bytes(disk_name));
        let uuid = root
            .read_optional_bytes(&dm.join("uuid"))
            .ok()
            .flatten()
            .unwrap_or_default();
        if uuid.starts_with(b"LVM-") {
            if let Some((vg, lv)) = split_dm_lvm_name(&name) {
                push_vg(devices, &vg, &origin);
                push_lv(devices, &vg, lv, &origin);
            }
        }
        devices.list.push(DeviceName {
            name: name.clone(),
            key: Some((Namespace::Kernel, name)),
            origin: format!("{origin} (device-mapper)"),
        });
    }
}

/// A device-mapper name of an LVM volume is `VG-LV`, with each `-` inside either name doubled.
pub fn split_dm_lvm_name(name: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut i = 0;
    while i < name.len() {
        if name[i] == b'-' {
            if name.get(i + 1) == Some(&b'-') {
                i += 2;
                continue;
            }
            let undouble = |s: &[u8]| {
                let mut out = Vec::with_capacity(s.len());
                let mut j = 0;
                while j < s.len() {
                    out.push(s[j]);
                    j += if s[j] == b'-' && s.get(j + 1) == Some(&b'-') {
                        2
                    } else {
                        1
                    };
                }
                out
            };
            return Some((undouble(&name[..i]), undouble(&name[i + 1..])));
        }
        i += 1;
    }
    None
}

/// `/dev/disk/by-label` and `by-partlabel`, where udev keeps them.
fn gather_labels(root: &Root, devices: &mut DeviceNames) {
    for (dir, ns) in [
        ("/dev/disk/by-label", Namespace::Label),
        ("/dev/disk/by-partlabel", Namespace::PartLabel),
    ] {
        match root.read_dir(Path::new(dir)) {
            Ok(entries) => {
                devices.sources.push(dir.into());
                for e in entries {
                    let label = udev_unescape(e.name.as_bytes());
                    devices.list.push(DeviceName {
                        name: label.clone(),
                        key: Some((ns, label)),
                        origin: dir.into(),
                    });
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => devices.errors.push(e.into()),
        }
    }
}

/// LVM metadata backups: every volume group and logical volume, active or not.
fn gather_lvm_backups(root: &Root, devices: &mut DeviceNames) {
    let dir = Path::new("/etc/lvm/backup");
    let Some(entries) = list_source(root, "/etc/lvm/backup", devices) else {
        return;
    };
    for e in entries {
        if e.kind != FileKind::File {
            continue;
        }
        let path = dir.join(&e.name);
        let origin = format!("/etc/lvm/backup/{}", escape_bytes(e.name.as_bytes()));
        let text = match root.read_bytes_capped(&path, 16 * 1024 * 1024) {
            Ok(t) => t,
            Err(err) => {
                devices.errors.push(err.into());
                continue;
            }
        };
        let names = lvm_metadata::parse(&text);
        let vg = names.vg.unwrap_or_else(|| e.name.as_bytes().to_vec());
        push_vg(devices, &vg, &origin);
        for lv in names.lvs {
            push_lv(devices, &vg, lv, &origin);
        }
    }
}

/// An LVM volume group's name, seen at `origin`.
fn push_vg(devices: &mut DeviceNames, vg: &[u8], origin: &str) {
    devices.list.push(DeviceName {
        name: vg.to_vec(),
        key: Some((Namespace::LvmVg, vg.to_vec())),
        origin: format!("{origin} (LVM volume group)"),
    });
}

/// A logical volume's name: compared for case within its volume group.
fn push_lv(devices: &mut DeviceNames, vg: &[u8], lv: Vec<u8>, origin: &str) {
    let mut key = vg.to_vec();
    key.push(b'/');
    key.extend_from_slice(&lv);
    devices.list.push(DeviceName {
        name: lv,
        key: Some((Namespace::LvmLv, key)),
        origin: format!("{origin} (LVM logical volume)"),
    });
}

/// Groups of distinct names that are equal when case is ignored (ASCII letters, and the
/// letters of valid UTF-8). Each group is sorted; groups are in order of their first name.
pub fn case_collisions<'a, I>(names: I) -> Vec<Vec<Vec<u8>>>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut by_fold: std::collections::BTreeMap<Vec<u8>, std::collections::BTreeSet<Vec<u8>>> =
        std::collections::BTreeMap::new();
    for n in names {
        let folded = match std::str::from_utf8(n) {
            Ok(s) => s.to_lowercase().into_bytes(),
            Err(_) => n.to_ascii_lowercase(),
        };
        by_fold.entry(folded).or_default().insert(n.to_vec());
    }
    let mut groups: Vec<Vec<Vec<u8>>> = by_fold
        .into_values()
        .filter(|s| s.len() > 1)
        .map(|s| s.into_iter().collect())
        .collect();
    groups.sort();
    groups
}

/// The directories whose names the system-paths check judges.
pub const DEFAULT_SYSTEM_DIRS: &[&str] = &["/boot", "/etc", "/opt", "/usr", "/var"];

/// How many findings of each kind are kept in full (JSON shows them all; the rest are counted).
pub const KEEP: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct SystemPaths {
    /// The directories chosen (the default set or `--scan`), as the target sees them.
    pub requested: Vec<Vec<u8>>,
    /// Whether the names at the top of `/` were judged too (the default set).
    pub top_level: bool,
    /// Requested paths that do not exist (an error only when the user named them).
    pub missing: Vec<Vec<u8>>,
    /// Whether `requested` came from `--scan`.
    pub from_option: bool,
    pub outcome: ScanOutcome,
    /// Problems before the walk (the top of `/` unreadable, a path that cannot be resolved).
    pub errors: Vec<FactError>,
}

/// Normalises a path given on the command line: absolute (a relative live path is taken from
/// the current directory, a relative `--root` path from the image's root), no `.`, no trailing
/// slash.
fn normalise(root: &Root, p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else if root.is_live() {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| Path::new("/").join(p))
    } else {
        Path::new("/").join(p)
    };
    let mut out = PathBuf::from("/");
    for c in abs.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// The running system's mount points and their device numbers, for the walk (see
/// [`ScanConfig::mounts`]); `None` when mountinfo cannot be read, and the walk then checks
/// every directory itself.
fn live_mount_table(
    runtime: Option<&Result<Vec<MountInfo>, FactError>>,
) -> Option<Arc<HashMap<Vec<u8>, u64>>> {
    let list = runtime?.as_ref().ok()?;
    Some(Arc::new(
        list.iter()
            .map(|m| (m.mount_point.clone(), nix::libc::makedev(m.major, m.minor)))
            .collect(),
    ))
}

/// The mount points (host paths) as the walk shows them: beneath each start, its shown path
/// followed by the rest of the mount point (a start reached through a link shows the link's
/// path, not the host's).
fn shown_mount_points(starts: &[Start], mounts: &[PathBuf]) -> HashSet<Vec<u8>> {
    let mut out = HashSet::new();
    for s in starts {
        for m in mounts {
            if let Ok(rest) = m.strip_prefix(&s.host)
                && !rest.as_os_str().is_empty()
            {
                let shown = Path::new(OsStr::from_bytes(&s.shown)).join(rest);
                out.insert(shown.as_os_str().as_bytes().to_vec());
            }
        }
    }
    out
}

/// The directories asked for (`--scan-system`, else the default set), sorted, without repeats.
fn requested_dirs(root: &Root, scan_opt: Option<&[PathBuf]>) -> Vec<PathBuf> {
    let mut requested: Vec<PathBuf> = match scan_opt {
        Some(list) => list.iter().map(|p| normalise(root, p)).collect(),
        None => DEFAULT_SYSTEM_DIRS.iter().map(PathBuf::from).collect(),
    };
    requested.sort();
    requested.dedup();
    requested
}

/// The walks to make, one per requested directory not inside another; a requested path that
/// is not a directory has only its own name judged (into `offenders`), as `find FILE -name`
/// would.
fn starts_of(
    root: &Root,
    requested: &[PathBuf],
    out: &mut SystemPaths,
    offenders: &mut Vec<Vec<u8>>,
) -> Vec<Start> {
    // A path inside another requested one would be walked twice.
    let nested: Vec<bool> = requested
        .iter()
        .map(|p| requested.iter().any(|q| q != p && p.starts_with(q)))
        .collect();
    let mut starts = Vec::new();
    for (p, nested) in requested.iter().zip(nested) {
        if nested {
            continue;
        }
        let shown = p.as_os_str().as_bytes().to_vec();
        match root.kind(p) {
            Ok(Some(FileKind::Dir)) => match root.resolve(p) {
                Ok(host) => starts.push(Start { shown, host }),
                Err(e) => out.errors.push(e.into()),
            },
            Ok(Some(_)) => {
                let base = p.file_name().map(OsStr::as_bytes).unwrap_or_default();
                if !is_ascii_name(base) {
                    offenders.push(shown);
                }
            }
            Ok(None) => out.missing.push(shown),
            Err(e) if e.is_not_found() => out.missing.push(shown),
            Err(e) => out.errors.push(e.into()),
        }
    }
    starts
}

/// The names directly under `/` that are not ASCII.
fn top_level_offenders(root: &Root, out: &mut SystemPaths, offenders: &mut Vec<Vec<u8>>) {
    match root.read_dir(Path::new("/")) {
        Ok(entries) => {
            for e in entries {
                let n = e.name.as_bytes();
                if !is_ascii_name(n) {
                    let mut p = b"/".to_vec();
                    p.extend_from_slice(n);
                    offenders.push(p);
                }
            }
        }
        Err(e) => out.errors.push(e.into()),
    }
}

/// Walks the start directories, never entering the mounts the root says not to.
fn walk(
    root: &Root,
    starts: Vec<Start>,
    runtime: Option<&Result<Vec<MountInfo>, FactError>>,
) -> ScanOutcome {
    let never_enter = shown_mount_points(&starts, &root.mounts_not_entered());
    let hosts: Vec<PathBuf> = starts.iter().map(|s| s.host.clone()).collect();
    let outcome = scan::scan(&ScanConfig {
        never_enter: Some(Arc::new(never_enter)),
        deadline: crate::deadline::MOUNT_DEADLINE,
        starts,
        threads: ScanConfig::default_threads(),
        keep: KEEP,
        progress: ScanConfig::progress_if_terminal(),
        mounts: if root.is_live() {
            live_mount_table(runtime)
        } else {
            None
        },
    });
    // What the walk found hung is not asked again by the rest of the run.
    for &i in &outcome.hung_starts {
        if let Some(h) = hosts.get(i) {
            root.note_no_answer(h);
        }
    }
    outcome
}

/// Judges the names at the top of `/` (default set) and walks the system directories.
pub fn gather_system_paths(
    root: &Root,
    scan_opt: Option<&[PathBuf]>,
    runtime: Option<&Result<Vec<MountInfo>, FactError>>,
) -> SystemPaths {
    let from_option = scan_opt.is_some();
    let requested = requested_dirs(root, scan_opt);
    let mut out = SystemPaths {
        requested: requested
            .iter()
            .map(|p| p.as_os_str().as_bytes().to_vec())
            .collect(),
        top_level: !from_option,
        from_option,
        ..SystemPaths::default()
    };
    let mut extra_offenders: Vec<Vec<u8>> = Vec::new();
    let starts = starts_of(root, &requested, &mut out, &mut extra_offenders);
    if !from_option {
        top_level_offenders(root, &mut out, &mut extra_offenders);
    }
    let mut outcome = walk(root, starts, runtime);
    if !extra_offenders.is_empty() {
        outcome.offenders.total += extra_offenders.len() as u64;
        outcome.offenders.items.extend(extra_offenders);
        outcome.offenders.items.sort();
        outcome.offenders.items.dedup();
        outcome.offenders.items.truncate(KEEP);
    }
    out.outcome = outcome;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Doubled dashes belong to the names; the single dash separates VG from LV.
    #[test]
    fn dm_names_split_into_vg_and_lv() {
        assert_eq!(
            split_dm_lvm_name(b"vg--data-lv--home"),
            Some((b"vg-data".to_vec(), b"lv-home".to_vec()))
        );
        assert_eq!(
            split_dm_lvm_name(b"rootvg-root"),
            Some((b"rootvg".to_vec(), b"root".to_vec()))
        );
        assert_eq!(split_dm_lvm_name(b"luks--only"), None);
    }

    /// udev's `\x20` escapes in by-label names become bytes again.
    #[test]
    fn udev_escapes() {
        assert_eq!(udev_unescape(b"My\\x20Data"), b"My Data");
        assert_eq!(udev_unescape(b"caf\\xe9"), b"caf\xe9");
        assert_eq!(udev_unescape(b"odd\\xzz"), b"odd\\xzz");
    }

    /// Names equal but for case form a group; exact repeats do not.
    #[test]
    fn case_groups() {
        let names: Vec<&[u8]> = vec![
            b"Data",
            b"data",
            b"data",
            b"boot",
            "Écrit".as_bytes(),
            "écrit".as_bytes(),
        ];
        let g = case_collisions(names);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0], vec![b"Data".to_vec(), b"data".to_vec()]);
    }
}
