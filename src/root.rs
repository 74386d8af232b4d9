//! The file view of the machine being inspected: the live `/` or a root filesystem mounted at a
//! directory (`--root`). Every file the tool reads goes through [`Root`], so that inside an image an
//! absolute symbolic link resolves inside the image and never reaches the host's files.
//!
//! Resolution is done by hand, one component at a time (kernels before 5.6 have no `openat2`
//! with `RESOLVE_IN_ROOT`, and the guests we serve run 2.6.32). Reads refuse anything that is not
//! a regular file *before* opening it, so a FIFO can never block the tool, and they are capped in
//! size so that a hostile file cannot exhaust memory.
//!
//! Mounts matter twice. File systems mounted beneath an image root are not entered unless the
//! user asks (`--cross-mounts`): a chroot builder's live /proc there would hand the host's data
//! (this run's environment, the host's files through `/proc/self/root`) to the report, and a
//! hung FUSE or NFS mount there would stop the run for ever. A live procfs, sysfs and the like
//! beneath the root are never entered. And every call on a file system that can hang (network
//! and FUSE types, the root's own included) runs under [`crate::deadline`]: a mount that did
//! not answer once is not asked again.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::deadline::{self, MOUNT_DEADLINE};
use crate::text::escape_bytes;

mod memo;
use memo::Memo;

/// Largest file read whole; configuration files are far smaller, hosts files of 400,000 lines fit.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Symbolic links followed while resolving one path, as the kernel's own limit (MAXSYMLINKS).
const MAX_LINK_HOPS: u32 = 40;

/// The kind of a directory entry or file, as far as the tool cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Unknown,
}

impl FileKind {
    pub fn from_type(t: fs::FileType) -> FileKind {
        if t.is_file() {
            FileKind::File
        } else if t.is_dir() {
            FileKind::Dir
        } else if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_fifo() {
            FileKind::Fifo
        } else if t.is_socket() {
            FileKind::Socket
        } else if t.is_char_device() {
            FileKind::CharDevice
        } else if t.is_block_device() {
            FileKind::BlockDevice
        } else {
            FileKind::Unknown
        }
    }

    fn describe(self) -> &'static str {
        match self {
            FileKind::File => "a regular file",
            FileKind::Dir => "a directory",
            FileKind::Symlink => "a symbolic link",
            FileKind::Fifo => "a FIFO",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Unknown => "of an unknown type",
        }
    }
}

/// What [`Root::stat`] tells about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub kind: FileKind,
    /// Permission bits (`0o600`).
    pub mode: u32,
    pub uid: u32,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i128,
}

/// Why a path could not be read.
#[derive(Debug)]
pub enum ReadErrorKind {
    NotFound,
    PermissionDenied,
    /// The path exists but is not the kind of file the caller needs.
    WrongKind(FileKind),
    TooLarge(u64),
    LinkLoop,
    /// On a file system mounted beneath the image root (at this host path), not entered
    /// without `--cross-mounts`.
    OtherMount(PathBuf),
    /// Inside a live kernel file system (procfs, sysfs...) mounted beneath the image root: its
    /// content is the host's, never the image's.
    KernelFs(PathBuf, &'static str),
    /// The file system mounted at this host path did not answer in time.
    NoAnswer(PathBuf, Duration),
    /// Internal: resolution reached the slow mount at this host path off the deadline thread;
    /// [`Root::guarded`] runs the call again under the deadline. Never leaves this module.
    NeedsDeadline(PathBuf),
    Io(io::Error),
}

/// A failed read, naming the path as seen inside the inspected system.
#[derive(Debug)]
pub struct ReadError {
    pub path: PathBuf,
    pub kind: ReadErrorKind,
}

impl ReadError {
    fn new(path: &Path, kind: ReadErrorKind) -> ReadError {
        ReadError {
            path: path.to_path_buf(),
            kind,
        }
    }

    fn from_io(path: &Path, e: io::Error) -> ReadError {
        let kind = match e.kind() {
            io::ErrorKind::NotFound => ReadErrorKind::NotFound,
            io::ErrorKind::PermissionDenied => ReadErrorKind::PermissionDenied,
            _ if e.raw_os_error() == Some(nix::libc::ELOOP) => ReadErrorKind::LinkLoop,
            _ if e.raw_os_error() == Some(nix::libc::ENOTDIR) => ReadErrorKind::NotFound,
            _ => ReadErrorKind::Io(e),
        };
        ReadError::new(path, kind)
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ReadErrorKind::NotFound)
    }
}

impl ReadError {
    /// What went wrong, without the path (the path is [`ReadError::path`]).
    pub fn reason(&self) -> String {
        match &self.kind {
            ReadErrorKind::NotFound => "not found".to_string(),
            ReadErrorKind::PermissionDenied => "permission denied".to_string(),
            ReadErrorKind::WrongKind(k) => format!("is {}, not a regular file", k.describe()),
            ReadErrorKind::TooLarge(limit) => {
                format!("larger than the {limit}-byte limit for one file")
            }
            ReadErrorKind::LinkLoop => "too many levels of symbolic links".to_string(),
            ReadErrorKind::OtherMount(m) => format!(
                "on the file system mounted at {} beneath the root, not entered (--cross-mounts enters it)",
                escape_bytes(m.as_os_str().as_bytes())
            ),
            ReadErrorKind::KernelFs(m, fs) => format!(
                "leads into a live {fs} mounted at {} beneath the root (the host's data, not the image's): not followed",
                escape_bytes(m.as_os_str().as_bytes())
            ),
            ReadErrorKind::NoAnswer(m, limit) => format!(
                "the file system mounted at {} did not answer within {} s (a hung mount?)",
                escape_bytes(m.as_os_str().as_bytes()),
                limit.as_secs()
            ),
            ReadErrorKind::NeedsDeadline(m) => format!(
                "on the file system mounted at {}, which may hang",
                escape_bytes(m.as_os_str().as_bytes())
            ),
            ReadErrorKind::Io(e) => e.to_string(),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = escape_bytes(self.path.as_os_str().as_bytes());
        write!(f, "{p}: {}", self.reason())
    }
}

impl std::error::Error for ReadError {}

/// One entry of a directory listing.
#[derive(Debug, Clone)]
pub struct DirEntry {
    pub name: OsString,
    pub kind: FileKind,
}

/// Why the root itself is unusable (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    #[error("--root {0}: does not exist")]
    Missing(String),
    #[error("--root {0}: is not a directory")]
    NotADirectory(String),
    #[error("--root {0}: {1}")]
    Io(String, io::Error),
    #[error("--root {0}: {1}")]
    NoAnswer(String, deadline::NoAnswer),
}

/// File system types whose calls can hang for as long as a server or daemon is gone.
const SLOW_FS: &[&[u8]] = &[
    b"nfs",
    b"nfs4",
    b"cifs",
    b"smb3",
    b"smbfs",
    b"9p",
    b"ceph",
    b"glusterfs",
    b"afs",
    b"autofs",
    b"fuse",
    b"fuseblk",
];

/// Kernel file systems whose content describes the running host, with a name for messages.
const KERNEL_FS: &[(&[u8], &str)] = &[
    (b"proc", "procfs"),
    (b"sysfs", "sysfs"),
    (b"debugfs", "debugfs"),
    (b"tracefs", "tracefs"),
    (b"securityfs", "securityfs"),
    (b"configfs", "configfs"),
    (b"efivarfs", "efivarfs"),
    (b"bpf", "bpffs"),
];

fn is_slow_fs(t: &[u8]) -> bool {
    SLOW_FS.contains(&t) || t.starts_with(b"fuse.")
}

/// What the host's mount table says about the tree being read.
#[derive(Debug, Default)]
struct Mounts {
    /// Host mount points strictly beneath an image root, with their type (empty when live).
    beneath: std::collections::BTreeMap<PathBuf, Vec<u8>>,
    /// Enter the mounts beneath the root (`--cross-mounts`).
    cross: bool,
    /// Host mount points of file systems that can hang, the root's own included.
    slow: Vec<PathBuf>,
    /// The type of each of those, for the report's list of skipped mounts.
    slow_types: std::collections::BTreeMap<PathBuf, Vec<u8>>,
    /// Slow mounts that did not answer once: refused at once from then on.
    dead: Mutex<std::collections::BTreeSet<PathBuf>>,
}

impl Mounts {
    /// From /proc/self/mountinfo (a kernel file: it cannot hang). `base` is None when live.
    fn read(base: Option<&Path>, cross: bool) -> Mounts {
        let mut m = Mounts {
            cross,
            ..Mounts::default()
        };
        let Ok(text) = fs::read("/proc/self/mountinfo") else {
            return m;
        };
        let Ok(table) = crate::parse::mountinfo::parse(&text) else {
            return m;
        };
        for e in table {
            let at = PathBuf::from(OsStr::from_bytes(&e.mount_point));
            if is_slow_fs(&e.fstype) {
                m.slow.push(at.clone());
                m.slow_types.insert(at.clone(), e.fstype.clone());
            }
            if let Some(b) = base
                && at.starts_with(b)
                && at != b
            {
                m.beneath.insert(at, e.fstype.clone());
            }
        }
        // Longest first: the innermost mount holding a path is found first.
        m.slow
            .sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
        m
    }
}

/// Why a file system beneath an image root was not read (the report lists each once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Not entered because `--cross-mounts` was not given.
    NotEntered,
    /// A live kernel file system (procfs, sysfs...): the host's data, never entered.
    KernelFs,
    /// It did not answer within the deadline once, and was not asked again.
    NoAnswer,
}

impl SkipReason {
    /// The JSON report's `reason` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotEntered => "not-entered",
            SkipReason::KernelFs => "kernel-fs",
            SkipReason::NoAnswer => "no-answer",
        }
    }

    /// What a person reads in the human report.
    pub fn explain(self) -> String {
        match self {
            SkipReason::NotEntered => "not entered (--cross-mounts enters it)".into(),
            SkipReason::KernelFs => {
                "a live kernel file system (the host's data, not the image's): never entered".into()
            }
            SkipReason::NoAnswer => format!(
                "did not answer within {} s (a hung mount?): given up",
                MOUNT_DEADLINE.as_secs()
            ),
        }
    }
}

/// A file system beneath an image root that the run did not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMount {
    /// Where it is mounted, as a path inside the image (`/proc`), escaped for printing.
    pub path: String,
    /// Its type as mountinfo names it (`proc`, `fuse.sshfs`), escaped.
    pub fstype: String,
    pub reason: SkipReason,
}

/// The inspected file system.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    live: bool,
    mounts: Arc<Mounts>,
    /// What this run learnt of an image (unused when live).
    memo: Arc<Memo>,
}

impl Root {
    /// The running system's own `/`.
    pub fn live() -> Root {
        Root {
            base: PathBuf::from("/"),
            live: true,
            mounts: Arc::new(Mounts::read(None, true)),
            memo: Arc::default(),
        }
    }

    /// A root filesystem mounted at `dir`; the mounts beneath it are not entered.
    pub fn image(dir: &Path) -> Result<Root, RootError> {
        Root::image_with(dir, false)
    }

    /// A root filesystem mounted at `dir`, entering the file systems mounted beneath it when
    /// `cross_mounts` (never a live procfs or sysfs). A root on a hung mount is an error.
    pub fn image_with(dir: &Path, cross_mounts: bool) -> Result<Root, RootError> {
        let shown = escape_bytes(dir.as_os_str().as_bytes());
        let owned = dir.to_path_buf();
        let looked = deadline::within(MOUNT_DEADLINE, move || {
            fs::metadata(&owned).and_then(|m| Ok((m, fs::canonicalize(&owned)?)))
        })
        .map_err(|e| RootError::NoAnswer(shown.clone(), e))?;
        let (meta, base) = looked.map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => RootError::Missing(shown.clone()),
            _ => RootError::Io(shown.clone(), e),
        })?;
        if !meta.is_dir() {
            return Err(RootError::NotADirectory(shown));
        }
        let mounts = Arc::new(Mounts::read(Some(&base), cross_mounts));
        Ok(Root {
            base,
            live: false,
            mounts,
            memo: Arc::default(),
        })
    }

    /// The slow mount holding `path` (host path taken lexically), if any.
    fn slow_mount(&self, path: &Path) -> Option<PathBuf> {
        if self.mounts.slow.is_empty() {
            return None;
        }
        let mut host = self.base.clone();
        host.extend(components_reversed(path).iter().rev());
        self.slow_holding(&host)
    }

    /// `path` (links followed) lies on a file system that can hang (NFS, CIFS, FUSE, ...), or
    /// could not be resolved to tell: long reads from it need a deadline of their own.
    pub fn may_hang(&self, path: &Path) -> bool {
        if self.mounts.slow.is_empty() {
            return false;
        }
        match self.resolve(path) {
            Ok(host) => self.slow_holding(&host).is_some(),
            Err(_) => true,
        }
    }

    /// The slow mount holding the host path `host`, if any.
    fn slow_holding(&self, host: &Path) -> Option<PathBuf> {
        self.mounts
            .slow
            .iter()
            .find(|m| host.starts_with(m))
            .cloned()
    }

    /// Runs `op` directly, or under the deadline when `path` is on a file system that can hang
    /// (as written, or once its links lead there).
    fn guarded<T, F>(&self, path: &Path, op: F) -> Result<T, ReadError>
    where
        T: Send + 'static,
        F: FnOnce(&Root, &Path) -> Result<T, ReadError> + Send + 'static + Clone,
    {
        if ON_DEADLINE_THREAD.get() {
            return op(self, path);
        }
        let mount = match self.slow_mount(path) {
            Some(m) => m,
            None => match op.clone()(self, path) {
                Err(ReadError {
                    kind: ReadErrorKind::NeedsDeadline(m),
                    ..
                }) => m,
                other => return other,
            },
        };
        let no_answer = |path: &Path, mount: PathBuf| {
            ReadError::new(path, ReadErrorKind::NoAnswer(mount, MOUNT_DEADLINE))
        };
        if self
            .mounts
            .dead
            .lock()
            .map(|d| d.contains(&mount))
            .unwrap_or(false)
        {
            return Err(no_answer(path, mount));
        }
        let root = self.clone();
        let owned = path.to_path_buf();
        let on_thread = move || {
            ON_DEADLINE_THREAD.set(true);
            op(&root, &owned)
        };
        match deadline::within(MOUNT_DEADLINE, on_thread) {
            Ok(r) => r,
            Err(_) => {
                if let Ok(mut d) = self.mounts.dead.lock() {
                    d.insert(mount.clone());
                }
                Err(no_answer(path, mount))
            }
        }
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Notes that a call on the host path `host` did not come back (the ASCII walk saw it):
    /// the file system that can hang holding it is not asked again.
    pub fn note_no_answer(&self, host: &Path) {
        if let Some(m) = self.slow_holding(host)
            && let Ok(mut d) = self.mounts.dead.lock()
        {
            d.insert(m);
        }
    }

    /// The mounts that stopped answering during this run.
    fn dead_mounts(&self) -> std::collections::BTreeSet<PathBuf> {
        self.mounts
            .dead
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default()
    }

    /// Host paths of the mounts beneath an image root that reads do not enter (kernel file
    /// systems always, the others without `--cross-mounts`, and those that did not answer):
    /// a directory walk must not open them either. Empty when live.
    pub fn mounts_not_entered(&self) -> Vec<PathBuf> {
        let dead = self.dead_mounts();
        self.mounts
            .beneath
            .iter()
            .filter(|(at, fstype)| {
                !self.mounts.cross || kernel_fs(fstype).is_some() || dead.contains(*at)
            })
            .map(|(at, _)| at.clone())
            .collect()
    }

    /// The file systems beneath an image root that this run did not read, outermost only (one
    /// inside a skipped one is not listed again), sorted by path; the root's own mount when it
    /// stopped answering. Empty when live. Call it when the checks are done: mounts that did
    /// not answer are known only then.
    pub fn skipped_mounts(&self) -> Vec<SkippedMount> {
        if self.live {
            return Vec::new();
        }
        let dead = self.dead_mounts();
        let mut hosts: Vec<&Path> = Vec::new();
        let mut out = Vec::new();
        let shown = |host: &Path| {
            let inside = host.strip_prefix(&self.base).unwrap_or(Path::new(""));
            escape_bytes(Path::new("/").join(inside).as_os_str().as_bytes())
        };
        if let Some(m) = dead.iter().find(|m| self.base.starts_with(m)) {
            let fstype = self.mounts.slow_types.get(m).cloned().unwrap_or_default();
            out.push(SkippedMount {
                path: "/".into(),
                fstype: escape_bytes(&fstype),
                reason: SkipReason::NoAnswer,
            });
            return out;
        }
        // Sorted by path, so a mount comes before the mounts inside it.
        for (at, fstype) in &self.mounts.beneath {
            let reason = if kernel_fs(fstype).is_some() {
                SkipReason::KernelFs
            } else if dead.contains(at) {
                SkipReason::NoAnswer
            } else if !self.mounts.cross {
                SkipReason::NotEntered
            } else {
                continue;
            };
            if hosts.iter().any(|h| at.starts_with(h)) {
                continue;
            }
            hosts.push(at);
            out.push(SkippedMount {
                path: shown(at),
                fstype: escape_bytes(fstype),
                reason,
            });
        }
        out
    }

    /// Where the root sits on the host (for the report's `root` field).
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The host path of `path` (absolute inside the target) after following every symbolic
    /// link inside the root, the last one included.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.guarded(path, |r, p| r.resolve_inner(p, true))
    }

    /// Like [`Root::resolve`] but leaves a final symbolic link unfollowed.
    pub fn resolve_parent(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.guarded(path, |r, p| r.resolve_inner(p, false))
    }

    fn resolve_inner(&self, path: &Path, follow_last: bool) -> Result<PathBuf, ReadError> {
        self.resolve_seen(path, follow_last).map(|(host, _)| host)
    }

    /// The host path of `path` with its metadata (links followed when `follow`), or the error
    /// of looking for it (`NotFound` when only the last component is missing).
    fn resolve_stat(
        &self,
        path: &Path,
        follow: bool,
    ) -> Result<(PathBuf, io::Result<fs::Metadata>), ReadError> {
        let (host, seen) = self.resolve_seen(path, follow)?;
        let meta = match seen {
            Some(m) => m,
            None if follow => fs::metadata(&host),
            None => fs::symlink_metadata(&host),
        };
        Ok((host, meta))
    }

    /// [`Root::resolve_inner`], with what the walk's own `lstat` of the last component said:
    /// that is the file's metadata (its target was followed when `follow_last`), so the
    /// caller need not look again. `None` when the walk did not look (a live root, the root
    /// itself, a final `..`).
    fn resolve_seen(
        &self,
        path: &Path,
        follow_last: bool,
    ) -> Result<(PathBuf, Option<io::Result<fs::Metadata>>), ReadError> {
        if self.live {
            // The kernel resolves against the real root already.
            return Ok((Path::new("/").join(path), None));
        }
        // The directory holding the last component, as written: a reader going through a wide
        // directory asks for it once per entry, and after the first it is not walked again.
        let parent = path.file_name().and(path.parent()).map(Path::as_os_str);
        // Components still to walk, last one first, so that link targets can be pushed on.
        let mut pending: Vec<OsString>;
        // The base, then `depth` components each a real directory inside the image (or, last,
        // the name being resolved).
        let mut host: PathBuf;
        let mut depth: usize;
        let known = parent.and_then(|p| self.memo.dir(p));
        let mut learn = parent.filter(|_| known.is_none());
        if let Some(dir) = known {
            // The mount rules were applied on the way there; a file system that can hang is
            // still entered only under the deadline.
            if !ON_DEADLINE_THREAD.get()
                && let Some(m) = self.slow_holding(&dir.host)
            {
                return Err(ReadError::new(path, ReadErrorKind::NeedsDeadline(m)));
            }
            pending = path
                .file_name()
                .map(OsStr::to_os_string)
                .into_iter()
                .collect();
            host = dir.host.clone();
            depth = dir.depth;
        } else {
            pending = components_reversed(path);
            host = self.base.clone();
            depth = 0;
        }
        let mut hops = 0u32;
        let mut seen = None;
        while let Some(comp) = pending.pop() {
            seen = None;
            // Only the path's own last component is left: `host` is where its directory is.
            if pending.is_empty()
                && let Some(dir) = learn.take()
            {
                self.memo.learn_dir(dir, &host, depth);
            }
            if comp == ".." {
                // Never climbs above the root.
                if depth > 0 {
                    host.pop();
                    depth -= 1;
                }
                continue;
            }
            host.push(&comp);
            let is_last = pending.is_empty();
            // Decided from the mount table, before the stat that a hung mount would not answer.
            if let Some(fstype) = self.mounts.beneath.get(&host) {
                if let Some(name) = kernel_fs(fstype) {
                    return Err(ReadError::new(path, ReadErrorKind::KernelFs(host, name)));
                }
                if !self.mounts.cross {
                    return Err(ReadError::new(path, ReadErrorKind::OtherMount(host)));
                }
            }
            if !ON_DEADLINE_THREAD.get()
                && let Some(m) = self.slow_holding(&host)
            {
                return Err(ReadError::new(path, ReadErrorKind::NeedsDeadline(m)));
            }
            match fs::symlink_metadata(&host) {
                Ok(meta) if meta.file_type().is_symlink() && (!is_last || follow_last) => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(ReadError::new(path, ReadErrorKind::LinkLoop));
                    }
                    let target = fs::read_link(&host).map_err(|e| ReadError::from_io(path, e))?;
                    host.pop();
                    if target.is_absolute() {
                        host.clone_from(&self.base);
                        depth = 0;
                    }
                    pending.extend(components_reversed(&target));
                }
                Ok(meta) if !is_last && !meta.is_dir() => {
                    return Err(ReadError::new(path, ReadErrorKind::NotFound));
                }
                Ok(meta) => {
                    depth += 1;
                    seen = Some(Ok(meta));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound && is_last => {
                    depth += 1;
                    seen = Some(Err(e));
                }
                Err(e) => return Err(ReadError::from_io(path, e)),
            }
        }
        Ok((host, seen))
    }

    /// The kind of what `path` names, following links; `None` when nothing is there.
    pub fn kind(&self, path: &Path) -> Result<Option<FileKind>, ReadError> {
        self.guarded(path, |r, p| r.kind_now(p))
    }

    fn kind_now(&self, path: &Path) -> Result<Option<FileKind>, ReadError> {
        let (_, meta) = self.resolve_stat(path, true)?;
        match meta {
            Ok(m) => Ok(Some(FileKind::from_type(m.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReadError::from_io(path, e)),
        }
    }

    /// The kind of `path` itself, not following a final symbolic link.
    pub fn kind_nofollow(&self, path: &Path) -> Result<Option<FileKind>, ReadError> {
        self.guarded(path, |r, p| r.kind_nofollow_now(p))
    }

    fn kind_nofollow_now(&self, path: &Path) -> Result<Option<FileKind>, ReadError> {
        let (_, meta) = self.resolve_stat(path, false)?;
        match meta {
            Ok(m) => Ok(Some(FileKind::from_type(m.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReadError::from_io(path, e)),
        }
    }

    /// Whether `path` (links followed) is a regular file with an execute bit set, as init
    /// systems require of the scripts they run; `Ok(false)` when nothing is there.
    pub fn is_executable_file(&self, path: &Path) -> Result<bool, ReadError> {
        self.guarded(path, |r, p| r.is_executable_file_now(p))
    }

    fn is_executable_file_now(&self, path: &Path) -> Result<bool, ReadError> {
        use std::os::unix::fs::PermissionsExt;
        let (_, meta) = self.resolve_stat(path, true)?;
        match meta {
            Ok(m) => Ok(m.is_file() && m.permissions().mode() & 0o111 != 0),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(ReadError::from_io(path, e)),
        }
    }

    /// Whether a regular file, directory or anything else exists at `path` (links followed).
    pub fn exists(&self, path: &Path) -> bool {
        matches!(self.kind(path), Ok(Some(_)))
    }

    /// The target of the symbolic link at `path`, as written in the link.
    pub fn read_link(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.guarded(path, |r, p| {
            let host = r.resolve_inner(p, false)?;
            fs::read_link(&host).map_err(|e| ReadError::from_io(p, e))
        })
    }

    /// The whole content of a regular file, at most [`MAX_FILE_BYTES`].
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        self.read_bytes_capped(path, MAX_FILE_BYTES)
    }

    /// The content of a regular file, failing when it is larger than `cap` bytes.
    pub fn read_bytes_capped(&self, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
        let buf = self.read_up_to(path, cap + 1)?;
        if buf.len() as u64 > cap {
            return Err(ReadError::new(path, ReadErrorKind::TooLarge(cap)));
        }
        Ok(buf)
    }

    /// The first `limit` bytes of a regular file (all of it when shorter).
    pub fn read_prefix(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        self.read_up_to(path, limit)
    }

    fn read_up_to(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        // Several facts read the same configuration files (ifcfg files: the NICs, teaming,
        // routes, firewall zones); an image's small files are read from it once a run.
        if !self.live
            && let Some(kept) = self.memo.file(path.as_os_str())
        {
            let n = kept.len().min(usize::try_from(limit).unwrap_or(usize::MAX));
            return Ok(kept[..n].to_vec());
        }
        let buf = self.guarded(path, move |r, p| r.read_up_to_now(p, limit))?;
        // Shorter than the limit: the read reached the end, this is the whole file.
        if !self.live && (buf.len() as u64) < limit {
            self.memo.keep_file(path.as_os_str(), &buf);
        }
        Ok(buf)
    }

    fn read_up_to_now(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        let (file, len) = self.open_file_now(path)?;
        let mut buf = Vec::with_capacity(len.min(limit) as usize);
        // /proc and /sys files report size 0, so the limit is enforced on what is read.
        file.take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| ReadError::from_io(path, e))?;
        Ok(buf)
    }

    /// A regular file opened for streaming (initramfs images are too large to read whole),
    /// with its size. Anything but a regular file is refused before and after opening.
    pub fn open_file(&self, path: &Path) -> Result<(fs::File, u64), ReadError> {
        self.guarded(path, |r, p| r.open_file_now(p))
    }

    fn open_file_now(&self, path: &Path) -> Result<(fs::File, u64), ReadError> {
        let (host, meta) = self.resolve_stat(path, true)?;
        let meta = meta.map_err(|e| ReadError::from_io(path, e))?;
        let kind = FileKind::from_type(meta.file_type());
        if kind != FileKind::File {
            return Err(ReadError::new(path, ReadErrorKind::WrongKind(kind)));
        }
        // O_NONBLOCK: should the file have been swapped for a FIFO since the check, the open
        // still returns at once.
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
            .open(&host)
            .map_err(|e| ReadError::from_io(path, e))?;
        let opened_kind = file
            .metadata()
            .map(|m| FileKind::from_type(m.file_type()))
            .map_err(|e| ReadError::from_io(path, e))?;
        if opened_kind != FileKind::File {
            return Err(ReadError::new(path, ReadErrorKind::WrongKind(opened_kind)));
        }
        Ok((file, meta.len()))
    }

    /// Kind, permission bits, owner and modification time of `path` (links followed), as a
    /// program that checks its files' modes sees them; `None` when nothing is there.
    pub fn stat(&self, path: &Path) -> Result<Option<Stat>, ReadError> {
        self.stat_inner(path, true)
    }

    /// `stat` of the link itself when `path` is a symbolic link (its owner, not its target's).
    pub fn stat_nofollow(&self, path: &Path) -> Result<Option<Stat>, ReadError> {
        self.stat_inner(path, false)
    }

    fn stat_inner(&self, path: &Path, follow: bool) -> Result<Option<Stat>, ReadError> {
        self.guarded(path, move |r, p| {
            use std::os::unix::fs::MetadataExt;
            let (_, meta) = r.resolve_stat(p, follow)?;
            match meta {
                Ok(m) => Ok(Some(Stat {
                    kind: FileKind::from_type(m.file_type()),
                    mode: m.mode() & 0o7777,
                    uid: m.uid(),
                    mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
                })),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(ReadError::from_io(p, e)),
            }
        })
    }

    /// The size of the regular file at `path` (links followed); `None` when nothing is there.
    pub fn file_size(&self, path: &Path) -> Result<Option<u64>, ReadError> {
        self.guarded(path, |r, p| r.file_size_now(p))
    }

    fn file_size_now(&self, path: &Path) -> Result<Option<u64>, ReadError> {
        let (_, meta) = self.resolve_stat(path, true)?;
        match meta {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(m) => Err(ReadError::new(
                path,
                ReadErrorKind::WrongKind(FileKind::from_type(m.file_type())),
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReadError::from_io(path, e)),
        }
    }

    /// A text file; invalid UTF-8 sequences become U+FFFD (still non-ASCII, so never hidden).
    pub fn read_text(&self, path: &Path) -> Result<String, ReadError> {
        let bytes = self.read_bytes(path)?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// A text file that may legitimately be absent: `Ok(None)` when it is not there.
    pub fn read_optional(&self, path: &Path) -> Result<Option<String>, ReadError> {
        match self.read_text(path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A file's bytes when it is there: `Ok(None)` when it is not.
    pub fn read_optional_bytes(&self, path: &Path) -> Result<Option<Vec<u8>>, ReadError> {
        match self.read_bytes(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The entries of a directory, sorted by name, without `.` and `..`.
    pub fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, ReadError> {
        self.guarded(path, |r, p| r.read_dir_now(p))
    }

    fn read_dir_now(&self, path: &Path) -> Result<Vec<DirEntry>, ReadError> {
        let host = self.resolve_inner(path, true)?;
        let iter = fs::read_dir(&host).map_err(|e| ReadError::from_io(path, e))?;
        let mut out = Vec::new();
        for entry in iter {
            let entry = entry.map_err(|e| ReadError::from_io(path, e))?;
            let kind = entry
                .file_type()
                .map(FileKind::from_type)
                .unwrap_or(FileKind::Unknown);
            out.push(DirEntry {
                name: entry.file_name(),
                kind,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Like [`Root::read_dir`], with a missing directory read as empty.
    pub fn read_dir_optional(&self, path: &Path) -> Result<Vec<DirEntry>, ReadError> {
        match self.read_dir(path) {
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            other => other,
        }
    }
}

thread_local! {
    /// Set on the threads [`Root::guarded`] runs calls on: there a slow mount is entered.
    static ON_DEADLINE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The name of a kernel file system type describing the running host, if it is one.
fn kernel_fs(fstype: &[u8]) -> Option<&'static str> {
    KERNEL_FS
        .iter()
        .find(|(t, _)| *t == fstype)
        .map(|(_, name)| *name)
}

fn components_reversed(path: &Path) -> Vec<OsString> {
    let mut v: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsStr::new("..").to_os_string()),
            _ => None,
        })
        .collect();
    v.reverse();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::image(dir.path()).unwrap();
        (dir, root)
    }

    /// An absolute link inside an image resolves inside the image, never to the host's file.
    #[test]
    fn absolute_link_stays_inside_image() {
        let (dir, root) = tree();
        fs::create_dir_all(dir.path().join("etc")).unwrap();
        fs::create_dir_all(dir.path().join("usr/lib")).unwrap();
        fs::write(dir.path().join("usr/lib/os-release"), "ID=image\n").unwrap();
        symlink("/usr/lib/os-release", dir.path().join("etc/os-release")).unwrap();
        assert_eq!(
            root.read_text(Path::new("/etc/os-release")).unwrap(),
            "ID=image\n"
        );
    }

    /// `..` chains and links pointing above the root are clamped at the root.
    #[test]
    fn dotdot_never_escapes() {
        let (dir, root) = tree();
        fs::create_dir_all(dir.path().join("etc")).unwrap();
        fs::write(dir.path().join("passwd"), "inside\n").unwrap();
        symlink("../../../../../passwd", dir.path().join("etc/link")).unwrap();
        assert_eq!(root.read_text(Path::new("/etc/link")).unwrap(), "inside\n");
        assert!(root.read_text(Path::new("/../../etc/passwd")).is_err());
    }

    /// A loop of links is an error, not a hang.
    #[test]
    fn link_loop_is_an_error() {
        let (dir, root) = tree();
        symlink("/b", dir.path().join("a")).unwrap();
        symlink("/a", dir.path().join("b")).unwrap();
        let err = root.read_text(Path::new("/a")).unwrap_err();
        assert!(matches!(err.kind, ReadErrorKind::LinkLoop), "{err}");
    }

    /// A FIFO is refused before it is opened, so the read cannot block.
    #[test]
    fn fifo_is_refused_without_blocking() {
        let (dir, root) = tree();
        nix::unistd::mkfifo(&dir.path().join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        let err = root.read_text(Path::new("/fifo")).unwrap_err();
        assert!(matches!(err.kind, ReadErrorKind::WrongKind(FileKind::Fifo)));
    }

    /// Files above the cap are refused with an error that names the cap.
    #[test]
    fn cap_is_enforced() {
        let (dir, root) = tree();
        fs::write(dir.path().join("big"), vec![b'x'; 100]).unwrap();
        let err = root.read_bytes_capped(Path::new("/big"), 10).unwrap_err();
        assert!(err.to_string().contains("10-byte limit"));
        assert_eq!(
            root.read_bytes_capped(Path::new("/big"), 100)
                .unwrap()
                .len(),
            100
        );
    }

    /// Directories remembered from earlier walks change nothing: a link met later on the way
    /// is still followed inside the image, `..` still stops at the root, and a name that is a
    /// link is never taken for a remembered directory.
    #[test]
    fn remembered_directories_resolve_as_before() {
        let (dir, root) = tree();
        let d = dir.path();
        fs::create_dir_all(d.join("etc/sysconfig/net")).unwrap();
        fs::write(d.join("etc/sysconfig/net/ifcfg-a"), "a\n").unwrap();
        fs::write(d.join("passwd"), "inside\n").unwrap();
        symlink("/etc/sysconfig", d.join("etc/alias")).unwrap();
        symlink("../../../../../../passwd", d.join("etc/sysconfig/net/up")).unwrap();
        for _ in 0..2 {
            for (path, want) in [
                ("/etc/sysconfig/net/ifcfg-a", "a\n"),
                ("/etc/alias/net/ifcfg-a", "a\n"),
                ("/etc/alias/net/up", "inside\n"),
                ("/etc/sysconfig/net/../net/ifcfg-a", "a\n"),
                ("/etc/sysconfig/net/../../../../passwd", "inside\n"),
            ] {
                assert_eq!(root.read_text(Path::new(path)).unwrap(), want, "{path}");
            }
            assert_eq!(
                root.kind_nofollow(Path::new("/etc/alias")).unwrap(),
                Some(FileKind::Symlink)
            );
            assert_eq!(
                root.resolve(Path::new("/etc/alias/net")).unwrap(),
                d.canonicalize().unwrap().join("etc/sysconfig/net")
            );
        }
        // A remembered directory replaced by a file is no longer walked through.
        fs::remove_dir_all(d.join("etc/sysconfig/net")).unwrap();
        fs::write(d.join("etc/sysconfig/net"), "").unwrap();
        assert_eq!(
            root.kind(Path::new("/etc/sysconfig/net")).unwrap(),
            Some(FileKind::File)
        );
        assert!(
            root.kind(Path::new("/etc/sysconfig/net/ifcfg-b"))
                .is_err_and(|e| e.is_not_found())
        );
    }

    /// An image's small file is read from it once a run: a second reader gets the same bytes
    /// (here, though the file changed between), a shorter prefix when it asks for one.
    #[test]
    fn image_files_are_read_once_a_run() {
        let (dir, root) = tree();
        fs::write(dir.path().join("hostname"), "first\n").unwrap();
        assert_eq!(root.read_text(Path::new("/hostname")).unwrap(), "first\n");
        fs::write(dir.path().join("hostname"), "second\n").unwrap();
        assert_eq!(root.read_text(Path::new("/hostname")).unwrap(), "first\n");
        assert_eq!(root.read_prefix(Path::new("/hostname"), 3).unwrap(), b"fir");
        assert!(root.read_bytes_capped(Path::new("/hostname"), 3).is_err());
        // A fresh run sees the file as it is now.
        let again = Root::image(dir.path()).unwrap();
        assert_eq!(again.read_text(Path::new("/hostname")).unwrap(), "second\n");
    }

    /// The live system's files change while a run reads them: each read goes to the file.
    #[test]
    fn live_files_are_read_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("counter");
        let live = Root::live();
        fs::write(&file, "1\n").unwrap();
        assert_eq!(live.read_text(&file).unwrap(), "1\n");
        fs::write(&file, "2\n").unwrap();
        assert_eq!(live.read_text(&file).unwrap(), "2\n");
    }

    /// A missing --root directory or a file given as root is a usage-level error.
    #[test]
    fn bad_roots_are_rejected() {
        let (dir, _) = tree();
        assert!(matches!(
            Root::image(&dir.path().join("nope")),
            Err(RootError::Missing(_))
        ));
        fs::write(dir.path().join("file"), "").unwrap();
        assert!(matches!(
            Root::image(&dir.path().join("file")),
            Err(RootError::NotADirectory(_))
        ));
    }
}
