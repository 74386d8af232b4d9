//! Why a fact could not be read, typed: the kind (absent, permission, too large, not a regular
//! file, unparsable, other), the path inside the inspected system and the reason. Facts carry
//! these instead of strings, and a check returns one (`?`) when it cannot judge without the fact;
//! [`crate::checks::outcome`] turns it into an `error` status in one place.

use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::probe::ProbeError;
use crate::root::{ReadError, ReadErrorKind};
use crate::text::escape_bytes;

/// What kind of failure it was, as far as a reader can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactErrorKind {
    NotFound,
    /// Reading needs more rights: the tool should run as root.
    PermissionDenied,
    TooLarge,
    /// The path is a directory, FIFO, device... where a regular file was needed.
    NotRegularFile,
    /// The file was read but its content is not what its format allows (at this line).
    Unparsable {
        line: Option<usize>,
    },
    Other,
}

/// A fact that could not be read (or read whole), with the path and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactError {
    pub kind: FactErrorKind,
    /// The path inside the inspected system, when the failure is about one file.
    pub path: Option<PathBuf>,
    pub reason: String,
}

impl FactError {
    /// A failure of `path` with the I/O error's kind.
    pub fn io(path: &Path, e: &io::Error) -> FactError {
        let kind = match e.kind() {
            io::ErrorKind::NotFound => FactErrorKind::NotFound,
            io::ErrorKind::PermissionDenied => FactErrorKind::PermissionDenied,
            _ => FactErrorKind::Other,
        };
        FactError {
            kind,
            path: Some(path.to_path_buf()),
            reason: e.to_string(),
        }
    }

    /// `path` was read, but its content does not parse (at `line`, when known).
    pub fn unparsable(
        path: impl AsRef<Path>,
        line: Option<usize>,
        reason: impl fmt::Display,
    ) -> Self {
        FactError {
            kind: FactErrorKind::Unparsable { line },
            path: Some(path.as_ref().to_path_buf()),
            reason: reason.to_string(),
        }
    }

    /// A failure about `path` that has no more specific kind.
    pub fn at(path: impl AsRef<Path>, reason: impl fmt::Display) -> FactError {
        FactError {
            kind: FactErrorKind::Other,
            path: Some(path.as_ref().to_path_buf()),
            reason: reason.to_string(),
        }
    }

    /// A failure not about one file (a program's output, a system call).
    pub fn other(reason: impl fmt::Display) -> FactError {
        FactError {
            kind: FactErrorKind::Other,
            path: None,
            reason: reason.to_string(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == FactErrorKind::NotFound
    }

    /// What the administrator can do about it, when the kind says.
    pub fn hint(&self) -> Option<&'static str> {
        match self.kind {
            FactErrorKind::PermissionDenied => Some("run asr-preflight as root"),
            _ => None,
        }
    }
}

impl From<ReadError> for FactError {
    fn from(e: ReadError) -> FactError {
        FactError::from(&e)
    }
}

impl From<&ReadError> for FactError {
    fn from(e: &ReadError) -> FactError {
        let kind = match &e.kind {
            ReadErrorKind::NotFound => FactErrorKind::NotFound,
            ReadErrorKind::PermissionDenied => FactErrorKind::PermissionDenied,
            ReadErrorKind::WrongKind(_) => FactErrorKind::NotRegularFile,
            ReadErrorKind::TooLarge(_) => FactErrorKind::TooLarge,
            ReadErrorKind::Io(io) if io.kind() == io::ErrorKind::PermissionDenied => {
                FactErrorKind::PermissionDenied
            }
            _ => FactErrorKind::Other,
        };
        FactError {
            kind,
            path: Some(e.path.clone()),
            reason: e.reason(),
        }
    }
}

impl From<ProbeError> for FactError {
    fn from(e: ProbeError) -> FactError {
        FactError::other(e)
    }
}

impl fmt::Display for FactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(
                f,
                "{}: {}",
                escape_bytes(p.as_os_str().as_bytes()),
                self.reason
            ),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for FactError {}

/// Lets a finding list errors as detail lines (`.details(fact.errors.clone())`).
impl From<FactError> for String {
    fn from(e: FactError) -> String {
        e.to_string()
    }
}

impl From<&FactError> for String {
    fn from(e: &FactError) -> String {
        e.to_string()
    }
}

/// A fact that may have been read only in part.
pub trait Partial {
    fn errors(&self) -> &[FactError];

    /// The fact when it was read whole, else its first error: `fact.ok_or_error()?` in a
    /// check that cannot judge on a partial read.
    fn ok_or_error(&self) -> Result<&Self, FactError> {
        match self.errors().first() {
            Some(e) => Err(e.clone()),
            None => Ok(self),
        }
    }
}

/// Implements [`Partial`] for facts whose `errors` field holds their failed reads.
macro_rules! partial_facts {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::facts::error::Partial for $t {
            fn errors(&self) -> &[$crate::facts::error::FactError] {
                &self.errors
            }
        })*
    };
}
pub(crate) use partial_facts;

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind survives the conversion from the Root's errors and from io::Error, and the
    /// text is the path and the reason as the Root's own message says it.
    #[test]
    fn kinds_and_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        let root = crate::root::Root::image(dir.path()).unwrap();
        let e = root.read_text(Path::new("/etc/missing")).unwrap_err();
        let text = e.to_string();
        let f = FactError::from(e);
        assert_eq!(f.kind, FactErrorKind::NotFound);
        assert_eq!(f.to_string(), text);
        assert_eq!(f.to_string(), "/etc/missing: not found");

        let e = root.read_text(Path::new("/etc")).unwrap_err();
        assert_eq!(FactError::from(e).kind, FactErrorKind::NotRegularFile);

        let io = io::Error::from(io::ErrorKind::PermissionDenied);
        let f = FactError::io(Path::new("/etc/shadow"), &io);
        assert_eq!(f.kind, FactErrorKind::PermissionDenied);
        assert_eq!(f.hint(), Some("run asr-preflight as root"));

        let f = FactError::unparsable("/etc/fstab", Some(3), "bad line");
        assert_eq!(f.kind, FactErrorKind::Unparsable { line: Some(3) });
        assert_eq!(f.to_string(), "/etc/fstab: bad line");
        assert_eq!(FactError::other("uname failed").to_string(), "uname failed");
    }
}
