//! What each installed kernel's initramfs holds, read with the tool's own initramfs reader
//! (an offline image has no `lsinitrd` to run): whether the Hyper-V driver modules are inside,
//! and for which kernel release its module directory was built. Reading decompresses every
//! image, so this is gathered only when a check asks for it.

use std::path::Path;
use std::time::Duration;

use super::kernel_inventory::{HYPERV_DRIVERS, KernelInventory};
use crate::deadline::{self, MOUNT_DEADLINE};
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
    /// Reading stopped once every driver needed and the kernel's own module directory had
    /// been seen: `entries`, `segments` and `module_releases` cover the image up to there.
    pub stopped_early: bool,
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
            // What the check looks for: the drivers not compiled into this kernel.
            let needed: Vec<&str> = HYPERV_DRIVERS
                .iter()
                .copied()
                .filter(|d| !k.driver(d).is_some_and(|x| x.builtin))
                .collect();
            let want = Wanted {
                drivers: &needed,
                release: &k.release,
            };
            Some(InitramfsFacts {
                release: k.release.clone(),
                path: path.clone(),
                contents: read(root, path, limits, &mut budget, &want),
            })
        })
        .collect()
}

/// What makes the rest of an image unnecessary to read.
struct Wanted<'a> {
    drivers: &'a [&'a str],
    /// The kernel's own module directory must have been seen too (the check names an image
    /// built for another kernel).
    release: &'a str,
}

fn read(
    root: &Root,
    path: &str,
    limits: &Limits,
    budget: &mut Budget,
    want: &Wanted,
) -> Result<Contents, String> {
    let (file, _) = root.open_file(Path::new(path)).map_err(|e| e.to_string())?;
    let mut input = Input::new(root, path, file);
    let mut summary = Summary::new();
    let listing = initramfs::list_until(&mut input, limits, budget, &mut |e| {
        summary.observe(e);
        summary.covers(want)
    });
    match listing {
        Ok(listing) => Ok(summary.into_contents(&listing)),
        Err(_) if input.timed_out() => Err(format!(
            "{path}: a read did not answer within {} s (a hung mount?); not examined further",
            MOUNT_DEADLINE.as_secs()
        )),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// Where an image's bytes come from. On a file system that can hang the open may answer and
/// a read later never: those are read on a helper thread with a deadline per piece. Elsewhere
/// the file is read directly (a hand-off per piece costs a scheduling slice on a busy machine).
enum Input {
    Local(std::io::BufReader<std::fs::File>),
    MayHang(deadline::Reader),
}

impl Input {
    fn new(root: &Root, path: &str, file: std::fs::File) -> Input {
        if root.may_hang(Path::new(path)) {
            Input::MayHang(deadline::Reader::spawn(file, MOUNT_DEADLINE))
        } else {
            Input::Local(std::io::BufReader::with_capacity(256 * 1024, file))
        }
    }

    fn timed_out(&self) -> bool {
        matches!(self, Input::MayHang(r) if r.timed_out())
    }
}

impl std::io::Read for Input {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Local(r) => r.read(out),
            Input::MayHang(r) => r.read(out),
        }
    }
}

/// The facts the checks need from a listing.
pub fn summarise(listing: &initramfs::Listing) -> Contents {
    let mut summary = Summary::new();
    for e in &listing.entries {
        summary.observe(e);
    }
    summary.into_contents(listing)
}

/// The drivers and module directories seen so far, entry by entry.
struct Summary {
    drivers: Vec<(&'static str, Option<String>)>,
    module_releases: Vec<String>,
}

impl Summary {
    fn new() -> Summary {
        Summary {
            drivers: HYPERV_DRIVERS.iter().map(|d| (*d, None)).collect(),
            module_releases: Vec::new(),
        }
    }

    fn observe(&mut self, e: &initramfs::Entry) {
        let path = e.path.as_slice();
        if let Some(rel) = module_release(path) {
            if !self.module_releases.contains(&rel) {
                self.module_releases.push(rel);
            }
        }
        if !e.is_file() {
            return;
        }
        let base = path.rsplit(|b| *b == b'/').next().unwrap_or(path);
        if let Some(name) = kmod::module_name(base) {
            let slot = self
                .drivers
                .iter_mut()
                .find(|(d, p)| *d == name && p.is_none());
            if let Some(slot) = slot {
                slot.1 = Some(escape_bytes(path));
            }
        }
    }

    /// Everything `want` asks for has been seen.
    fn covers(&self, want: &Wanted) -> bool {
        self.module_releases.iter().any(|r| r == want.release)
            && want
                .drivers
                .iter()
                .all(|d| self.drivers.iter().any(|(n, p)| n == d && p.is_some()))
    }

    fn into_contents(self, listing: &initramfs::Listing) -> Contents {
        Contents {
            segments: listing.describe_segments(),
            entries: listing.entries.len(),
            unpacked_bytes: listing.unpacked_bytes,
            drivers: self.drivers,
            module_releases: self.module_releases,
            stopped_early: listing.stopped_early,
        }
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

    /// Enough has been seen once every driver asked for and the kernel's own module directory
    /// were there; another kernel's directory, or a driver missing, is not enough.
    #[test]
    fn covers_what_is_wanted() {
        let want = Wanted {
            drivers: &["hv_vmbus", "hv_storvsc"],
            release: "6.1.0-18-amd64",
        };
        let mut s = Summary::new();
        s.observe(&entry("usr/lib/modules/5.10.0-9-amd64", 0o040755));
        s.observe(&entry("x/hv_vmbus.ko", 0o100644));
        s.observe(&entry("x/hv_storvsc.ko.zst", 0o100644));
        assert!(!s.covers(&want));
        s.observe(&entry("usr/lib/modules/6.1.0-18-amd64", 0o040755));
        assert!(s.covers(&want));
        let mut s = Summary::new();
        s.observe(&entry("lib/modules/6.1.0-18-amd64/hv_vmbus.ko", 0o100644));
        assert!(!s.covers(&want));
        assert!(s.covers(&Wanted {
            drivers: &["hv_vmbus"],
            release: "6.1.0-18-amd64"
        }));
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
            stopped_early: false,
        };
        let c = summarise(&l);
        assert!(c.has("hv_vmbus") && c.has("hv_storvsc") && !c.has("hv_netvsc"));
        assert_eq!(c.module_releases, ["6.1.0-18-amd64"]);
    }
}
