//! Compiled locales: which `C.*` locales (`C.UTF-8`, `C.utf8`) the machine has under
//! `/usr/lib/locale`, and whether it has a locale archive. The plain `C` and `POSIX` locales are
//! built into glibc and need no file.

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocaleFacts {
    /// Directories `/usr/lib/locale/C.*`.
    pub c_locales: Vec<String>,
    /// `/usr/lib/locale/locale-archive` exists.
    pub archive: bool,
    pub errors: Vec<FactError>,
}

pub fn gather(root: &Root) -> LocaleFacts {
    let mut facts = LocaleFacts::default();
    match root.read_dir_optional(Path::new("/usr/lib/locale")) {
        Ok(entries) => {
            for e in entries {
                let name = e.name.as_bytes();
                if name.len() > 2
                    && name[..2].eq_ignore_ascii_case(b"c.")
                    && e.kind == FileKind::Dir
                {
                    facts.c_locales.push(escape_bytes(name));
                }
                if name == b"locale-archive" {
                    facts.archive = true;
                }
            }
        }
        Err(e) => facts.errors.push(e.into()),
    }
    facts
}
