//! Free space on the file system that holds a directory, as `df` reports it (statvfs available
//! blocks). Only a running system has this: an image's free space is not the free space of the
//! machine it will be deployed as, so in `--root` mode nothing is measured.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::mounts::{FsUse, MountFacts};
use crate::probe::{FsSpace, Probe};
use crate::root::Root;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceAt {
    /// The directory asked about.
    pub requested: PathBuf,
    /// The directory measured: `requested` or its nearest existing parent.
    pub measured: PathBuf,
    pub space: Result<FsSpace, String>,
    /// The mount holding it, when the mount table is known.
    pub mount: Option<FsUse>,
}

/// Measures the file system that holds `path` (or would hold it, once created).
pub fn measure(root: &Root, probe: &dyn Probe, mounts: &MountFacts, path: &Path) -> SpaceAt {
    let measured = nearest_existing(root, path);
    let space = probe.statvfs(&measured).map_err(|e| e.to_string());
    let mount = mounts.containing_now(measured.as_os_str().as_bytes());
    SpaceAt {
        requested: path.to_path_buf(),
        measured,
        space,
        mount,
    }
}

/// `path` itself when it exists, else the closest ancestor that does (`/` at worst).
fn nearest_existing(root: &Root, path: &Path) -> PathBuf {
    for p in path.ancestors() {
        match root.kind(p) {
            Ok(None) => continue,
            Err(e) if e.is_not_found() => continue,
            // Present, or not even checkable: statvfs there says what is wrong.
            _ => return p.to_path_buf(),
        }
    }
    PathBuf::from("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::FakeProbe;

    /// A missing install directory is measured at its nearest existing parent.
    #[test]
    fn measures_nearest_existing_parent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("usr/local")).unwrap();
        let root = Root::image(dir.path()).unwrap();
        let space = FsSpace {
            fragment_size: 4096,
            blocks: 100,
            blocks_free: 50,
            blocks_available: 40,
        };
        let mut probe = FakeProbe::new("5.10.0", "h");
        probe.space.push((PathBuf::from("/usr/local"), space));
        let at = measure(
            &root,
            &probe,
            &MountFacts::default(),
            Path::new("/usr/local/ASR/bin"),
        );
        assert_eq!(at.measured, Path::new("/usr/local"));
        assert_eq!(at.space.unwrap().available_bytes(), 40 * 4096);
    }
}
