//! Block devices from `sys/block` under the root: present on a running system and in captured
//! trees (fixtures, lsblk dumps), absent in an offline image, which then has no disk facts.
//! Each device is classified so that only whole disks are judged: loop, ram, zram, optical,
//! floppy, device-mapper and md devices are kept apart, and so are the paths of a multipath
//! device (the multipath map is the disk, counted once).

use crate::facts::{FactError, FactErrorKind};
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

/// Sectors in `size` are always 512 bytes, whatever the device's own sector size.
pub const SECTOR: u64 = 512;

/// What a block device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A whole disk (SCSI, virtio, Xen, NVMe, IDE, MMC, ... or a multipath map).
    Disk,
    Loop,
    Ram,
    Zram,
    Optical,
    Floppy,
    DeviceMapper,
    Md,
    /// One path of a multipath device: the map is counted instead.
    MultipathPath,
    /// A removable drive without a medium (size 0).
    NoMedium,
}

impl DeviceKind {
    pub fn describe(self) -> &'static str {
        match self {
            DeviceKind::Disk => "disk",
            DeviceKind::Loop => "loop device",
            DeviceKind::Ram => "RAM disk",
            DeviceKind::Zram => "compressed RAM device (zram)",
            DeviceKind::Optical => "optical drive",
            DeviceKind::Floppy => "floppy drive",
            DeviceKind::DeviceMapper => "device-mapper device",
            DeviceKind::Md => "software RAID (md) device",
            DeviceKind::MultipathPath => "path of a multipath device",
            DeviceKind::NoMedium => "removable drive without a medium",
        }
    }
}

/// A partition of a whole device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub name: String,
    pub devnum: Option<(u32, u32)>,
}

/// One entry of `sys/block`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDevice {
    /// Kernel name (`sda`, `nvme0n1`, `dm-0`), escaped for display.
    pub name: String,
    pub kind: DeviceKind,
    pub size_bytes: u64,
    pub removable: bool,
    pub devnum: Option<(u32, u32)>,
    pub partitions: Vec<Partition>,
    /// Devices this one is built on (`slaves/`), for device-mapper and md.
    pub slaves: Vec<String>,
    /// Device-mapper name (`dm/name`), e.g. `centos-root` or `mpatha`.
    pub dm_name: Option<String>,
    /// Device-mapper uuid (`dm/uuid`): `LVM-...`, `mpath-...`, `CRYPT-...`.
    pub dm_uuid: Option<String>,
}

impl BlockDevice {
    /// The name an administrator knows: the device-mapper name for a multipath map.
    pub fn display_name(&self) -> String {
        match (&self.kind, &self.dm_name) {
            (DeviceKind::Disk, Some(n)) => format!("{n} ({})", self.name),
            _ => self.name.clone(),
        }
    }

    /// Whether this is a logical volume (LVM2) or another linear/crypt mapping the installer
    /// treats as an LV.
    pub fn is_lvm(&self) -> bool {
        self.dm_uuid
            .as_deref()
            .is_some_and(|u| u.starts_with("LVM-"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageFacts {
    /// Whether `sys/block` exists under the root at all.
    pub available: bool,
    pub devices: Vec<BlockDevice>,
    pub errors: Vec<FactError>,
}

impl StorageFacts {
    /// The whole disks, in `sys/block` order.
    pub fn disks(&self) -> impl Iterator<Item = &BlockDevice> {
        self.devices.iter().filter(|d| d.kind == DeviceKind::Disk)
    }

    /// Devices that are not disks, for the details.
    pub fn ignored(&self) -> impl Iterator<Item = &BlockDevice> {
        self.devices.iter().filter(|d| d.kind != DeviceKind::Disk)
    }

    fn by_name(&self, name: &str) -> Option<&BlockDevice> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// The device (whole device or the whole device holding a partition) with this number.
    fn owner_of_devnum(&self, devnum: (u32, u32)) -> Option<&BlockDevice> {
        self.devices.iter().find(|d| {
            d.devnum == Some(devnum) || d.partitions.iter().any(|p| p.devnum == Some(devnum))
        })
    }

    fn owner_of_name(&self, name: &str) -> Option<&BlockDevice> {
        self.by_name(name).or_else(|| {
            self.devices
                .iter()
                .find(|d| d.partitions.iter().any(|p| p.name == name))
        })
    }

    /// The block device with device-mapper name `name` (`/dev/mapper/NAME`).
    pub fn by_dm_name(&self, name: &str) -> Option<&BlockDevice> {
        self.devices
            .iter()
            .find(|d| d.dm_name.as_deref() == Some(name))
    }

    /// The device (whole device, or the whole device of a partition) for a device number.
    pub fn device_of_devnum(&self, devnum: (u32, u32)) -> Option<&BlockDevice> {
        self.owner_of_devnum(devnum)
    }

    /// The device for a `/dev/...` path: `/dev/sda2`, `/dev/mapper/NAME`, `/dev/dm-0`.
    pub fn device_of_path(&self, path: &str) -> Option<&BlockDevice> {
        let rest = path.strip_prefix("/dev/")?;
        if let Some(name) = rest.strip_prefix("mapper/") {
            return self.by_dm_name(name);
        }
        self.owner_of_name(rest)
    }

    /// The whole disks a device sits on, following device-mapper and md slaves down.
    pub fn disks_under<'a>(&'a self, dev: &'a BlockDevice) -> Vec<&'a BlockDevice> {
        let mut out: Vec<&BlockDevice> = Vec::new();
        let mut stack = vec![dev];
        let mut seen = 0;
        while let Some(d) = stack.pop() {
            seen += 1;
            if seen > 256 {
                break; // a cycle in a hostile tree
            }
            if d.kind == DeviceKind::Disk {
                if !out.iter().any(|o| o.name == d.name) {
                    out.push(d);
                }
                continue;
            }
            if d.kind == DeviceKind::MultipathPath {
                // Its map is the disk.
                if let Some(map) = self
                    .devices
                    .iter()
                    .find(|m| m.kind == DeviceKind::Disk && m.slaves.contains(&d.name))
                {
                    stack.push(map);
                }
                continue;
            }
            for s in &d.slaves {
                if let Some(o) = self.owner_of_name(s) {
                    stack.push(o);
                }
            }
        }
        out
    }
}

pub fn gather(root: &Root) -> StorageFacts {
    let dir = Path::new("/sys/block");
    let mut facts = StorageFacts::default();
    let entries = match root.read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.is_not_found() => return facts,
        Err(e) => {
            facts.available = true;
            facts.errors.push(e.into());
            return facts;
        }
    };
    facts.available = true;
    for entry in entries {
        let name = escape_bytes(entry.name.as_bytes());
        let base = dir.join(&entry.name);
        match read_device(root, &base, name) {
            Ok(dev) => facts.devices.push(dev),
            Err(e) => facts.errors.push(e),
        }
    }
    mark_multipath_paths(&mut facts.devices);
    facts
}

fn read_small(root: &Root, path: &Path) -> Result<Option<String>, FactError> {
    match root.read_bytes_capped(path, 4096) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).trim().to_string())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn parse_devnum(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn read_device(root: &Root, base: &Path, name: String) -> Result<BlockDevice, FactError> {
    let size_text = read_small(root, &base.join("size"))?.ok_or_else(|| FactError {
        kind: FactErrorKind::NotFound,
        path: Some(base.join("size")),
        reason: "not found".into(),
    })?;
    let sectors: u64 = size_text.parse().map_err(|_| {
        FactError::unparsable(
            base.join("size"),
            None,
            format!("not a number: {size_text:?}"),
        )
    })?;
    let removable = read_small(root, &base.join("removable"))?.as_deref() == Some("1");
    let devnum = read_small(root, &base.join("dev"))?
        .as_deref()
        .and_then(parse_devnum);
    let dm_name = read_small(root, &base.join("dm/name"))?;
    let dm_uuid = read_small(root, &base.join("dm/uuid"))?;
    let scsi_type = read_small(root, &base.join("device/type"))?;
    let mut partitions = Vec::new();
    let mut slaves = Vec::new();
    let listing = root.read_dir(base)?;
    let has_md = listing.iter().any(|e| e.name == "md");
    for e in &listing {
        let child = escape_bytes(e.name.as_bytes());
        if e.kind != FileKind::Dir || !child.starts_with(name.as_str()) || child == name {
            continue;
        }
        let p: PathBuf = base.join(&e.name);
        if root.exists(&p.join("partition")) {
            let devnum = read_small(root, &p.join("dev"))?
                .as_deref()
                .and_then(parse_devnum);
            partitions.push(Partition {
                name: child,
                devnum,
            });
        }
    }
    if let Ok(list) = root.read_dir_optional(&base.join("slaves")) {
        slaves = list
            .iter()
            .map(|e| escape_bytes(e.name.as_bytes()))
            .collect();
    }
    let size_bytes = sectors.saturating_mul(SECTOR);
    let kind = classify(
        &name,
        dm_uuid.as_deref(),
        dm_name.is_some(),
        has_md,
        scsi_type.as_deref(),
        removable,
        size_bytes,
    );
    Ok(BlockDevice {
        name,
        kind,
        size_bytes,
        removable,
        devnum,
        partitions,
        slaves,
        dm_name,
        dm_uuid,
    })
}

/// Classifies a `sys/block` entry by its kernel name and attributes.
fn classify(
    name: &str,
    dm_uuid: Option<&str>,
    is_dm: bool,
    has_md: bool,
    scsi_type: Option<&str>,
    removable: bool,
    size: u64,
) -> DeviceKind {
    let starts = |p: &str| name.starts_with(p);
    if is_dm || starts("dm-") {
        // A multipath map is one disk reached over several paths.
        if dm_uuid.is_some_and(|u| u.starts_with("mpath-")) {
            return DeviceKind::Disk;
        }
        return DeviceKind::DeviceMapper;
    }
    if starts("loop") {
        DeviceKind::Loop
    } else if starts("zram") {
        DeviceKind::Zram
    } else if starts("ram") {
        DeviceKind::Ram
    } else if starts("md") || has_md {
        DeviceKind::Md
    } else if starts("sr") || starts("scd") || scsi_type == Some("5") {
        // SCSI peripheral type 5 is a CD/DVD drive.
        DeviceKind::Optical
    } else if starts("fd") {
        DeviceKind::Floppy
    } else if removable && size == 0 {
        DeviceKind::NoMedium
    } else {
        DeviceKind::Disk
    }
}

/// The members of a multipath map are paths to one disk, not disks of their own.
fn mark_multipath_paths(devices: &mut [BlockDevice]) {
    let members: BTreeMap<String, ()> = devices
        .iter()
        .filter(|d| d.kind == DeviceKind::Disk && d.dm_uuid.is_some())
        .flat_map(|d| d.slaves.iter().cloned())
        .map(|s| (s, ()))
        .collect();
    for d in devices.iter_mut() {
        if d.kind == DeviceKind::Disk && d.dm_uuid.is_none() && members.contains_key(&d.name) {
            d.kind = DeviceKind::MultipathPath;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kernel names and attributes decide the kind; plain disks of every bus stay disks.
    #[test]
    fn classification() {
        let c = |n: &str| classify(n, None, false, false, None, false, 1 << 30);
        for disk in ["sda", "vda", "xvdb", "nvme0n1", "hda", "mmcblk0"] {
            assert_eq!(c(disk), DeviceKind::Disk, "{disk}");
        }
        assert_eq!(c("loop3"), DeviceKind::Loop);
        assert_eq!(c("ram0"), DeviceKind::Ram);
        assert_eq!(c("zram0"), DeviceKind::Zram);
        assert_eq!(c("sr0"), DeviceKind::Optical);
        assert_eq!(c("md127"), DeviceKind::Md);
        assert_eq!(c("fd0"), DeviceKind::Floppy);
        assert_eq!(c("dm-0"), DeviceKind::DeviceMapper);
        assert_eq!(
            classify("dm-2", Some("mpath-3600a0b8"), true, false, None, false, 1),
            DeviceKind::Disk
        );
        assert_eq!(
            classify("sdc", None, false, false, Some("5"), true, 0),
            DeviceKind::Optical
        );
        assert_eq!(
            classify("sdd", None, false, false, Some("0"), true, 0),
            DeviceKind::NoMedium
        );
    }
}
