//! Which programs the machine has, found the way the agent's installer finds them (`which`
//! with root's PATH): a regular file in one of the standard directories, links followed inside
//! the root. Only the programs the checks ask about are looked for.

use crate::facts::FactError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::root::{FileKind, Root};

/// root's PATH on the distributions the agent supports, in order.
pub const PATH_DIRS: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The programs the checks need to know about.
pub const WANTED: &[&str] = &[
    "locale",
    "vgdisplay",
    "dhclient",
    "dhcpcd",
    "systemctl",
    "initctl",
    "runlevel",
    "mokutil",
    "vmtoolsd",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramFacts {
    /// Each wanted name and where it was found.
    pub found: BTreeMap<&'static str, Option<PathBuf>>,
    pub errors: Vec<FactError>,
}

impl ProgramFacts {
    /// Where `name` is, if it is one of [`WANTED`] and was found.
    pub fn path(&self, name: &str) -> Option<&Path> {
        self.found.get(name).and_then(|p| p.as_deref())
    }

    /// Where `name` is; when it was not found while a directory of the PATH could not be
    /// looked at, the first such error (the program may be there): absence is then not known.
    pub fn find(&self, name: &str) -> Result<Option<&Path>, FactError> {
        match (self.path(name), self.errors.first()) {
            (None, Some(e)) => Err(e.clone()),
            (p, _) => Ok(p),
        }
    }
}

pub fn gather(root: &Root) -> ProgramFacts {
    let mut facts = ProgramFacts::default();
    for name in WANTED {
        let mut hit = None;
        for dir in PATH_DIRS {
            let p = Path::new(dir).join(name);
            match root.kind(&p) {
                Ok(Some(FileKind::File)) => {
                    hit = Some(p);
                    break;
                }
                Ok(_) => {}
                // Absent (a PATH directory that does not exist) is an answer, not a failure.
                Err(e) if e.is_not_found() => {}
                Err(e) => facts.errors.push(e.into()),
            }
        }
        facts.found.insert(name, hit);
    }
    facts
}

/// Whether a regular file exists at an absolute path (links followed inside the root).
pub fn is_file(root: &Root, path: &Path) -> bool {
    matches!(root.kind(path), Ok(Some(FileKind::File)))
}
