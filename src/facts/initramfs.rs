//! What each installed kernel's initramfs holds, read with the tool's own initramfs reader
//! (an offline image has no `lsinitrd` to run): whether the Hyper-V driver modules are inside,
//! and for which kernel release its module directory was built. Reading decompresses every
//! image, so this is gathered only when a check asks for it.

use std::path::Path;
use std::time::Duration;

use super::kernel_inventory::{HYPERV_DRIVERS, KernelInventory};
use crate::initramfs::{self, Budget, Limits};
use crate::parse::kmod;
use crate::root::Root;
use crate::text::escape_bytes;

/// What one image holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// `uncompressed at byte 0, zstd at byte 28672`.
    pub segments: String,
    pub entries: usize,
    pub unpacked_bytes: u64,
    /// Each Hyper-V driver and the path of its module inside the image, when there.
    pub drivers: Vec<(&'static str, Option<String>)>,
    /// Releases of the `lib/modules/RELEASE` directories inside.
    pub module_releases: Vec<String>,
}

impl Contents {
    pub fn has(&self, driver: &str) -> bool {
        self.drivers
            .iter()
            .any(|(d, p)| *d == driver && p.is_some())
    }
}

/// One kernel's initramfs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitramfsFacts {
    pub release: String,
    pub path: String,
    pub contents: Result<Contents, String>,
}

/// Unpacked bytes for all the images of one run together: twice the per-image cap, and ten
/// times what a machine keeping five kernels with generic (non host-only) images needs.
pub const RUN_BYTES: u64 = 4 << 30;
/// Time for decompressing all the images of one run together (the five-kernel benchmark
/// image takes about a second; see README "Performance").
pub const RUN_TIME: Duration = Duration::from_secs(30);

pub fn gather(root: &Root, inventory: &KernelInventory) -> Vec<InitramfsFacts> {
    gather_within(
        root,
        inventory,
        &Limits::default(),
        Budget::new(RUN_BYTES, RUN_TIME),
    )
}

/// [`gather`] with explicit bounds: `limits` for each image, `budget` for all of them.
pub fn gather_within(
    root: &Root,
    inventory: &KernelInventory,
    limits: &Limits,
    mut budget: Budget,
) -> Vec<InitramfsFacts> {
    inventory
        .installed()
        .filter_map(|k| {
            let (path, _) = k.initramfs.as_ref()?;
            Some(InitramfsFacts {
                release: k.release.clone(),
                path: path.clone(),
                contents: read(root, path, limits, &mut budget),
            })
        })
        .collect()
}

fn read(root: &Root, path: &str, limits: &Limits, budget: &mut Budget) -> Result<Contents, String> {
    let (file, _) = root.open_file(Path::new(path)).map_err(|e| e.to_string())?;
    let listing = initramfs::list_within(
        std::io::BufReader::with_capacity(256 * 1024, file),
        limits,
        budget,
    )
    .map_err(|e| format!("{path}: {e}"))?;
    Ok(summarise(&listing))
}

/// The facts the checks need from a listing.
pub fn summarise(listing: &initramfs::Listing) -> Contents {
    let mut drivers: Vec<(&'static str, Option<String>)> =
        HYPERV_DRIVERS.iter().map(|d| (*d, None)).collect();
    let mut module_releases: Vec<String> = Vec::new();
    for e in &listing.entries {
        let path = e.path.as_slice();
        if let Some(rel) = module_release(path) {
            if !module_releases.contains(&rel) {
                module_releases.push(rel);
            }
        }
        if !e.is_file() {
            continue;
        }
        let base = path.rsplit(|b| *b == b'/').next().unwrap_or(path);
        if let Some(name) = kmod::module_name(base) {
            if let Some(slot) = drivers.iter_mut().find(|(d, p)| *d == name && p.is_none()) {
                slot.1 = Some(escape_bytes(path));
            }
        }
    }
    Contents {
        segments: listing.describe_segments(),
        entries: listing.entries.len(),
        unpacked_bytes: listing.unpacked_bytes,
        drivers,
        module_releases,
    }
}

/// `usr/lib/modules/6.1.0-18-amd64/...` or `lib/modules/6.1.0-18-amd64` gives the release.
fn module_release(path: &[u8]) -> Option<String> {
    let rest = path
        .strip_prefix(b"usr/lib/modules/")
        .or_else(|| path.strip_prefix(b"lib/modules/"))?;
    let rel = rest.split(|b| *b == b'/').next()?;
    if rel.is_empty() || !rel[0].is_ascii_digit() {
        return None;
    }
    Some(escape_bytes(rel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::initramfs::{Entry, Listing};

    fn entry(p: &str, mode: u32) -> Entry {
        Entry {
            path: p.as_bytes().to_vec(),
            mode,
            size: 0,
        }
    }

    /// Driver modules are found by file name in any compression; directories named like a
    /// module do not count; module directories tell the release the image was built for.
    #[test]
    fn summary() {
        let l = Listing {
            entries: vec![
                entry("usr/lib/modules", 0o040755),
                entry("usr/lib/modules/6.1.0-18-amd64", 0o040755),
                entry(
                    "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/hv/hv_vmbus.ko.xz",
                    0o100644,
                ),
                entry(
                    "lib/modules/6.1.0-18-amd64/kernel/drivers/scsi/hv_storvsc.ko",
                    0o100644,
                ),
                entry("hv_netvsc.ko", 0o040755),
            ],
            segments: vec![],
            unpacked_bytes: 0,
        };
        let c = summarise(&l);
        assert!(c.has("hv_vmbus") && c.has("hv_storvsc") && !c.has("hv_netvsc"));
        assert_eq!(c.module_releases, ["6.1.0-18-amd64"]);
    }
}
