//! What one run of an image root has already learnt about the image, so that a wide
//! directory does not cost a walk from the root per entry, nor a read per reader.
//!
//! An image does not change while it is inspected, so both memories hold for the whole run.
//! Both are bounded: once full they stop learning, and the walk or read happens as it did
//! without them (a slower run, never a different answer). A live root keeps neither: its
//! files (/proc, /run, logs) change while the checks run.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Directories remembered: far more than the facts read, a few MiB of paths at most.
const MAX_DIRS: usize = 50_000;
/// Only files this small are kept; configuration files are, hosts files and images are not.
pub const MAX_KEPT_FILE: usize = 64 * 1024;
/// Bytes of content (and paths) kept in all.
const MAX_KEPT_BYTES: usize = 48 * 1024 * 1024;
/// Accounted per kept file besides its bytes: the map entry (its key and pointer, the table's
/// spare room) and the headers of the two allocations, generously.
const ENTRY_OVERHEAD: usize = 128;

/// The run's memory of an image root, shared by every clone of the [`super::Root`].
#[derive(Debug, Default)]
pub struct Memo {
    /// In-image directory path as a reader wrote it -> where it resolved on the host.
    dirs: Mutex<HashMap<OsString, Arc<Resolved>>>,
    files: Mutex<Files>,
}

/// A directory resolved inside the image: every component a real directory the mount rules
/// let the walk enter.
#[derive(Debug)]
pub struct Resolved {
    pub host: PathBuf,
    /// Its components below the root (how far `..` may climb from it).
    pub depth: usize,
}

#[derive(Debug, Default)]
struct Files {
    by_path: HashMap<OsString, Arc<[u8]>>,
    bytes: usize,
}

impl Memo {
    /// Where the in-image directory `dir` (as written) resolved earlier in this run.
    pub fn dir(&self, dir: &OsStr) -> Option<Arc<Resolved>> {
        self.dirs.lock().ok().and_then(|d| d.get(dir).cloned())
    }

    /// Remembers where `dir` resolved.
    pub fn learn_dir(&self, dir: &OsStr, host: &Path, depth: usize) {
        if let Ok(mut d) = self.dirs.lock()
            && d.len() < MAX_DIRS
        {
            let host = host.to_path_buf();
            d.insert(dir.to_os_string(), Arc::new(Resolved { host, depth }));
        }
    }

    /// The whole content of the small regular file at the in-image path `path`, when a
    /// reader of this run has read it already.
    pub fn file(&self, path: &OsStr) -> Option<Arc<[u8]>> {
        self.files
            .lock()
            .ok()
            .and_then(|f| f.by_path.get(path).cloned())
    }

    /// Keeps the whole content of the regular file at `path` for the next reader.
    pub fn keep_file(&self, path: &OsStr, content: &[u8]) {
        if content.len() > MAX_KEPT_FILE {
            return;
        }
        let cost = content.len() + path.len() + ENTRY_OVERHEAD;
        if let Ok(mut f) = self.files.lock()
            && f.bytes + cost <= MAX_KEPT_BYTES
        {
            f.bytes += cost;
            // Kept after a miss, so hardly ever there already; if it is, it is counted once.
            if f.by_path
                .insert(path.to_os_string(), Arc::from(content))
                .is_some()
            {
                f.bytes -= cost;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Content is kept until the byte budget is spent, then no more: memory stays bounded.
    #[test]
    fn kept_bytes_are_bounded() {
        let memo = Memo::default();
        let content = vec![b'x'; MAX_KEPT_FILE];
        let fits = MAX_KEPT_BYTES / (MAX_KEPT_FILE + "/etc/f000000000".len() + ENTRY_OVERHEAD);
        for i in 0..fits + 10 {
            memo.keep_file(OsStr::new(&format!("/etc/f{i:09}")), &content);
        }
        assert!(
            memo.file(OsStr::new(&format!("/etc/f{:09}", fits - 1)))
                .is_some()
        );
        assert!(
            memo.file(OsStr::new(&format!("/etc/f{:09}", fits + 1)))
                .is_none()
        );
        let kept = memo.files.lock().unwrap().bytes;
        assert!(kept <= MAX_KEPT_BYTES, "{kept}");
    }

    /// A file larger than the per-file limit is never kept.
    #[test]
    fn large_files_are_not_kept() {
        let memo = Memo::default();
        memo.keep_file(OsStr::new("/etc/hosts"), &vec![b'x'; MAX_KEPT_FILE + 1]);
        assert!(memo.file(OsStr::new("/etc/hosts")).is_none());
        memo.keep_file(OsStr::new("/etc/hostname"), b"guest\n");
        assert_eq!(
            &*memo.file(OsStr::new("/etc/hostname")).unwrap(),
            b"guest\n"
        );
    }

    /// The directory memory stops learning at its limit.
    #[test]
    fn known_dirs_are_bounded() {
        let memo = Memo::default();
        for i in 0..MAX_DIRS + 5 {
            memo.learn_dir(OsStr::new(&format!("/d{i}")), Path::new("/img/d"), 1);
        }
        assert_eq!(memo.dirs.lock().unwrap().len(), MAX_DIRS);
        assert!(memo.dir(OsStr::new("/d0")).is_some());
        assert!(
            memo.dir(OsStr::new(&format!("/d{}", MAX_DIRS + 1)))
                .is_none()
        );
    }
}
