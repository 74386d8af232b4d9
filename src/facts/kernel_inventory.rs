//! Every kernel installed in the target, not only the one that runs or boots by default: its
//! module tree under `/lib/modules`, its image and initramfs under `/boot`, and whether the
//! Hyper-V drivers Azure needs (hv_vmbus, hv_storvsc, hv_netvsc) exist for it as module
//! files or are compiled in (`modules.builtin`). Also every `/boot/initr*` file with its size,
//! which is what the agent's installer copies aside before rebuilding them.

use crate::facts::FactError;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::{kmod, version};
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

/// The drivers an Azure VM needs: the VMBus, its storage and its network device.
pub const HYPERV_DRIVERS: &[&str] = &["hv_vmbus", "hv_storvsc", "hv_netvsc"];

/// Initramfs names by distribution family, `{}` standing for the kernel release.
const INITRAMFS_NAMES: &[&str] = &[
    "initramfs-{}.img", // RHEL, CentOS, Oracle Linux, Fedora, SLES 15 with dracut
    "initrd-{}",        // SLES
    "initrd.img-{}",    // Debian, Ubuntu
    "initrd-{}.img",    // RHEL 5
];

/// Directories walked inside one module tree, at most (a real tree has a few hundred).
const MAX_DIRS: usize = 20_000;
const MAX_DEPTH: usize = 12;

/// Where one Hyper-V driver comes from for one kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Driver {
    pub name: &'static str,
    /// The module file, relative to the module directory (`kernel/drivers/hv/hv_vmbus.ko.xz`).
    pub module: Option<String>,
    /// Listed in `modules.builtin`.
    pub builtin: bool,
}

impl Driver {
    pub fn present(&self) -> bool {
        self.builtin || self.module.is_some()
    }
}

/// One installed kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledKernel {
    pub release: String,
    /// `/lib/modules/RELEASE` exists.
    pub modules_dir: bool,
    /// It holds the kernel's own modules (`kernel/`), not only leftovers such as
    /// `weak-updates/` after the kernel package was removed.
    pub module_tree: bool,
    /// `modules.builtin` was found and read.
    pub builtin_known: bool,
    /// `/boot/vmlinuz-RELEASE`.
    pub image: Option<String>,
    /// The initramfs that belongs to it, with its size.
    pub initramfs: Option<(String, u64)>,
    pub drivers: Vec<Driver>,
    pub errors: Vec<FactError>,
}

impl InstalledKernel {
    /// A kernel that can boot: an image, or a complete module tree.
    pub fn is_installed(&self) -> bool {
        self.image.is_some() || self.module_tree
    }

    pub fn driver(&self, name: &str) -> Option<&Driver> {
        self.drivers.iter().find(|d| d.name == name)
    }

    pub fn missing_drivers(&self) -> Vec<&'static str> {
        self.drivers
            .iter()
            .filter(|d| !d.present())
            .map(|d| d.name)
            .collect()
    }
}

/// One `/boot/initr*` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitrdImage {
    pub path: String,
    pub size: u64,
    /// It is a symbolic link (to this target); copying follows it, so its size counts.
    pub link_to: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelInventory {
    /// Oldest first.
    pub kernels: Vec<InstalledKernel>,
    pub initrd_images: Vec<InitrdImage>,
    pub errors: Vec<FactError>,
}

impl KernelInventory {
    pub fn installed(&self) -> impl Iterator<Item = &InstalledKernel> {
        self.kernels.iter().filter(|k| k.is_installed())
    }

    /// Module directories that belong to no installed kernel.
    pub fn leftovers(&self) -> impl Iterator<Item = &InstalledKernel> {
        self.kernels.iter().filter(|k| !k.is_installed())
    }

    pub fn get(&self, release: &str) -> Option<&InstalledKernel> {
        self.kernels.iter().find(|k| k.release == release)
    }

    pub fn initrd_total(&self) -> u64 {
        self.initrd_images.iter().map(|i| i.size).sum()
    }
}

pub fn gather(root: &Root) -> KernelInventory {
    let mut inv = KernelInventory::default();
    let boot = match root.read_dir_optional(Path::new("/boot")) {
        Ok(e) => e,
        Err(e) => {
            inv.errors.push(e.into());
            Vec::new()
        }
    };
    let mut releases: Vec<String> = Vec::new();
    match root.read_dir_optional(Path::new("/lib/modules")) {
        Ok(entries) => {
            for e in entries {
                if e.kind != FileKind::Dir && e.kind != FileKind::Symlink {
                    continue;
                }
                match e.name.to_str() {
                    Some(n) if n.starts_with(|c: char| c.is_ascii_digit()) => {
                        releases.push(n.to_string())
                    }
                    Some(_) => {}
                    None => inv.errors.push(FactError::other(format!(
                        "/lib/modules/{}: not a valid kernel release name",
                        escape_bytes(e.name.as_bytes())
                    ))),
                }
            }
        }
        Err(e) => inv.errors.push(e.into()),
    }
    for e in &boot {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        if let Some(rel) = image_release(name) {
            if !releases.iter().any(|r| r == rel) {
                releases.push(rel.to_string());
            }
        }
    }
    releases.sort_by(|a, b| version::compare(a, b));
    for rel in releases {
        inv.kernels.push(kernel(root, &rel, &boot));
    }
    for e in &boot {
        if !e.name.as_bytes().starts_with(b"initr") {
            continue;
        }
        let path = Path::new("/boot").join(&e.name);
        let shown = escape_bytes(path.as_os_str().as_bytes());
        let link_to = if e.kind == FileKind::Symlink {
            root.read_link(&path)
                .ok()
                .map(|t| escape_bytes(t.as_os_str().as_bytes()))
        } else {
            None
        };
        match root.file_size(&path) {
            Ok(Some(size)) => inv.initrd_images.push(InitrdImage {
                path: shown,
                size,
                link_to,
            }),
            // A dangling link or a directory holds nothing to copy.
            Ok(None) => {}
            Err(err) if matches!(err.kind, crate::root::ReadErrorKind::WrongKind(_)) => {}
            Err(err) => inv.errors.push(err.into()),
        }
    }
    inv
}

/// `vmlinuz-6.1.0-18-amd64` gives `6.1.0-18-amd64`; rescue images, signatures and HMAC files
/// are not kernels of their own.
fn image_release(name: &str) -> Option<&str> {
    let rel = name
        .strip_prefix("vmlinuz-")
        .or_else(|| name.strip_prefix("vmlinux-"))?;
    let skip = rel.is_empty()
        || rel.contains("rescue")
        || rel.ends_with(".hmac")
        || rel.ends_with(".sig")
        || rel.ends_with(".old")
        || !rel.starts_with(|c: char| c.is_ascii_digit());
    (!skip).then_some(rel)
}

fn kernel(root: &Root, rel: &str, boot: &[crate::root::DirEntry]) -> InstalledKernel {
    let mut errors = Vec::new();
    let dir = PathBuf::from("/lib/modules").join(rel);
    let modules_dir = matches!(root.kind(&dir), Ok(Some(FileKind::Dir)));
    let module_tree =
        modules_dir && matches!(root.kind(&dir.join("kernel")), Ok(Some(FileKind::Dir)));
    let has = |name: &str| boot.iter().any(|e| e.name == OsStr::new(name));
    let image = ["vmlinuz-", "vmlinux-"]
        .iter()
        .map(|p| format!("{p}{rel}"))
        .find(|n| has(n))
        .map(|n| format!("/boot/{n}"));
    let mut initramfs = None;
    for pattern in INITRAMFS_NAMES {
        let name = pattern.replace("{}", rel);
        if !has(&name) {
            continue;
        }
        let path = format!("/boot/{name}");
        match root.file_size(Path::new(&path)) {
            Ok(Some(size)) => {
                initramfs = Some((path, size));
                break;
            }
            Ok(None) => {}
            Err(e) => errors.push(e.into()),
        }
    }
    let mut builtin_known = false;
    let mut builtin: Vec<String> = Vec::new();
    if modules_dir {
        match root.read_optional(&dir.join("modules.builtin")) {
            Ok(Some(text)) => {
                builtin_known = true;
                builtin = kmod::parse_builtin(&text);
            }
            Ok(None) => {}
            Err(e) => errors.push(e.into()),
        }
    }
    let mut found: Vec<(String, String)> = Vec::new();
    if modules_dir {
        let mut walker = Walker {
            root,
            found: &mut found,
            errors: &mut errors,
            dirs: 0,
        };
        walker.walk(&dir, "", 0);
    }
    let drivers = HYPERV_DRIVERS
        .iter()
        .map(|name| Driver {
            name,
            module: found
                .iter()
                .find(|(m, _)| m == name)
                .map(|(_, p)| p.clone()),
            builtin: builtin.iter().any(|b| b == name),
        })
        .collect();
    InstalledKernel {
        release: rel.to_string(),
        modules_dir,
        module_tree,
        builtin_known,
        image,
        initramfs,
        drivers,
        errors,
    }
}

/// Looks for the Hyper-V module files in a module tree.
struct Walker<'a> {
    root: &'a Root,
    found: &'a mut Vec<(String, String)>,
    errors: &'a mut Vec<FactError>,
    dirs: usize,
}

impl Walker<'_> {
    fn walk(&mut self, dir: &Path, rel: &str, depth: usize) {
        self.dirs += 1;
        if depth > MAX_DEPTH || self.dirs > MAX_DIRS {
            return;
        }
        let entries = match self.root.read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.errors.push(e.into());
                return;
            }
        };
        for e in entries {
            let Some(name) = e.name.to_str() else {
                continue;
            };
            let child_rel = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            match e.kind {
                // Linked directories (`build`, `source`) lead to kernel sources, not modules.
                FileKind::Dir => self.walk(&dir.join(name), &child_rel, depth + 1),
                FileKind::File | FileKind::Symlink if name.starts_with("hv_") => {
                    let Some(module) = kmod::module_name(name.as_bytes()) else {
                        continue;
                    };
                    // weak-updates holds links to other kernels' modules: they count only
                    // when they lead somewhere.
                    if e.kind == FileKind::Symlink
                        && !matches!(self.root.kind(&dir.join(name)), Ok(Some(FileKind::File)))
                    {
                        continue;
                    }
                    if !self.found.iter().any(|(m, _)| *m == module) {
                        self.found.push((module, child_rel));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kernel images name their release; rescue images and signature files do not count.
    #[test]
    fn image_names() {
        assert_eq!(
            image_release("vmlinuz-6.1.0-18-amd64"),
            Some("6.1.0-18-amd64")
        );
        assert_eq!(
            image_release("vmlinuz-3.10.0-1160.el7.x86_64"),
            Some("3.10.0-1160.el7.x86_64")
        );
        assert_eq!(image_release("vmlinuz-0-rescue-0123abcd"), None);
        assert_eq!(image_release(".vmlinuz-3.10.0-1160.el7.x86_64.hmac"), None);
        assert_eq!(image_release("vmlinuz"), None);
        assert_eq!(image_release("vmlinuz-"), None);
    }

    fn tree(files: &[(&str, &str)], links: &[(&str, &str)]) -> (tempfile::TempDir, Root) {
        let dir = crate::testutil::tree_with_links(files, links);
        let root = Root::image(dir.path()).unwrap();
        (dir, root)
    }

    /// Modules, built-ins, weak-update links (live and dangling), initramfs names of each
    /// family, leftover module directories and /boot/initr* sizes.
    #[test]
    fn inventory() {
        let (_d, root) = tree(
            &[
                ("/boot/vmlinuz-3.10.0-1160.el7.x86_64", "k"),
                ("/boot/initramfs-3.10.0-1160.el7.x86_64.img", "12345"),
                (
                    "/lib/modules/3.10.0-1160.el7.x86_64/kernel/drivers/hv/hv_vmbus.ko.xz",
                    "",
                ),
                (
                    "/lib/modules/3.10.0-1160.el7.x86_64/kernel/drivers/scsi/hv_storvsc.ko.xz",
                    "",
                ),
                (
                    "/lib/modules/3.10.0-1160.el7.x86_64/modules.builtin",
                    "kernel/fs/ext4/ext4.ko\n",
                ),
                ("/boot/vmlinuz-5.4.0-26-generic", "k"),
                ("/boot/initrd.img-5.4.0-26-generic", "1234567"),
                ("/lib/modules/5.4.0-26-generic/kernel/fs/ext4/ext4.ko", ""),
                (
                    "/lib/modules/5.4.0-26-generic/modules.builtin",
                    "kernel/drivers/hv/hv_vmbus.ko\nkernel/drivers/scsi/hv_storvsc.ko\nkernel/drivers/net/hyperv/hv_netvsc.ko\n",
                ),
                ("/lib/modules/2.6.32-431.el6.x86_64/weak-updates/.empty", ""),
                ("/lib/modules/2.6.32-504.el6.x86_64/kernel/.empty", ""),
                (
                    "/lib/modules/2.6.32-504.el6.x86_64/extra/hv/hv_vmbus.ko",
                    "",
                ),
                ("/boot/vmlinuz-2.6.32-504.el6.x86_64", "k"),
            ],
            &[
                (
                    "/lib/modules/2.6.32-504.el6.x86_64/weak-updates/hv_storvsc.ko",
                    "/lib/modules/gone/hv_storvsc.ko",
                ),
                (
                    "/lib/modules/2.6.32-504.el6.x86_64/weak-updates/hv_netvsc.ko",
                    "../extra/hv/hv_vmbus.ko",
                ),
                (
                    "/lib/modules/3.10.0-1160.el7.x86_64/build",
                    "/usr/src/kernels/x",
                ),
                ("/boot/initrd", "initrd.img-5.4.0-26-generic"),
            ],
        );
        let inv = gather(&root);
        let rels: Vec<&str> = inv.kernels.iter().map(|k| k.release.as_str()).collect();
        assert_eq!(
            rels,
            [
                "2.6.32-431.el6.x86_64",
                "2.6.32-504.el6.x86_64",
                "3.10.0-1160.el7.x86_64",
                "5.4.0-26-generic"
            ]
        );
        assert_eq!(inv.leftovers().count(), 1);
        let el6 = inv.get("2.6.32-504.el6.x86_64").unwrap();
        assert_eq!(el6.missing_drivers(), ["hv_storvsc"]);
        assert_eq!(
            el6.driver("hv_netvsc").unwrap().module.as_deref(),
            Some("weak-updates/hv_netvsc.ko")
        );
        assert_eq!(el6.initramfs, None);
        let el7 = inv.get("3.10.0-1160.el7.x86_64").unwrap();
        assert_eq!(el7.missing_drivers(), ["hv_netvsc"]);
        assert_eq!(
            el7.initramfs,
            Some(("/boot/initramfs-3.10.0-1160.el7.x86_64.img".into(), 5))
        );
        let ubuntu = inv.get("5.4.0-26-generic").unwrap();
        assert!(ubuntu.missing_drivers().is_empty());
        assert!(
            ubuntu
                .drivers
                .iter()
                .all(|d| d.builtin && d.module.is_none())
        );
        assert_eq!(ubuntu.initramfs.as_ref().unwrap().1, 7);
        // initramfs-...img (5) + initrd.img-... (7) + the /boot/initrd link to it (7).
        assert_eq!(inv.initrd_total(), 19);
        assert!(inv.initrd_images.iter().any(|i| i.link_to.is_some()));
        assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    }
}
