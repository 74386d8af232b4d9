//! What kind of hardware each whole disk is, beyond its size (`facts::storage`): its logical
//! and physical sector sizes (`sys/block/NAME/queue/{logical,physical}_block_size`) and how it
//! is attached: NVMe (the device sits under an `nvme` controller), iSCSI (under a SCSI host of
//! the iSCSI transport: a `sessionN` in its path, or `sys/class/iscsi_host/hostN`), a
//! device-mapper multipath map (`dm/uuid` `mpath-...`), or a DRBD replicated device. Like the
//! storage facts, these exist on a running system and in captured trees, not in an image.

use crate::facts::FactError;
use std::path::Path;

use crate::facts::storage::StorageFacts;
use crate::root::Root;

/// How a disk is attached, as far as the Azure rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    Nvme,
    Iscsi,
    Multipath,
    Drbd,
    Other,
}

impl Attachment {
    pub fn describe(self) -> &'static str {
        match self {
            Attachment::Nvme => "NVMe",
            Attachment::Iscsi => "iSCSI",
            Attachment::Multipath => "device-mapper multipath",
            Attachment::Drbd => "DRBD",
            Attachment::Other => "other",
        }
    }
}

/// One whole disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskHw {
    /// As `facts::storage` names it (`display_name`).
    pub name: String,
    pub logical_sector: Option<u32>,
    pub physical_sector: Option<u32>,
    pub attachment: Attachment,
    /// What decided the attachment, e.g. `sys/block/sdb -> ../devices/platform/host3/session1/...`.
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskHwFacts {
    /// Whether `sys/block` was there at all.
    pub available: bool,
    pub disks: Vec<DiskHw>,
    pub errors: Vec<FactError>,
}

fn read_u32(root: &Root, path: &Path, errors: &mut Vec<FactError>) -> Option<u32> {
    match root.read_bytes_capped(path, 64) {
        Ok(b) => {
            let t = String::from_utf8_lossy(&b).trim().to_string();
            match t.parse() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FactError::unparsable(
                        path,
                        None,
                        format!("not a number: {t:?}"),
                    ));
                    None
                }
            }
        }
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            errors.push(e.into());
            None
        }
    }
}

/// The SCSI host number in a device path (`.../host3/session1/...` -> 3).
fn scsi_host(link: &str) -> Option<&str> {
    link.split('/').find_map(|c| {
        c.strip_prefix("host")
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

pub fn gather(root: &Root, storage: &StorageFacts) -> DiskHwFacts {
    let mut f = DiskHwFacts {
        available: storage.available,
        ..DiskHwFacts::default()
    };
    for d in storage.disks() {
        let base = Path::new("/sys/block").join(&d.name);
        let logical_sector = read_u32(root, &base.join("queue/logical_block_size"), &mut f.errors);
        let physical_sector =
            read_u32(root, &base.join("queue/physical_block_size"), &mut f.errors);
        let link = root
            .read_link(&base)
            .ok()
            .map(|l| l.to_string_lossy().into_owned());
        let shown_link = link
            .as_deref()
            .map(|l| format!("/sys/block/{} -> {l}", d.name));
        let (attachment, evidence) = if d
            .dm_uuid
            .as_deref()
            .is_some_and(|u| u.starts_with("mpath-"))
        {
            (
                Attachment::Multipath,
                Some(format!("dm/uuid {}", d.dm_uuid.as_deref().unwrap_or(""))),
            )
        } else if d.name.starts_with("drbd") {
            (Attachment::Drbd, Some(format!("device name {}", d.name)))
        } else if d.name.starts_with("nvme")
            || link
                .as_deref()
                .is_some_and(|l| l.split('/').any(|c| c == "nvme"))
        {
            (
                Attachment::Nvme,
                shown_link
                    .clone()
                    .or_else(|| Some(format!("device name {}", d.name))),
            )
        } else if link.as_deref().is_some_and(|l| {
            l.split('/').any(|c| {
                c.strip_prefix("session")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }) || scsi_host(l)
                .is_some_and(|h| root.exists(Path::new(&format!("/sys/class/iscsi_host/host{h}"))))
        }) {
            (Attachment::Iscsi, shown_link.clone())
        } else {
            (Attachment::Other, None)
        };
        f.disks.push(DiskHw {
            name: d.display_name(),
            logical_sector,
            physical_sector,
            attachment,
            evidence,
        });
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host number comes from a `hostN` component only.
    #[test]
    fn host_numbers() {
        assert_eq!(
            scsi_host("../devices/platform/host3/session1/target3:0:0/3:0:0:1/block/sdb"),
            Some("3")
        );
        assert_eq!(
            scsi_host("../devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0/block/sda"),
            Some("0")
        );
        assert_eq!(scsi_host("../devices/virtual/block/loop0"), None);
        assert_eq!(scsi_host("../devices/hostile/block/x"), None);
    }
}
