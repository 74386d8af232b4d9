//! GRUB configuration files read and parsed once per run. Three facts read them (the boot
//! arguments, the default kernel, the GRUB checks' view); a grub.cfg of hundreds of thousands
//! of lines would otherwise be read and parsed once for each.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use super::FactError;
use crate::parse::grub::{self, GrubConfig, GrubError};
use crate::root::Root;

/// How a file is parsed: GRUB legacy (`grub.conf`, `menu.lst`) or GRUB 2 (`grub.cfg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    Legacy,
    Grub2,
}

/// One file as read and parsed.
#[derive(Debug)]
pub struct GrubText {
    pub text: String,
    /// The parse, or why it failed (the line).
    pub config: Result<GrubConfig, GrubError>,
}

/// What reading a path gave: its parse, nothing (absent), or why it could not be read.
pub type Read = Result<Option<Rc<GrubText>>, FactError>;

/// The run's cache of GRUB files, by path and flavor.
#[derive(Debug, Default)]
pub struct GrubFiles {
    cache: RefCell<HashMap<(String, Flavor), Read>>,
    parses: Cell<usize>,
}

impl GrubFiles {
    /// `path` read from `root` and parsed as `flavor`, the first time; the same answer after.
    pub fn get(&self, root: &Root, path: &str, flavor: Flavor) -> Read {
        let key = (path.to_string(), flavor);
        if let Some(r) = self.cache.borrow().get(&key) {
            return r.clone();
        }
        let r = match root.read_optional(Path::new(path)) {
            Ok(Some(text)) => {
                self.parses.set(self.parses.get() + 1);
                let config = match flavor {
                    Flavor::Legacy => Ok(grub::parse_legacy(&text)),
                    Flavor::Grub2 => grub::parse_grub2(&text),
                };
                Ok(Some(Rc::new(GrubText { text, config })))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e.into()),
        };
        self.cache.borrow_mut().insert(key, r.clone());
        r
    }

    /// How many files were parsed (tests: each once).
    pub fn parses(&self) -> usize {
        self.parses.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file is read and parsed once, however often it is asked for; absence and errors are
    /// remembered too.
    #[test]
    fn parsed_once() {
        let (_d, root) = crate::testutil::image(&[(
            "/boot/grub2/grub.cfg",
            "menuentry 'a' {\n linux /vmlinuz-1 root=UUID=x\n}\n",
        )]);
        let g = GrubFiles::default();
        for _ in 0..3 {
            let r = g.get(&root, "/boot/grub2/grub.cfg", Flavor::Grub2).unwrap();
            assert_eq!(r.unwrap().config.as_ref().unwrap().entries.len(), 1);
            assert!(
                g.get(&root, "/boot/grub/grub.conf", Flavor::Legacy)
                    .unwrap()
                    .is_none()
            );
        }
        assert_eq!(g.parses(), 1);
    }

    /// The boot arguments, the default kernel and the GRUB checks' view all read grub.cfg:
    /// it is parsed once for the three (it was parsed by each).
    #[test]
    fn one_parse_for_every_fact() {
        let (_d, root) = crate::testutil::image(&[
            ("/etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"7.9\"\n"),
            (
                "/boot/grub2/grub.cfg",
                "menuentry 'x' {\n linux /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/sda1\n}\n",
            ),
        ]);
        let facts = crate::facts::Facts::new(crate::facts::Sources { root, probe: None });
        assert!(!facts.boot().files_read.is_empty());
        let _ = facts.kernel();
        assert!(!facts.grub_config().files.is_empty());
        assert_eq!(facts.grub_parses(), 1);
    }
}
