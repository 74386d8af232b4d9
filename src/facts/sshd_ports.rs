//! The TCP ports sshd listens on, from its configuration: `/etc/ssh/sshd_config` (or
//! `/usr/etc/ssh/sshd_config` on systems that ship it there) with its `Include` files expanded,
//! `Port` lines outside `Match` blocks, and ports given in `ListenAddress`. Port 22 when
//! nothing says otherwise, as sshd does.

use std::path::{Path, PathBuf};

use crate::parse::sshd_config::{self, Directive};
use crate::root::Root;

/// sshd's default port.
pub const DEFAULT_PORT: u16 = 22;
const MAX_INCLUDE_DEPTH: usize = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshdPorts {
    /// The ports, sorted and unique; never empty.
    pub ports: Vec<u16>,
    /// The main configuration file, when one was found.
    pub config: Option<String>,
    /// Every file read, in order.
    pub files: Vec<String>,
    /// How the ports were decided, and anything sshd would complain about.
    pub notes: Vec<String>,
    /// Files that exist but could not be read.
    pub errors: Vec<String>,
}

pub fn gather(root: &Root) -> SshdPorts {
    let mut out = SshdPorts::default();
    let main = ["/etc/ssh/sshd_config", "/usr/etc/ssh/sshd_config"]
        .into_iter()
        .find(|p| root.exists(Path::new(p)));
    let mut ports = Vec::new();
    let mut listen: Vec<(String, Option<u16>)> = Vec::new();
    match main {
        None => out
            .notes
            .push("no sshd_config found (/etc/ssh, /usr/etc/ssh): sshd's default port 22".into()),
        Some(path) => {
            out.config = Some(path.to_string());
            read_file(
                root,
                Path::new(path),
                false,
                0,
                &mut out,
                &mut ports,
                &mut listen,
            );
        }
    }
    let mut result: Vec<u16> = Vec::new();
    let base_ports = if ports.is_empty() {
        vec![DEFAULT_PORT]
    } else {
        ports.clone()
    };
    if listen.is_empty() {
        result.extend(&base_ports);
    } else {
        for (addr, p) in &listen {
            match p {
                Some(p) => result.push(*p),
                None => result.extend(&base_ports),
            }
            if p.is_some() {
                out.notes.push(format!(
                    "ListenAddress {addr} sets its own port {}",
                    p.unwrap_or(0)
                ));
            }
        }
    }
    result.sort_unstable();
    result.dedup();
    if ports.is_empty() && main.is_some() {
        out.notes
            .push("no Port line: sshd's default port 22".into());
    }
    out.ports = result;
    out
}

fn read_file(
    root: &Root,
    path: &Path,
    in_match: bool,
    depth: usize,
    out: &mut SshdPorts,
    ports: &mut Vec<u16>,
    listen: &mut Vec<(String, Option<u16>)>,
) {
    let shown = crate::text::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()));
    if depth > MAX_INCLUDE_DEPTH {
        out.errors.push(format!(
            "{shown}: Include nested more than {MAX_INCLUDE_DEPTH} deep"
        ));
        return;
    }
    let text = match root.read_text(path) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e.to_string());
            return;
        }
    };
    out.files.push(shown.clone());
    for l in sshd_config::parse(&text) {
        let matched = in_match || l.in_match;
        match l.directive {
            Directive::Port(p) if matched => out.notes.push(format!(
                "{shown} line {}: Port {p} inside a Match block is not allowed there (sshd refuses it) and is not counted",
                l.line
            )),
            Directive::Port(p) => ports.push(p),
            Directive::ListenAddress { .. } if matched => {}
            Directive::ListenAddress { address, port } => listen.push((address, port)),
            Directive::Invalid(m) => out.notes.push(format!("{shown}: {m}")),
            Directive::Include(patterns) => {
                for pat in patterns {
                    for f in expand(root, &pat, out) {
                        read_file(root, &f, matched, depth + 1, out, ports, listen);
                    }
                }
            }
        }
    }
}

/// The files an Include pattern names, sorted as glob(3) returns them. Relative patterns are
/// relative to /etc/ssh; wildcards are expanded in the last component.
fn expand(root: &Root, pattern: &str, out: &mut SshdPorts) -> Vec<PathBuf> {
    let full = if pattern.starts_with('/') {
        PathBuf::from(pattern)
    } else {
        Path::new("/etc/ssh").join(pattern)
    };
    let name = full
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let dir = full.parent().unwrap_or(Path::new("/")).to_path_buf();
    if !name.contains(['*', '?', '[']) {
        return if root.exists(&full) {
            vec![full]
        } else {
            Vec::new()
        };
    }
    match root.read_dir_optional(&dir) {
        Ok(entries) => entries
            .into_iter()
            .filter_map(|e| e.name.into_string().ok())
            .filter(|n| sshd_config::glob_match(&name, n))
            .map(|n| dir.join(n))
            .collect(),
        Err(e) => {
            out.errors.push(e.to_string());
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::image as tree;

    /// Without Port lines the port is 22; without a config too, with a note saying so.
    #[test]
    fn defaults() {
        let (_d, r) = tree(&[("/etc/ssh/sshd_config", "PermitRootLogin no\n")]);
        assert_eq!(gather(&r).ports, vec![22]);
        let (_d, r) = tree(&[("/etc/hosts", "")]);
        let p = gather(&r);
        assert_eq!(p.ports, vec![22]);
        assert!(p.config.is_none());
    }

    /// Include globs (relative to /etc/ssh, sorted), Match blocks ignored, ListenAddress ports.
    #[test]
    fn includes_match_and_listen() {
        let (_d, r) = tree(&[
            (
                "/etc/ssh/sshd_config",
                "Include sshd_config.d/*.conf\nPort 22\nMatch User x\n Port 2022\n",
            ),
            ("/etc/ssh/sshd_config.d/10-a.conf", "Port 2200\n"),
            ("/etc/ssh/sshd_config.d/20-b.conf.disabled", "Port 9999\n"),
            (
                "/etc/ssh/sshd_config.d/30-c.conf",
                "ListenAddress 10.0.0.1:2300\nListenAddress 0.0.0.0\n",
            ),
        ]);
        let p = gather(&r);
        assert_eq!(p.ports, vec![22, 2200, 2300]);
        assert_eq!(p.files.len(), 3);
        assert!(p.notes.iter().any(|n| n.contains("2022")));
    }

    /// An Include inside a Match block is conditional: its Port lines do not count.
    #[test]
    fn include_inside_match() {
        let (_d, r) = tree(&[
            (
                "/etc/ssh/sshd_config",
                "Port 2222\nMatch Address 10.0.0.0/8\n Include /etc/ssh/m.conf\n",
            ),
            ("/etc/ssh/m.conf", "Port 3333\n"),
        ]);
        assert_eq!(gather(&r).ports, vec![2222]);
    }
}
