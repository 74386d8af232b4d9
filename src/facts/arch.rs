//! The target's machine architecture: live from uname; in an image from the ELF header of its
//! own `/bin/sh` (the host's architecture says nothing about an image).

use std::path::Path;

use crate::probe::Probe;
use crate::root::Root;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchFacts {
    /// `x86_64`, `i686`, `aarch64`, ...
    pub arch: Option<String>,
    pub source: String,
    pub error: Option<String>,
}

/// Binaries every Linux root has, in the order tried.
const PROBE_BINARIES: &[&str] = &["/bin/sh", "/usr/bin/env", "/sbin/init", "/bin/ls"];

pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> ArchFacts {
    if let Some(p) = probe {
        return match p.uname() {
            Ok(u) => ArchFacts {
                arch: Some(u.machine),
                source: "uname".into(),
                error: None,
            },
            Err(e) => ArchFacts {
                arch: None,
                source: "uname".into(),
                error: Some(e.to_string()),
            },
        };
    }
    let mut last_error = None;
    for bin in PROBE_BINARIES {
        match root.read_prefix(Path::new(bin), 64) {
            Ok(bytes) => {
                if let Some(arch) = elf_machine(&bytes) {
                    return ArchFacts {
                        arch: Some(arch.to_string()),
                        source: format!("ELF header of {bin}"),
                        error: None,
                    };
                }
                last_error = Some(format!("{bin}: not an ELF executable"));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => last_error = Some(e.to_string()),
        }
    }
    ArchFacts {
        arch: None,
        source: "no ELF executable found at /bin/sh, /usr/bin/env, /sbin/init or /bin/ls".into(),
        error: last_error,
    }
}

/// The architecture an ELF header declares (class and e_machine).
pub fn elf_machine(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let class64 = bytes[4] == 2;
    let little = bytes[5] == 1;
    let machine = if little {
        u16::from_le_bytes([bytes[18], bytes[19]])
    } else {
        u16::from_be_bytes([bytes[18], bytes[19]])
    };
    Some(match (machine, class64) {
        (62, true) => "x86_64",
        (3, false) => "i686",
        (183, true) => "aarch64",
        (40, false) => "armv7l",
        (21, true) => "ppc64le",
        (22, true) => "s390x",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers of 64-bit x86, 32-bit x86 and a non-ELF file.
    #[test]
    fn elf_headers() {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[18] = 62;
        assert_eq!(elf_machine(&h), Some("x86_64"));
        h[4] = 1;
        h[18] = 3;
        assert_eq!(elf_machine(&h), Some("i686"));
        assert_eq!(elf_machine(b"#!/bin/sh\n"), None);
    }
}
