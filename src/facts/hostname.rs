//! The machine's host name: live, the kernel's; in an image, its configuration files in the
//! order the boot reads them (`/etc/hostname` of systemd and Debian, RHEL 6's
//! `/etc/sysconfig/network` `HOSTNAME=`, SUSE's `/etc/HOSTNAME`). The file that decided is
//! named, and other files that say something else are kept so that a check can show them.

use crate::facts::FactError;
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
    pub errors: Vec<FactError>,
    /// Other configuration files that set a different name (source, name).
    pub others: Vec<(String, Vec<u8>)>,
    /// The configuration file that sets the name at boot (also known live), if any.
    pub boot_file: Option<String>,
}

impl HostnameFacts {
    /// The name for display, invalid UTF-8 escaped.
    pub fn display(&self) -> Option<String> {
        self.name.as_deref().map(crate::text::escape_bytes)
    }
}

/// The first line that is not blank or a comment, trimmed, as systemd reads /etc/hostname.
fn first_line(bytes: &[u8]) -> Option<&[u8]> {
    bytes
        .split(|b| *b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty() && !l.starts_with(b"#"))
}

/// Every configured name, in the order the boot consults them.
fn configured(root: &Root, errors: &mut Vec<FactError>) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let file = |path: &str, errors: &mut Vec<FactError>| -> Option<Vec<u8>> {
        match root.read_bytes_capped(Path::new(path), 64 * 1024) {
            Ok(b) => Some(b),
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                errors.push(e.into());
                None
            }
        }
    };
    if let Some(n) = file("/etc/hostname", errors)
        .as_deref()
        .and_then(first_line)
    {
        found.push(("/etc/hostname".to_string(), n.to_vec()));
    }
    if let Some(b) = file("/etc/sysconfig/network", errors) {
        let vars = shell_vars::parse(&String::from_utf8_lossy(&b));
        if let Some(n) = shell_vars::get(&vars, "HOSTNAME").filter(|s| !s.is_empty()) {
            found.push((
                "/etc/sysconfig/network (HOSTNAME=)".to_string(),
                n.as_bytes().to_vec(),
            ));
        }
    }
    if let Some(n) = file("/etc/HOSTNAME", errors)
        .as_deref()
        .and_then(first_line)
    {
        found.push(("/etc/HOSTNAME".to_string(), n.to_vec()));
    }
    found
}

pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> HostnameFacts {
    let mut errors = Vec::new();
    let config = configured(root, &mut errors);
    let boot_file = config.first().map(|(s, _)| s.clone());
    if let Some(p) = probe {
        let source = "kernel (gethostname)".to_string();
        return match p.hostname() {
            Ok(n) => {
                let name = OsString::into_vec(n);
                let others = config.into_iter().filter(|(_, c)| *c != name).collect();
                HostnameFacts {
                    name: Some(name),
                    source,
                    // Unreadable configuration does not hide the kernel's name.
                    errors: Vec::new(),
                    others,
                    boot_file,
                }
            }
            Err(e) => HostnameFacts {
                name: None,
                source,
                errors: vec![e.into()],
                others: config,
                boot_file,
            },
        };
    }
    let mut it = config.into_iter();
    match it.next() {
        Some((source, name)) => {
            let others = it.filter(|(_, c)| *c != name).collect();
            HostnameFacts {
                name: Some(name),
                source,
                errors,
                others,
                boot_file,
            }
        }
        None => HostnameFacts {
            name: None,
            source: "no /etc/hostname, HOSTNAME= in /etc/sysconfig/network, or /etc/HOSTNAME"
                .into(),
            errors,
            others: Vec::new(),
            boot_file: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::FakeProbe;
    use crate::testutil::image;

    /// /etc/hostname decides over the others, which are kept when they differ.
    #[test]
    fn order_and_others() {
        let (_d, r) = image(&[
            (
                "/etc/hostname",
                "# set by installer\n  web01.example.com \n",
            ),
            (
                "/etc/sysconfig/network",
                "NETWORKING=yes\nHOSTNAME=old-name\n",
            ),
            ("/etc/HOSTNAME", "web01.example.com\n"),
        ]);
        let h = gather(&r, None);
        assert_eq!(h.name.as_deref(), Some(&b"web01.example.com"[..]));
        assert_eq!(h.source, "/etc/hostname");
        assert_eq!(h.others.len(), 1);
        assert_eq!(h.others[0].1, b"old-name");
    }

    /// RHEL 6 (sysconfig) and SLES 11 (/etc/HOSTNAME) alone decide; nothing at all is None.
    #[test]
    fn old_distributions_and_none() {
        let (_d, r) = image(&[("/etc/sysconfig/network", "HOSTNAME=\"rhel6-box\"\n")]);
        let h = gather(&r, None);
        assert_eq!(h.name.as_deref(), Some(&b"rhel6-box"[..]));
        assert_eq!(h.source, "/etc/sysconfig/network (HOSTNAME=)");
        let (_d, r) = image(&[("/etc/HOSTNAME", "sles11.example.com\n")]);
        assert_eq!(gather(&r, None).source, "/etc/HOSTNAME");
        let (_d, r) = image(&[("/etc/hostname", "\n# empty\n")]);
        assert_eq!(gather(&r, None).name, None);
    }

    /// Live, the kernel decides and a differing /etc/hostname is noted.
    #[test]
    fn live_kernel_decides() {
        let (_d, r) = image(&[("/etc/hostname", "next-name\n")]);
        let p = FakeProbe::new("5.14.0", "web01");
        let h = gather(&r, Some(&p));
        assert_eq!(h.name.as_deref(), Some(&b"web01"[..]));
        assert_eq!(h.source, "kernel (gethostname)");
        assert_eq!(
            h.others,
            vec![("/etc/hostname".to_string(), b"next-name".to_vec())]
        );
    }
}
