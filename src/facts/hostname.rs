//! The machine's host name: live, the kernel's; in an image, its configuration files
//! (`/etc/hostname`, RHEL 6's `/etc/sysconfig/network` `HOSTNAME=`, SUSE's `/etc/HOSTNAME`).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

use crate::parse::shell_vars;
use crate::probe::Probe;
use crate::root::Root;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostnameFacts {
    /// The name as bytes: it may hold anything an administrator typed.
    pub name: Option<Vec<u8>>,
    /// Where it came from (`kernel (gethostname)`, `/etc/hostname`, ...).
    pub source: String,
    pub errors: Vec<String>,
}

impl HostnameFacts {
    /// The name for display, invalid UTF-8 escaped.
    pub fn display(&self) -> Option<String> {
        self.name.as_deref().map(crate::text::escape_bytes)
    }
}

pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> HostnameFacts {
    if let Some(p) = probe {
        return match p.hostname() {
            Ok(n) => HostnameFacts {
                name: Some(OsString::into_vec(n)),
                source: "kernel (gethostname)".into(),
                errors: Vec::new(),
            },
            Err(e) => HostnameFacts {
                name: None,
                source: "kernel (gethostname)".into(),
                errors: vec![e.to_string()],
            },
        };
    }
    let mut errors = Vec::new();
    for path in ["/etc/hostname", "/etc/HOSTNAME"] {
        match root.read_bytes_capped(Path::new(path), 64 * 1024) {
            Ok(bytes) => {
                // The first line that is not a comment, as systemd reads it.
                let name = bytes
                    .split(|b| *b == b'\n')
                    .map(|l| l.trim_ascii())
                    .find(|l| !l.is_empty() && !l.starts_with(b"#"));
                if let Some(n) = name {
                    return HostnameFacts {
                        name: Some(n.to_vec()),
                        source: path.into(),
                        errors,
                    };
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
    match root.read_optional(Path::new("/etc/sysconfig/network")) {
        Ok(Some(text)) => {
            let vars = shell_vars::parse(&text);
            if let Some(n) = shell_vars::get(&vars, "HOSTNAME").filter(|s| !s.is_empty()) {
                return HostnameFacts {
                    name: Some(n.as_bytes().to_vec()),
                    source: "/etc/sysconfig/network (HOSTNAME=)".into(),
                    errors,
                };
            }
        }
        Ok(None) => {}
        Err(e) => errors.push(e.to_string()),
    }
    HostnameFacts {
        name: None,
        source: "no /etc/hostname, /etc/HOSTNAME or HOSTNAME= in /etc/sysconfig/network".into(),
        errors,
    }
}
