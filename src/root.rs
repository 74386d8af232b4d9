//! The file view of the machine being inspected: the live `/` or a root filesystem mounted at a
//! directory (`--root`). Every file the tool reads goes through [`Root`], so that inside an image an
//! absolute symbolic link resolves inside the image and never reaches the host's files.
//!
//! Resolution is done by hand, one component at a time (kernels before 5.6 have no `openat2`
//! with `RESOLVE_IN_ROOT`, and the guests we serve run 2.6.32). Reads refuse anything that is not
//! a regular file *before* opening it, so a FIFO can never block the tool, and they are capped in
//! size so that a hostile file cannot exhaust memory.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::text::escape_bytes;

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

/// Why a path could not be read.
#[derive(Debug)]
pub enum ReadErrorKind {
    NotFound,
    PermissionDenied,
    /// The path exists but is not the kind of file the caller needs.
    WrongKind(FileKind),
    TooLarge(u64),
    LinkLoop,
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

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = escape_bytes(self.path.as_os_str().as_bytes());
        match &self.kind {
            ReadErrorKind::NotFound => write!(f, "{p}: not found"),
            ReadErrorKind::PermissionDenied => write!(f, "{p}: permission denied"),
            ReadErrorKind::WrongKind(k) => {
                write!(f, "{p}: is {}, not a regular file", k.describe())
            }
            ReadErrorKind::TooLarge(limit) => {
                write!(f, "{p}: larger than the {limit}-byte limit for one file")
            }
            ReadErrorKind::LinkLoop => write!(f, "{p}: too many levels of symbolic links"),
            ReadErrorKind::Io(e) => write!(f, "{p}: {e}"),
        }
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
}

/// The inspected file system.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    live: bool,
}

impl Root {
    /// The running system's own `/`.
    pub fn live() -> Root {
        Root {
            base: PathBuf::from("/"),
            live: true,
        }
    }

    /// A root filesystem mounted at `dir`.
    pub fn image(dir: &Path) -> Result<Root, RootError> {
        let shown = escape_bytes(dir.as_os_str().as_bytes());
        let meta = fs::metadata(dir).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => RootError::Missing(shown.clone()),
            _ => RootError::Io(shown.clone(), e),
        })?;
        if !meta.is_dir() {
            return Err(RootError::NotADirectory(shown));
        }
        let base = fs::canonicalize(dir).map_err(|e| RootError::Io(shown, e))?;
        Ok(Root { base, live: false })
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Where the root sits on the host (for the report's `root` field).
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The host path of `path` (absolute inside the target) after following every symbolic
    /// link inside the root, the last one included.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.resolve_inner(path, true)
    }

    /// Like [`Root::resolve`] but leaves a final symbolic link unfollowed.
    pub fn resolve_parent(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.resolve_inner(path, false)
    }

    fn resolve_inner(&self, path: &Path, follow_last: bool) -> Result<PathBuf, ReadError> {
        if self.live {
            // The kernel resolves against the real root already.
            return Ok(Path::new("/").join(path));
        }
        // Components still to walk, last one first, so that link targets can be pushed on.
        let mut pending: Vec<OsString> = components_reversed(path);
        let mut inside: Vec<OsString> = Vec::new();
        let mut hops = 0u32;
        while let Some(comp) = pending.pop() {
            if comp == ".." {
                inside.pop(); // never climbs above the root
                continue;
            }
            let mut candidate = self.base.clone();
            candidate.extend(&inside);
            candidate.push(&comp);
            let is_last = pending.is_empty();
            match fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() && (!is_last || follow_last) => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(ReadError::new(path, ReadErrorKind::LinkLoop));
                    }
                    let target =
                        fs::read_link(&candidate).map_err(|e| ReadError::from_io(path, e))?;
                    if target.is_absolute() {
                        inside.clear();
                    }
                    pending.extend(components_reversed(&target));
                }
                Ok(meta) if !is_last && !meta.is_dir() => {
                    return Err(ReadError::new(path, ReadErrorKind::NotFound));
                }
                Ok(_) => inside.push(comp),
                Err(e) if e.kind() == io::ErrorKind::NotFound && is_last => inside.push(comp),
                Err(e) => return Err(ReadError::from_io(path, e)),
            }
        }
        let mut out = self.base.clone();
        out.extend(&inside);
        Ok(out)
    }

    /// The kind of what `path` names, following links; `None` when nothing is there.
    pub fn kind(&self, path: &Path) -> Result<Option<FileKind>, ReadError> {
        let host = self.resolve(path)?;
        match fs::metadata(&host) {
            Ok(m) => Ok(Some(FileKind::from_type(m.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReadError::from_io(path, e)),
        }
    }

    /// The kind of `path` itself, not following a final symbolic link.
    pub fn kind_nofollow(&self, path: &Path) -> Result<Option<FileKind>, ReadError> {
        let host = self.resolve_parent(path)?;
        match fs::symlink_metadata(&host) {
            Ok(m) => Ok(Some(FileKind::from_type(m.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReadError::from_io(path, e)),
        }
    }

    /// Whether `path` (links followed) is a regular file with an execute bit set, as init
    /// systems require of the scripts they run; `Ok(false)` when nothing is there.
    pub fn is_executable_file(&self, path: &Path) -> Result<bool, ReadError> {
        use std::os::unix::fs::PermissionsExt;
        let host = self.resolve(path)?;
        match fs::metadata(&host) {
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
        let host = self.resolve_parent(path)?;
        fs::read_link(&host).map_err(|e| ReadError::from_io(path, e))
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
        let host = self.resolve(path)?;
        let meta = fs::metadata(&host).map_err(|e| ReadError::from_io(path, e))?;
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
        let mut buf = Vec::with_capacity(meta.len().min(limit) as usize);
        // /proc and /sys files report size 0, so the limit is enforced on what is read.
        file.take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| ReadError::from_io(path, e))?;
        Ok(buf)
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
        let host = self.resolve(path)?;
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
